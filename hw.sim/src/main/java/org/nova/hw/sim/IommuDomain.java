package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;
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
        long length = memory.byteSize();
        long candidate = IOVA_BASE;
        for (Mapping m : mappings.values()) {
            if (candidate + length <= m.iova()) {
                break;
            }
            candidate = Math.max(candidate, m.end());
        }
        if (candidate + length > IOVA_LIMIT) {
            throw new HwException(HwException.ENOMEM, "no free IOVA range of " + length + " bytes below 0x"
                    + Long.toHexString(IOVA_LIMIT));
        }
        mappings.put(candidate, new Mapping(candidate, length, memory, read, write));
        return candidate;
    }

    /** Removes the mapping at iova, if any. */
    synchronized void unmap(long iova) {
        mappings.remove(iova);
    }

    /** @return the number of mappings, for leak checks */
    synchronized int mappingCount() {
        return mappings.size();
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
