package org.nova.gpu.vram;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.nova.bus.pci.DmaSegment;
import org.osgi.annotation.versioning.ProviderType;

/**
 * System memory the GPU reaches by DMA, allocated by {@link GpuSysmem#allocate}: a coherent DMA
 * buffer of the GPU's PciDevice ({@code dma_alloc_coherent}), which the caller maps into GPU VA
 * spaces ({@code GpuVm.mapSysmem(va, segments(), true, ...)}) and reads and writes from the CPU
 * through {@link #memory()}.
 *
 * <p>Ownership: the caller's, who {@link #close closes} it after unmapping it from every GPU VA
 * space (a GPU access after the close is refused by the IOMMU). When the GPU unbinds, nova.core
 * closes whatever is left ({@link GpuSysmem#revoke}); from then on {@link #memory()} is
 * inaccessible (an access throws IllegalStateException) and {@link #isFreed()} is true.
 */
@ProviderType
public interface SysmemBuffer extends AutoCloseable {
    /** @return the DMA address the GPU uses (4 KiB aligned), valid until freed */
    long dmaAddress();

    /** @return the size in bytes, a multiple of 4 KiB */
    long size();

    /** @return who the buffer is charged to */
    String owner();

    /** @return the CPU view, {@link #size()} bytes, zeroed at allocation */
    MemorySegment memory();

    /** @return the buffer as DMA segments (one: a coherent allocation is contiguous in DMA space) */
    default List<DmaSegment> segments() {
        return List.of(new DmaSegment(dmaAddress(), size()));
    }

    /** @return true once closed (by the owner or by the GPU's unbind) */
    boolean isFreed();

    /** Frees the buffer (unmaps it from the device's IOMMU domain); idempotent. */
    @Override
    void close();
}
