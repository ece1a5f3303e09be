package org.nova.nvidia.fsp;

/**
 * The per-generation numbers of Hopper and Blackwell the FSP boot path needs beyond the registers
 * (nova-core newest stored versions): the non-WPR heap and the PMU reservation at the end of VRAM,
 * which place FRTS (fb/hal/{gh100,gb100,gb202}.rs@637315cb, fb/hal/tu102.rs; fsp.rs FspMessage::new
 * aligns their sum up to 2 MiB), and the DMA mask of each generation (gpu/hal/{tu102,gh100}.rs).
 */
public final class FspChipFacts {
    private static final long MIB = 1L << 20;
    private static final long KIB = 1L << 10;

    /** Non-WPR heap of Hopper (fb/hal/gh100.rs: SZ_2M, OpenRM kgspCalculateFbLayout_GH100). */
    public static final long NON_WPR_HEAP_GH100 = 2 * MIB;
    /** Non-WPR heap of GB10x (fb/hal/gb100.rs: SZ_2M). */
    public static final long NON_WPR_HEAP_GB100 = 2 * MIB;
    /** Non-WPR heap of GB20x (fb/hal/gb202.rs: SZ_2M + SZ_128K). */
    public static final long NON_WPR_HEAP_GB202 = 2 * MIB + 128 * KIB;
    /** PMU reservation of Hopper (fb/hal/gh100.rs uses tu102's: 0). */
    public static final long PMU_RESERVED_GH100 = 0;
    /** Alignment of the Blackwell PMU reservation (fb/hal/gb100.rs: SZ_128K). */
    public static final long PMU_RESERVED_ALIGN = 128 * KIB;
    /** PMU reservation of GB10x and GB20x (fb/hal/gb100.rs: SZ_8M + SZ_16M + SZ_4K aligned up to 128 KiB). */
    public static final long PMU_RESERVED_GB100 = alignUp(8 * MIB + 16 * MIB + 4 * KIB, PMU_RESERVED_ALIGN);
    /** FRTS's distance below the end of VRAM is aligned up to this (fsp.rs: SZ_2M). */
    public static final long FRTS_VIDMEM_ALIGN = 2 * MIB;
    /** DMA mask of Turing, Ampere and Ada, in address bits (gpu/hal/tu102.rs DmaMask::new::&lt;47&gt;). */
    public static final int DMA_MASK_BITS_TU102 = 47;
    /** DMA mask of Hopper and Blackwell, in address bits (gpu/hal/gh100.rs DmaMask::new::&lt;52&gt;). */
    public static final int DMA_MASK_BITS_GH100 = 52;

    private FspChipFacts() {
    }

    /** @return {@code v} aligned up to {@code a} (a power of two) */
    public static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    /**
     * fsp.rs FspMessage::new: where FRTS starts, counted down from the end of VRAM.
     *
     * @return the non-WPR heap plus the PMU reservation, aligned up to {@link #FRTS_VIDMEM_ALIGN}
     */
    public static long frtsVidmemOffset(long nonWprHeap, long pmuReserved) {
        return alignUp(nonWprHeap + pmuReserved, FRTS_VIDMEM_ALIGN);
    }
}
