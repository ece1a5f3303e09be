package org.nova.nvidia.mmu;

/**
 * The part of an instance block ({@code NV_RAMIN}, 4 KiB aligned in VRAM) the GPU MMU reads: the
 * page directory base and the VA limit of the address space the block's users (a channel, BAR1,
 * BAR2) translate through. Fields from open-gpu-kernel-modules maxwell/gm107/dev_ram.h (words 128
 * to 131, at byte 0x200), with the two bits Pascal added for the version 2 format at 128*32+10 and
 * +11 (nouveau mmu/vmmgp100.c {@code gp100_vmm_join}: VER2, 64KiB; gm204 dev_ram.h's
 * {@code NV_RAMIN_BIG_PAGE_SIZE}). Read as two little-endian 64-bit words.
 */
public final class Ramin {
    /** Byte offset of the page directory base word (word 128). */
    public static final int PAGE_DIR_BASE_OFFSET = 0x200;
    /** Byte offset of the address limit word (word 130). */
    public static final int ADR_LIMIT_OFFSET = 0x208;
    /** Instance blocks are 4 KiB aligned ({@code NV_RAMIN_BASE_SHIFT}). */
    public static final int BASE_SHIFT = 12;
    /** Bytes of an instance block ({@code NV_RAMIN_ALLOC_SIZE}). */
    public static final int SIZE = 0x1000;
    /** {@code NV_RAMIN_PAGE_DIR_BASE_TARGET_VID_MEM}. */
    public static final int TARGET_VID_MEM = 0;
    /** {@code NV_RAMIN_PAGE_DIR_BASE_TARGET_SYS_MEM_COHERENT}. */
    public static final int TARGET_SYS_MEM_COHERENT = 2;
    /** {@code NV_RAMIN_BIG_PAGE_SIZE_64KB}. */
    public static final int BIG_PAGE_SIZE_64KB = 1;

    /** Where the page directory lives. */
    public static final EntryField PAGE_DIR_BASE_TARGET = EntryField.of("NV_RAMIN_PAGE_DIR_BASE_TARGET", 1, 0,
            "0 VID_MEM, 2 SYS_MEM_COHERENT, 3 SYS_MEM_NONCOHERENT");
    /** Volatile page directory. */
    public static final EntryField PAGE_DIR_BASE_VOL = EntryField.of("NV_RAMIN_PAGE_DIR_BASE_VOL", 2, 2, "Volatile");
    /** The tables use the version 2 format (Pascal+). */
    public static final EntryField USE_VER2_PT_FORMAT = EntryField.of("NV_RAMIN_USE_VER2_PT_FORMAT", 10, 10,
            "1: version 2 page tables");
    /** Big page size: 0 128 KiB, 1 64 KiB. */
    public static final EntryField BIG_PAGE_SIZE = EntryField.of("NV_RAMIN_BIG_PAGE_SIZE", 11, 11,
            "0 128KB, 1 64KB");
    /** Page directory address bits 31:12 in place. */
    public static final EntryField PAGE_DIR_BASE_LO = EntryField.of("NV_RAMIN_PAGE_DIR_BASE_LO", 31, 12,
            "Page directory address >> 12 (low part)");
    /**
     * Page directory address bits 63:32: word 129 (gm107 declares 7:0; nouveau's gf100_vmm_join_
     * writes the whole 64-bit word, as the 49-bit address spaces of Pascal+ need).
     */
    public static final EntryField PAGE_DIR_BASE_HI = EntryField.of("NV_RAMIN_PAGE_DIR_BASE_HI", 63, 32,
            "Page directory address >> 32");
    /** Highest usable VA bits 31:12 (word 130, the limit is inclusive: nouveau writes limit - 1). */
    public static final EntryField ADR_LIMIT_LO = EntryField.of("NV_RAMIN_ADR_LIMIT_LO", 31, 12,
            "Highest VA >> 12 (low part)");
    /** Highest usable VA bits 63:32: word 131 (gm107 declares 7:0; nouveau writes the 64-bit limit - 1). */
    public static final EntryField ADR_LIMIT_HI = EntryField.of("NV_RAMIN_ADR_LIMIT_HI", 63, 32, "Highest VA >> 32");

    private Ramin() {
    }

    /**
     * @param pageDir the page directory's VRAM address, 4 KiB aligned
     * @return the page directory base word of a version 2, 64 KiB big page, VRAM page directory
     */
    public static long pageDirBaseV2(long pageDir) {
        if ((pageDir & ((1L << BASE_SHIFT) - 1)) != 0 || pageDir < 0) {
            throw new IllegalArgumentException(String.format("page directory 0x%x is not 4 KiB aligned", pageDir));
        }
        return PAGE_DIR_BASE_TARGET.of(TARGET_VID_MEM) | USE_VER2_PT_FORMAT.of(1) | BIG_PAGE_SIZE.of(BIG_PAGE_SIZE_64KB)
                | PAGE_DIR_BASE_LO.of((pageDir >>> BASE_SHIFT) & PAGE_DIR_BASE_LO.maxValue())
                | PAGE_DIR_BASE_HI.of(pageDir >>> 32);
    }

    /** @return the page directory address in a page directory base word */
    public static long pageDir(long word) {
        return (PAGE_DIR_BASE_HI.get(word) << 32) | (PAGE_DIR_BASE_LO.get(word) << BASE_SHIFT);
    }

    /**
     * @param lastVa the highest VA the space may use (inclusive)
     * @return the ADR_LIMIT word
     */
    public static long adrLimit(long lastVa) {
        return ADR_LIMIT_LO.of((lastVa >>> BASE_SHIFT) & ADR_LIMIT_LO.maxValue()) | ADR_LIMIT_HI.of(lastVa >>> 32);
    }

    /** @return the highest usable VA an ADR_LIMIT word allows (inclusive, low 12 bits all ones) */
    public static long lastVa(long word) {
        return (ADR_LIMIT_HI.get(word) << 32) | (ADR_LIMIT_LO.get(word) << BASE_SHIFT) | ((1L << BASE_SHIFT) - 1);
    }
}
