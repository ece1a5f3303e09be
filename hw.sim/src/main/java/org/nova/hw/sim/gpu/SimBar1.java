package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * BAR1, the CPU's apertures onto VRAM. The PF's BAR1 is a 1:1 window onto VRAM offsets
 * [0, {@link NvidiaGpu#BAR1_SIZE}) (no BAR1 page tables are modelled), plain memory a mapping may
 * reach directly. An SR-IOV VF's BAR1 is what GSP-RM maps for the vGPU booted on it: the
 * framebuffer of the vGPU with gfid VF index + 1, so a VF reaches its own vGPU's memory and nothing
 * else ({@link SimVgpuManager#translateVfBar1}). Without a running vGPU, or past its framebuffer,
 * a VF access faults: reads return 0 (the simulator's choice; the hardware's fault reply is not
 * public), writes are dropped, and each is counted.
 */
final class SimBar1 {
    /** VF numbers are 0-based; GSP-RM's gfids of the vGPUs on them start at 1. */
    private static final int FIRST_VF_GFID = 1;

    private final SimVram vram;
    private final SimVgpuManager vgpu;
    private final AtomicLong vfFaults = new AtomicLong();

    SimBar1(SimVram vram, SimVgpuManager vgpu) {
        this.vram = vram;
        this.vgpu = vgpu;
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
