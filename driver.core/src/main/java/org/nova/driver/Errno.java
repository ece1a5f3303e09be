package org.nova.driver;

/**
 * The kernel error numbers the driver model reports, with their Linux values
 * (include/uapi/asm-generic/errno-base.h, errno.h, and include/linux/errno.h for the
 * kernel-internal ones such as EPROBE_DEFER).
 */
public enum Errno {
    /** Operation not permitted. */
    EPERM(1),
    /** No such file or directory: an unknown bus or driver name (its sysfs path would not exist). */
    ENOENT(2),
    /** I/O error. */
    EIO(5),
    /** No such device or address: a resource that is gone (a revoked mapping). */
    ENXIO(6),
    /** Try again: a bind request whose probe deferred. */
    EAGAIN(11),
    /** Out of memory. */
    ENOMEM(12),
    /** Device or resource busy: already bound, devres present before probe. */
    EBUSY(16),
    /** File exists: a duplicate name or id. */
    EEXIST(17),
    /** No such device: an unknown device, or a device not bound to the driver named. */
    ENODEV(19),
    /** Invalid argument. */
    EINVAL(22),
    /**
     * File too large: a firmware file, or the image it decompresses to, over the loader's limit
     * (fs/kernel_read_file.c kernel_read_file, the limit fw_get_filesystem_firmware passes).
     */
    EFBIG(27),
    /** Inappropriate ioctl for device; the kernel's answer for an operation a device has no means for (no reset method: pci_reset_function). */
    ENOTTY(25),
    /** No space left on device. */
    ENOSPC(28),
    /** Result out of range. */
    ERANGE(34),
    /** Function not implemented. */
    ENOSYS(38),
    /** Message too long: a GSP command that cannot fit one queue element (nova-core gsp/cmdq.rs). */
    EMSGSIZE(90),
    /** Operation not supported. */
    EOPNOTSUPP(95),
    /** Connection timed out: a wait that did not end. */
    ETIMEDOUT(110),
    /** Kernel-internal: the driver asks to be probed again later (include/linux/errno.h). */
    EPROBE_DEFER(517);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** @return the positive Linux error number; the kernel returns its negation. */
    public int code() {
        return code;
    }
}
