package org.nova.drm;

import java.util.List;

/**
 * A DRM driver as the DRM core sees it: {@code struct drm_driver} (Rust's {@code drm::Driver}).
 */
public interface DrmDriver {
    /** @return name, description, version */
    DrmDriverInfo info();

    /**
     * @return the driver's ioctls, index i being number {@code DRM_COMMAND_BASE + i}; a null entry
     *     is a hole (EINVAL, as a NULL func in the kernel's table)
     */
    List<IoctlDesc> ioctls();

    /** A file was opened ({@code drm_driver.open}); may refuse with a {@link DrmException}. */
    default void open(DrmFile file) {
    }

    /** A file is closing, before its GEM handles are released ({@code drm_driver.postclose}). */
    default void postclose(DrmFile file) {
    }
}
