package org.nova.bus.pci;

import java.lang.foreign.MemorySegment;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A DMA buffer for one direction ({@code dma_alloc_noncoherent}): host memory the device reaches
 * at {@link #iova()} through its IOMMU domain, mapped only for {@link #direction()}. The device
 * must also have bus mastering enabled ({@link PciDevice#setMaster()}).
 *
 * <p>The kernel makes the CPU's caches and the device agree around each transfer with
 * {@code dma_sync_single_for_device}/{@code _for_cpu}; every platform this runtime drives (x86-64
 * through VFIO, the simulator) is cache-coherent for DMA, where those calls do nothing, so they
 * are not offered.
 *
 * <p>A device resource of the binding: freed at unbind at the latest; {@link #close()} frees it
 * earlier. Once freed, the device's accesses to the IOVA fault and {@link #memory()} is
 * inaccessible (an access throws {@link IllegalStateException}; freed memory is never touched).
 */
@ProviderType
public interface DmaNoncoherent extends AutoCloseable {
    /** @return the I/O virtual address the device uses (page aligned) */
    long iova();

    /** @return the size in bytes, as requested */
    long size();

    /** @return the one way the device may use the buffer */
    DmaDataDirection direction();

    /** @return the CPU view, {@link #size()} bytes, zeroed at allocation */
    MemorySegment memory();

    /** Unmaps and frees the buffer; idempotent. */
    @Override
    void close();
}
