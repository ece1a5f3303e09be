package org.nova.drm;

/**
 * A DRM operation failed with an errno, as the kernel's ioctl handlers return {@code -EINVAL} etc.
 * Thrown by handlers and by the typed client helpers; {@link DrmFile#ioctl} turns it into a
 * negative return value.
 */
public class DrmException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final DrmErrno errno;

    public DrmException(DrmErrno errno, String message) {
        super(errno + ": " + message);
        this.errno = errno;
    }

    /** @return the errno */
    public DrmErrno errno() {
        return errno;
    }
}
