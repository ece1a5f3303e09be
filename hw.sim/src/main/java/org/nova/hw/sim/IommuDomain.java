package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.hw.DmaChunk;
import org.nova.hw.HwException;

/**
 * The IOMMU translation of one function: IOVA pages mapped to host memory with read/write
 * permissions, like a VFIO type1 container (VFIO_IOMMU_MAP_DMA). Device DMA goes only through
 * {@link #transfer}; a range that is not entirely mapped with the needed permission is refused
 * as a whole and nothing is copied.
 *
 * <p>Thread safety: all methods are synchronized; a transfer and an unmap never overlap, so
 * memory is never freed while the device copies from it.
 */
final class IommuDomain {
    /** IOMMU page size: the x86 base page (VFIO_IOMMU_GET_INFO iova_pgsizes includes 4 KiB). */
    static final long PAGE_SIZE = 4096;
    /** Lowest IOVA handed out: the first MiB stays unmapped so small bogus addresses fault. */
    static final long IOVA_BASE = 0x10_0000;
    /** IOVA space end: below 4 GiB, so devices with 32-bit (or edu's 28-bit) DMA masks reach low buffers. */
    static final long IOVA_LIMIT = 1L << 32;
    /** VT-d fault reason 5 text for a write (drivers/iommu/intel/dmar.c dma_remap_fault_reasons). */
    static final String WRITE_NOT_SET = "PTE Write access is not set";
    /** VT-d fault reason 6 text for a read (drivers/iommu/intel/dmar.c dma_remap_fault_reasons). */
    static final String READ_NOT_SET = "PTE Read access is not set";

    /** One mapping. */
    private record Mapping(long iova, long length, MemorySegment memory, boolean read, boolean write) {
        long end() {
            return iova + length;
        }
    }

    /** A refused access: where and why. */
    record Refusal(long iova, String reason) {
    }

    private final TreeMap<Long, Mapping> mappings = new TreeMap<>();
    /** The IOVA ranges handed out, start to end (exclusive): a buffer's, or a scatter-gather mapping's with its holes. */
    private final TreeMap<Long, Long> reserved = new TreeMap<>();

    /** @return size rounded up to whole IOMMU pages */
    static long pageAlign(long size) {
        return (size + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    /**
     * Maps memory at the lowest free IOVA.
     *
     * @param memory host memory, a whole number of pages
     * @param read   the device may read it
     * @param write  the device may write it
     * @return the IOVA
     * @throws HwException ENOMEM when no gap is large enough
     */
    synchronized long map(MemorySegment memory, boolean read, boolean write) {
        long iova = reserve(memory.byteSize(), PAGE_SIZE);
        mappings.put(iova, new Mapping(iova, memory.byteSize(), memory, read, write));
        return iova;
    }

    /**
     * Maps pieces of memory in one IOVA range, each at its offset (the IOMMU half of dma_map_sg:
     * drivers/iommu/dma-iommu.c iommu_dma_map_sg maps a whole scatterlist in one IOVA allocation).
     * The parts of the range no chunk covers are reserved but unmapped: a device access there
     * faults, and no other mapping is placed there.
     *
     * @param chunks    checked by {@link DmaChunk#check}
     * @param length    the range's length, whole pages
     * @param alignment the range's alignment, a power of two of at least a page
     * @return the range's IOVA
     * @throws HwException ENOMEM when no aligned gap is large enough (nothing is mapped)
     */
    synchronized long mapChunks(List<DmaChunk> chunks, long length, long alignment, boolean read,
                                boolean write) {
        long iova = reserve(length, alignment);
        for (DmaChunk c : chunks) {
            long at = iova + c.offset();
            mappings.put(at, new Mapping(at, c.memory().byteSize(), c.memory(), read, write));
        }
        return iova;
    }

    /** Finds the lowest free aligned range and reserves it. */
    private long reserve(long length, long alignment) {
        long candidate = IOVA_BASE;
        for (Map.Entry<Long, Long> r : reserved.entrySet()) {
            if (candidate + length <= r.getKey()) {
                break;
            }
            candidate = Math.max(candidate, (r.getValue() + alignment - 1) & -alignment);
        }
        if (candidate + length > IOVA_LIMIT || candidate + length < candidate) {
            throw new HwException(HwException.ENOMEM, "no free IOVA range of " + length + " bytes aligned to "
                    + alignment + " below 0x" + Long.toHexString(IOVA_LIMIT));
        }
        reserved.put(candidate, candidate + length);
        return candidate;
    }

    /** Removes the range reserved at iova, if any, with every mapping in it. */
    synchronized void unmap(long iova) {
        Long end = reserved.remove(iova);
        if (end != null) {
            mappings.subMap(iova, end).clear();
        }
    }

    /** @return the number of IOVA ranges handed out (a buffer or a scatter-gather mapping each), for leak checks */
    synchronized int mappingCount() {
        return reserved.size();
    }

    /**
     * Copies between device and host memory through the translation.
     *
     * @param iova         the device address
     * @param device       the device-side buffer: source when the device writes, destination when it reads
     * @param deviceWrites true for a device write to host memory
     * @return null if the transfer happened, else the refusal (nothing was copied)
     */
    synchronized Refusal transfer(long iova, MemorySegment device, boolean deviceWrites) {
        long length = device.byteSize();
        String denied = deviceWrites ? WRITE_NOT_SET : READ_NOT_SET;
        if (iova < 0 || iova + length < iova) {
            return new Refusal(iova, denied + " (address range wraps)");
        }
        // First pass: the whole range must be mapped with the permission.
        long at = iova;
        long end = iova + length;
        while (at < end) {
            Map.Entry<Long, Mapping> e = mappings.floorEntry(at);
            if (e == null || e.getValue().end() <= at) {
                return new Refusal(at, denied + " (IOVA not mapped)");
            }
            Mapping m = e.getValue();
            if (deviceWrites ? !m.write() : !m.read()) {
                return new Refusal(at, denied + " (mapped " + (deviceWrites ? "read-only" : "write-only") + ")");
            }
            at = m.end();
        }
        // Second pass: copy piecewise.
        at = iova;
        while (at < end) {
            Mapping m = mappings.floorEntry(at).getValue();
            long chunk = Math.min(end, m.end()) - at;
            MemorySegment host = m.memory().asSlice(at - m.iova(), chunk);
            MemorySegment dev = device.asSlice(at - iova, chunk);
            if (deviceWrites) {
                host.copyFrom(dev);
            } else {
                dev.copyFrom(host);
            }
            at += chunk;
        }
        return null;
    }
}
