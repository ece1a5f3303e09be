package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.VramManager;

/**
 * The DRM core's registry: device minors ({@code drm_minor_alloc}: primary minors 0..63, render
 * minors 128..191, the same index for both) and the fd table the devices share (a dma-buf, sync
 * file or sync object exported from one device's file is visible to every file, as an fd is to
 * the process; sync files and sync object files hold no device memory and outlive unplug). Plain
 * Java; the nova-drm component owns one, tests make their own. Thread-safe.
 */
public final class DrmClass implements DrmDevices {
    /** Minors per node type ({@code DRM_MINOR_LIMIT} ranges of 64 in drm_drv.c). */
    public static final int MINORS_PER_TYPE = 64;
    /** The first render minor: render node N is {@code renderD(128 + N)}. */
    public static final int RENDER_MINOR_BASE = 128;
    /** The first dma-buf fd handed out (0..2 are the standard streams). */
    public static final int FIRST_FD = 3;

    private final TreeMap<Integer, DrmDevice> devices = new TreeMap<>();
    /** The fds: {@link DmaBuf}s, {@link SyncFile}s and {@link Syncobj}s (a sync object's own file). */
    private final TreeMap<Integer, Object> fds = new TreeMap<>();
    private int nextFd = FIRST_FD;

    /** {@link #register(DrmDriver, String, VramManager, MemorySegment, int)}'s "no preference": the lowest free index. */
    public static final int ANY_INDEX = -1;

    /**
     * {@code drm_dev_alloc} + {@code drm_dev_register}: creates a device with the lowest free index,
     * as drm_minor_alloc's xa_alloc does.
     *
     * @see #register(DrmDriver, String, VramManager, MemorySegment, int)
     */
    public DrmDevice register(DrmDriver<?> driver, String parent, VramManager vram, MemorySegment aperture) {
        return register(driver, parent, vram, aperture, ANY_INDEX);
    }

    /**
     * {@code drm_dev_alloc} + {@code drm_dev_register} with an index the caller prefers: the kernel
     * takes the lowest free one (drm_minor_alloc), so card0 is whichever device registered first;
     * that is stable only while devices probe in a stable order. A driver whose devices may probe
     * in any order (nova-drm: GPUs hot-added in any order, probed concurrently) asks for the index
     * of its parent's place among its siblings instead, so that card0 stays with the lowest PCI
     * address, as udev's by-path names would. The preference yields to a device already holding
     * the index: then the lowest free index, as the kernel.
     *
     * @param driver the driver, serving this device only (its own state is the device's driver data)
     * @param parent the parent device's name (the auxiliary device)
     * @param vram the VRAM backing GEM objects; not owned (nova.core's)
     * @param aperture the CPU view of the VRAM aperture, {@link MemorySegment#NULL} if none
     * @param preferred the index wanted, 0..{@value #MINORS_PER_TYPE} - 1, or {@link #ANY_INDEX}
     * @return the registered device; unregister it with {@link #unregister}
     * @throws DrmException ENOSPC (as idr_alloc) when 64 devices exist
     */
    public DrmDevice register(DrmDriver<?> driver, String parent, VramManager vram, MemorySegment aperture,
            int preferred) {
        return register(driver, parent, vram, aperture, null, preferred);
    }

    /**
     * As {@link #register(DrmDriver, String, VramManager, MemorySegment, int)}, with GPU system
     * memory GEM objects may be placed in and evicted to.
     *
     * @param sysmem the GPU's system memory, or null (objects live in VRAM only); not owned
     * @since 2.3
     */
    public synchronized DrmDevice register(DrmDriver<?> driver, String parent, VramManager vram, MemorySegment aperture,
            GpuSysmem sysmem, int preferred) {
        int index = 0;
        if (preferred >= 0 && preferred < MINORS_PER_TYPE && !devices.containsKey(preferred)) {
            index = preferred;
        }
        while (devices.containsKey(index)) {
            index++;
        }
        if (index >= MINORS_PER_TYPE) {
            throw new DrmException(DrmErrno.ENOSPC, "no free DRM minor for " + parent);
        }
        DrmDevice d = new DrmDevice(this, index, driver, parent, vram, aperture, sysmem);
        devices.put(index, d);
        return d;
    }

    /**
     * {@code drm_dev_unplug} + unregister: files still open get ENODEV, every GEM object and dma-buf
     * of the device is released and its VRAM returned, the minor is freed. Idempotent.
     */
    public void unregister(DrmDevice dev) {
        dev.unplug();
        synchronized (this) {
            devices.remove(dev.index(), dev);
        }
    }

    @Override
    public synchronized List<DrmDevice> devices() {
        return List.copyOf(devices.values());
    }

    @Override
    public synchronized Optional<DrmDevice> byMinor(int minor) {
        int index = minor >= RENDER_MINOR_BASE ? minor - RENDER_MINOR_BASE : minor;
        if (index < 0 || index >= MINORS_PER_TYPE) {
            return Optional.empty();
        }
        return Optional.ofNullable(devices.get(index));
    }

    synchronized int installFd(Object file) {
        int fd = nextFd++;
        fds.put(fd, file);
        return fd;
    }

    /** dma_buf_get: EBADF for an fd that is not open, EINVAL for one that is not a dma-buf. */
    synchronized DmaBuf lookupFd(int fd) {
        return lookup(fd, DmaBuf.class, "a dma-buf");
    }

    /**
     * @return what fd {@code fd} is, if a {@code type}
     * @throws DrmException EBADF for an fd that is not open (fdget), EINVAL for an fd of another
     *     kind (the f_op checks of dma_buf_get, sync_file_fdget, drm_syncobj_fd_to_handle)
     */
    synchronized <T> T lookup(int fd, Class<T> type, String what) {
        Object o = fds.get(fd);
        if (o == null) {
            throw new DrmException(DrmErrno.EBADF, "fd " + fd + " is not open");
        }
        if (!type.isInstance(o)) {
            throw new DrmException(DrmErrno.EINVAL, "fd " + fd + " is not " + what);
        }
        return type.cast(o);
    }

    /** Removes every fd of that device's dma-bufs; returns the bufs. */
    synchronized List<DmaBuf> dropFds(DrmDevice dev) {
        List<DmaBuf> out = new ArrayList<>();
        fds.values().removeIf(o -> {
            if (o instanceof DmaBuf b && b.object.device == dev) {
                out.add(b);
                return true;
            }
            return false;
        });
        return out;
    }

    @Override
    public void closeFd(int fd) {
        Object o;
        synchronized (this) {
            o = fds.remove(fd);
        }
        if (o == null) {
            throw new DrmException(DrmErrno.EBADF, "fd " + fd + " is not open");
        }
        if (o instanceof DmaBuf b) {
            b.object.device.releaseDmaBufFd(b);
        }
    }

    @Override
    public DmaBuf dmaBuf(int fd) {
        return lookupFd(fd);
    }

    @Override
    public synchronized List<Integer> openFds() {
        return List.copyOf(fds.keySet());
    }
}
