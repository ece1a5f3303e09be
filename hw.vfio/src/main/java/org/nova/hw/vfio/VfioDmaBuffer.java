package org.nova.hw.vfio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;

/**
 * Anonymous host memory (mmap MAP_PRIVATE|MAP_ANONYMOUS, zero-filled, page-rounded) mapped at an
 * IOVA of the function's container with VFIO_IOMMU_MAP_DMA (which pins it). The pages are
 * populated before they are pinned (MAP_POPULATE): VFIO pins a mapping the device may only read
 * without asking for write access (drivers/vfio/vfio_iommu_type1.c vaddr_get_pfns, FOLL_WRITE only
 * with IOMMU_WRITE), and an untouched private page is then the shared zero page; the CPU's first
 * write would give the process a copy the device never sees. The memory belongs to
 * a shared {@link Arena}: {@link #close()} first unmaps the IOVA (VFIO_IOMMU_UNMAP_DMA: later device
 * accesses fault in the IOMMU), then closes the arena (munmap; {@link #memory()} becomes
 * inaccessible instead of dangling).
 */
final class VfioDmaBuffer implements DmaBuffer {
    private final VfioFunction function;
    private final long size;
    private final Set<DmaDirection> directions;
    private final Arena arena;
    private final MemorySegment memory;
    private final VfioGroup.DmaMap map;
    private boolean closed;

    private VfioDmaBuffer(VfioFunction f, long size, Set<DmaDirection> dirs, Arena arena, MemorySegment memory,
                          VfioGroup.DmaMap map) {
        this.function = f;
        this.size = size;
        this.directions = Set.copyOf(dirs);
        this.arena = arena;
        this.memory = memory;
        this.map = map;
    }

    static VfioDmaBuffer allocate(VfioFunction f, long size, Set<DmaDirection> dirs) {
        long len = LibC.pageAlign(size);
        long addr;
        try {
            addr = LibC.mmap("mmap DMA buffer", len, LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_POPULATE, -1, 0);
        } catch (LibC.ErrnoException e) {
            throw new HwException(HwException.ENOMEM, f.address() + ": DMA buffer of " + size + " bytes: " + e.getMessage(), e);
        }
        Arena arena = Arena.ofShared();
        MemorySegment seg = MemorySegment.ofAddress(addr).reinterpret(len, arena, s -> LibC.munmap(addr, len));
        EnumSet<DmaDirection> d = EnumSet.copyOf(dirs);
        VfioGroup.DmaMap map;
        try {
            map = f.group().map(f.address().toString(), addr, len, mapFlags(d));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        return new VfioDmaBuffer(f, size, d, arena, seg.asSlice(0, size), map);
    }

    /**
     * @return the VFIO_IOMMU_MAP_DMA permissions of the directions, as the device sees them: a
     *         buffer the device only reads (TO_DEVICE) is mapped read-only, so the IOMMU blocks a
     *         device write into it
     */
    static int mapFlags(Set<DmaDirection> directions) {
        int flags = 0;
        if (directions.contains(DmaDirection.TO_DEVICE)) {
            flags |= VfioUapi.VFIO_DMA_MAP_FLAG_READ;
        }
        if (directions.contains(DmaDirection.FROM_DEVICE)) {
            flags |= VfioUapi.VFIO_DMA_MAP_FLAG_WRITE;
        }
        return flags;
    }

    @Override
    public long iova() {
        return map.iova();
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
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        function.group().unmap(map);
        arena.close();
        function.forget(this);
    }

    @Override
    public String toString() {
        return "DMA iova 0x" + Long.toHexString(map.iova()) + " " + size + " bytes " + directions;
    }
}
