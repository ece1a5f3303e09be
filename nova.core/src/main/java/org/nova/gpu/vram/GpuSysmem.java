package org.nova.gpu.vram;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * GPU-reachable system memory of one GPU (the system-memory side of TTM's placements, nouveau's
 * NOUVEAU_GEM_DOMAIN_GART): coherent DMA buffers of the GPU's PciDevice, each a device resource
 * of nova.core's binding, plus the CPU copies between VRAM and such buffers that an eviction
 * needs until a copy engine does them (through the PRAMIN window, which needs no BAR1 mapping).
 * Handed to nova-drm in {@link NovaDrmData}. Thread-safe.
 *
 * <p>Ownership: buffers returned by {@link #allocate} are the caller's, who closes them. When the
 * GPU unbinds, nova.core {@link #revoke revokes} the manager after nova-drm unbound: buffers still
 * open are closed, further allocations fail with ENODEV.
 */
@ProviderType
public interface GpuSysmem {
    /** @return the GPU's PCI device name ("0000:00:05.0") */
    String gpu();

    /**
     * Allocates a zeroed coherent DMA buffer the GPU reaches.
     *
     * @param size bytes, &gt; 0 (rounded up to 4 KiB)
     * @param owner who is charged (e.g. "nova-drm:card0:file3"), not null
     * @return the buffer, owned by the caller
     * @throws org.nova.driver.DriverException EINVAL for a bad size or owner; ENOMEM when memory
     *     or IOVA space is exhausted or the manager's limit is reached; ENODEV once revoked.
     *     Nothing stays allocated on error.
     */
    SysmemBuffer allocate(long size, String owner);

    /**
     * Copies {@code length} bytes of VRAM at {@code block.offset() + from} into {@code dst} at
     * {@code to} (CPU copy through PRAMIN).
     *
     * @throws org.nova.driver.DriverException EINVAL for ranges outside the block or the buffer,
     *     misalignment (8 bytes), a freed block or buffer; ENODEV once revoked
     */
    void copyFromVram(VramBlock block, long from, SysmemBuffer dst, long to, long length);

    /**
     * Copies {@code length} bytes of {@code src} at {@code from} into VRAM at
     * {@code block.offset() + to} (CPU copy through PRAMIN).
     *
     * @throws org.nova.driver.DriverException as {@link #copyFromVram}
     */
    void copyToVram(SysmemBuffer src, long from, VramBlock block, long to, long length);

    /** @return the buffers open now, in allocation order */
    List<SysmemBuffer> buffers();

    /** @return bytes held by open buffers */
    long allocated();

    /** @return the most bytes the buffers may hold together (allocations past it fail with ENOMEM) */
    long limit();

    /** Closes every open buffer and refuses allocations (the GPU is unbinding). Idempotent. */
    void revoke();

    /** @return true after {@link #revoke} */
    boolean isRevoked();
}
