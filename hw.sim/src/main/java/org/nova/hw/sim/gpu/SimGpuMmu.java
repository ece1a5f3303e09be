package org.nova.hw.sim.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.MmuV2;

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

    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final SimMmu mmu;
    private final SimBar1 bar1;
    private final SimVram vram;
    private final Supplier<GpuHost> host;

    SimGpuMmu(SimMmu mmu, SimBar1 bar1, SimVram vram, Supplier<GpuHost> host) {
        this.mmu = mmu;
        this.bar1 = bar1;
        this.vram = vram;
        this.host = host;
    }

    /**
     * A read by a (non-privileged) GPU engine through the address space of {@code instBlock}:
     * translated as {@link #translate}, then from VRAM or, for a system memory page, from host
     * memory through the function's IOMMU ({@link GpuHost#dmaRead}); a sparse VA reads zero.
     *
     * @param size 1, 2, 4 or 8 bytes, naturally aligned
     * @return the little-endian value, or empty after an MMU fault (recorded) or when the IOMMU
     *     refused the system memory access
     */
    public OptionalLong read(long instBlock, long va, int size) {
        checkSize(va, size);
        SimMmu.Translation t = mmu.translate(instBlock, va, FaultAccess.VIRT_READ, GPU_CLIENT);
        if (t == null) {
            return OptionalLong.empty();
        }
        if (t.sparse()) {
            return OptionalLong.of(0);
        }
        if (t.aperture() == MmuV2.PTE_APERTURE_VIDEO_MEMORY) {
            return OptionalLong.of(vram.read(t.pa(), size));
        }
        MemorySegment buf = Arena.ofAuto().allocate(Long.BYTES);
        if (!host.get().dmaRead(t.pa(), buf.asSlice(0, size))) {
            return OptionalLong.empty();
        }
        long v = buf.get(LE64, 0);
        return OptionalLong.of(size == Long.BYTES ? v : v & ((1L << (size * Byte.SIZE)) - 1));
    }

    /**
     * A write by a GPU engine, translated as {@link #read}; a sparse VA drops it.
     *
     * @return false after an MMU fault (recorded) or an IOMMU refusal: nothing was written
     */
    public boolean write(long instBlock, long va, int size, long value) {
        checkSize(va, size);
        SimMmu.Translation t = mmu.translate(instBlock, va, FaultAccess.VIRT_WRITE, GPU_CLIENT);
        if (t == null) {
            return false;
        }
        if (t.sparse()) {
            return true;
        }
        if (t.aperture() == MmuV2.PTE_APERTURE_VIDEO_MEMORY) {
            vram.write(t.pa(), size, value);
            return true;
        }
        MemorySegment buf = Arena.ofAuto().allocate(Long.BYTES);
        buf.set(LE64, 0, value);
        return host.get().dmaWrite(t.pa(), buf.asSlice(0, size));
    }

    /**
     * @return the aperture ({@code MmuV2.PTE_APERTURE_*}) a GPU read of {@code va} goes to, -1
     *     for a sparse VA; -2 after a fault (recorded)
     */
    public int aperture(long instBlock, long va) {
        SimMmu.Translation t = mmu.translate(instBlock, va, FaultAccess.VIRT_READ, GPU_CLIENT);
        return t == null ? -2 : t.aperture();
    }

    private static void checkSize(long va, int size) {
        if ((size != 1 && size != 2 && size != 4 && size != 8) || (va & (size - 1)) != 0) {
            throw new IllegalArgumentException("GPU access of " + size + " bytes at 0x" + Long.toHexString(va));
        }
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
     * @return the physical address (a VRAM address, or the DMA address of a system memory page),
     *     or -1 after recording a fault or for a sparse VA
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
