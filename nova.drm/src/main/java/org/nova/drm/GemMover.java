package org.nova.drm;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver's GPU VA mappings of GEM objects, told when an object moves between VRAM and system
 * memory (TTM's {@code move_notify}), so that every VA pointing at the object is mapped again at
 * the same VA onto the new backing before the old one is freed. Registered with
 * {@link DrmDevice#gemTrack}.
 */
@ConsumerType
public interface GemMover {
    /**
     * The object now lives at its new backing ({@link GemObject#vramBlock()} or
     * {@link GemObject#sysmemBuffer()}); its old backing is still allocated (its bytes copied)
     * and is freed after every mover returned. Called with the device's placement lock held and
     * without the device's lock. Must remap every VA of the object (same VA, new aperture and
     * address, the TLB invalidated by the remap) or throw; a throw makes the move fail and the
     * object stays where it was (movers already told are told again with the old backing).
     *
     * @param o the object
     */
    void moved(GemObject o);

    /**
     * TTM's wait for a buffer's reservation fences before it moves ({@code ttm_bo_wait_ctx} in
     * ttm_bo_evict / ttm_bo_validate, Linux 6.12; nouveau adds every EXEC job's done fence to the
     * VM's shared reservation, so an object private to the VM waits for all of its jobs): blocks
     * until no GPU work submitted through this mover's mappings of {@code o} is left, for at most a
     * bound of the mover's choosing. Called before the object's bytes are copied, with the device's
     * placement lock held and without the device's lock; the mover must not take the placement
     * lock. An interrupt ends the wait (the flag stays set) as busy.
     *
     * @param o the object about to move
     * @return true when idle; false when work is still in flight at the bound: the object is busy
     *     (eviction skips it and picks the next least-recently-used object, migration answers EBUSY)
     * @since 2.4
     */
    default boolean awaitIdle(GemObject o) {
        return true;
    }
}
