package org.nova.hw;

import java.util.Objects;

/**
 * A hardware operation was refused or failed. {@link #errno()} names the kernel error code the
 * same failure has in Linux (for example "EINVAL" for a misaligned config access, "ENODEV" for an
 * access to a removed function); the message names what was attempted and why it failed.
 *
 * <p>Contract: an operation that throws this exception has changed nothing.
 */
public class HwException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Invalid argument (include/uapi/asm-generic/errno-base.h). */
    public static final String EINVAL = "EINVAL";
    /** Result or argument out of range (include/uapi/asm-generic/errno-base.h). */
    public static final String ERANGE = "ERANGE";
    /** Read-only (file system); here: a write to a read-only region such as the expansion ROM. */
    public static final String EROFS = "EROFS";
    /** No such device: the function was removed or the mapping closed. */
    public static final String ENODEV = "ENODEV";
    /** No such device or address: the region does not exist. */
    public static final String ENXIO = "ENXIO";
    /** Device or resource busy. */
    public static final String EBUSY = "EBUSY";
    /** I/O error: for example a BAR access while the function does not decode that space. */
    public static final String EIO = "EIO";
    /** Out of memory (or out of IOVA / address space). */
    public static final String ENOMEM = "ENOMEM";
    /** No space left on device; here: no free range in a bridge window for a BAR. */
    public static final String ENOSPC = "ENOSPC";
    /** Already exists. */
    public static final String EEXIST = "EEXIST";
    /** No such entry. */
    public static final String ENOENT = "ENOENT";

    private final String errno;
    private final String reason;

    /**
     * @param errno   the kernel error name, e.g. {@link #EINVAL}
     * @param message what was attempted and why it failed
     */
    public HwException(String errno, String message) {
        super(errno + ": " + message);
        this.errno = Objects.requireNonNull(errno, "errno");
        this.reason = message;
    }

    /**
     * @param errno   the kernel error name, e.g. {@link #EIO}
     * @param message what was attempted and why it failed
     * @param cause   the underlying failure
     */
    public HwException(String errno, String message, Throwable cause) {
        super(errno + ": " + message, cause);
        this.errno = Objects.requireNonNull(errno, "errno");
        this.reason = message;
    }

    /** @return the kernel error name, e.g. "EINVAL" */
    public String errno() {
        return errno;
    }

    /**
     * @return what was attempted and why it failed, without the errno name: for a caller that
     *     reports the failure under an errno of its own without nesting one message in another
     */
    public String reason() {
        return reason;
    }

    /**
     * @return the message alone, which starts with the errno name: what a shell prints for a
     *     failed command (Gogo's prints {@code toString()}), one line without the Java class
     */
    @Override
    public String toString() {
        return getMessage();
    }
}
