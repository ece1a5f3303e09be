package org.nova.nvidia.gsp;

/**
 * The constants of GspSystemInfo nova-core sends in SetSystemInfo (gsp/fw/commands.rs
 * GspSetSystemInfo::init, torvalds/linux 19b0a6e7): the user address space GSP-RM assumes and
 * where GSP-RM finds the mirror of the PCI configuration space in BAR0. The BAR addresses come
 * from the device ({@code pci_resource_start} of BARs 0, 1 and 3) and the routing ID from
 * {@code pci_dev_id} (bus and devfn, without the domain).
 */
public final class SystemInfoFacts {
    /**
     * maxUserVa: a 47-bit user address space less one 4 KiB page ({@code (1 << 47) - 4096}; nova-core
     * avoids TASK_SIZE, which is per task).
     */
    public static final long MAX_USER_VA = (1L << 47) - 4096;
    /** pciConfigMirrorBase: the BAR0 offset of the PCI configuration mirror (NV_PCFG, 0x088000). */
    public static final int PCI_CONFIG_MIRROR_BASE = 0x08_8000;
    /** pciConfigMirrorSize: one 4 KiB page. */
    public static final int PCI_CONFIG_MIRROR_SIZE = 0x00_1000;
    /** BAR index of the registers (gpuPhysAddr). */
    public static final int BAR_REGS = 0;
    /** BAR index of the framebuffer aperture (gpuPhysFbAddr). */
    public static final int BAR_FB = 1;
    /** BAR index of the instance memory aperture (gpuPhysInstAddr). */
    public static final int BAR_INST = 3;

    private SystemInfoFacts() {
    }
}
