package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;

/**
 * A registered DRM device ({@code struct drm_device}) with a primary node ({@code card<N>}, minor
 * N) and a render node ({@code renderD<128+N>}). Created by {@link DrmClass#register}; lives until
 * {@link DrmClass#unregister}, which unplugs it.
 *
 * <h2>Ioctl dispatch</h2> {@link DrmFile#ioctl} follows drivers/gpu/drm/drm_ioctl.c
 * ({@code drm_ioctl}, {@code drm_ioctl_permit}):
 * <ol>
 * <li>an unplugged device → ENODEV ({@code drm_dev_is_unplugged}), a closed file → EBADF;</li>
 * <li>the number is {@code DRM_IOCTL_NR(cmd)}; numbers in [DRM_COMMAND_BASE, DRM_COMMAND_END) index
 * the driver's table, others the core's; a number beyond the table or a hole → EINVAL;</li>
 * <li>sizes: the user size is {@code _IOC_SIZE(cmd)}; it is copied in only if both the user's and
 * the table's command have IOC_IN, out only if both have IOC_OUT; the kernel buffer is
 * {@code max(in, out, table size)} and what the user did not supply is zero-filled. So a
 * <em>shorter</em> struct (an older uAPI) is accepted with its missing fields zero, and a
 * <em>longer</em> one is copied in and back whole, the handler never looking past its own struct —
 * the size mismatch itself is never an error; the handler's checks decide (a GEM_CREATE struct cut
 * before {@code size} reads size 0 → EINVAL). An argument buffer smaller than the size the command
 * encodes is what the kernel sees as a failed copy_from_user/copy_to_user → EFAULT;</li>
 * <li>permissions: DRM_ROOT_ONLY → EACCES (nobody is CAP_SYS_ADMIN here); DRM_AUTH on a primary-node
 * file that is not authenticated → EACCES; DRM_MASTER on a file that is not the master → EACCES; no
 * DRM_RENDER_ALLOW on a render-node file → EACCES;</li>
 * <li>the handler runs; its errno is returned; the out copy happens whatever the result, as the
 * kernel's does.</li>
 * </ol>
 *
 * <h2>GEM</h2> Handles are per file, allocated lowest-free from 1 ({@code idr_alloc(.., 1, 0)} in
 * drm_gem_handle_create_tail). GEM_CLOSE of an unknown handle → EINVAL (drm_gem_handle_delete); a
 * lookup of an unknown handle → ENOENT (drm_gem_object_lookup / Rust's lookup_handle).
 *
 * <h2>mmap</h2> The drm_vma_manager fake-offset scheme: each object gets the offset
 * {@link #DRM_FILE_PAGE_OFFSET_START} + its VRAM address, unique since blocks do not overlap;
 * {@link DrmFile#mmap} looks the offset up exactly (drm_gem_mmap: unknown → EINVAL), requires the
 * file to hold a handle on the object (drm_vma_node_is_allowed → EACCES) and a length within the
 * object (EINVAL), and returns the object's window of the VRAM aperture, which is assumed to map
 * VRAM from address 0 (BAR1 of the simulated GPU does; nova.core sets up no BAR1 page tables).
 * GEM_CREATE places objects below the aperture's size when they fit there (CPU-visible VRAM, as
 * TTM does for buffers that need CPU access), elsewhere in VRAM otherwise. Without an aperture, or
 * for an object that does not lie wholly inside it (VRAM past the BAR1 size is out of the CPU's
 * reach), mmap fails with ENXIO. The aperture nova.core hands over is
 * its BAR1 mapping ({@code Bar.memory()}): when the GPU unbinds, the BAR is revoked after this
 * device is unplugged, and every slice handed out by mmap becomes inaccessible (an access throws
 * IllegalStateException; it never touches unmapped memory).
 *
 * <h2>Unplug</h2> After {@link DrmClass#unregister}, every ioctl and mmap of an open file fails
 * with ENODEV; the files' handles and the device's dma-bufs are dropped and all VRAM goes back to
 * the allocator at once (the kernel frees at last close; this device gives the memory back at
 * unbind because nova.core's VRAM manager must be empty when the GPU goes). In-flight ioctls finish
 * before unplug proceeds (drm_dev_enter/exit: here a read-write lock).
 */
public final class DrmDevice {
    /**
     * {@code DRM_FILE_PAGE_OFFSET_START} in bytes: {@code ((0xFFFFFFFFUL >> PAGE_SHIFT) + 1)} pages
     * on 64-bit (drm_gem.c), i.e. 4 GiB. Fake mmap offsets start here.
     */
    public static final long DRM_FILE_PAGE_OFFSET_START = ((0xFFFFFFFFL >>> 12) + 1) << 12;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final Object lock = new Object();
    private final ReentrantReadWriteLock srcu = new ReentrantReadWriteLock();
    private final DrmClass cls;
    private final int index;
    private final DrmDriver driver;
    private final String parent;
    private final VramManager vram;
    private final MemorySegment aperture;
    private final IoctlDesc[] coreIoctls = new IoctlDesc[DrmIoctl.DRM_COMMAND_BASE];
    private final IoctlDesc[] driverIoctls;
    private final Map<Integer, DrmFile> files = new LinkedHashMap<>();
    private final TreeMap<Long, GemObject> byMmapOffset = new TreeMap<>();
    private final Map<Integer, DrmFile> magics = new HashMap<>();
    private DrmFile master;
    private int nextFile = 1;
    private int nextObject = 1;
    private int nextMagic = 1;
    private volatile boolean unplugged;

    DrmDevice(DrmClass cls, int index, DrmDriver driver, String parent, VramManager vram, MemorySegment aperture) {
        this.cls = cls;
        this.index = index;
        this.driver = driver;
        this.parent = parent;
        this.vram = vram;
        this.aperture = aperture == null ? MemorySegment.NULL : aperture;
        this.driverIoctls = driver.ioctls().toArray(IoctlDesc[]::new);
        core(DrmIoctl.DRM_IOCTL_GET_MAGIC, 0, "GET_MAGIC", this::getMagic);
        core(DrmIoctl.DRM_IOCTL_GEM_CLOSE, DrmIoctl.DRM_RENDER_ALLOW, "GEM_CLOSE", this::gemCloseIoctl);
        core(DrmIoctl.DRM_IOCTL_AUTH_MAGIC, DrmIoctl.DRM_MASTER, "AUTH_MAGIC", this::authMagic);
        core(DrmIoctl.DRM_IOCTL_PRIME_HANDLE_TO_FD, DrmIoctl.DRM_RENDER_ALLOW, "PRIME_HANDLE_TO_FD", this::primeHandleToFd);
        core(DrmIoctl.DRM_IOCTL_PRIME_FD_TO_HANDLE, DrmIoctl.DRM_RENDER_ALLOW, "PRIME_FD_TO_HANDLE", this::primeFdToHandle);
    }

    private void core(int cmd, int flags, String name, IoctlDesc.Handler h) {
        coreIoctls[DrmIoctl.nr(cmd)] = new IoctlDesc(cmd, flags, name, h);
    }

    /** @return the index: primary minor N, render minor 128 + N */
    public int index() {
        return index;
    }

    /** @return the primary node's minor */
    public int primaryMinor() {
        return index;
    }

    /** @return the render node's minor */
    public int renderMinor() {
        return DrmClass.RENDER_MINOR_BASE + index;
    }

    /** @return "card&lt;N&gt;" */
    public String primaryName() {
        return "card" + primaryMinor();
    }

    /** @return "renderD&lt;128+N&gt;" */
    public String renderName() {
        return "renderD" + renderMinor();
    }

    /** @return the driver's name, description and version */
    public DrmDriverInfo info() {
        return driver.info();
    }

    /** @return the driver */
    public DrmDriver driver() {
        return driver;
    }

    /** @return the parent device's name */
    public String parent() {
        return parent;
    }

    /** @return the VRAM manager backing the GEM objects (not owned) */
    public VramManager vram() {
        return vram;
    }

    /** @return true after unplug */
    public boolean isUnplugged() {
        return unplugged;
    }

    /**
     * {@code drm_open}: opens a file on one of the nodes. On the primary node the first file
     * while there is no master becomes the master and is authenticated (drm_master_open →
     * drm_new_set_master); later ones must be authenticated by the master (GET_MAGIC, AUTH_MAGIC).
     * Render-node files need no authentication.
     *
     * @return the file; the caller closes it
     * @throws DrmException ENODEV if unplugged, or what the driver's open throws
     */
    public DrmFile open(DrmFile.Node node) {
        srcu.readLock().lock();
        try {
            DrmFile f;
            synchronized (lock) {
                if (unplugged) {
                    throw new DrmException(DrmErrno.ENODEV, primaryName() + " is unplugged");
                }
                f = new DrmFile(this, nextFile++, node);
                if (node == DrmFile.Node.PRIMARY && master == null) {
                    master = f;
                    f.authenticated = true;
                }
                files.put(f.id(), f);
            }
            try {
                driver.open(f);
            } catch (RuntimeException e) {
                synchronized (lock) {
                    files.remove(f.id());
                    if (master == f) {
                        master = null;
                    }
                    f.closed = true;
                }
                throw e;
            }
            return f;
        } finally {
            srcu.readLock().unlock();
        }
    }

    /** @return the open files */
    public List<DrmFile> files() {
        synchronized (lock) {
            return List.copyOf(files.values());
        }
    }

    /** @return the live GEM objects, by id */
    public List<GemObject> objects() {
        synchronized (lock) {
            List<GemObject> l = new ArrayList<>(byMmapOffset.values());
            l.sort(Comparator.comparingInt(GemObject::id));
            return l;
        }
    }

    /** @return the VRAM held by this device's GEM objects, in bytes */
    public long vramInUse() {
        synchronized (lock) {
            return byMmapOffset.values().stream().mapToLong(o -> o.block.size()).sum();
        }
    }

    boolean isMaster(DrmFile f) {
        synchronized (lock) {
            return master == f;
        }
    }

    // ---- ioctl dispatch ----

    int ioctl(DrmFile file, int cmd, MemorySegment user) {
        srcu.readLock().lock();
        try {
            if (unplugged) {
                return -DrmErrno.ENODEV.value();
            }
            if (file.closed) {
                return -DrmErrno.EBADF.value();
            }
            int nr = DrmIoctl.nr(cmd);
            IoctlDesc desc;
            if (nr >= DrmIoctl.DRM_COMMAND_BASE && nr < DrmIoctl.DRM_COMMAND_END) {
                int i = nr - DrmIoctl.DRM_COMMAND_BASE;
                desc = i < driverIoctls.length ? driverIoctls[i] : null;
            } else {
                desc = nr < coreIoctls.length ? coreIoctls[nr] : null;
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
            MemorySegment k = MemorySegment.ofArray(new long[(ksize + 7) / 8]).asSlice(0, ksize);
            if (inSize > 0) {
                MemorySegment.copy(user, 0, k, 0, inSize);
            }
            int ret = 0;
            try {
                permit(file, desc.flags());
                desc.handler().handle(file, k);
            } catch (DrmException e) {
                ret = -e.errno().value();
            } catch (DriverException e) {
                ret = -fromDriver(e.errno()).value();
            }
            if (outSize > 0) {
                MemorySegment.copy(k, 0, user, 0, outSize);
            }
            return ret;
        } finally {
            srcu.readLock().unlock();
        }
    }

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

    private void permit(DrmFile f, int flags) {
        if ((flags & DrmIoctl.DRM_ROOT_ONLY) != 0) {
            throw new DrmException(DrmErrno.EACCES, "root-only ioctl");
        }
        if ((flags & DrmIoctl.DRM_AUTH) != 0 && f.node() != DrmFile.Node.RENDER && !f.isAuthenticated()) {
            throw new DrmException(DrmErrno.EACCES, f + " is not authenticated");
        }
        if ((flags & DrmIoctl.DRM_MASTER) != 0 && !isMaster(f)) {
            throw new DrmException(DrmErrno.EACCES, f + " is not the master");
        }
        if ((flags & DrmIoctl.DRM_RENDER_ALLOW) == 0 && f.node() == DrmFile.Node.RENDER) {
            throw new DrmException(DrmErrno.EACCES, "ioctl not allowed on the render node");
        }
    }

    // ---- GEM ----

    /**
     * Placement: in the CPU-visible VRAM below the aperture's size when it fits (TTM's visible-VRAM
     * placement, so the object can be mmapped), anywhere else in VRAM when it does not (mmap of
     * such an object fails with ENXIO).
     */
    private VramBlock allocateVram(long size, String owner) {
        long visible = aperture.byteSize();
        if (visible > 0) {
            try {
                return vram.allocateBelow(size, owner, visible);
            } catch (DriverException e) {
                if (e.errno() != Errno.ENOSPC) {
                    throw e;
                }
            }
        }
        return vram.allocate(size, owner);
    }

    /**
     * Creates a GEM object of {@code size} bytes (a multiple of 4 KiB, checked by the driver) in
     * VRAM, and a handle for it in {@code file} ({@code drm_gem_handle_create}). The object is
     * charged to the file.
     *
     * @return the handle
     * @throws DrmException ENOMEM when VRAM cannot hold it, ENODEV if unplugged
     */
    public int gemCreate(DrmFile file, long size) {
        VramBlock block;
        try {
            block = allocateVram(size, file.owner());
        } catch (DriverException e) {
            throw new DrmException(e.errno() == Errno.ENODEV ? DrmErrno.ENODEV : DrmErrno.ENOMEM,
                    String.format("%s: no VRAM for a GEM object of %#x bytes: %s", primaryName(), size, e.getMessage()));
        }
        synchronized (lock) {
            if (unplugged || file.closed) {
                vram.free(block);
                throw new DrmException(DrmErrno.ENODEV, primaryName() + " is unplugged");
            }
            GemObject o = new GemObject(this, nextObject++, size, file.owner(), block);
            byMmapOffset.put(DRM_FILE_PAGE_OFFSET_START + block.offset(), o);
            return file.addHandle(o);
        }
    }

    /**
     * {@code drm_gem_object_lookup}.
     *
     * @throws DrmException ENOENT for a handle the file does not have
     */
    public GemObject lookup(DrmFile file, int handle) {
        synchronized (lock) {
            GemObject o = file.handles.get(handle);
            if (o == null) {
                throw new DrmException(DrmErrno.ENOENT, file + " has no GEM handle " + Integer.toUnsignedString(handle));
            }
            return o;
        }
    }

    /**
     * {@code drm_gem_handle_delete}.
     *
     * @throws DrmException EINVAL for a handle the file does not have
     */
    public void gemClose(DrmFile file, int handle) {
        synchronized (lock) {
            GemObject o = file.removeHandle(handle);
            if (o == null) {
                throw new DrmException(DrmErrno.EINVAL, file + " has no GEM handle " + Integer.toUnsignedString(handle));
            }
            o.handleCount--;
            maybeFree(o);
        }
    }

    private void maybeFree(GemObject o) {
        if (o.handleCount == 0 && o.dmaBufRefs == 0 && o.block != null) {
            byMmapOffset.remove(DRM_FILE_PAGE_OFFSET_START + o.block.offset());
            vram.free(o.block);
            o.block = null;
            o.dmaBuf = null;
        }
    }

    private void gemCloseIoctl(DrmFile f, MemorySegment a) {
        gemClose(f, a.get(U32, 0));
    }

    // ---- auth ----

    private void getMagic(DrmFile f, MemorySegment a) {
        synchronized (lock) {
            if (f.magic == 0) {
                f.magic = nextMagic++;
                magics.put(f.magic, f);
            }
            a.set(U32, 0, f.magic);
        }
    }

    private void authMagic(DrmFile f, MemorySegment a) {
        synchronized (lock) {
            DrmFile t = magics.remove(a.get(U32, 0));
            if (t == null) {
                throw new DrmException(DrmErrno.EINVAL, "no file with magic " + Integer.toUnsignedString(a.get(U32, 0)));
            }
            t.authenticated = true;
        }
    }

    // ---- PRIME ----

    private void primeHandleToFd(DrmFile f, MemorySegment a) {
        int handle = a.get(U32, 0);
        int flags = a.get(U32, 4);
        if ((flags & ~(DrmIoctl.DRM_CLOEXEC | DrmIoctl.DRM_RDWR)) != 0) {
            throw new DrmException(DrmErrno.EINVAL, "PRIME flags " + Integer.toHexString(flags));
        }
        a.set(U32, 8, exportHandle(f, handle));
    }

    private void primeFdToHandle(DrmFile f, MemorySegment a) {
        a.set(U32, 0, importFd(f, a.get(U32, 8)));
    }

    /**
     * {@code drm_gem_prime_handle_to_fd}: exports the object behind {@code handle} as a dma-buf and
     * installs a new fd for it in the {@link DrmClass}'s table; the fd holds a reference until closed.
     *
     * @return the fd
     * @throws DrmException ENOENT for an unknown handle
     */
    public int exportHandle(DrmFile file, int handle) {
        synchronized (lock) {
            GemObject o = lookup(file, handle);
            if (o.dmaBuf == null) {
                o.dmaBuf = new DmaBuf(o);
            }
            o.dmaBuf.fds++;
            o.dmaBufRefs++;
            return cls.installFd(o.dmaBuf);
        }
    }

    /**
     * {@code drm_gem_prime_fd_to_handle}: a handle in {@code file} for the object a dma-buf fd
     * stands for — the file's existing handle if it has one (drm_prime_lookup_buf_handle), else a new one.
     *
     * @return the handle
     * @throws DrmException EBADF for an fd that is not an open dma-buf; EINVAL for a dma-buf of
     *     another device (nova-drm has no import of foreign buffers)
     */
    public int importFd(DrmFile file, int fd) {
        DmaBuf b = cls.lookupFd(fd);
        synchronized (lock) {
            if (b.object.device != this) {
                throw new DrmException(DrmErrno.EINVAL, "fd " + fd + " is a dma-buf of " + b.object.device.primaryName());
            }
            if (b.object.block == null) {
                throw new DrmException(DrmErrno.EBADF, "fd " + fd + " refers to a freed object");
            }
            Integer h = file.byObject.get(b.object);
            return h != null ? h : file.addHandle(b.object);
        }
    }

    void releaseDmaBufFd(DmaBuf b) {
        synchronized (lock) {
            if (b.fds > 0) {
                b.fds--;
                b.object.dmaBufRefs--;
                maybeFree(b.object);
            }
        }
    }

    // ---- mmap ----

    MemorySegment mmap(DrmFile file, long offset, long length) {
        srcu.readLock().lock();
        try {
            synchronized (lock) {
                if (unplugged) {
                    throw new DrmException(DrmErrno.ENODEV, primaryName() + " is unplugged");
                }
                GemObject o = byMmapOffset.get(offset);
                if (o == null) {
                    throw new DrmException(DrmErrno.EINVAL, String.format("no GEM object at mmap offset %#x", offset));
                }
                if (!file.byObject.containsKey(o)) {
                    throw new DrmException(DrmErrno.EACCES, file + " holds no handle on " + o);
                }
                if (length <= 0 || length > o.size) {
                    throw new DrmException(DrmErrno.EINVAL, String.format("mmap of %#x bytes of %s", length, o));
                }
                long at = o.block.offset();
                if (aperture.byteSize() < at + length) {
                    throw new DrmException(DrmErrno.ENXIO, String.format("%s at VRAM %#x is outside the %#x-byte aperture",
                            o, at, aperture.byteSize()));
                }
                return aperture.asSlice(at, length);
            }
        } finally {
            srcu.readLock().unlock();
        }
    }

    // ---- close and unplug ----

    void close(DrmFile f) {
        srcu.readLock().lock();
        try {
            synchronized (lock) {
                if (f.closed) {
                    return;
                }
            }
            if (!unplugged) {
                try {
                    driver.postclose(f);
                } catch (RuntimeException e) {
                    // postclose must not fail; the file closes anyway
                }
            }
            synchronized (lock) {
                f.closed = true;
                releaseHandles(f);
                files.remove(f.id());
                if (f.magic != 0) {
                    magics.remove(f.magic);
                }
                if (master == f) {
                    master = null;
                }
            }
        } finally {
            srcu.readLock().unlock();
        }
    }

    private void releaseHandles(DrmFile f) {
        for (GemObject o : f.handles.values()) {
            o.handleCount--;
            maybeFree(o);
        }
        f.handles.clear();
        f.byObject.clear();
    }

    void unplug() {
        srcu.writeLock().lock();
        try {
            synchronized (lock) {
                if (unplugged) {
                    return;
                }
                unplugged = true;
                for (DrmFile f : files.values()) {
                    releaseHandles(f);
                }
                for (DmaBuf b : cls.dropFds(this)) {
                    b.object.dmaBufRefs -= b.fds;
                    b.fds = 0;
                    maybeFree(b.object);
                }
                for (GemObject o : new ArrayList<>(byMmapOffset.values())) {
                    o.handleCount = 0;
                    o.dmaBufRefs = 0;
                    maybeFree(o);
                }
            }
        } finally {
            srcu.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return primaryName() + "(" + driver.info().name() + ", " + parent + ")";
    }
}
