package org.nova.samples.edu;

import static org.nova.samples.edu.EduSample.DMA_BYTES;
import static org.nova.samples.edu.EduSample.DMA_PAGE;
import static org.nova.samples.edu.EduSample.DMA_START;
import static org.nova.samples.edu.EduSample.DMA_TO_RAM;
import static org.nova.samples.edu.EduSample.EDU_DMA_BUFFER;
import static org.nova.samples.edu.EduSample.LE32;
import static org.nova.samples.edu.EduSample.dma;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaPages;
import org.nova.bus.pci.DmaSegment;
import org.nova.bus.pci.DmaSgMapping;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.SgTable;
import org.nova.devres.DevresScope;
import org.nova.samples.Check;

/**
 * The edu sample's dma-sg check: streaming DMA of scatterlists as a driver does it
 * (rust/kernel/scatterlist.rs, kernel/dma/mapping.c), with edu's DMA engine (QEMU
 * docs/specs/edu.rst) as the device. A class of its own so that {@link EduSample} stays one
 * screenful of checks.
 */
final class EduSgCheck {
    /** Pages in each scatter-gather buffer of the dma-sg check. */
    static final int SG_PAGES = 4;
    /**
     * The max DMA segment size the dma-sg check gives the device (dma_set_max_seg_size), two pages,
     * so that coalescing leaves more than one segment to transfer.
     */
    static final long SG_MAX_SEGMENT = 2 * DMA_PAGE;
    /** What the dma-sg check writes, per 32-bit word, XORed with the word's offset in the buffer. */
    static final int DMA_PATTERN_SG = 0x5c5c0000;

    /**
     * Streaming DMA of scatterlists (dma_map_sg): a {@link #SG_PAGES}-page buffer built from
     * pages of two allocations in an order that leaves only some neighbours contiguous, mapped
     * TO_DEVICE; a second one from one allocation's pages in reverse order (no two neighbours
     * contiguous), mapped FROM_DEVICE. With the device's max segment size at {@link #SG_MAX_SEGMENT}
     * the IOMMU coalesces each table into fewer DMA segments than it has entries. edu reads every
     * segment of the first, {@link EduSample#DMA_BYTES} at a time, into its buffer and writes it to the same
     * offset of the second; after sync_for_cpu the two must hold the same bytes. Last, edu writes
     * into the TO_DEVICE table, which the IOMMU must refuse.
     */
    static Check run(PciDevice dev, Bar bar) throws InterruptedException {
        long savedMax = dev.dmaMaxSegmentSize();
        dev.setDmaMaxSegmentSize(SG_MAX_SEGMENT);
        DevresScope devres = dev.device().devres();
        // Pages and mappings in a devres group of their own: released together, mappings first,
        // whatever happens below.
        Object group = devres.openGroup(null);
        try {
            DmaPages a = dev.allocPages(SG_PAGES - 2);
            DmaPages b = dev.allocPages(2);
            DmaPages c = dev.allocPages(SG_PAGES);
            // a0 a1 | b1 | b0 (then a2..): a0-a1 are contiguous, b1-b0 are not
            List<MemorySegment> srcPages = new ArrayList<>(List.of(a.page(0), a.page(1), b.page(1), b.page(0)));
            for (int i = 2; i < a.count(); i++) {
                srcPages.add(a.page(i));
            }
            List<MemorySegment> dstPages = new ArrayList<>();
            for (int i = c.count() - 1; i >= 0; i--) {
                dstPages.add(c.page(i));
            }
            long size = SG_PAGES * SgTable.PAGE_SIZE;
            SgTable src = SgTable.fromPages(srcPages, 0, size, SG_MAX_SEGMENT);
            SgTable dst = SgTable.fromPages(dstPages, 0, size, SG_MAX_SEGMENT);
            int word = 0;
            for (SgTable.Entry e : src.entries()) {
                for (long o = 0; o < e.length(); o += Integer.BYTES, word += Integer.BYTES) {
                    e.memory().set(LE32, o, DMA_PATTERN_SG ^ word);
                }
            }
            DmaSgMapping in = dev.dmaMapSg(src, DmaDataDirection.TO_DEVICE);
            DmaSgMapping out = dev.dmaMapSg(dst, DmaDataDirection.FROM_DEVICE);
            String layout = size + " bytes: " + src.nents() + " sg entries -> " + in.count() + " DMA segments "
                    + in.segments() + ", into " + dst.nents() + " entries -> " + out.count() + " segments " + out.segments();
            if (in.count() >= src.nents() || out.count() >= dst.nents()) {
                return Check.of("dma-sg", false, layout + ": the IOMMU did not coalesce");
            }
            long offset = 0;
            for (DmaSegment seg : in.segments()) {
                for (long k = 0; k < seg.length(); k += DMA_BYTES, offset += DMA_BYTES) {
                    if (!dma(bar, seg.address() + k, EDU_DMA_BUFFER, DMA_START)
                            || !dma(bar, EDU_DMA_BUFFER, busAddress(out, offset), DMA_START | DMA_TO_RAM)) {
                        return Check.of("dma-sg", false, layout + ": transfer at byte " + offset + " never completed");
                    }
                }
            }
            out.syncForCpu(DmaDataDirection.FROM_DEVICE);
            long diff = firstDifference(src, dst);
            if (diff != -1) {
                return Check.of("dma-sg", false, layout + ": RAM -> edu -> RAM differs at byte " + diff);
            }
            // edu still holds the last chunk; it tries to write it over the start of the read-only table
            in.syncForCpu(DmaDataDirection.TO_DEVICE);
            int before = src.entries().getFirst().memory().get(LE32, 0);
            boolean idle = dma(bar, EDU_DMA_BUFFER, in.segments().getFirst().address(), DMA_START | DMA_TO_RAM);
            boolean blocked = idle && src.entries().getFirst().memory().get(LE32, 0) == before;
            return Check.of("dma-sg", blocked, layout + ", RAM -> edu -> RAM identical; "
                    + (blocked ? "edu's write into the TO_DEVICE table was blocked" : "edu wrote into the TO_DEVICE table"));
        } finally {
            devres.releaseGroup(group);
            dev.setDmaMaxSegmentSize(savedMax);
        }
    }

    /** @return the bus address of byte {@code offset} of a mapped table: which segment holds it, and where */
    private static long busAddress(DmaSgMapping m, long offset) {
        long at = offset;
        for (DmaSegment seg : m.segments()) {
            if (at < seg.length()) {
                return seg.address() + at;
            }
            at -= seg.length();
        }
        throw new IllegalArgumentException("offset " + offset + " is past the mapping's " + m.table().size() + " bytes");
    }

    /** @return the first byte at which the two tables' contents differ, or -1 */
    private static long firstDifference(SgTable x, SgTable y) {
        long pos = 0;
        int ix = 0;
        int iy = 0;
        long ox = 0;
        long oy = 0;
        while (ix < x.nents() && iy < y.nents()) {
            MemorySegment mx = x.entries().get(ix).memory();
            MemorySegment my = y.entries().get(iy).memory();
            long n = Math.min(mx.byteSize() - ox, my.byteSize() - oy);
            long d = mx.asSlice(ox, n).mismatch(my.asSlice(oy, n));
            if (d != -1) {
                return pos + d;
            }
            pos += n;
            ox += n;
            oy += n;
            if (ox == mx.byteSize()) {
                ix++;
                ox = 0;
            }
            if (oy == my.byteSize()) {
                iy++;
                oy = 0;
            }
        }
        return x.size() == y.size() ? -1 : pos;
    }

    private EduSgCheck() {
    }
}
