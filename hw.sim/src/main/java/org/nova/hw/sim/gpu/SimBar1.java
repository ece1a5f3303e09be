package org.nova.hw.sim.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.MmuV2;

/**
 * BAR1, the CPU's apertures onto VRAM. The PF's BAR1 has two modes, as the BAR1 block register
 * sets them ({@link SimMmuRegs}): PHYSICAL (power-on, and until a driver binds an instance block)
 * is a 1:1 window onto VRAM offsets [0, {@link NvidiaGpu#BAR1_SIZE}), plain memory a mapping may
 * reach directly; VIRTUAL translates every access through the bound instance block's page tables
 * ({@link SimMmu}): the BAR1 offset is the VA, an access the MMU refuses is recorded as a fault
 * with client "BAR1", its write is dropped and its read returns all ones. NVIDIA does not publish
 * what a faulting BAR1 read returns; all ones is what the CPU sees of a PCIe read that completes
 * with an error (PCIe Base Specification, Unsupported Request / Completer Abort), and is the
 * simulator's choice. In VIRTUAL mode BAR1 is no longer plain memory: the region offers no direct
 * mapping ({@link #linear()}), and a direct view taken before the bind keeps reaching VRAM
 * linearly (a hardware mapping would not: write no data through such a view after binding).
 * A PTE with a system-memory aperture reaches host memory by DMA, as the hardware does. An
 * SR-IOV VF's BAR1 is what GSP-RM maps for the vGPU booted on it: the
 * framebuffer of the vGPU with gfid VF index + 1, so a VF reaches its own vGPU's memory and nothing
 * else ({@link SimVgpuManager#translateVfBar1}). Without a running vGPU, or past its framebuffer,
 * a VF access faults: reads return 0 (the simulator's choice; the hardware's fault reply is not
 * public), writes are dropped, and each is counted.
 */
final class SimBar1 {
    /** VF numbers are 0-based; GSP-RM's gfids of the vGPUs on them start at 1. */
    private static final int FIRST_VF_GFID = 1;

    /** The MMU client BAR1 accesses are (dev_fault.h NV_PFAULT_MMU_ENG_ID_BAR1). */
    static final String CLIENT = "BAR1";
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final NvidiaGpu gpu;
    private final SimVram vram;
    private final SimVgpuManager vgpu;
    private final SimMmu mmu;
    private final SimMmuRegs regs;
    private final AtomicLong vfFaults = new AtomicLong();

    SimBar1(NvidiaGpu gpu, SimVram vram, SimVgpuManager vgpu, SimMmu mmu, SimMmuRegs regs) {
        this.gpu = gpu;
        this.vram = vram;
        this.vgpu = vgpu;
        this.mmu = mmu;
        this.regs = regs;
    }

    /** @return whether the PF's BAR1 is physical (linear onto VRAM, directly mappable) */
    boolean linear() {
        return regs.bar1InstBlock() < 0;
    }

    /**
     * A read through the PF's BAR1.
     *
     * @param offset naturally aligned, below {@link NvidiaGpu#BAR1_SIZE}
     * @param size 1, 2, 4 or 8
     * @return the value, all ones in the low {@code size} bytes when the MMU faults
     */
    long read(long offset, int size) {
        long inst = regs.bar1InstBlock();
        if (inst < 0) {
            return vram.read(offset, size);
        }
        SimMmu.Translation t = translate(inst, offset, FaultAccess.VIRT_READ);
        if (t == null) {
            return size == Long.BYTES ? -1L : (1L << (size * Byte.SIZE)) - 1;
        }
        if (t.sparse()) {
            return 0;
        }
        if (t.aperture() != MmuV2.PTE_APERTURE_VIDEO_MEMORY) {
            MemorySegment buf = Arena.ofAuto().allocate(Long.BYTES);
            if (!gpu.host().dmaRead(t.pa(), buf.asSlice(0, size))) {
                gpu.log("BAR1 read of system memory 0x{} refused by the host", Long.toHexString(t.pa()));
                return size == Long.BYTES ? -1L : (1L << (size * Byte.SIZE)) - 1;
            }
            long v = buf.get(LE64, 0);
            return size == Long.BYTES ? v : v & ((1L << (size * Byte.SIZE)) - 1);
        }
        return vram.read(t.pa(), size);
    }

    /** A write through the PF's BAR1 (dropped when the MMU faults). */
    void write(long offset, int size, long value) {
        long inst = regs.bar1InstBlock();
        if (inst < 0) {
            vram.write(offset, size, value);
            return;
        }
        SimMmu.Translation t = translate(inst, offset, FaultAccess.VIRT_WRITE);
        if (t == null || t.sparse()) {
            return;
        }
        if (t.aperture() != MmuV2.PTE_APERTURE_VIDEO_MEMORY) {
            MemorySegment buf = Arena.ofAuto().allocate(Long.BYTES);
            buf.set(LE64, 0, value);
            if (!gpu.host().dmaWrite(t.pa(), buf.asSlice(0, size))) {
                gpu.log("BAR1 write of system memory 0x{} refused by the host", Long.toHexString(t.pa()));
            }
            return;
        }
        vram.write(t.pa(), size, value);
    }

    private SimMmu.Translation translate(long inst, long va, FaultAccess access) {
        if (!regs.bar1BlockInVram()) {
            gpu.log("BAR1 block in system memory is not modelled: access at 0x{} treated as unbound",
                    Long.toHexString(va));
            return mmu.translate(-1, va, access, CLIENT);
        }
        return mmu.translate(inst, va, access, CLIENT);
    }

    /**
     * @return the PF's aperture memory, {@link NvidiaGpu#BAR1_SIZE} bytes (a view of VRAM)
     * @throws IllegalStateException after the VRAM was released, or if it cannot be mapped
     */
    MemorySegment aperture() {
        return vram.memory().asSlice(0, NvidiaGpu.BAR1_SIZE);
    }

    /** A read through VF {@code vfIndex}'s BAR1. */
    long vfRead(int vfIndex, long offset, int size) {
        long at = vgpu.translateVfBar1(vfIndex + FIRST_VF_GFID, offset, size);
        if (at < 0) {
            vfFaults.incrementAndGet();
            return 0;
        }
        return vram.read(at, size);
    }

    /** A write through VF {@code vfIndex}'s BAR1; what a vGPU writes the scrubber clears later. */
    void vfWrite(int vfIndex, long offset, int size, long value) {
        long at = vgpu.translateVfBar1(vfIndex + FIRST_VF_GFID, offset, size);
        if (at < 0) {
            vfFaults.incrementAndGet();
            return;
        }
        vram.markDirty(at, size);
        vram.write(at, size, value);
    }

    /** @return the VF BAR1 accesses that faulted */
    long vfFaults() {
        return vfFaults.get();
    }
}
