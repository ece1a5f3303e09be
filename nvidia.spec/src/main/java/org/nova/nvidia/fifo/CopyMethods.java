package org.nova.nvidia.fifo;

import org.nova.nvidia.mmu.EntryField;

/**
 * The copy engine's methods nova.core writes and the simulated copy engine executes: a pitch
 * (linear) copy of LINE_COUNT lines of LINE_LENGTH_IN bytes between two virtual addresses, and
 * the semaphore release after it. From open-gpu-kernel-modules kernel-open/nvidia-uvm/clc5b5.h
 * ({@code TURING_DMA_COPY_A}); clc6b5.h, clc7b5.h and clc8b5.h keep these offsets and fields.
 * Method offsets are byte offsets within the subchannel's class.
 */
public final class CopyMethods {
    private static final String SRC = "clc5b5.h";

    /** {@code NVC5B5_NOP}. */
    public static final int NOP = 0x0100;
    /** {@code NVC5B5_SET_SEMAPHORE_A}: semaphore address bits 56:32 ({@code UPPER} 16:0). */
    public static final int SET_SEMAPHORE_A = 0x0240;
    /** {@code NVC5B5_SET_SEMAPHORE_A_UPPER}. */
    public static final EntryField SET_SEMAPHORE_A_UPPER = EntryField.of("NVC5B5_SET_SEMAPHORE_A_UPPER", 16, 0,
            "Semaphore address bits 56:32 (" + SRC + ")");
    /** {@code NVC5B5_SET_SEMAPHORE_B}: semaphore address bits 31:0. */
    public static final int SET_SEMAPHORE_B = 0x0244;
    /** {@code NVC5B5_SET_SEMAPHORE_PAYLOAD}. */
    public static final int SET_SEMAPHORE_PAYLOAD = 0x0248;
    /** {@code NVC5B5_LAUNCH_DMA}: starts the transfer described by the methods before it. */
    public static final int LAUNCH_DMA = 0x0300;
    /** {@code NVC5B5_OFFSET_IN_UPPER}: source address bits 56:32 ({@code UPPER} 16:0). */
    public static final int OFFSET_IN_UPPER = 0x0400;
    /** {@code NVC5B5_OFFSET_IN_LOWER}. */
    public static final int OFFSET_IN_LOWER = 0x0404;
    /** {@code NVC5B5_OFFSET_OUT_UPPER}: destination address bits 56:32 ({@code UPPER} 16:0). */
    public static final int OFFSET_OUT_UPPER = 0x0408;
    /** {@code NVC5B5_OFFSET_OUT_LOWER}. */
    public static final int OFFSET_OUT_LOWER = 0x040c;
    /** {@code NVC5B5_PITCH_IN}: bytes from one source line to the next. */
    public static final int PITCH_IN = 0x0410;
    /** {@code NVC5B5_PITCH_OUT}: bytes from one destination line to the next. */
    public static final int PITCH_OUT = 0x0414;
    /** {@code NVC5B5_LINE_LENGTH_IN}: bytes per line. */
    public static final int LINE_LENGTH_IN = 0x0418;
    /** {@code NVC5B5_LINE_COUNT}: lines (with MULTI_LINE_ENABLE; one line without). */
    public static final int LINE_COUNT = 0x041c;
    /** {@code NVC5B5_OFFSET_IN_UPPER_UPPER} (the same 16:0 for OFFSET_OUT_UPPER). */
    public static final EntryField OFFSET_UPPER = EntryField.of("NVC5B5_OFFSET_IN_UPPER_UPPER", 16, 0,
            "Address bits 56:32 (" + SRC + ")");
    /**
     * {@code NVC8B5_OFFSET_IN_UPPER_UPPER}, {@code _OFFSET_OUT_UPPER_UPPER} and {@code
     * _SET_SEMAPHORE_A_UPPER}: Hopper's and Blackwell's copy classes widen every upper address field to
     * 24:0, for MMU v3's 57-bit VA (kernel-open/nvidia-uvm/clc8b5.h; UVM's clc9b5.h/clcab5.h declare
     * only what changes after it). The methods' offsets are clc5b5.h's.
     */
    public static final EntryField UPPER_V3 = EntryField.of("NVC8B5_OFFSET_IN_UPPER_UPPER", 24, 0,
            "Address bits 56:32 (kernel-open/nvidia-uvm/clc8b5.h)");

    /**
     * @return the field holding address bits 56:32 in OFFSET_IN_UPPER, OFFSET_OUT_UPPER and
     *         SET_SEMAPHORE_A of copy class {@code copyClass}: {@link #UPPER_V3} for HOPPER_DMA_COPY_A and
     *         the Blackwell classes, {@link #OFFSET_UPPER} (16:0, the same as {@link
     *         #SET_SEMAPHORE_A_UPPER}) for the older ones
     */
    public static EntryField upperField(int copyClass) {
        return copyClass == FifoClasses.HOPPER_DMA_COPY_A || copyClass == FifoClasses.BLACKWELL_DMA_COPY_A
                || copyClass == FifoClasses.BLACKWELL_DMA_COPY_B ? UPPER_V3 : OFFSET_UPPER;
    }

    /** {@code NVC5B5_LAUNCH_DMA_DATA_TRANSFER_TYPE}: 0 NONE, 1 PIPELINED, 2 NON_PIPELINED. */
    public static final EntryField LAUNCH_DATA_TRANSFER_TYPE = EntryField.of("NVC5B5_LAUNCH_DMA_DATA_TRANSFER_TYPE",
            1, 0, "0 NONE, 1 PIPELINED, 2 NON_PIPELINED (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_DATA_TRANSFER_TYPE_NONE}: no copy (a semaphore only). */
    public static final int DATA_TRANSFER_TYPE_NONE = 0;
    /** {@code NVC5B5_LAUNCH_DMA_DATA_TRANSFER_TYPE_PIPELINED}. */
    public static final int DATA_TRANSFER_TYPE_PIPELINED = 1;
    /** {@code NVC5B5_LAUNCH_DMA_DATA_TRANSFER_TYPE_NON_PIPELINED}. */
    public static final int DATA_TRANSFER_TYPE_NON_PIPELINED = 2;
    /** {@code NVC5B5_LAUNCH_DMA_FLUSH_ENABLE}. */
    public static final EntryField LAUNCH_FLUSH_ENABLE = EntryField.of("NVC5B5_LAUNCH_DMA_FLUSH_ENABLE", 2, 2,
            "Flush after the transfer (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_SEMAPHORE_TYPE}: 0 NONE, 1 RELEASE_ONE_WORD, 2 RELEASE_FOUR_WORD, 3 CONDITIONAL_INTR. */
    public static final EntryField LAUNCH_SEMAPHORE_TYPE = EntryField.of("NVC5B5_LAUNCH_DMA_SEMAPHORE_TYPE", 4, 3,
            "0 NONE, 1 RELEASE_ONE_WORD_SEMAPHORE, 2 RELEASE_FOUR_WORD_SEMAPHORE, 3 CONDITIONAL_INTR (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_SEMAPHORE_TYPE_NONE}. */
    public static final int SEMAPHORE_TYPE_NONE = 0;
    /** {@code NVC5B5_LAUNCH_DMA_SEMAPHORE_TYPE_RELEASE_ONE_WORD_SEMAPHORE}: the 32-bit payload at the address. */
    public static final int SEMAPHORE_TYPE_RELEASE_ONE_WORD = 1;
    /** {@code NVC5B5_LAUNCH_DMA_INTERRUPT_TYPE}: 0 NONE, 1 BLOCKING, 2 NON_BLOCKING. */
    public static final EntryField LAUNCH_INTERRUPT_TYPE = EntryField.of("NVC5B5_LAUNCH_DMA_INTERRUPT_TYPE", 6, 5,
            "0 NONE, 1 BLOCKING, 2 NON_BLOCKING (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_INTERRUPT_TYPE_NONE}. */
    public static final int INTERRUPT_TYPE_NONE = 0;
    /** {@code NVC5B5_LAUNCH_DMA_SRC_MEMORY_LAYOUT}: 0 BLOCKLINEAR, 1 PITCH. */
    public static final EntryField LAUNCH_SRC_MEMORY_LAYOUT = EntryField.of("NVC5B5_LAUNCH_DMA_SRC_MEMORY_LAYOUT", 7, 7,
            "0 BLOCKLINEAR, 1 PITCH (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_DST_MEMORY_LAYOUT}: 0 BLOCKLINEAR, 1 PITCH. */
    public static final EntryField LAUNCH_DST_MEMORY_LAYOUT = EntryField.of("NVC5B5_LAUNCH_DMA_DST_MEMORY_LAYOUT", 8, 8,
            "0 BLOCKLINEAR, 1 PITCH (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_SRC_MEMORY_LAYOUT_PITCH}. */
    public static final int MEMORY_LAYOUT_PITCH = 1;
    /** {@code NVC5B5_LAUNCH_DMA_MULTI_LINE_ENABLE}. */
    public static final EntryField LAUNCH_MULTI_LINE_ENABLE = EntryField.of("NVC5B5_LAUNCH_DMA_MULTI_LINE_ENABLE", 9, 9,
            "LINE_COUNT lines with pitches, else one line (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_REMAP_ENABLE}. */
    public static final EntryField LAUNCH_REMAP_ENABLE = EntryField.of("NVC5B5_LAUNCH_DMA_REMAP_ENABLE", 10, 10,
            "Component remapping (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_SRC_TYPE}: 0 VIRTUAL, 1 PHYSICAL. */
    public static final EntryField LAUNCH_SRC_TYPE = EntryField.of("NVC5B5_LAUNCH_DMA_SRC_TYPE", 12, 12,
            "0 VIRTUAL, 1 PHYSICAL (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_DST_TYPE}: 0 VIRTUAL, 1 PHYSICAL. */
    public static final EntryField LAUNCH_DST_TYPE = EntryField.of("NVC5B5_LAUNCH_DMA_DST_TYPE", 13, 13,
            "0 VIRTUAL, 1 PHYSICAL (" + SRC + ")");
    /** {@code NVC5B5_LAUNCH_DMA_SEMAPHORE_REDUCTION_ENABLE}. */
    public static final EntryField LAUNCH_SEMAPHORE_REDUCTION_ENABLE = EntryField.of(
            "NVC5B5_LAUNCH_DMA_SEMAPHORE_REDUCTION_ENABLE", 19, 19, "Reduce instead of release (" + SRC + ")");

    private CopyMethods() {
    }

    /**
     * @return a LAUNCH_DMA word for a virtual-to-virtual pitch copy (non-pipelined, flushed, no
     *     remap), multi-line when {@code multiLine}, releasing the one-word semaphore after it when
     *     {@code semaphore}; with {@code copy} false no data moves (a semaphore-only launch)
     */
    public static int launch(boolean copy, boolean multiLine, boolean semaphore) {
        long w = LAUNCH_DATA_TRANSFER_TYPE.of(copy ? DATA_TRANSFER_TYPE_NON_PIPELINED : DATA_TRANSFER_TYPE_NONE)
                | LAUNCH_FLUSH_ENABLE.of(1)
                | LAUNCH_SEMAPHORE_TYPE.of(semaphore ? SEMAPHORE_TYPE_RELEASE_ONE_WORD : SEMAPHORE_TYPE_NONE)
                | LAUNCH_SRC_MEMORY_LAYOUT.of(MEMORY_LAYOUT_PITCH) | LAUNCH_DST_MEMORY_LAYOUT.of(MEMORY_LAYOUT_PITCH)
                | LAUNCH_MULTI_LINE_ENABLE.of(multiLine ? 1 : 0);
        return (int) w;
    }
}
