package org.nova.hw.vfio;

import java.util.Map;
import java.util.TreeMap;
import org.nova.hw.HwException;

/**
 * Hands out I/O virtual address ranges of one IOMMU container: page-aligned, first fit from the
 * bottom (so that small buffers land at low addresses, where devices with narrow DMA masks such
 * as QEMU's edu, 28 bits, reach them), freed ranges coalesce with their neighbours.
 *
 * <p>Thread safety: all methods are synchronized.
 */
final class IovaAllocator {
    /** Lowest IOVA handed out: the first MiB stays unmapped, so a stray DMA to a small address faults. */
    static final long DEFAULT_BASE = 0x10_0000L;
    /**
     * End (exclusive) of the default IOVA space: below the x86 MSI window at 0xfee00000, which
     * the type-1 IOMMU reserves (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE excludes it).
     */
    static final long DEFAULT_LIMIT = 0xfee0_0000L;

    private final long granule;
    /** Free ranges: start → end (exclusive), disjoint and not adjacent. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    /** Allocated ranges: start → end (exclusive). */
    private final TreeMap<Long, Long> used = new TreeMap<>();

    /**
     * @param base    the lowest IOVA, aligned to granule
     * @param limit   the end of the space (exclusive), aligned to granule, above base
     * @param granule the allocation unit, a power of two (the IOMMU page size)
     */
    IovaAllocator(long base, long limit, long granule) {
        if (granule <= 0 || Long.bitCount(granule) != 1) {
            throw new IllegalArgumentException("granule " + granule + " is not a power of two");
        }
        if (base < 0 || limit <= base || (base & (granule - 1)) != 0 || (limit & (granule - 1)) != 0) {
            throw new IllegalArgumentException("bad IOVA space [0x" + Long.toHexString(base) + ", 0x"
                    + Long.toHexString(limit) + ") for granule " + granule);
        }
        this.granule = granule;
        free.put(base, limit);
    }

    /** The default space for 4 KiB pages. */
    IovaAllocator() {
        this(DEFAULT_BASE, DEFAULT_LIMIT, LibC.PAGE_SIZE);
    }

    /**
     * @param size bytes, at least 1; rounded up to the granule
     * @return the start of a free range of the rounded size, now allocated
     * @throws HwException EINVAL for size &lt; 1, ENOMEM when no free range is large enough
     */
    synchronized long allocate(long size) {
        return allocate(size, granule);
    }

    /**
     * @param size      bytes, at least 1; rounded up to the granule
     * @param alignment the start's alignment, a power of two of at least the granule (dma-iommu
     *                  aligns a scatterlist's IOVA so its segment-boundary layout holds)
     * @return the start of a free aligned range of the rounded size, now allocated
     * @throws HwException EINVAL for size &lt; 1 or a bad alignment, ENOMEM when no free range fits
     */
    synchronized long allocate(long size, long alignment) {
        if (size < 1) {
            throw new HwException(HwException.EINVAL, "IOVA allocation of " + size + " bytes");
        }
        if (alignment < granule || Long.bitCount(alignment) != 1) {
            throw new HwException(HwException.EINVAL, "IOVA alignment " + alignment + " is not a power of two of at least "
                    + granule);
        }
        long len = (size + granule - 1) & -granule;
        if (len < size) {
            throw new HwException(HwException.ENOMEM, "IOVA allocation of " + size + " bytes overflows");
        }
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            long start = e.getKey();
            long end = e.getValue();
            long at = (start + alignment - 1) & -alignment;
            if (at >= start && at <= end && end - at >= len) {
                free.remove(start);
                if (at > start) {
                    free.put(start, at);
                }
                if (end > at + len) {
                    free.put(at + len, end);
                }
                used.put(at, at + len);
                return at;
            }
        }
        throw new HwException(HwException.ENOMEM, "no free IOVA range of " + len + " bytes aligned to " + alignment);
    }

    /**
     * Returns a range to the free list.
     *
     * @param iova a start returned by {@link #allocate(long)} and not freed since
     * @throws IllegalArgumentException for anything else
     */
    synchronized void free(long iova) {
        Long end = used.remove(iova);
        if (end == null) {
            throw new IllegalArgumentException("IOVA 0x" + Long.toHexString(iova) + " is not allocated");
        }
        long start = iova;
        long stop = end;
        Map.Entry<Long, Long> below = free.floorEntry(start);
        if (below != null && below.getValue() == start) {
            start = below.getKey();
            free.remove(below.getKey());
        }
        Long aboveEnd = free.get(stop);
        if (aboveEnd != null) {
            free.remove(stop);
            stop = aboveEnd;
        }
        free.put(start, stop);
    }

    /** @return the size of the allocation at iova, or 0 */
    synchronized long allocatedSize(long iova) {
        Long end = used.get(iova);
        return end == null ? 0 : end - iova;
    }

    /** @return the number of live allocations */
    synchronized int allocations() {
        return used.size();
    }

    /** @return the free bytes */
    synchronized long freeBytes() {
        return free.entrySet().stream().mapToLong(e -> e.getValue() - e.getKey()).sum();
    }

    /** @return the number of disjoint free ranges (1 when nothing is allocated) */
    synchronized int freeRanges() {
        return free.size();
    }
}
