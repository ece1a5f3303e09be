package org.nova.hw;

import java.lang.foreign.MemorySegment;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Host memory mapped at an I/O virtual address in one function's IOMMU domain
 * ({@link PciFunction#allocateDma}). The device reaches it only through {@link #iova()}; the
 * host through {@link #memory()}.
 *
 * <p>Ownership: the caller owns the buffer and must close it; {@link #close()} first unmaps the
 * IOVA (later device accesses fault) and then frees the memory ({@link #memory()} becomes
 * inaccessible). Closing twice is harmless; closing after the function was removed still frees.
 */
@ProviderType
public interface DmaBuffer extends AutoCloseable {

    /** @return the I/O virtual address the device uses, page aligned */
    long iova();

    /** @return the size in bytes, as requested */
    long size();

    /** @return the directions the device may use */
    Set<DmaDirection> directions();

    /** @return the host view of the buffer, {@link #size()} bytes, zeroed at allocation */
    MemorySegment memory();

    /** Unmaps, then frees. */
    @Override
    void close();
}
