package org.nova.drm;

import java.lang.foreign.MemorySegment;

/**
 * One ioctl of a driver or of the DRM core: {@code struct drm_ioctl_desc} (DRM_IOCTL_DEF_DRV).
 *
 * @param cmd the full command as the header declares it (its size is the kernel's struct size)
 * @param flags {@link DrmIoctl#DRM_AUTH}, {@link DrmIoctl#DRM_RENDER_ALLOW}, ...
 * @param name the command's name, for messages
 * @param handler the handler
 * @param <F> the driver's per-file data ({@link DrmDriver})
 */
public record IoctlDesc<F>(int cmd, int flags, String name, Handler<F> handler) {

    /**
     * An ioctl handler: reads and writes the kernel copy of the argument.
     *
     * @param <F> the driver's per-file data
     */
    @FunctionalInterface
    public interface Handler<F> {
        /**
         * @param file the calling file
         * @param data the calling file's data, what the driver's {@link DrmDriver#open} returned
         * @param arg the kernel copy of the argument: {@code max(user size, kernel size)} bytes, the
         *     user's bytes first, the rest zero; valid during the call only
         * @throws DrmException the errno to return
         */
        void handle(DrmFile file, F data, MemorySegment arg);
    }
}
