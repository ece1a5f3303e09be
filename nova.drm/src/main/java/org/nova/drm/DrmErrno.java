package org.nova.drm;

/**
 * The errno values the DRM uAPI returns (include/uapi/asm-generic/errno-base.h), as
 * {@link DrmFile#ioctl} reports them: {@code -value}.
 */
public enum DrmErrno {
    /** Operation not permitted. */
    EPERM(1),
    /** Interrupted system call (a SYNCOBJ_WAIT whose thread was interrupted). */
    EINTR(4),
    /** No such GEM object (drm_gem_object_lookup failed). */
    ENOENT(2),
    /** I/O error (GSP-RM refused to allocate a channel). */
    EIO(5),
    /** No such device or address (mmap beyond the aperture). */
    ENXIO(6),
    /** Bad file descriptor (a closed DRM file, an unknown dma-buf fd). */
    EBADF(9),
    /** Out of memory (VRAM exhausted). */
    ENOMEM(12),
    /** Permission denied (drm_ioctl_permit, drm_vma_node_is_allowed). */
    EACCES(13),
    /** Bad address (the argument buffer is smaller than the size the command encodes). */
    EFAULT(14),
    /** Device or resource busy (VM_INIT of a file that has its VA space). */
    EBUSY(16),
    /** File exists. */
    EEXIST(17),
    /** No such device (the device is unplugged: drm_dev_is_unplugged). */
    ENODEV(19),
    /** Invalid argument. */
    EINVAL(22),
    /** No space left (no free DRM minor: idr_alloc in drm_minor_alloc; a VM_BIND against a sparse region). */
    ENOSPC(28),
    /** Function not implemented (VM_BIND before VM_INIT, as nouveau_uvmm answers). */
    ENOSYS(38),
    /** Timer expired (SYNCOBJ_WAIT timed out, errno.h ETIME). */
    ETIME(62),
    /** Operation not supported (an EXEC sync type nova does not have). */
    EOPNOTSUPP(95);

    private final int value;

    DrmErrno(int value) {
        this.value = value;
    }

    /** @return the positive errno number */
    public int value() {
        return value;
    }

    /** @return the constant for a positive or negative errno number, or null */
    public static DrmErrno of(int errno) {
        int v = Math.abs(errno);
        for (DrmErrno e : values()) {
            if (e.value == v) {
                return e;
            }
        }
        return null;
    }
}
