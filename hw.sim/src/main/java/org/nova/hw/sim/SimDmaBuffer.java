package org.nova.hw.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;

/** A DMA buffer of a simulated function: off-heap memory mapped in its IOMMU domain. */
final class SimDmaBuffer implements DmaBuffer {
    private final IommuDomain iommu;
    private final Arena arena;
    private final long iova;
    private final long size;
    private final Set<DmaDirection> directions;
    private final MemorySegment memory;
    private final AtomicBoolean closed = new AtomicBoolean();

    SimDmaBuffer(IommuDomain iommu, Arena arena, long iova, long size, Set<DmaDirection> directions,
                 MemorySegment memory) {
        this.iommu = iommu;
        this.arena = arena;
        this.iova = iova;
        this.size = size;
        this.directions = directions;
        this.memory = memory;
    }

    @Override
    public long iova() {
        return iova;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Set<DmaDirection> directions() {
        return directions;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            iommu.unmap(iova);
            arena.close();
        }
    }
}
