package org.nova.gpu.vm;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The GPU virtual address spaces of one GPU, made by nova.core when the GPU binds and handed to
 * nova-drm with the GPU's VRAM manager. Thread-safe.
 *
 * <p>Ownership: a space returned by {@link #create} belongs to the caller, who closes it. When
 * the GPU unbinds the manager is revoked: every space still open is force-closed (everything in
 * it unmapped, its tables and instance block back in VRAM, later calls on it ENODEV) and further
 * creates fail with ENODEV.
 */
@ProviderType
public interface GpuVmManager {
    /** @return the GPU's PCI device name ("0000:00:05.0") */
    String gpu();

    /**
     * Creates an empty address space spanning VAs [0, vaSize): its instance block and root page
     * directory are allocated from VRAM, charged to {@code owner}.
     *
     * @param owner who is charged for the tables (e.g. "nova-drm:card0:file3"), not null
     * @param vaSize bytes of VA, a multiple of 4 KiB, at most 2^49 (2^57 on Hopper and Blackwell,
     *     whose version 3 page tables have a fifth directory level)
     * @return the space, owned by the caller
     * @throws org.nova.driver.DriverException EINVAL for a bad size or no owner; ENOSPC when VRAM
     *     cannot hold the tables; ENODEV once revoked. Nothing stays allocated on error.
     */
    GpuVm create(String owner, long vaSize);

    /** @return the spaces open now, in creation order */
    List<GpuVm> spaces();

    /** Force-closes every open space and refuses creates (the GPU is unbinding). Idempotent. */
    void revoke();

    /** @return true after {@link #revoke} */
    boolean isRevoked();
}
