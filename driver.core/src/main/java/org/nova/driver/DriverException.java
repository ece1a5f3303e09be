package org.nova.driver;

import java.util.Objects;

import org.nova.devres.RevokedException;

/**
 * An error of the driver model, carrying the kernel error number a C caller would have seen.
 * The message names what failed and why; {@link #getMessage()} starts with the errno name.
 * An operation that throws it has changed nothing (or undone what it changed).
 */
public class DriverException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final Errno errno;

    public DriverException(Errno errno, String message) {
        super(Objects.requireNonNull(errno).name() + ": " + message);
        this.errno = errno;
    }

    public DriverException(Errno errno, String message, Throwable cause) {
        super(Objects.requireNonNull(errno).name() + ": " + message, cause);
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

    /** @return the kernel error number this failure maps to. */
    public Errno errno() {
        return errno;
    }

    /**
     * The errno of any throwable: a {@link DriverException}'s own, {@link Errno#ENXIO} for a
     * revoked resource, {@link Errno#EINVAL} for an illegal argument, else {@link Errno#EIO}.
     */
    public static Errno errnoOf(Throwable t) {
        if (t instanceof DriverException d) {
            return d.errno();
        }
        if (t instanceof RevokedException) {
            return Errno.ENXIO;
        }
        if (t instanceof IllegalArgumentException) {
            return Errno.EINVAL;
        }
        return Errno.EIO;
    }
}
