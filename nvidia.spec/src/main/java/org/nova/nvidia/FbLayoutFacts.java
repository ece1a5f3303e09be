package org.nova.nvidia;

/**
 * The sizes and alignments of the regions nova-core carves from the top of VRAM before it boots
 * the GSP (the computation itself is the driver's, see nova-core fb.rs {@code FbLayout::new}):
 * from the end of the framebuffer down, the VGA workspace, FRTS, the GSP bootloader, the GSP
 * image, the WPR2 heap, WPR2 (starting with the WPR metadata) and a heap below it.
 */
public final class FbLayoutFacts {
    /** Size of the PRAMIN window; without a valid VGA workspace it starts this far below the end. */
    public static final long NV_PRAMIN_SIZE = 1L << 20;
    /** VBIOS workspace size used when the reported VGA workspace lies below the PRAMIN window. */
    public static final long VBIOS_WORKSPACE_SIZE = 128L << 10;
    /** FRTS region size. */
    public static final long FRTS_SIZE = 1L << 20;
    /** The FRTS region ends at the VGA workspace start aligned down to this. */
    public static final long FRTS_DOWN_ALIGN = 128L << 10;
    /** Alignment (down) of the GSP bootloader's region. */
    public static final long BOOTLOADER_DOWN_ALIGN = 4L << 10;
    /** Alignment (down) of the GSP image's region. */
    public static final long ELF_DOWN_ALIGN = 64L << 10;
    /** Alignment (down) of the WPR2 heap. */
    public static final long WPR2_HEAP_DOWN_ALIGN = 1L << 20;
    /** Alignment (down) of WPR2's start. */
    public static final long WPR2_DOWN_ALIGN = 1L << 20;
    /** Size of the heap below WPR2 (Turing to Ada: {@link #NON_WPR_HEAP_SIZE_TU102}). */
    public static final long HEAP_SIZE = 1L << 20;
    /**
     * The non-WPR heap below WPR2 on Turing, Ampere and Ada (fb/hal/tu102.rs non_wpr_heap_size_tu102,
     * 1 MiB; the GA100 and GA102 HALs use it too).
     */
    public static final long NON_WPR_HEAP_SIZE_TU102 = 1L << 20;
    /**
     * VRAM reserved for the PMU on Turing, Ampere and Ada: none (fb/hal/tu102.rs
     * pmu_reserved_size_tu102; Blackwell reserves the PMU backing store and surfaces).
     */
    public static final long PMU_RESERVED_SIZE_TU102 = 0;
    /** FRTS size on Turing, GA10x and Ada (fb/hal/tu102.rs frts_size_tu102, 1 MiB). */
    public static final long FRTS_SIZE_TU102 = FRTS_SIZE;
    /**
     * FRTS size on GA100: the region exists but is empty (fb/hal/ga100.rs frts_size: "we still need
     * to record where the region starts").
     */
    public static final long FRTS_SIZE_GA100 = 0;
    /**
     * gspFwWprEnd is the VGA workspace start aligned down to this (gsp/fw.rs GspFwWprMeta::new:
     * {@code vga_workspace.start.align_down(SZ_128K)}), which is where FRTS ends.
     */
    public static final long WPR_END_DOWN_ALIGN = 128L << 10;

    private FbLayoutFacts() {
    }

    /** @return {@code value} aligned down to {@code alignment} (a power of two) */
    public static long alignDown(long value, long alignment) {
        return value & -alignment;
    }
}
