package org.nova.bus.pci;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Contiguous pages of host memory for streaming DMA ({@code alloc_pages}, include/linux/gfp.h), from
 * {@link PciDevice#allocPages}: memory the driver fills or reads with the CPU and hands to the
 * device only through a scatter-gather mapping ({@link SgTable}, {@link PciDevice#dmaMapSg}). Until
 * then no device can reach it: it is in no IOMMU domain.
 *
 * <p>A device resource of the binding: freed at unbind at the latest, after every mapping made
 * since (devres releases newest first); {@link #close()} frees it earlier, and the caller must
 * first unmap what maps it. Once freed, {@link #memory()} and the pages are inaccessible (an access
 * throws {@link IllegalStateException}; freed memory is never touched).
 */
@ProviderType
public interface DmaPages extends AutoCloseable {
    /** @return the number of pages */
    int count();

    /** @return all of the pages, {@code count() * PAGE_SIZE} bytes, page-aligned, zeroed at allocation */
    MemorySegment memory();

    /**
     * @param index 0..count()-1
     * @return page {@code index}, {@value SgTable#PAGE_SIZE} bytes
     * @throws IndexOutOfBoundsException for an index outside the allocation
     */
    MemorySegment page(int index);

    /** Frees the pages; idempotent. */
    @Override
    void close();
}
