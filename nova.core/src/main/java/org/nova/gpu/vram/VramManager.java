package org.nova.gpu.vram;

import java.lang.foreign.MemorySegment;
import java.util.Map;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The VRAM of one GPU, as nova.core offers it to other bundles: an OSGi service registered per
 * bound GPU (service property {@link #GPU_PROPERTY} = the PCI device name), and handed to nova-drm
 * in {@link NovaDrmData}. Backed by a {@link BuddyAllocator}.
 *
 * <p>Ownership: a block returned by {@link #allocate} belongs to the caller until it calls
 * {@link #free} or {@link #freeAll} for its owner. When the GPU unbinds the manager is
 * {@link #revoke revoked}: further allocations fail with ENODEV; frees are still accepted so that
 * clients can finish releasing.
 */
@ProviderType
public interface VramManager {
    /** The service property naming the GPU's PCI device. */
    String GPU_PROPERTY = "nova.gpu";

    /** @return the GPU's PCI device name ("0000:00:05.0") */
    String gpu();

    /** @return the managed VRAM in bytes */
    long total();

    /** @return the free VRAM in bytes */
    long available();

    /**
     * Allocates a block of at least {@code size} bytes (rounded up to a power-of-two number of 4 KiB
     * chunks).
     *
     * @param size bytes, &gt; 0
     * @param owner who is charged for the block (e.g. "nova-drm:card0:file3"), not null
     * @return the block, owned by the caller
     * @throws org.nova.driver.DriverException EINVAL for a size ≤ 0 or above {@link #total()},
     *     ENOSPC when no free block is large enough, ENODEV after {@link #revoke}
     */
    VramBlock allocate(long size, String owner);

    /**
     * Allocates as {@link #allocate(long, String)}, but only a block that lies wholly below
     * {@code limit}: placement in the CPU-visible part of VRAM (the BAR1 aperture), as TTM places
     * buffers that need CPU access. The default allocates anywhere and gives back a block that
     * does not fit.
     *
     * @param size bytes, &gt; 0
     * @param owner who is charged for the block, not null
     * @param limit the exclusive end address, in VRAM, the block must lie under
     * @return the block, owned by the caller
     * @throws org.nova.driver.DriverException as {@link #allocate(long, String)}; ENOSPC also when
     *     no free block fits below the limit
     */
    default VramBlock allocateBelow(long size, String owner, long limit) {
        VramBlock b = allocate(size, owner);
        if (b.offset() > limit - b.size()) {
            free(b);
            throw new DriverException(Errno.ENOSPC, String.format(
                    "%s: no VRAM block of %#x bytes below %#x", gpu(), b.size(), limit));
        }
        return b;
    }

    /**
     * Allocates the block at {@code offset} exactly ({@link BuddyAllocator#allocateAt}): for a
     * client that carves VRAM in fixed-size slots of its own (the vGPU manager's framebuffer
     * placements), so that no placement ever straddles another.
     *
     * @param offset where the block starts, a multiple of its block size
     * @param size bytes, &gt; 0 (rounded up to a power-of-two number of 4 KiB chunks)
     * @param owner who is charged for the block, not null
     * @return the block, owned by the caller
     * @throws org.nova.driver.DriverException EINVAL for a bad size, an offset no block of that
     *     size starts at, or no owner; ENOSPC when part of the range is allocated; ENODEV after
     *     {@link #revoke}. Nothing is allocated on error.
     */
    VramBlock allocateAt(long offset, long size, String owner);

    /**
     * @param offset where a block would start
     * @param size its size in bytes
     * @return whether {@link #allocateAt} of that block would succeed now (false after
     *     {@link #revoke})
     * @throws org.nova.driver.DriverException EINVAL as {@link #allocateAt}
     */
    boolean isFree(long offset, long size);

    /**
     * @return how many bytes of VRAM, from offset 0, the CPU reaches through the GPU's VRAM aperture
     *     (BAR1); 0 when the GPU has no mappable aperture
     */
    long cpuVisibleSize();

    /**
     * The CPU's view of an allocated block through BAR1: what a driver uses to fill a buffer the
     * firmware reads, as the RFC's vGPU manager maps the plugin heap, and what nova-drm's GEM mmap
     * returns. Where BAR1 translates through page tables (nova-core under GSP-RM) the block is
     * mapped at a BAR1 VA at the first call (later calls return the same view) and unmapped when
     * it is freed; where BAR1 is linear the view is the block's window of it. The view belongs to
     * the block's owner: it must not be used after the block is freed; it becomes inaccessible
     * (IllegalStateException) when the GPU unbinds.
     *
     * @param block a block of this manager, allocated (use {@link #allocateBelow} with
     *     {@link #cpuVisibleSize()} to place it in the aperture)
     * @return the block's bytes, {@code block.size()} long
     * @throws org.nova.driver.DriverException EINVAL for a block not allocated from this manager,
     *     ENXIO when there is no aperture or (linear BAR1) the block is not wholly inside it,
     *     ENOSPC when BAR1's VA space is exhausted
     */
    MemorySegment map(VramBlock block);

    /**
     * Returns a block.
     *
     * @throws org.nova.driver.DriverException EINVAL for a block freed already or not from this manager
     */
    void free(VramBlock block);

    /**
     * Frees every block charged to {@code owner}.
     *
     * @return the bytes returned
     */
    long freeAll(String owner);

    /** @return the bytes allocated per owner now (owners with nothing allocated are absent) */
    Map<String, Long> usageByOwner();

    /** @return the allocator's statistics now */
    BuddyStats stats();

    /** Refuses further allocations (the GPU is unbinding). Idempotent. */
    void revoke();

    /** @return true after {@link #revoke} */
    boolean isRevoked();
}
