package org.nova.hw.vfio;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaDirection;
import org.nova.hw.DmaMapping;

/**
 * Host memory the consumer owns, mapped piece by piece in one IOVA range of the function's
 * container (VFIO_IOMMU_MAP_DMA per piece, include/uapi/linux/vfio.h): the IOMMU half of
 * dma_map_sg (drivers/iommu/dma-iommu.c iommu_dma_map_sg). VFIO pins the pages while they are
 * mapped; {@link #close()} unmaps them (VFIO_IOMMU_UNMAP_DMA, which unpins) and frees the IOVA range,
 * and leaves the memory to its owner.
 */
final class VfioDmaMapping implements DmaMapping {
    private final VfioFunction function;
    private final VfioGroup.SgMap map;
    private final Set<DmaDirection> directions;
    private boolean closed;

    private VfioDmaMapping(VfioFunction function, VfioGroup.SgMap map, Set<DmaDirection> directions) {
        this.function = function;
        this.map = map;
        this.directions = directions;
    }

    /** Maps the chunks (checked by the caller); nothing stays mapped if this throws. */
    static VfioDmaMapping map(VfioFunction f, List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> dirs) {
        int n = chunks.size();
        long[] vaddrs = new long[n];
        long[] sizes = new long[n];
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            vaddrs[i] = chunks.get(i).memory().address();
            sizes[i] = chunks.get(i).memory().byteSize();
            offsets[i] = chunks.get(i).offset();
        }
        Set<DmaDirection> d = Set.copyOf(EnumSet.copyOf(dirs));
        VfioGroup.SgMap sg = f.group().mapChunks(f.address().toString(), vaddrs, sizes, offsets, length, alignment,
                VfioDmaBuffer.mapFlags(d));
        return new VfioDmaMapping(f, sg, d);
    }

    @Override
    public long iova() {
        return map.iova();
    }

    @Override
    public long length() {
        return map.length();
    }

    @Override
    public Set<DmaDirection> directions() {
        return directions;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        function.group().unmapChunks(map);
        function.forget(this);
    }

    @Override
    public String toString() {
        return "DMA sg iova 0x" + Long.toHexString(map.iova()) + " " + map.length() + " bytes in " + map.chunks().size()
                + " chunk(s) " + directions;
    }
}
