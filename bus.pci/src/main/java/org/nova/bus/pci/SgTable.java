package org.nova.bus.pci;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * A scatter-gather table built from pages: the kernel's {@code struct sg_table} as
 * lib/scatterlist.c {@code sg_alloc_table_from_pages_segment} fills it (Rust's {@code SGTable},
 * rust/kernel/scatterlist.rs). Java has no {@code struct page}: a page here is a page-aligned,
 * {@value #PAGE_SIZE}-byte native {@link MemorySegment}, normally one of a {@link DmaPages}
 * allocation ({@link PciDevice#allocPages}).
 *
 * <p><b>Merging.</b> Consecutive pages that are contiguous in memory and belong to the same
 * allocation (the same {@link MemorySegment#scope() scope}, so they live and die together) are
 * merged into one entry, as the kernel merges pages with consecutive page frame numbers, but no
 * entry grows past the maximum segment size. Pages that are adjacent in memory by chance but come
 * from different allocations are not merged: this runtime cannot promise that both stay allocated.
 *
 * <p><b>Ownership.</b> The table is an immutable description: it holds views of the pages and owns
 * none of them. The pages' owner must keep them allocated while a mapping of the table
 * ({@link PciDevice#dmaMapSg}) lives; the devres order (pages allocated before the mapping, so
 * released after it) does that for pages taken from {@link PciDevice#allocPages}.
 *
 * <p>A GEM object in GPU system memory is such a source: nova.core's {@code SysmemBuffer.sgTable}
 * (dma_get_sgtable; what nova-drm's {@code DmaBuf.sysmem()} hands an importer) lists its pages, and
 * the importer maps the table for its own device.
 */
public final class SgTable {
    /** The page size, x86-64's base page and the IOMMU granule of both backends. */
    public static final long PAGE_SIZE = 4096;
    /**
     * The maximum segment {@code sg_alloc_table_from_pages} uses: UINT_MAX, aligned down to a page
     * (include/linux/scatterlist.h passes UINT_MAX, lib/scatterlist.c aligns it down).
     */
    public static final long DEFAULT_MAX_SEGMENT = 0xFFFF_F000L;

    /**
     * One scatterlist entry: {@link #length()} bytes starting {@link #offset()} bytes into the
     * first of the whole pages {@link #pages()} covers ({@code sg_page}, {@code offset},
     * {@code length}).
     *
     * @param memory the entry's bytes, exactly
     * @param offset where they start in the first page, 0..PAGE_SIZE-1
     * @param pages  the whole pages the bytes lie in, page-aligned (what an IOMMU maps)
     */
    public record Entry(MemorySegment memory, long offset, MemorySegment pages) {
        /** @return the entry's length in bytes */
        public long length() {
            return memory.byteSize();
        }
    }

    private final List<Entry> entries;
    private final long size;
    private final int pageCount;

    private SgTable(List<Entry> entries, long size, int pageCount) {
        this.entries = List.copyOf(entries);
        this.size = size;
        this.pageCount = pageCount;
    }

    /**
     * {@code sg_alloc_table_from_pages}: as {@link #fromPages(List, long, long, long)} with
     * {@link #DEFAULT_MAX_SEGMENT}.
     */
    public static SgTable fromPages(List<MemorySegment> pages, long offset, long size) {
        return fromPages(pages, offset, size, DEFAULT_MAX_SEGMENT);
    }

    /**
     * {@code sg_alloc_table_from_pages_segment}: a table of {@code size} bytes starting
     * {@code offset} bytes into the first page, merging contiguous pages of one allocation into
     * entries of at most {@code maxSegment} bytes (aligned down to a page, as the kernel does).
     *
     * @param pages      the pages in order; every page must carry data: {@code offset + size} must
     *                   end in the last one
     * @param offset     0..PAGE_SIZE-1
     * @param size       at least 1
     * @param maxSegment the largest entry; at least a page once aligned down
     * @return the table; it owns nothing
     * @throws DriverException EINVAL for an empty page list, a page that is not a live,
     *     page-aligned, page-sized native segment, an offset or size the pages do not hold exactly,
     *     or a max segment below a page (the kernel's {@code WARN_ON} + -EINVAL)
     */
    public static SgTable fromPages(List<MemorySegment> pages, long offset, long size, long maxSegment) {
        Objects.requireNonNull(pages, "pages");
        long max = maxSegment & -PAGE_SIZE;
        if (max < PAGE_SIZE) {
            throw new DriverException(Errno.EINVAL, "sg table: max segment " + maxSegment + " is below a page ("
                    + PAGE_SIZE + ")");
        }
        int n = pages.size();
        if (n == 0) {
            throw new DriverException(Errno.EINVAL, "sg table: no pages");
        }
        if (offset < 0 || offset >= PAGE_SIZE) {
            throw new DriverException(Errno.EINVAL, "sg table: offset " + offset + " is outside the first page");
        }
        if (size < 1 || offset + size > n * PAGE_SIZE || offset + size <= (n - 1) * PAGE_SIZE) {
            throw new DriverException(Errno.EINVAL, "sg table: offset " + offset + " + size " + size
                    + " does not end in the last of " + n + " pages");
        }
        for (int i = 0; i < n; i++) {
            MemorySegment p = pages.get(i);
            if (p == null || !p.isNative() || p.byteSize() != PAGE_SIZE || (p.address() & (PAGE_SIZE - 1)) != 0) {
                throw new DriverException(Errno.EINVAL, "sg table: page " + i + " (" + p
                        + ") is not a page-aligned native segment of " + PAGE_SIZE + " bytes");
            }
            if (!p.scope().isAlive()) {
                throw new DriverException(Errno.EINVAL, "sg table: page " + i + " has been freed");
            }
        }
        List<Entry> out = new ArrayList<>();
        long left = size;
        long off = offset;
        int cur = 0;
        while (cur < n) {
            // Find the end of the chunk: contiguous pages of one allocation, at most max bytes of pages.
            int j = cur + 1;
            long segLen = 0;
            while (j < n) {
                segLen += PAGE_SIZE;
                if (segLen >= max || !mergeable(pages.get(j - 1), pages.get(j))) {
                    break;
                }
                j++;
            }
            long chunkPages = (j - cur) * PAGE_SIZE;
            // The pages are contiguous and of one scope: a longer view of the first is a view of all of them.
            MemorySegment whole = pages.get(cur).reinterpret(chunkPages);
            long len = Math.min(left, chunkPages - off);
            out.add(new Entry(whole.asSlice(off, len), off, whole));
            left -= len;
            off = 0;
            cur = j;
        }
        return new SgTable(out, size, n);
    }

    private static boolean mergeable(MemorySegment prev, MemorySegment next) {
        return next.address() == prev.address() + PAGE_SIZE && next.scope().equals(prev.scope());
    }

    /** @return the entries in order ({@code sgt->sgl}, {@code orig_nents} of them) */
    public List<Entry> entries() {
        return entries;
    }

    /** @return the number of entries ({@code orig_nents}) */
    public int nents() {
        return entries.size();
    }

    /** @return the bytes the table describes */
    public long size() {
        return size;
    }

    /** @return the number of pages it was built from */
    public int pageCount() {
        return pageCount;
    }

    @Override
    public String toString() {
        return "sg table of " + size + " bytes in " + entries.size() + " entries from " + pageCount + " pages";
    }
}
