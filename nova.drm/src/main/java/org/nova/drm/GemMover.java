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
}
