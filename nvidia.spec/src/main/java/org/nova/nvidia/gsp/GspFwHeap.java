package org.nova.nvidia.gsp;

/**
 * The WPR2 heap GSP-RM runs from, as nova-core sizes it (gsp/fw.rs {@code LibosParams} and
 * {@code GspFwHeapParams}, torvalds/linux at the version whose fw.rs imports PMU_RESERVED_SIZE
 * from fb.rs): a LibOS carve-out, GSP-RM's boot working memory, one RM client's channels and an
 * allowance per GiB of framebuffer, each of the last two aligned up to {@link #ALIGNMENT}, the sum
 * clamped to the LibOS version's range. The numbers are the r570_144 bindings' (gsp/fw/r570_144/
 * bindings.rs), which carry open-gpu-kernel-modules' gsp_fw_heap.h values; with vGPU the heap is
 * GSP_FW_HEAP_SIZE_VGPU_DEFAULT instead (nova-core vGPU RFC 20251206124208 "reserve a larger GSP
 * WPR2 heap when vGPU is enabled"). The computation is the user's (driver and simulated booter
 * each do their own); only the facts live here.
 */
public final class GspFwHeap {
    /** The heap's sizes are multiples of this (GSP_HEAP_ALIGNMENT, gsp/fw.rs). */
    public static final long ALIGNMENT = 1L << 20;
    /** LibOS 2 (Turing, GA100) takes no framebuffer heap (GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS2). */
    public static final long OS_SIZE_LIBOS2 = 0;
    /** LibOS 3 bare-metal carve-out (GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS3_BAREMETAL, 22 MiB). */
    public static final long OS_SIZE_LIBOS3_BAREMETAL = 22L << 20;
    /** GSP-RM's boot working memory, Turing to Ada (GSP_FW_HEAP_PARAM_BASE_RM_SIZE_TU10X, 8 MiB). */
    public static final long BASE_RM_SIZE_TU10X = 8L << 20;
    /** Heap per GiB of framebuffer (GSP_FW_HEAP_PARAM_SIZE_PER_GB_FB, 96 KiB). */
    public static final long SIZE_PER_GB_FB = 96L << 10;
    /** One client's 2048 channels of 48 KiB (GSP_FW_HEAP_PARAM_CLIENT_ALLOC_SIZE, 96 MiB). */
    public static final long CLIENT_ALLOC_SIZE = (48L << 10) * 2048;
    /** LibOS 2 heap minimum (GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MIN_MB, 64 MiB). */
    public static final long LIBOS2_MIN = 64L << 20;
    /** LibOS 2 heap maximum, exclusive in nova-core's range (GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MAX_MB, 256 MiB). */
    public static final long LIBOS2_MAX = 256L << 20;
    /** LibOS 3 bare-metal heap minimum (GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB, 88 MiB). */
    public static final long LIBOS3_BAREMETAL_MIN = 88L << 20;
    /** LibOS 3 bare-metal heap maximum, exclusive (GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MAX_MB, 280 MiB). */
    public static final long LIBOS3_BAREMETAL_MAX = 280L << 20;
    /** Bytes per GiB: the framebuffer allowance counts whole GiB, rounded up. */
    public static final long GIB = 1L << 30;
    /**
     * The WPR2 heap with vGPU on, room for GSP-RM's per-VF partitions (GSP_FW_HEAP_SIZE_VGPU_DEFAULT,
     * 581 MiB: gsp_fw_heap.h without Bullseye; nova-core vGPU RFC fb.rs).
     */
    public static final long VGPU_HEAP_SIZE = 581L << 20;
    /**
     * gspFwHeapVfPartitionCount with vGPU on: the maximum number of VF partitions (nova-core vGPU
     * RFC fb.rs "set the max supported VF to max in WPR2 meta"); 0 without vGPU.
     */
    public static final int VGPU_VF_PARTITION_COUNT = 32;

    private GspFwHeap() {
    }

    /** The LibOS version a chip's GSP-RM runs on (LibosParams::from_chipset). */
    public enum Libos {
        /** LibOS 2: Turing and GA100. */
        LIBOS2(OS_SIZE_LIBOS2, LIBOS2_MIN, LIBOS2_MAX),
        /** LibOS 3 (bare metal): GA102 and later Ampere, Ada. */
        LIBOS3(OS_SIZE_LIBOS3_BAREMETAL, LIBOS3_BAREMETAL_MIN, LIBOS3_BAREMETAL_MAX);

        private final long carveout;
        private final long min;
        private final long max;

        Libos(long carveout, long min, long max) {
            this.carveout = carveout;
            this.min = min;
            this.max = max;
        }

        /** @return the LibOS carve-out of the heap */
        public long carveout() {
            return carveout;
        }

        /** @return the smallest heap allowed */
        public long min() {
            return min;
        }

        /** @return the end of the allowed range (exclusive: the largest heap is one byte less) */
        public long max() {
            return max;
        }
    }
}
