package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import org.nova.nvidia.regs.Pfb;

/**
 * The sysmem flush page registers (NV_PFB_NISO_FLUSH_SYSMEM_ADDR, and _HI from GA100 on: nova-core
 * fb/hal/{tu102,ga100}.rs; fb.rs SysmemFlush explains the use): the page the GPU's sysmembar
 * flushes its PCIe writes to system memory through. A falcon's reset acknowledgement is such a
 * write, so without a page the host can reach, a falcon reset never completes ({@link SimFalcon}).
 *
 * <p>Owns the two register values; power-on clears them. Threading: accessed with the function's
 * lock held, like every register.
 */
final class SimSysmemFlush implements Bar0Unit {
    /** One host page: what the flush writes land in (nova-core allocates PAGE_SIZE). */
    static final int PAGE = 4096;

    private final NvidiaGpu gpu;
    /** GA100 and later decode the high register too. */
    private final boolean hasHi;
    private int lo;
    private int hi;

    SimSysmemFlush(NvidiaGpu gpu, boolean hasHi) {
        this.gpu = gpu;
        this.hasHi = hasHi;
    }

    /** Power-on or reset: no page registered. */
    void powerOn() {
        lo = 0;
        hi = 0;
    }

    /** @return the registered page's bus address, 0 if none */
    long address() {
        long a = Integer.toUnsignedLong(lo) << Pfb.FLUSH_SYSMEM_ADDR_SHIFT;
        if (hasHi) {
            a |= (long) Pfb.NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40.get(hi) << Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI;
        }
        return a;
    }

    /**
     * @return why a sysmembar cannot flush now (no page registered, or the host does not let the
     *     GPU reach it), or null when it can
     */
    String unusableReason() {
        long a = address();
        if (a == 0) {
            return Pfb.NISO_FLUSH_SYSMEM_ADDR.name() + " is unset (no sysmem flush page registered)";
        }
        if (!gpu.host().dmaRead(a, MemorySegment.ofArray(new byte[PAGE]))) {
            return String.format("the sysmem flush page 0x%x is not memory the GPU may reach (the IOMMU refuses it)",
                    a);
        }
        return null;
    }

    @Override
    public boolean decodes(int off) {
        return off == Pfb.NISO_FLUSH_SYSMEM_ADDR.address() || hasHi && off == Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address();
    }

    @Override
    public int read(int off) {
        return off == Pfb.NISO_FLUSH_SYSMEM_ADDR.address() ? lo : hi;
    }

    @Override
    public void write(int off, int value) {
        if (off == Pfb.NISO_FLUSH_SYSMEM_ADDR.address()) {
            lo = value;
        } else {
            hi = value & Pfb.NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40.mask();
        }
    }
}
