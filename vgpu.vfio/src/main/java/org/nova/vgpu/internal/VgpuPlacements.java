package org.nova.vgpu.internal;

import java.util.ArrayList;
import java.util.List;
import org.nova.vgpu.VgpuType;

/**
 * Where a vGPU type's framebuffers may lie on one GPU: fixed-size slots, as NVIDIA's vGPU
 * manager places them in its homogeneous placement mode (open-gpu-kernel-modules
 * src/nvidia/src/kernel/virtualization/kernel_vgpu_mgr.c: kvgpumgrSetSupportedPlacementIds,
 * _kvgpumgrSetHomogeneousResources, _kvgpumgrUpdateHomogeneousCreatablePlacementIds;
 * NVA081_CTRL_VGPU_INFO's placementSize and homogeneousPlacementIds in ctrla081.h). The facts
 * carried over:
 * <ul>
 * <li>a type's placement size follows its profile size (RM: profileSize / 1 GiB); its slots are
 * consecutive, one placement size apart, and there are at most maxInstance of them;</li>
 * <li>once a vGPU runs, only types of the same placement size are creatable (RM invalidates the
 * creatable placement IDs of every other size), so the slots in use never straddle each other
 * and placement never fragments; the first vGPU of a type of that size may be any of those types;</li>
 * <li>a type's available instances are its creatable placements: the slots not taken.</li>
 * </ul>
 * What differs, and why: RM carves its slots from the largest free PMA region, in vMMU segments,
 * and puts each plugin heap next to its framebuffer behind BAR1 page tables. nova-core's VRAM is
 * a buddy allocator and BAR1 maps VRAM 1:1 from 0, so here a slot is one naturally aligned buddy
 * block of the framebuffer's size rounded up to a power of two, the slots lie above the
 * CPU-visible aperture (the plugin heaps and nova-drm's mappable buffers live there), and they are
 * counted from the top of VRAM down, away from where lowest-first allocations land. Stateless: the
 * slots in use are the VRAM manager's allocated blocks.
 */
final class VgpuPlacements {
    /** The smallest block the VRAM manager hands out (BuddyAllocator.MIN_CHUNK, drm_buddy's chunk). */
    static final long MIN_SLOT = 4096;

    /** One slot: where a framebuffer of the type may be placed. */
    record Placement(long offset, long size) {
    }

    private VgpuPlacements() {
    }

    /** @return the slot size of a type: its framebuffer rounded up to a power of two (one buddy block) */
    static long slotSize(VgpuType t) {
        long fb = Math.max(t.fbSize(), MIN_SLOT);
        long s = Long.highestOneBit(fb);
        return s == fb ? s : s << 1;
    }

    /** @return whether two types share their placements (the same slot size): they may run side by side */
    static boolean samePlacementSize(VgpuType a, VgpuType b) {
        return slotSize(a) == slotSize(b);
    }

    /**
     * @param t the type
     * @param vramEnd the end of the VRAM the manager hands out
     * @param reservedBelow the CPU-visible aperture's end: no slot starts below it
     * @return the type's slots, highest first, at most its maximum instances
     */
    static List<Placement> of(VgpuType t, long vramEnd, long reservedBelow) {
        long s = slotSize(t);
        long lowest = Math.ceilDiv(reservedBelow, s) * s;
        List<Placement> out = new ArrayList<>();
        for (long o = Math.floorDiv(vramEnd - s, s) * s; o >= lowest && out.size() < t.maxInstances(); o -= s) {
            out.add(new Placement(o, s));
        }
        return List.copyOf(out);
    }
}
