package org.nova.gpu;

/**
 * What nova.core knows about one GPU it drives, as other bundles and the shell see it. A value:
 * a snapshot taken when asked.
 *
 * @param device the PCI device name ("0000:00:05.0")
 * @param chipset the chipset ("GA102")
 * @param architecture the architecture ("Ampere")
 * @param revision the chip revision as nova-core prints it ("a.1")
 * @param vbiosVersion the VBIOS version ("90.01.72.00.01"), empty if the VBIOS has none
 * @param firmwareVersion the GSP firmware version loaded ("535.113.01")
 * @param fbSize the usable framebuffer size in bytes
 * @param bar0Size BAR0 (registers) in bytes, as PCI reports it (GSP-RM's static information does
 *     not carry BAR sizes in either supported release)
 * @param bar1Size BAR1 (the VRAM aperture) in bytes, as PCI reports it
 * @param state the boot state
 */
public record GpuInfo(String device, String chipset, String architecture, String revision, String vbiosVersion,
        String firmwareVersion, long fbSize, long bar0Size, long bar1Size, BootState state) {

    /** How far the GPU's bring-up got. */
    public enum BootState {
        /** Probe is running. */
        PROBING,
        /** The GSP's RISC-V core is running GSP-RM. */
        GSP_STARTED,
        /** The driver unbound; the falcons were reset. */
        STOPPED
    }
}
