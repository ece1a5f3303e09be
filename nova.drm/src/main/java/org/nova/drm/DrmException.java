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

    /**
     * @return the message alone, which starts with the errno name: what a shell prints for a
     *     failed command (Gogo's prints {@code toString()}), one line without the Java class
     */
    @Override
    public String toString() {
        return getMessage();
    }

    /** @return the errno */
    public DrmErrno errno() {
        return errno;
    }
}
