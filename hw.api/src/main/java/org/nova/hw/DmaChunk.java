package org.nova.hw;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;

/**
 * One piece of a scatter-gather mapping ({@link PciFunction#mapDma}): whole pages of host memory
 * placed at an offset of the mapping's IOVA range, the way drivers/iommu/dma-iommu.c
 * iommu_dma_map_sg lays each scatterlist segment out in its one IOVA allocation.
 *
 * @param offset where the memory starts in the IOVA range, a multiple of the IOMMU page size
 * @param memory host memory the caller owns: native, page-aligned, a whole number of pages; it
 *               must stay allocated until the mapping is closed
 */
public record DmaChunk(long offset, MemorySegment memory) {
    /**
     * The checks every backend makes before {@link PciFunction#mapDma} touches its IOMMU, so that
     * both refuse the same requests with the same errors.
     *
     * @param who      the function, for messages
     * @param pageSize the IOMMU page size, a power of two
     * @throws HwException EINVAL naming the first bad argument
     */
    public static void check(String who, List<DmaChunk> chunks, long length, long alignment,
                             Set<DmaDirection> directions, long pageSize) {
        if (directions == null || directions.isEmpty()) {
            throw new HwException(HwException.EINVAL, who + ": a DMA mapping needs at least one direction");
        }
        if (length < pageSize || (length & (pageSize - 1)) != 0) {
            throw new HwException(HwException.EINVAL, who + ": DMA mapping length " + length
                    + " is not a positive multiple of the page size " + pageSize);
        }
        if (alignment < pageSize || Long.bitCount(alignment) != 1) {
            throw new HwException(HwException.EINVAL, who + ": DMA mapping alignment " + alignment
                    + " is not a power of two of at least a page");
        }
        if (chunks == null || chunks.isEmpty()) {
            throw new HwException(HwException.EINVAL, who + ": a DMA mapping needs at least one chunk of memory");
        }
        long end = 0;
        for (int i = 0; i < chunks.size(); i++) {
            DmaChunk c = chunks.get(i);
            MemorySegment m = c.memory();
            String what = who + ": DMA chunk " + i;
            if (!m.isNative() || (m.address() & (pageSize - 1)) != 0 || m.byteSize() < pageSize
                    || (m.byteSize() & (pageSize - 1)) != 0) {
                throw new HwException(HwException.EINVAL, what + " (" + m + ") is not whole native pages");
            }
            if (c.offset() < end || (c.offset() & (pageSize - 1)) != 0 || c.offset() > length - m.byteSize()) {
                throw new HwException(HwException.EINVAL, what + " at offset " + c.offset() + " (" + m.byteSize()
                        + " bytes) is unaligned, overlaps the chunk before it or leaves the " + length + "-byte range");
            }
            end = c.offset() + m.byteSize();
        }
    }
}
