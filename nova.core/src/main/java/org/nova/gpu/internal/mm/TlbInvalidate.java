package org.nova.gpu.internal.mm;

import org.nova.bus.pci.Bar;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.regs.MmuInvalidate;

/**
 * The TLB invalidate register sequence of Turing and later (nouveau mmu/vmmtu102.c
 * {@code tu102_vmm_flush}): the page directory base into {@code MMU_INVALIDATE_PDB} and
 * {@code MMU_INVALIDATE_UPPER_PDB}, then {@code MMU_INVALIDATE} with TRIGGER, ALL_VA (nouveau's
 * PAGE_ALL) and HUBTLB_ONLY, then wait up to {@link MmuInvalidate#TIMEOUT_MS} for the hardware to
 * clear TRIGGER. nouveau also writes 0 to 0x100e68 in between; no published header names that
 * register, so it is left out. Serialised: one invalidate at a time per GPU.
 *
 * <p>Valid while the BAR0 mapping it was given is.
 */
public final class TlbInvalidate implements TlbFlush {
    private final Bar bar0;
    private long count;

    /** @param bar0 the GPU's BAR0 mapping */
    public TlbInvalidate(Bar bar0) {
        this.bar0 = bar0;
    }

    @Override
    public synchronized void invalidate(long pageDirectory) {
        int pdb = MmuInvalidate.PDB_ADDR.of((pageDirectory >>> MmuInvalidate.PDB_ADDR_SHIFT)
                & MmuInvalidate.PDB_ADDR.maxValue()) | MmuInvalidate.PDB_APERTURE.of(MmuInvalidate.PDB_APERTURE_VID_MEM);
        bar0.write32(MmuInvalidate.PDB.address(), pdb);
        bar0.write32(MmuInvalidate.UPPER_PDB.address(),
                MmuInvalidate.UPPER_PDB_ADDR.of(pageDirectory >>> MmuInvalidate.PDB_LOW_BITS));
        int cmd = MmuInvalidate.INVALIDATE_TRIGGER.of(1) | MmuInvalidate.INVALIDATE_ALL_VA.of(1)
                | MmuInvalidate.INVALIDATE_HUBTLB_ONLY.of(1);
        bar0.write32(MmuInvalidate.INVALIDATE.address(), cmd);
        long deadline = System.nanoTime() + MmuInvalidate.TIMEOUT_MS * 1_000_000L;
        while (MmuInvalidate.INVALIDATE_TRIGGER.isSet(bar0.read32(MmuInvalidate.INVALIDATE.address()))) {
            if (System.nanoTime() - deadline > 0) {
                throw new DriverException(Errno.ETIMEDOUT, String.format(
                        "GPU TLB invalidate of page directory 0x%x not done after %d ms", pageDirectory,
                        MmuInvalidate.TIMEOUT_MS));
            }
            Thread.onSpinWait();
        }
        count++;
    }

    /** @return invalidates completed */
    public synchronized long count() {
        return count;
    }
}
