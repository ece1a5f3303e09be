package org.nova.hw.sim.gpu;

import org.nova.nvidia.Chipset;
import org.nova.nvidia.GpuIdentity;
import org.nova.nvidia.regs.Pmc;

/**
 * PMC, the master control unit: NV_PMC_BOOT_0 and NV_PMC_BOOT_42, from which nova-core's gpu.rs
 * identifies the chipset and its revision (regs.rs "PMC"). Both are read-only to the host.
 */
final class SimPmc implements Bar0Unit {
    /** Major revision of the boards modelled: stepping A (BOOT_0/BOOT_42 major_revision). */
    static final int MAJOR_REVISION = 0xa;
    /** Minor revision of the boards modelled: stepping A1 (BOOT_0/BOOT_42 minor_revision). */
    static final int MINOR_REVISION = 0x1;
    /** Bits of the minor revision in the PCI revision ID, which shows the stepping as "a1". */
    private static final int PCI_REVISION_MINOR_BITS = 4;

    private final GpuIdentity identity;
    private final int boot0;
    private final int boot42;

    SimPmc(Chipset chipset) {
        this.identity = new GpuIdentity(chipset, MAJOR_REVISION, MINOR_REVISION);
        int[] regs = identity.encode();
        this.boot0 = regs[0];
        this.boot42 = regs[1];
    }

    /** @return the PCI revision ID of the same stepping (lspci's "rev a1") */
    static int pciRevision() {
        return MAJOR_REVISION << PCI_REVISION_MINOR_BITS | MINOR_REVISION;
    }

    /** @return what the boot registers say */
    GpuIdentity identity() {
        return identity;
    }

    @Override
    public boolean decodes(int off) {
        return off == Pmc.BOOT_0.address() || off == Pmc.BOOT_42.address();
    }

    @Override
    public int read(int off) {
        return off == Pmc.BOOT_0.address() ? boot0 : boot42;
    }

    @Override
    public void write(int off, int value) {
        // the boot registers are strapped: read-only
    }
}
