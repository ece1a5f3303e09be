package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.nova.gpu.vram.GpuSysmem;
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
 * <h2>Placement</h2> (TTM's role) An object lives in VRAM or, on a device given GPU system memory
 * ({@link GpuSysmem}), in a coherent DMA buffer. GEM_CREATE's domain (nouveau's
 * NOUVEAU_GEM_DOMAIN_VRAM / _GART bits, {@link NovaDrm#NOVA_GEM_DOMAIN_VRAM}) says where it is
 * created: VRAM (0 or VRAM: VRAM only, ENOMEM when VRAM stays full), system memory (GART), or VRAM
 * with system memory as the fallback (VRAM|GART). When a VRAM allocation fails with ENOSPC, the
 * least recently used (created, GPU-mapped, mmapped or migrated last) evictable object is moved to
 * system memory, and again, until the allocation fits or nothing is left to evict. Evictable:
 * in VRAM and not pinned; pinned are objects exported as a dma-buf (an importer may hold their
 * pages) and objects that were ever mmapped (the runtime has no munmap telling when a CPU mapping
 * ends, and a CPU mapping must keep showing the object's bytes). Before a move, every {@link GemMover} of the
 * object waits for the GPU work that may touch it ({@link GemMover#awaitIdle}, TTM's reservation
 * wait; nova-drm's VA spaces wait for their file's job fences, at most the job timeout): a busy
 * object is skipped by eviction and refused by {@link #gemMigrate} (EBUSY); the placement lock is
 * held meanwhile, so creates, binds and mmaps of the device wait too. A move copies the bytes,
 * then every {@link GemMover} (the drivers' GPU VA spaces) maps the same VAs onto the new backing,
 * then the old backing is freed. The copy is the driver's {@link GemCopier} when it has one and
 * it takes the copy (TTM's accelerated move; nova-drm: the copy engine on the device's kernel
 * channel, opened at the first move in a VA space of its own and kept until unplug, waiting for the
 * copy's completion for at most the job timeout without holding a lock the completion needs);
 * otherwise, and whenever the copier declines (no channels on the GPU, no kernel channel to be had,
 * the channel failed or timed out: logged once, later moves do not try again), the CPU copies
 * through PRAMIN. Both paths leave the same bytes at the same VAs; {@link #acceleratedMoves}
 * counts the copier's. At unplug the copier is closed (its channel and space give their VRAM back)
 * before the objects' memory goes. {@link #gemMigrate} moves an object explicitly
 * (back to VRAM, or out to system memory); objects are not moved back on their own. An mmap of an
 * object in system memory maps its DMA buffer.
 *
 * <h2>mmap</h2> The drm_vma_manager fake-offset scheme: each object gets an offset from
 * {@link #DRM_FILE_PAGE_OFFSET_START} up, fixed for its life whatever its placement;
 * {@link DrmFile#mmap} looks the offset up exactly (drm_gem_mmap: unknown → EINVAL), requires the
 * file to hold a handle on the object (drm_vma_node_is_allowed → EACCES) and a length within the
 * object (EINVAL), and returns the CPU view the VRAM manager gives of the object
 * ({@code VramManager.map}): on a GPU whose BAR1 translates (nova.core under GSP-RM) the object is
 * mapped at a BAR1 VA at its first mmap and stays mapped until its VRAM is freed; BAR1 VA
 * exhaustion is ENOSPC. A manager over a linear aperture gives the object's window of it, and
 * for an object not wholly inside it (VRAM past the BAR1 size) mmap fails with ENXIO. GEM_CREATE
 * places objects below the aperture's size when they fit there (CPU-visible VRAM, as TTM does for
 * buffers that need CPU access), elsewhere in VRAM otherwise. The aperture nova.core hands over is
 * its BAR1 mapping ({@code Bar.memory()}): when the GPU unbinds, the BAR is revoked after this
 * device is unplugged, and every slice handed out by mmap becomes inaccessible (an access throws
 * IllegalStateException; it never touches unmapped memory).
 *
 * <h2>Unplug</h2> After {@link DrmClass#unregister}, every ioctl and mmap of an open file fails
 * with ENODEV; the files' handles and the device's dma-bufs are dropped and all VRAM goes back to
 * the allocator at once (the kernel frees at last close; this device gives the memory back at
 * unbind because nova.core's VRAM manager must be empty when the GPU goes). In-flight ioctls finish
 * before unplug proceeds (drm_dev_enter/exit: here a read-write lock).
 *
 * <h2>Where the kernel's files are</h2> This class is drm_drv.c and drm_file.c (the device, its
 * nodes, open, close, unplug), with {@link DriverFiles} for drm_file.c's calls into the driver and
 * the per-file data they make; {@link IoctlDispatch} is drm_ioctl.c, {@link DrmGem} drm_gem.c,
 * {@link DrmPrime} drm_prime.c and {@link DrmAuth} drm_auth.c, all guarded by this device's lock.
 *
 * <p>Why one class: it is the device those files share — their lock, the unplug lock and the
 * state behind them — and the public face a driver and the shell reach them through; what is left
 * here past the delegations is the device's own life (nodes, open, close, unplug) and the javadoc
 * of the rules every delegate follows.
 */
public final class DrmDevice {
    /**
     * {@code DRM_FILE_PAGE_OFFSET_START} in bytes: {@code ((0xFFFFFFFFUL >> PAGE_SHIFT) + 1)} pages
     * on 64-bit (drm_gem.c), i.e. 4 GiB. Fake mmap offsets start here.
     */
    public static final long DRM_FILE_PAGE_OFFSET_START = ((0xFFFFFFFFL >>> 12) + 1) << 12;

    /** Guards the files, the GEM objects and handles, the dma-bufs and the authentication state. */
    final Object lock = new Object();
    /** drm_dev_enter/exit: ioctls, opens, closes and mmaps read; unplug writes. */
    private final ReentrantReadWriteLock srcu = new ReentrantReadWriteLock();
    private final int index;
    /** The driver and the data it made for each open file. */
    private final DriverFiles<?> driverFiles;
    private final String parent;
    private final VramManager vram;
    private final DrmGem gem;
    private final DrmAuth auth;
    private final DrmPrime prime;
    private final DrmSyncobjs syncobjs;
    private final IoctlDispatch<?> ioctls;
    private final Map<Integer, DrmFile> files = new LinkedHashMap<>();
    private int nextFile = 1;
    private volatile boolean unplugged;

    <F> DrmDevice(DrmClass cls, int index, DrmDriver<F> driver, String parent, VramManager vram,
            MemorySegment aperture, GpuSysmem sysmem) {
        DriverFiles<F> driverFiles = new DriverFiles<>(driver);
        this.index = index;
        this.driverFiles = driverFiles;
        this.parent = parent;
        this.vram = vram;
        this.gem = new DrmGem(this, lock, vram, aperture == null ? MemorySegment.NULL : aperture, sysmem);
        this.auth = new DrmAuth(lock);
        this.prime = new DrmPrime(this, lock, cls, gem);
        this.syncobjs = new DrmSyncobjs(lock, cls);
        this.ioctls = new IoctlDispatch<>(this, driverFiles, gem, auth, prime, syncobjs);
        gem.copier(sysmem == null ? null : driver.gemCopier(this));
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
        return driverFiles.driver().info();
    }

    /** @return the driver */
    public DrmDriver<?> driver() {
        return driverFiles.driver();
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
                auth.opened(f);
                files.put(f.id(), f);
            }
            try {
                driverFiles.open(f);
            } catch (RuntimeException e) {
                synchronized (lock) {
                    files.remove(f.id());
                    auth.closed(f);
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
        return gem.objects();
    }

    /** @return the system memory the live objects hold, in bytes */
    public long sysmemInUse() {
        return gem.sysmemInUse();
    }

    /** @return the GPU system memory objects may be placed in, or null (VRAM only) */
    public GpuSysmem sysmem() {
        return gem.sysmem();
    }

    /** @return how many objects were evicted from VRAM since the device was registered */
    public long evictions() {
        return gem.evictions();
    }

    /**
     * The device's placement lock: a driver holds it while it maps objects into GPU VA spaces (so
     * no object moves meanwhile), taking it before its own locks and the device's.
     *
     * @return the lock
     */
    public java.util.concurrent.locks.Lock placementLock() {
        return gem.placementLock();
    }

    /**
     * Registers (or drops) a driver's GPU VA mappings of {@code o} to be told when it moves.
     * Dropped by itself when the object is freed.
     *
     * @param on true to register, false to drop
     */
    public void gemTrack(GemObject o, GemMover mover, boolean on) {
        gem.track(o, mover, on);
    }

    /**
     * Moves an object to {@code to} (ttm_bo_validate with one placement): its bytes are copied,
     * every tracked mover remaps it, its old memory is freed. Moving to where it is only marks it
     * used.
     *
     * @throws DrmException EINVAL for a dead object or a device without system memory; EBUSY for a
     *     pinned object (CPU-mapped or exported) or a busy one (GPU jobs of a space mapping it still
     *     in flight after the wait); ENOMEM when the destination has no room (for
     *     VRAM: after evicting what can be evicted); ENODEV once unplugged. The object is where
     *     it was on error.
     */
    public void gemMigrate(GemObject o, GemObject.Placement to) {
        srcu.readLock().lock();
        try {
            if (unplugged) {
                throw new DrmException(DrmErrno.ENODEV, primaryName() + " is unplugged");
            }
            gem.migrate(o, to);
        } finally {
            srcu.readLock().unlock();
        }
    }

    /**
     * @return how many moves the driver's {@link GemCopier} (the copy engine) did; the others were
     *     CPU copies
     * @since 2.5
     */
    public long acceleratedMoves() {
        GemCopier c = gem.copier();
        return c == null ? 0 : c.copies();
    }

    /** @return the VRAM held by this device's GEM objects, in bytes */
    public long vramInUse() {
        return gem.vramInUse();
    }

    boolean isMaster(DrmFile f) {
        return auth.isMaster(f);
    }

    /** {@code drm_ioctl} inside drm_dev_enter: ENODEV once unplugged, EBADF on a closed file. */
    int ioctl(DrmFile file, int cmd, MemorySegment user) {
        srcu.readLock().lock();
        try {
            if (unplugged) {
                return -DrmErrno.ENODEV.value();
            }
            if (file.closed) {
                return -DrmErrno.EBADF.value();
            }
            return ioctls.dispatch(file, cmd, user);
        } finally {
            srcu.readLock().unlock();
        }
    }

    /**
     * Creates a GEM object of {@code size} bytes (a multiple of 4 KiB, checked by the driver) in
     * VRAM, and a handle for it in {@code file} ({@code drm_gem_handle_create}). The object is
     * charged to the file. Same as {@link #gemCreate(DrmFile, long, int)} with domain 0.
     *
     * @return the handle
     * @throws DrmException ENOMEM when VRAM cannot hold it, ENODEV if unplugged
     */
    public int gemCreate(DrmFile file, long size) {
        return gem.create(file, size, 0);
    }

    /**
     * Creates a GEM object of {@code size} bytes placed as {@code domains} says (see Placement
     * above), evicting least recently used objects from VRAM when it is full, and a handle for it.
     *
     * @param domains 0, {@link NovaDrm#NOVA_GEM_DOMAIN_VRAM}, {@link NovaDrm#NOVA_GEM_DOMAIN_GART}
     *     or both (checked by the driver)
     * @return the handle
     * @throws DrmException EINVAL for GART on a device without system memory; ENOMEM when no
     *     allowed placement can hold it; ENODEV if unplugged
     * @since 2.3
     */
    public int gemCreate(DrmFile file, long size, int domains) {
        return gem.create(file, size, domains);
    }

    /**
     * {@code drm_gem_object_lookup}.
     *
     * @throws DrmException ENOENT for a handle the file does not have
     */
    public GemObject lookup(DrmFile file, int handle) {
        return gem.lookup(file, handle);
    }

    /**
     * {@code drm_gem_object_get} for a driver: a reference that keeps the object (and its VRAM)
     * alive without a handle, as a GPU VA mapping does; the driver gives it back with
     * {@link #gemPut}. Unplug drops every such reference (after the driver's
     * {@link DrmDriver#unplug}).
     *
     * @throws DrmException EINVAL for an object of another device or one freed already
     */
    public void gemGet(GemObject o) {
        gem.get(o);
    }

    /**
     * {@code drm_gem_object_put} of a reference taken with {@link #gemGet}: the object's VRAM
     * goes back once no handle, dma-buf or reference is left. A put after unplug does nothing.
     */
    public void gemPut(GemObject o) {
        gem.put(o);
    }

    /**
     * {@code drm_gem_handle_delete}.
     *
     * @throws DrmException EINVAL for a handle the file does not have
     */
    public void gemClose(DrmFile file, int handle) {
        gem.close(file, handle);
    }

    /**
     * {@code drm_gem_prime_handle_to_fd}: exports the object behind {@code handle} as a dma-buf and
     * installs a new fd for it in the {@link DrmClass}'s table; the fd holds a reference until closed.
     *
     * @return the fd
     * @throws DrmException ENOENT for an unknown handle
     */
    public int exportHandle(DrmFile file, int handle) {
        return prime.exportHandle(file, handle);
    }

    /**
     * {@code drm_gem_prime_fd_to_handle}: a handle in {@code file} for the object a dma-buf fd
     * stands for — the file's existing handle if it has one (drm_prime_lookup_buf_handle), else a new one.
     *
     * @return the handle
     * @throws DrmException EBADF for an fd that is not open; EINVAL for an fd that is not a dma-buf
     *     (a sync file, say) or a dma-buf of another device (nova-drm has no import of foreign buffers)
     */
    public int importFd(DrmFile file, int fd) {
        return prime.importFd(file, fd);
    }

    DrmSyncobjs syncobjs() {
        return syncobjs;
    }

    void releaseDmaBufFd(DmaBuf b) {
        prime.releaseFd(b);
    }

    MemorySegment mmap(DrmFile file, long offset, long length) {
        srcu.readLock().lock();
        try {
            return gem.mmap(file, offset, length);
        } finally {
            srcu.readLock().unlock();
        }
    }

    /** {@code drm_release}: the driver's postclose (skipped once unplugged), then handles and roles go. */
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
                    driverFiles.postclose(f);
                } catch (RuntimeException e) {
                    // postclose must not fail; the file closes anyway
                }
            }
            synchronized (lock) {
                f.closed = true;
                gem.releaseHandles(f);
                syncobjs.release(f);
                files.remove(f.id());
                auth.closed(f);
                driverFiles.closed(f);
            }
        } finally {
            srcu.readLock().unlock();
        }
    }

    /** {@code drm_dev_unplug}: waits for the readers, then every handle, fd and object lets go of VRAM. */
    void unplug() {
        // sleeping SYNCOBJ_WAITs hold the read side: wake them (ENODEV) before waiting for it
        syncobjs.unplugging();
        srcu.writeLock().lock();
        try {
            List<DrmFile> open;
            synchronized (lock) {
                if (unplugged) {
                    return;
                }
                unplugged = true;
                open = List.copyOf(files.values());
            }
            // outside the device lock, as postclose runs: the driver's per-file state has its own
            // locks and takes this one (GEM references) inside them
            for (DrmFile f : open) {
                try {
                    driverFiles.unplug(f);
                } catch (RuntimeException e) {
                    // like postclose, unplug must not fail; the VRAM goes back anyway
                }
            }
            // the kernel channel and its space go while the GPU's VRAM manager still has them
            gem.closeCopier();
            synchronized (lock) {
                for (DrmFile f : files.values()) {
                    gem.releaseHandles(f);
                }
                prime.dropAll();
                gem.freeAll();
            }
        } finally {
            srcu.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return primaryName() + "(" + info().name() + ", " + parent + ")";
    }
}
