package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * drivers/gpu/drm/drm_ioctl.c for one device: the core's ioctl table (the part of
 * {@code drm_ioctls[]} this runtime implements), the driver's table, {@code drm_ioctl}'s dispatch
 * and argument copying, and {@code drm_ioctl_permit}. The rules are listed on {@link DrmDevice}.
 * Runs inside the device's read side (drm_dev_enter), which {@link DrmDevice#ioctl} holds.
 *
 * @param <F> the driver's per-file data, handed to its handlers
 */
final class IoctlDispatch<F> {
    /** The core's table by number (the driver's range excluded); null where this runtime has no ioctl. */
    private final List<IoctlDesc<F>> core = new ArrayList<>(Collections.nCopies(DrmIoctl.CORE_TABLE_SIZE, null));
    /** The driver's table, read once; null entries are holes. */
    private final List<IoctlDesc<F>> driver;
    private final DriverFiles<F> files;
    private final DrmDevice device;

    IoctlDispatch(DrmDevice device, DriverFiles<F> files, DrmGem gem, DrmAuth auth, DrmPrime prime,
            DrmSyncobjs syncobjs) {
        this.device = device;
        this.files = files;
        this.driver = new ArrayList<>(files.driver().ioctls());
        add(DrmIoctl.DRM_IOCTL_GET_MAGIC, 0, "GET_MAGIC", auth::getMagic);
        add(DrmIoctl.DRM_IOCTL_GEM_CLOSE, DrmIoctl.DRM_RENDER_ALLOW, "GEM_CLOSE", gem::closeIoctl);
        add(DrmIoctl.DRM_IOCTL_AUTH_MAGIC, DrmIoctl.DRM_MASTER, "AUTH_MAGIC", auth::authMagic);
        add(DrmIoctl.DRM_IOCTL_PRIME_HANDLE_TO_FD, DrmIoctl.DRM_RENDER_ALLOW, "PRIME_HANDLE_TO_FD", prime::handleToFdIoctl);
        add(DrmIoctl.DRM_IOCTL_PRIME_FD_TO_HANDLE, DrmIoctl.DRM_RENDER_ALLOW, "PRIME_FD_TO_HANDLE", prime::fdToHandleIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_CREATE, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_CREATE", syncobjs::createIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_DESTROY, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_DESTROY", syncobjs::destroyIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_HANDLE_TO_FD",
                syncobjs::handleToFdIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_FD_TO_HANDLE",
                syncobjs::fdToHandleIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_WAIT, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_WAIT", syncobjs::waitIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_RESET, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_RESET", syncobjs::resetIoctl);
        add(DrmSyncobj.DRM_IOCTL_SYNCOBJ_SIGNAL, DrmIoctl.DRM_RENDER_ALLOW, "SYNCOBJ_SIGNAL", syncobjs::signalIoctl);
    }

    /** A core ioctl: its handler needs no driver data. */
    private void add(int cmd, int flags, String name, BiConsumer<DrmFile, MemorySegment> h) {
        core.set(DrmIoctl.nr(cmd), new IoctlDesc<>(cmd, flags, name, (file, data, arg) -> h.accept(file, arg)));
    }

    /** {@code drm_ioctl}: finds the entry, copies the argument in, checks permission, runs, copies out. */
    int dispatch(DrmFile file, int cmd, MemorySegment user) {
        F data = files.data(file);
        if (data == null) {
            // the file closed while the call came in
            return -DrmErrno.EBADF.value();
        }
        int nr = DrmIoctl.nr(cmd);
        IoctlDesc<F> desc;
        if (nr >= DrmIoctl.DRM_COMMAND_BASE && nr < DrmIoctl.DRM_COMMAND_END) {
            int i = nr - DrmIoctl.DRM_COMMAND_BASE;
            desc = i < driver.size() ? driver.get(i) : null;
        } else {
            desc = nr < core.size() ? core.get(nr) : null;
        }
        if (desc == null) {
            return -DrmErrno.EINVAL.value();
        }
        int usize = DrmIoctl.size(cmd);
        int inSize = (DrmIoctl.dir(cmd) & DrmIoctl.dir(desc.cmd()) & DrmIoctl.IOC_WRITE) != 0 ? usize : 0;
        int outSize = (DrmIoctl.dir(cmd) & DrmIoctl.dir(desc.cmd()) & DrmIoctl.IOC_READ) != 0 ? usize : 0;
        int ksize = Math.max(Math.max(inSize, outSize), DrmIoctl.size(desc.cmd()));
        if ((inSize > 0 || outSize > 0) && (user == null || user.byteSize() < Math.max(inSize, outSize))) {
            return -DrmErrno.EFAULT.value();
        }
        MemorySegment k = MemorySegment.ofArray(new long[(ksize + Long.BYTES - 1) / Long.BYTES]).asSlice(0, ksize);
        if (inSize > 0) {
            MemorySegment.copy(user, 0, k, 0, inSize);
        }
        int ret = 0;
        try {
            permit(file, desc.flags());
            desc.handler().handle(file, data, k);
        } catch (DrmException e) {
            ret = -e.errno().value();
        } catch (DriverException e) {
            ret = -fromDriver(e.errno()).value();
        }
        if (outSize > 0) {
            MemorySegment.copy(k, 0, user, 0, outSize);
        }
        return ret;
    }

    /** The driver model's errors as the DRM uAPI reports them. */
    private static DrmErrno fromDriver(Errno e) {
        return switch (e) {
            case ENOMEM, ENOSPC -> DrmErrno.ENOMEM;
            case ENODEV -> DrmErrno.ENODEV;
            case ENOENT -> DrmErrno.ENOENT;
            case EPERM -> DrmErrno.EPERM;
            case ENXIO -> DrmErrno.ENXIO;
            case EOPNOTSUPP -> DrmErrno.EOPNOTSUPP;
            default -> DrmErrno.EINVAL;
        };
    }

    /** {@code drm_ioctl_permit}. */
    private void permit(DrmFile f, int flags) {
        if ((flags & DrmIoctl.DRM_ROOT_ONLY) != 0) {
            throw new DrmException(DrmErrno.EACCES, "root-only ioctl");
        }
        if ((flags & DrmIoctl.DRM_AUTH) != 0 && f.node() != DrmFile.Node.RENDER && !f.isAuthenticated()) {
            throw new DrmException(DrmErrno.EACCES, f + " is not authenticated");
        }
        if ((flags & DrmIoctl.DRM_MASTER) != 0 && !device.isMaster(f)) {
            throw new DrmException(DrmErrno.EACCES, f + " is not the master");
        }
        if ((flags & DrmIoctl.DRM_RENDER_ALLOW) == 0 && f.node() == DrmFile.Node.RENDER) {
            throw new DrmException(DrmErrno.EACCES, "ioctl not allowed on the render node");
        }
    }
}
