package org.nova.bus.pci.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaPages;
import org.nova.bus.pci.DmaSegment;
import org.nova.bus.pci.DmaSgMapping;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.SgTable;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaDirection;
import org.nova.hw.DmaMapping;
import org.nova.hw.HwException;

/**
 * Streaming DMA of scatter-gather tables for one function: kernel/dma/mapping.c
 * ({@code dma_map_sg_attrs}, {@code dma_unmap_sg_attrs}, {@code dma_sync_sg_for_cpu/device} and
 * their direction rules) over drivers/iommu/dma-iommu.c {@code iommu_dma_map_sg} (the IOVA layout
 * and {@code __finalise_sg}'s coalescing), plus the page allocator the tables are built from and
 * the device's DMA parameters ({@code dma_set_max_seg_size}, {@code dma_set_seg_boundary}, whose
 * defaults drivers/pci/probe.c sets).
 */
final class PciSg {
    /** drivers/pci/probe.c: {@code dma_set_max_seg_size(&dev->dev, 65536)}. */
    static final long DEFAULT_MAX_SEGMENT_SIZE = 65536;
    /** drivers/pci/probe.c: {@code dma_set_seg_boundary(&dev->dev, 0xffffffff)}. */
    static final long DEFAULT_SEGMENT_BOUNDARY = 0xffff_ffffL;
    /** The largest max segment size: the kernel keeps it in an unsigned int. */
    static final long MAX_SEGMENT_SIZE_LIMIT = 0xffff_ffffL;
    private static final long PAGE = SgTable.PAGE_SIZE;

    private final PciDeviceImpl dev;
    private volatile long maxSegmentSize = DEFAULT_MAX_SEGMENT_SIZE;
    private volatile long segmentBoundary = DEFAULT_SEGMENT_BOUNDARY;

    PciSg(PciDeviceImpl dev) {
        this.dev = dev;
    }

    long maxSegmentSize() {
        return maxSegmentSize;
    }

    void setMaxSegmentSize(long size) {
        if (size < 1 || size > MAX_SEGMENT_SIZE_LIMIT) {
            throw new DriverException(Errno.EINVAL, "setDmaMaxSegmentSize on " + dev.address() + ": " + size
                    + " is outside 1..0x" + Long.toHexString(MAX_SEGMENT_SIZE_LIMIT));
        }
        maxSegmentSize = size;
    }

    long segmentBoundary() {
        return segmentBoundary;
    }

    void setSegmentBoundary(long mask) {
        if (mask < PAGE - 1 || Long.bitCount(mask + 1) != 1) {
            throw new DriverException(Errno.EINVAL, "setDmaSegmentBoundary on " + dev.address() + ": 0x"
                    + Long.toHexString(mask) + " is not 2^n - 1 with 2^n at least a page");
        }
        segmentBoundary = mask;
    }

    // ---- pages -------------------------------------------------------------------------------

    /** Contiguous pages from a shared arena of their own, freed with the binding at the latest. */
    private final class Pages implements DmaPages {
        final Arena arena;
        final MemorySegment memory;
        final int count;
        DevresScope.Action action;

        Pages(Arena arena, MemorySegment memory, int count) {
            this.arena = arena;
            this.memory = memory;
            this.count = count;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public MemorySegment memory() {
            return memory;
        }

        @Override
        public MemorySegment page(int index) {
            Objects.checkIndex(index, count);
            return memory.asSlice(index * PAGE, PAGE);
        }

        @Override
        public void close() {
            dev.device().devres().releaseAction(action);
        }
    }

    /** @see PciDevice#allocPages */
    DmaPages allocPages(int count) {
        if (count < 1) {
            throw new DriverException(Errno.EINVAL, "allocPages on " + dev.address() + ": count " + count + " < 1");
        }
        dev.device(); // not yet a device of the bus: refused before anything is allocated
        Arena arena = Arena.ofShared();
        MemorySegment memory;
        try {
            // zeroed by the allocator: every page is written once, so none is a shared zero page
            // that VFIO would pin read-only for a device that only reads it
            memory = arena.allocate(count * PAGE, PAGE);
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            arena.close();
            throw new DriverException(Errno.ENOMEM, "allocPages on " + dev.address() + ": cannot allocate " + count
                    + " pages", e);
        }
        Pages p = new Pages(arena, memory, count);
        try {
            p.action = dev.addAction("pci:pages@" + Long.toHexString(memory.address()), arena::close);
        } catch (DriverException e) {
            arena.close();
            throw e;
        }
        return p;
    }

    // ---- dma_map_sg ----------------------------------------------------------------------------

    /** The IOVA layout of a table: where each entry's pages go, and the range's length. */
    record Layout(long[] chunkOffsets, long[] iovaLengths, long length) {
    }

    /**
     * iommu_dma_map_sg's layout: each entry takes its whole pages, one after the other; an entry
     * that would cross a segment boundary starts at the boundary instead, the gap before it left
     * unmapped (the kernel pads the previous entry's mapping with whatever follows it physically;
     * this runtime maps nothing it does not own).
     */
    static Layout layout(SgTable table, long boundary) {
        List<SgTable.Entry> entries = table.entries();
        int n = entries.size();
        long[] offsets = new long[n];
        long[] iovaLengths = new long[n];
        long iovaLen = 0;
        for (int i = 0; i < n; i++) {
            long sLength = entries.get(i).pages().byteSize();
            long padLen = (boundary - iovaLen + 1) & boundary;
            if (padLen != 0 && padLen < sLength - 1) {
                iovaLengths[i - 1] += padLen;
                iovaLen += padLen;
            }
            offsets[i] = iovaLen;
            iovaLengths[i] = sLength;
            iovaLen += sLength;
        }
        return new Layout(offsets, iovaLengths, iovaLen);
    }

    /**
     * __finalise_sg: the DMA segments of a table mapped at {@code iova}. An entry joins the segment
     * before it if it starts on a page, the one before it ended on one (no gap in between), the
     * join is not at a segment boundary and the result is not longer than the max segment size.
     */
    static List<DmaSegment> finalise(SgTable table, Layout layout, long iova, long boundary, long maxLen) {
        List<DmaSegment> out = new ArrayList<>();
        long dmaAddr = iova;
        long curAddr = 0;
        long curLen = 0;
        List<SgTable.Entry> entries = table.entries();
        for (int i = 0; i < entries.size(); i++) {
            SgTable.Entry s = entries.get(i);
            long sOff = s.offset();
            long sLength = s.length();
            long sIovaLen = layout.iovaLengths()[i];
            if (curLen != 0 && sOff == 0 && (dmaAddr & boundary) != 0 && maxLen - curLen >= sLength) {
                curLen += sLength;
                out.set(out.size() - 1, new DmaSegment(curAddr, curLen));
            } else {
                curAddr = dmaAddr + sOff;
                curLen = sLength;
                out.add(new DmaSegment(curAddr, curLen));
            }
            dmaAddr += sIovaLen;
            if (sLength + sOff < sIovaLen) {
                curLen = 0;
            }
        }
        return out;
    }

    /** @return the smallest power of two at least {@code n} (iova alignment: alloc_iova's size_aligned) */
    static long roundUpPowerOfTwo(long n) {
        return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
    }

    /** @see PciDevice#dmaMapSg */
    DmaSgMapping map(SgTable table, DmaDataDirection direction) {
        String who = "dmaMapSg on " + dev.address();
        if (table == null) {
            throw new DriverException(Errno.EINVAL, who + ": no table");
        }
        if (direction == null) {
            throw new DriverException(Errno.EINVAL, who + ": DMA_NONE (a null direction) is not a direction to map for");
        }
        long maxLen = maxSegmentSize;
        long boundary = segmentBoundary;
        for (int i = 0; i < table.nents(); i++) {
            SgTable.Entry e = table.entries().get(i);
            if (!e.pages().scope().isAlive()) {
                throw new DriverException(Errno.EINVAL, who + ": entry " + i + "'s pages have been freed");
            }
            if (e.pages().byteSize() > boundary + 1) {
                throw new DriverException(Errno.EINVAL, who + ": entry " + i + " spans " + e.pages().byteSize()
                        + " bytes of pages, more than the device's segment boundary 0x" + Long.toHexString(boundary)
                        + " lets one segment have (build the table with a max segment of at most 0x"
                        + Long.toHexString(boundary + 1) + ")");
            }
            if (e.length() > maxLen) {
                throw new DriverException(Errno.EINVAL, who + ": entry " + i + " is " + e.length()
                        + " bytes, longer than the device's max segment size " + maxLen
                        + " (build the table with that max segment)");
            }
        }
        dev.device(); // not yet a device of the bus: refused before anything is mapped
        Layout layout = layout(table, boundary);
        List<DmaChunk> chunks = new ArrayList<>(table.nents());
        for (int i = 0; i < table.nents(); i++) {
            chunks.add(new DmaChunk(layout.chunkOffsets()[i], table.entries().get(i).pages()));
        }
        Set<DmaDirection> ways = switch (direction) {
            case BIDIRECTIONAL -> EnumSet.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE);
            case TO_DEVICE -> EnumSet.of(DmaDirection.TO_DEVICE);
            case FROM_DEVICE -> EnumSet.of(DmaDirection.FROM_DEVICE);
        };
        DmaMapping m;
        try {
            m = dev.function().mapDma(chunks, layout.length(), roundUpPowerOfTwo(layout.length()), ways);
        } catch (HwException e) {
            throw Hw.translate(e, who + ": mapping " + table);
        }
        Mapping mapping = new Mapping(table, direction, finalise(table, layout, m.iova(), boundary, maxLen), m);
        try {
            mapping.action = dev.addAction("pci:sg@" + Long.toHexString(m.iova()), mapping::unmap);
        } catch (DriverException e) {
            m.close();
            throw e;
        }
        return mapping;
    }

    /** A mapped table: unmapped by close() or with the binding. */
    private final class Mapping implements DmaSgMapping {
        private final SgTable table;
        private final DmaDataDirection direction;
        private final List<DmaSegment> segments;
        private final DmaMapping backend;
        private final AtomicBoolean unmapped = new AtomicBoolean();
        DevresScope.Action action;

        Mapping(SgTable table, DmaDataDirection direction, List<DmaSegment> segments, DmaMapping backend) {
            this.table = table;
            this.direction = direction;
            this.segments = List.copyOf(segments);
            this.backend = backend;
        }

        void unmap() {
            if (unmapped.compareAndSet(false, true)) {
                backend.close();
            }
        }

        @Override
        public SgTable table() {
            return table;
        }

        @Override
        public DmaDataDirection direction() {
            return direction;
        }

        @Override
        public List<DmaSegment> segments() {
            return segments;
        }

        @Override
        public void syncForCpu(DmaDataDirection dir) {
            checkSync("syncForCpu", dir);
            // Coherent DMA: the device's writes are visible once it said it is done; what the CPU
            // needs is that its reads are not ordered before that (a full fence, as the doorbell
            // or interrupt that told it is an ordinary memory access here).
            VarHandle.fullFence();
        }

        @Override
        public void syncForDevice(DmaDataDirection dir) {
            checkSync("syncForDevice", dir);
            // The CPU's writes must be visible before the device is told to start.
            VarHandle.fullFence();
        }

        /** The rules of kernel/dma/mapping.c (BUG_ON(!valid_dma_direction)) and kernel/dma/debug.c check_sync. */
        private void checkSync(String call, DmaDataDirection dir) {
            String who = call + " on " + dev.address() + " (" + table + ")";
            if (dir == null) {
                throw new DriverException(Errno.EINVAL, who + ": DMA_NONE (a null direction) is not a direction");
            }
            if (unmapped.get()) {
                throw new DriverException(Errno.EINVAL, who + ": the table is no longer mapped");
            }
            if (direction != DmaDataDirection.BIDIRECTIONAL && dir != direction) {
                throw new DriverException(Errno.EINVAL, who + ": synced " + dir + " but mapped " + direction
                        + " (the kernel's DMA-API debug: \"syncs DMA memory with different direction\")");
            }
        }

        @Override
        public void close() {
            dev.device().devres().releaseAction(action);
        }

        @Override
        public String toString() {
            return "sg mapping of " + table + " " + direction + " as " + segments.size() + " DMA segment(s) " + segments;
        }
    }
}
