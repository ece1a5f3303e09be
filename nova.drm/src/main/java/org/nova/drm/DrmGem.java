package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;

/**
 * drivers/gpu/drm/drm_gem.c for one device, with TTM's placement role (drivers/gpu/drm/ttm:
 * ttm_bo_validate, ttm_bo_evict, the LRU): GEM objects in VRAM or in GPU-reachable system memory,
 * their per-file handles (drm_gem_handle_create / _delete, drm_gem_object_lookup), the fake mmap
 * offsets of the drm_vma_manager and drm_gem_mmap; an object's memory goes back when its last
 * handle, its last dma-buf reference and its last GPU VA mapping are gone. The rules are listed on
 * {@link DrmDevice}.
 *
 * <p>Locks: the placement lock (taken first: by creates, migrations and a driver's VA binds,
 * {@link DrmDevice#placementLock}) serialises everything that moves or maps objects; the device's
 * lock guards the objects' state and is never held while a {@link GemMover} runs.
 *
 * <p>Why one class: the objects' lifetime and their placement share every field
 * and both locks; split, each half would reach into the other's state.
 */
final class DrmGem {
    private static final Logger LOG = LoggerFactory.getLogger(DrmGem.class);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DrmDevice device;
    private final Object lock;
    private final VramManager vram;
    private final MemorySegment aperture;
    /** Null when the GPU offers no system memory: objects live in VRAM only and nothing is evicted. */
    private final GpuSysmem sysmem;
    private final ReentrantLock placement = new ReentrantLock();
    private final TreeMap<Long, GemObject> byMmapOffset = new TreeMap<>();
    private int nextObject = 1;
    /** drm_vma_offset_manager: offsets handed out upwards, never reused while the device lives. */
    private long nextMmapOffset = DrmDevice.DRM_FILE_PAGE_OFFSET_START;
    /** The use clock for the LRU. */
    private long clock;
    private long evictions;
    /** The driver's accelerated copy, or null (set once at registration, closed at unplug). */
    private volatile GemCopier copier;

    DrmGem(DrmDevice device, Object lock, VramManager vram, MemorySegment aperture, GpuSysmem sysmem) {
        this.device = device;
        this.lock = lock;
        this.vram = vram;
        this.aperture = aperture;
        this.sysmem = sysmem;
    }

    void copier(GemCopier c) {
        this.copier = c;
    }

    /** @return the driver's copier, or null */
    GemCopier copier() {
        return copier;
    }

    /** Closes the driver's copier (unplug: its channel and space go before the objects' memory). */
    void closeCopier() {
        GemCopier c = copier;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("{}: closing the GEM copier: {}", device.primaryName(), e.toString());
            }
        }
    }

    /**
     * Copies a moving object's bytes: through the driver's copier (the copy engine) when it takes
     * the copy, else with the CPU through PRAMIN. Placement lock held.
     */
    private void copyBytes(GemObject o, VramBlock fromBlock, SysmemBuffer fromSys, VramBlock toBlock,
            SysmemBuffer toSys) {
        GemCopier c = copier;
        if (c != null && c.copy(o, fromBlock, fromSys, toBlock, toSys, o.size)) {
            return;
        }
        if (fromBlock != null) {
            sysmem.copyFromVram(fromBlock, 0, toSys, 0, o.size);
        } else {
            sysmem.copyToVram(fromSys, 0, toBlock, 0, o.size);
        }
    }

    ReentrantLock placementLock() {
        return placement;
    }

    GpuSysmem sysmem() {
        return sysmem;
    }

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
     * VRAM for {@code size} bytes, evicting least-recently-used evictable objects to system memory
     * while VRAM says ENOSPC (ttm_bo_mem_space → ttm_mem_evict_first). Placement lock held.
     *
     * @return the block, or null when VRAM stays full with nothing left to evict
     */
    private VramBlock allocateVramEvicting(long size, String owner) {
        Set<GemObject> busy = new HashSet<>();
        while (true) {
            try {
                return allocateVram(size, owner);
            } catch (DriverException e) {
                if (e.errno() != Errno.ENOSPC) {
                    throw e;
                }
            }
            GemObject victim = lruVictim(busy);
            if (victim == null) {
                return null;
            }
            if (!awaitIdle(victim)) {
                LOG.debug("{}: {} is busy (GPU jobs in flight past the wait): evicting another", device.primaryName(),
                        victim);
                busy.add(victim);
                continue;
            }
            try {
                moveToSysmem(victim);
            } catch (DriverException e) {
                LOG.warn("{}: cannot evict {}: {}", device.primaryName(), victim, e.getMessage());
                return null;
            }
            evictions++;
        }
    }

    /**
     * Waits, as TTM does before it moves a buffer, for the GPU work on the object: every mover's
     * {@link GemMover#awaitIdle}. Placement lock held, the device's lock not.
     *
     * @return true when the object is idle; false when it is busy at some mover's bound
     */
    private boolean awaitIdle(GemObject o) {
        List<GemMover> movers;
        synchronized (lock) {
            movers = new ArrayList<>(o.movers);
        }
        for (GemMover m : movers) {
            if (!m.awaitIdle(o)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param busy objects found busy in this eviction round, not picked again
     * @return the least recently used object in VRAM that may move, or null (placement lock held)
     */
    private GemObject lruVictim(Set<GemObject> busy) {
        if (sysmem == null) {
            return null;
        }
        synchronized (lock) {
            GemObject best = null;
            for (GemObject o : byMmapOffset.values()) {
                if (o.block != null && !o.cpuMapped && o.dmaBuf == null && o.dmaBufRefs == 0 && !busy.contains(o)
                        && (best == null || o.lastUse < best.lastUse)) {
                    best = o;
                }
            }
            return best;
        }
    }

    /** See {@link DrmDevice#gemCreate(DrmFile, long, int)}. */
    int create(DrmFile file, long size, int domains) {
        boolean vramOk = domains == 0 || (domains & NovaDrm.NOVA_GEM_DOMAIN_VRAM) != 0;
        boolean gartOk = (domains & NovaDrm.NOVA_GEM_DOMAIN_GART) != 0;
        if (gartOk && sysmem == null) {
            throw new DrmException(DrmErrno.EINVAL, device.primaryName()
                    + ": GEM object in the GART domain, but the GPU offers no system memory");
        }
        VramBlock block = null;
        SysmemBuffer sys = null;
        placement.lock();
        try {
            try {
                if (vramOk) {
                    block = allocateVramEvicting(size, file.owner());
                }
                if (block == null && gartOk) {
                    sys = sysmem.allocate(size, file.owner());
                }
            } catch (DriverException e) {
                throw new DrmException(e.errno() == Errno.ENODEV ? DrmErrno.ENODEV : DrmErrno.ENOMEM, String.format(
                        "%s: no memory for a GEM object of %#x bytes: %s", device.primaryName(), size, e.getMessage()));
            }
            if (block == null && sys == null) {
                throw new DrmException(DrmErrno.ENOMEM, String.format(
                        "%s: no VRAM for a GEM object of %#x bytes (nothing left to evict%s)", device.primaryName(),
                        size, gartOk ? "" : "; the object may not live in system memory"));
            }
            synchronized (lock) {
                if (device.isUnplugged() || file.closed) {
                    if (block != null) {
                        vram.free(block);
                    }
                    if (sys != null) {
                        sys.close();
                    }
                    throw new DrmException(DrmErrno.ENODEV, device.primaryName() + " is unplugged");
                }
                GemObject o = new GemObject(device, nextObject++, size, file.owner(), nextMmapOffset, domains);
                nextMmapOffset += size;
                o.block = block;
                o.sys = sys;
                o.lastUse = ++clock;
                byMmapOffset.put(o.mmapOffset, o);
                return file.addHandle(o);
            }
        } finally {
            placement.unlock();
        }
    }

    /**
     * Moves an object from VRAM to a new system memory buffer: copy, then every mover remaps, then
     * the VRAM goes. Placement lock held; on failure the object is where it was.
     */
    private void moveToSysmem(GemObject o) {
        VramBlock old;
        synchronized (lock) {
            old = o.block;
        }
        SysmemBuffer buf = sysmem.allocate(o.size, o.owner);
        try {
            copyBytes(o, old, null, null, buf);
            swap(o, null, buf, old, null);
        } catch (RuntimeException e) {
            buf.close();
            throw e;
        }
        vram.free(old);
        LOG.debug("{}: {} moved to system memory (DMA {})", device.primaryName(), o, Long.toHexString(buf.dmaAddress()));
    }

    /** Moves an object from system memory into VRAM (evicting others if needed). Placement lock held. */
    private void moveToVram(GemObject o) {
        SysmemBuffer old;
        synchronized (lock) {
            old = o.sys;
        }
        VramBlock block = allocateVramEvicting(o.size, o.owner);
        if (block == null) {
            throw new DrmException(DrmErrno.ENOMEM, device.primaryName() + ": no VRAM for " + o);
        }
        try {
            copyBytes(o, null, old, block, null);
            swap(o, block, null, null, old);
        } catch (RuntimeException e) {
            vram.free(block);
            throw e;
        }
        old.close();
    }

    /** Installs the new backing and tells the movers; puts the old one back if one of them fails. */
    private void swap(GemObject o, VramBlock newBlock, SysmemBuffer newSys, VramBlock oldBlock, SysmemBuffer oldSys) {
        List<GemMover> movers;
        synchronized (lock) {
            o.block = newBlock;
            o.sys = newSys;
            movers = new ArrayList<>(o.movers);
        }
        List<GemMover> told = new ArrayList<>();
        try {
            for (GemMover m : movers) {
                told.add(m);
                m.moved(o);
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                o.block = oldBlock;
                o.sys = oldSys;
            }
            for (GemMover m : told) {
                try {
                    m.moved(o);
                } catch (RuntimeException e2) {
                    e.addSuppressed(e2);
                }
            }
            throw e;
        }
        synchronized (lock) {
            o.moves++;
        }
    }

    /** See {@link DrmDevice#gemMigrate}. */
    void migrate(GemObject o, GemObject.Placement to) {
        placement.lock();
        try {
            synchronized (lock) {
                if (o.device != device || o.isFreedLocked()) {
                    throw new DrmException(DrmErrno.EINVAL, o + " is not a live object of " + device.primaryName());
                }
                if ((o.block != null ? GemObject.Placement.VRAM : GemObject.Placement.SYSMEM) == to) {
                    o.lastUse = ++clock;
                    return;
                }
                if (o.cpuMapped || o.dmaBuf != null || o.dmaBufRefs > 0) {
                    throw new DrmException(DrmErrno.EBUSY, o + " is pinned (CPU-mapped or exported): it does not move");
                }
            }
            if (sysmem == null) {
                throw new DrmException(DrmErrno.EINVAL, device.primaryName() + " has no system memory to move to");
            }
            if (!awaitIdle(o)) {
                throw new DrmException(DrmErrno.EBUSY, o + " is busy: GPU jobs that may access it are still in flight");
            }
            try {
                if (to == GemObject.Placement.SYSMEM) {
                    moveToSysmem(o);
                } else {
                    moveToVram(o);
                }
            } catch (DriverException e) {
                throw new DrmException(e.errno() == Errno.ENODEV ? DrmErrno.ENODEV : DrmErrno.ENOMEM,
                        String.format("%s: moving %s to %s: %s", device.primaryName(), o, to, e.getMessage()));
            }
            synchronized (lock) {
                o.lastUse = ++clock;
            }
        } finally {
            placement.unlock();
        }
    }

    /** See {@link DrmDevice#gemTrack}. */
    void track(GemObject o, GemMover m, boolean on) {
        synchronized (lock) {
            if (on) {
                o.movers.add(m);
            } else {
                o.movers.remove(m);
            }
        }
    }

    /** @return evictions done since the device was registered */
    long evictions() {
        synchronized (lock) {
            return evictions;
        }
    }

    /** See {@link DrmDevice#lookup}. */
    GemObject lookup(DrmFile file, int handle) {
        synchronized (lock) {
            GemObject o = file.handles.get(handle);
            if (o == null) {
                throw new DrmException(DrmErrno.ENOENT, file + " has no GEM handle " + Integer.toUnsignedString(handle));
            }
            return o;
        }
    }

    /** See {@link DrmDevice#gemClose}. */
    void close(DrmFile file, int handle) {
        synchronized (lock) {
            GemObject o = file.removeHandle(handle);
            if (o == null) {
                throw new DrmException(DrmErrno.EINVAL, file + " has no GEM handle " + Integer.toUnsignedString(handle));
            }
            o.handleCount--;
            freeIfUnused(o);
        }
    }

    /** DRM_IOCTL_GEM_CLOSE. */
    void closeIoctl(DrmFile f, MemorySegment a) {
        close(f, a.get(U32, 0));
    }

    /** See {@link DrmDevice#gemGet}. */
    void get(GemObject o) {
        synchronized (lock) {
            if (o.device != device || o.isFreedLocked()) {
                throw new DrmException(DrmErrno.EINVAL, o + " is not a live object of " + device.primaryName());
            }
            o.vmRefs++;
            o.lastUse = ++clock;
        }
    }

    /** See {@link DrmDevice#gemPut}. */
    void put(GemObject o) {
        synchronized (lock) {
            if (o.vmRefs <= 0) {
                // unplug dropped every reference already (freeAll)
                return;
            }
            o.vmRefs--;
            freeIfUnused(o);
        }
    }

    /** Gives the object's memory back once no handle, dma-buf or mapping refers to it. Lock held. */
    void freeIfUnused(GemObject o) {
        if (o.handleCount == 0 && o.dmaBufRefs == 0 && o.vmRefs == 0 && !o.isFreedLocked()) {
            byMmapOffset.remove(o.mmapOffset);
            if (o.block != null) {
                vram.free(o.block);
            }
            if (o.sys != null) {
                o.sys.close();
            }
            o.block = null;
            o.sys = null;
            o.dmaBuf = null;
            o.movers.clear();
        }
    }

    /** Drops every handle of a closing file ({@code drm_gem_release}). Lock held. */
    void releaseHandles(DrmFile f) {
        for (GemObject o : f.handles.values()) {
            o.handleCount--;
            freeIfUnused(o);
        }
        f.handles.clear();
        f.byObject.clear();
    }

    /** At unplug, after files and dma-bufs let go: whatever is left goes back. Lock held. */
    void freeAll() {
        for (GemObject o : new ArrayList<>(byMmapOffset.values())) {
            o.handleCount = 0;
            o.dmaBufRefs = 0;
            o.vmRefs = 0;
            freeIfUnused(o);
        }
    }

    /** {@code drm_gem_mmap} on an offset of {@link GemObject#mmapOffset}; see {@link DrmDevice}. */
    MemorySegment mmap(DrmFile file, long offset, long length) {
        // the placement lock first: no eviction may have picked the object and be copying it
        placement.lock();
        try {
            return mmapLocked(file, offset, length);
        } finally {
            placement.unlock();
        }
    }

    private MemorySegment mmapLocked(DrmFile file, long offset, long length) {
        synchronized (lock) {
            if (device.isUnplugged()) {
                throw new DrmException(DrmErrno.ENODEV, device.primaryName() + " is unplugged");
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
            if (o.sys != null) {
                // system memory: the CPU maps the DMA buffer itself (coherent), as TTM maps TT pages
                o.cpuMapped = true;
                o.lastUse = ++clock;
                return o.sys.memory().asSlice(0, length);
            }
            // the VRAM manager's CPU view: through a BAR1 VA mapped now (once per object, unmapped
            // when the object's VRAM is freed) where BAR1 translates, a window of the linear
            // aperture where it does not
            MemorySegment view;
            try {
                view = vram.map(o.block);
            } catch (DriverException e) {
                DrmErrno errno = switch (e.errno()) {
                    case ENOSPC -> DrmErrno.ENOSPC;
                    case ENODEV -> DrmErrno.ENODEV;
                    case ENXIO -> DrmErrno.ENXIO;
                    default -> DrmErrno.ENOMEM;
                };
                throw new DrmException(errno, String.format("mmap of %s: %s", o, e.getMessage()));
            }
            o.cpuMapped = true;
            o.lastUse = ++clock;
            return view.asSlice(0, length);
        }
    }

    /** @return the live objects by id */
    List<GemObject> objects() {
        synchronized (lock) {
            List<GemObject> l = new ArrayList<>(byMmapOffset.values());
            l.sort(Comparator.comparingInt(GemObject::id));
            return l;
        }
    }

    /** @return the VRAM the live objects hold, in bytes */
    long vramInUse() {
        synchronized (lock) {
            return byMmapOffset.values().stream().filter(o -> o.block != null).mapToLong(o -> o.block.size()).sum();
        }
    }

    /** @return the system memory the live objects hold, in bytes */
    long sysmemInUse() {
        synchronized (lock) {
            return byMmapOffset.values().stream().filter(o -> o.sys != null).mapToLong(o -> o.sys.size()).sum();
        }
    }
}
