package org.nova.hw;

import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Host memory the caller owns, mapped in one function's IOMMU domain at one IOVA range
 * ({@link PciFunction#mapDma}): the backend half of the kernel's dma_map_sg through an IOMMU
 * (drivers/iommu/dma-iommu.c iommu_dma_map_sg). Unlike a {@link DmaBuffer}, the memory is not the
 * backend's: closing the mapping unmaps it and frees the IOVA range, and leaves the memory alone.
 *
 * <p>Ownership: the caller owns the mapping and must close it before it frees the memory;
 * {@link #close()} is idempotent, and closing after the function was removed still frees the IOVA.
 */
@ProviderType
public interface DmaMapping extends AutoCloseable {
    /** @return the first I/O virtual address of the range, aligned as requested */
    long iova();

    /** @return the length of the IOVA range in bytes, a whole number of pages */
    long length();

    /** @return the directions the device may use */
    Set<DmaDirection> directions();

    /** Unmaps the range (later device accesses fault) and frees the IOVA; the memory stays the caller's. */
    @Override
    void close();
}
