package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * drivers/gpu/drm/drm_prime.c for one device: exporting a GEM object as a dma-buf fd
 * (drm_gem_prime_handle_to_fd) and importing one back to a handle (drm_gem_prime_fd_to_handle),
 * with the fd table kept by the {@link DrmClass}. An fd holds a reference on its object until it is
 * closed. Guarded by the device's lock.
 */
final class DrmPrime {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** struct drm_prime_handle (include/uapi/drm/drm.h): handle, flags, fd. */
    private static final int HANDLE_AT = 0, FLAGS_AT = 4, FD_AT = 8;

    private final DrmDevice device;
    private final Object lock;
    private final DrmClass cls;
    private final DrmGem gem;

    DrmPrime(DrmDevice device, Object lock, DrmClass cls, DrmGem gem) {
        this.device = device;
        this.lock = lock;
        this.cls = cls;
        this.gem = gem;
    }

    /** DRM_IOCTL_PRIME_HANDLE_TO_FD: flags other than DRM_CLOEXEC and DRM_RDWR are EINVAL. */
    void handleToFdIoctl(DrmFile f, MemorySegment a) {
        int flags = a.get(U32, FLAGS_AT);
        if ((flags & ~(DrmIoctl.DRM_CLOEXEC | DrmIoctl.DRM_RDWR)) != 0) {
            throw new DrmException(DrmErrno.EINVAL, "PRIME flags " + Integer.toHexString(flags));
        }
        a.set(U32, FD_AT, exportHandle(f, a.get(U32, HANDLE_AT)));
    }

    /** DRM_IOCTL_PRIME_FD_TO_HANDLE. */
    void fdToHandleIoctl(DrmFile f, MemorySegment a) {
        a.set(U32, HANDLE_AT, importFd(f, a.get(U32, FD_AT)));
    }

    /**
     * See {@link DrmDevice#exportHandle}. Under the placement lock: exporting pins the object, so
     * no eviction may be moving it meanwhile.
     */
    int exportHandle(DrmFile file, int handle) {
        gem.placementLock().lock();
        try {
            synchronized (lock) {
                GemObject o = gem.lookup(file, handle);
                if (o.dmaBuf == null) {
                    o.dmaBuf = new DmaBuf(o);
                }
                o.dmaBuf.fds++;
                o.dmaBufRefs++;
                return cls.installFd(o.dmaBuf);
            }
        } finally {
            gem.placementLock().unlock();
        }
    }

    /** See {@link DrmDevice#importFd}. */
    int importFd(DrmFile file, int fd) {
        DmaBuf b = cls.lookupFd(fd);
        synchronized (lock) {
            if (b.object.device != device) {
                throw new DrmException(DrmErrno.EINVAL, "fd " + fd + " is a dma-buf of " + b.object.device.primaryName());
            }
            if (b.object.isFreedLocked()) {
                throw new DrmException(DrmErrno.EBADF, "fd " + fd + " refers to a freed object");
            }
            Integer h = file.byObject.get(b.object);
            return h != null ? h : file.addHandle(b.object);
        }
    }

    /** A dma-buf fd of this device was closed: its reference on the object goes. */
    void releaseFd(DmaBuf b) {
        synchronized (lock) {
            if (b.fds > 0) {
                b.fds--;
                b.object.dmaBufRefs--;
                gem.freeIfUnused(b.object);
            }
        }
    }

    /** At unplug: every fd of this device is dropped from the table and lets go of its object. Lock held. */
    void dropAll() {
        for (DmaBuf b : cls.dropFds(device)) {
            b.object.dmaBufRefs -= b.fds;
            b.fds = 0;
            gem.freeIfUnused(b.object);
        }
    }
}
