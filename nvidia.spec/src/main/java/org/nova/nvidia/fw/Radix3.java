package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.function.LongUnaryOperator;

import org.nova.nvidia.internal.Bytes;

/**
 * The three-level ("radix 3") page table through which the GSP bootloader finds the GSP image,
 * mapped from GSP virtual address 0. Source: nova-core firmware/gsp.rs ({@code GspFirmware},
 * {@code map_into_lvl}).
 * <pre>
 * level 0: one 4 KiB page, one entry        -> DMA address of the first level-1 page
 * level 1: one entry per level-2 page       -> DMA address of that level-2 page
 * level 2: one entry per 4 KiB image page   -> DMA address of that image page
 * </pre>
 * Entries are little-endian u64 DMA addresses. Level 1 must be physically contiguous (level 0
 * names only its first page); for images up to 1 GiB it is one page.
 */
public final class Radix3 {
    /** Page size of the GSP's address space and of every table ({@code GSP_PAGE_SIZE}). */
    public static final int PAGE_SIZE = 4096;
    /** Size of one entry. */
    public static final int ENTRY_SIZE = 8;
    /** Entries per table page. */
    public static final int ENTRIES_PER_PAGE = PAGE_SIZE / ENTRY_SIZE;

    private Radix3() {
    }

    /**
     * The sizes of the three levels for an image.
     *
     * @param imagePages 4 KiB pages of the image (= level-2 entries)
     * @param level2Bytes bytes of level 2
     * @param level2Pages pages of level 2 (= level-1 entries)
     * @param level1Bytes bytes of level 1
     * @param level1Pages pages of level 1
     */
    public record Layout(long imagePages, long level2Bytes, long level2Pages, long level1Bytes,
            long level1Pages) {

        /** @return pages of all three tables, level 0 included */
        public long tablePages() {
            return 1 + level1Pages + level2Pages;
        }
    }

    /**
     * @param imageSize size of the GSP image in bytes (positive)
     * @return the level sizes nova-core allocates
     */
    public static Layout layout(long imageSize) {
        if (imageSize <= 0) {
            throw new IllegalArgumentException("GSP image size must be positive, got " + imageSize);
        }
        long pages = divCeil(imageSize, PAGE_SIZE);
        long l2Bytes = pages * ENTRY_SIZE;
        long l2Pages = divCeil(l2Bytes, PAGE_SIZE);
        long l1Bytes = l2Pages * ENTRY_SIZE;
        long l1Pages = divCeil(l1Bytes, PAGE_SIZE);
        return new Layout(pages, l2Bytes, l2Pages, l1Bytes, l1Pages);
    }

    private static long divCeil(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * Fills level 2: entry {@code i} is the DMA address of image page {@code i}.
     *
     * @param level2 the level-2 table, at least {@link Layout#level2Bytes()} long
     * @param layout the layout
     * @param imagePageAddress DMA address of an image page, by page index
     */
    public static void writeLevel2(MemorySegment level2, Layout layout,
            LongUnaryOperator imagePageAddress) {
        fill(level2, layout.imagePages(), imagePageAddress, "level 2");
    }

    /**
     * Fills level 1: entry {@code i} is the DMA address of level-2 page {@code i}.
     */
    public static void writeLevel1(MemorySegment level1, Layout layout,
            LongUnaryOperator level2PageAddress) {
        fill(level1, layout.level2Pages(), level2PageAddress, "level 1");
    }

    /** Fills level 0: one page, entry 0 the DMA address of the first level-1 page. */
    public static void writeLevel0(MemorySegment level0, long level1Address) {
        if (level0.byteSize() < PAGE_SIZE) {
            throw new IllegalArgumentException("level 0 must be one " + PAGE_SIZE
                    + "-byte page, got " + level0.byteSize() + " bytes");
        }
        level0.asSlice(0, PAGE_SIZE).fill((byte) 0);
        Bytes.put64(level0, 0, level1Address);
    }

    private static void fill(MemorySegment table, long entries, LongUnaryOperator addr,
            String what) {
        if (table.byteSize() < entries * ENTRY_SIZE) {
            throw new IllegalArgumentException(what + " needs " + entries * ENTRY_SIZE
                    + " bytes, the table has " + table.byteSize());
        }
        for (long i = 0; i < entries; i++) {
            Bytes.put64(table, i * ENTRY_SIZE, addr.applyAsLong(i));
        }
    }

    /**
     * Translates a GSP virtual address through the tables, as the GSP bootloader does.
     *
     * @param readU64 reads the little-endian u64 at a DMA address
     * @param level0Address DMA address of level 0
     * @param va the virtual address (offset in the image)
     * @return the DMA address backing {@code va}
     */
    public static long translate(LongUnaryOperator readU64, long level0Address, long va) {
        long page = va / PAGE_SIZE;
        long level1 = readU64.applyAsLong(level0Address);
        long level2Page = readU64.applyAsLong(level1 + (page / ENTRIES_PER_PAGE) * ENTRY_SIZE);
        long imagePage = readU64.applyAsLong(level2Page + (page % ENTRIES_PER_PAGE) * ENTRY_SIZE);
        return imagePage + va % PAGE_SIZE;
    }
}
