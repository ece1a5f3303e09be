package org.nova.hw.sim.gpu;

import java.util.List;
import org.nova.nvidia.mmu.FaultAccess;

/**
 * The simulated GPU's MMU as the rest of the simulator and tests reach it: BAR1 accesses of the
 * PF (linear until a driver binds an instance block, then translated, {@link SimBar1}),
 * translations as a GPU engine would ask for them, the fault log and the TLB's state
 * ({@link SimMmu}, {@link SimTlb}). A view: it owns nothing.
 *
 * <p>Callers hold the function's lock, as for every other access to the model (a test without a
 * platform calls from one thread).
 */
public final class SimGpuMmu {
    /** The client name GPU-side translations are recorded under. */
    public static final String GPU_CLIENT = "GPU";

    private final SimMmu mmu;
    private final SimBar1 bar1;

    SimGpuMmu(SimMmu mmu, SimBar1 bar1) {
        this.mmu = mmu;
        this.bar1 = bar1;
    }

    /** A read through the PF's BAR1: linear before a bind, translated after (all ones on a fault). */
    public long bar1Read(long offset, int size) {
        return bar1.read(offset, size);
    }

    /** A write through the PF's BAR1: dropped when the MMU faults. */
    public void bar1Write(long offset, int size, long value) {
        bar1.write(offset, size, value);
    }

    /** @return whether the PF's BAR1 is physical: linear onto VRAM and directly mappable */
    public boolean bar1Linear() {
        return bar1.linear();
    }

    /**
     * Translates a VA as a (non-privileged) GPU engine would, through the TLB and the page tables
     * of the instance block at {@code instBlock}; a refusal is recorded as a fault with client
     * {@value #GPU_CLIENT}.
     *
     * @param instBlock VRAM address of the instance block
     * @param va the virtual address
     * @param write whether the access writes
     * @return the physical address, or -1 after recording a fault
     */
    public long translate(long instBlock, long va, boolean write) {
        SimMmu.Translation t = mmu.translate(instBlock, va, write ? FaultAccess.VIRT_WRITE : FaultAccess.VIRT_READ,
                GPU_CLIENT);
        return t == null ? -1 : t.pa();
    }

    /** @return the faults recorded, oldest first (the last {@value SimMmu#FAULT_LOG}) */
    public List<SimMmuFault> faults() {
        return mmu.faults();
    }

    /** @return faults recorded since the GPU was created */
    public long faultCount() {
        return mmu.faultCount();
    }

    /** @return translations the TLB holds now (stale ones too, until the driver invalidates) */
    public int tlbEntries() {
        return mmu.tlb().size();
    }

    /** @return page-table walks (TLB misses) since the GPU was created */
    public long walks() {
        return mmu.walks();
    }
}
