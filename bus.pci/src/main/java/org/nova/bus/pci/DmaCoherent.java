package org.nova.bus.pci;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A coherent DMA buffer ({@code dma_alloc_coherent}, Rust's {@code CoherentAllocation}): host
 * memory the device reaches at {@link #iova()} through its IOMMU domain, and the CPU through
 * {@link #memory()}. The device must also have bus mastering enabled ({@link PciDevice#setMaster()}).
 *
 * <p>A device resource of the binding: freed at unbind at the latest; {@link #close()} frees it
 * earlier. Once freed, the device's accesses to the IOVA fault and {@link #memory()} is
 * inaccessible (an access throws {@link IllegalStateException}; freed memory is never touched).
 */
@ProviderType
public interface DmaCoherent extends AutoCloseable {
    /** @return the I/O virtual address the device uses (page aligned) */
    long iova();

    /** @return the size in bytes, as requested */
    long size();

    /** @return the CPU view, {@link #size()} bytes, zeroed at allocation */
    MemorySegment memory();

    /** Unmaps and frees the buffer; idempotent. */
    @Override
    void close();
}
