package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;

/**
 * drivers/gpu/drm/drm_gem.c for one device: GEM objects in VRAM, their per-file handles
 * (drm_gem_handle_create / _delete, drm_gem_object_lookup), the fake mmap offsets of the
 * drm_vma_manager and drm_gem_mmap; an object's memory goes back to VRAM when its last handle and
 * its last dma-buf reference are gone. The rules are listed on {@link DrmDevice}. Guarded by the
 * device's lock.
 */
final class DrmGem {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DrmDevice device;
    private final Object lock;
    private final VramManager vram;
    private final MemorySegment aperture;
    private final TreeMap<Long, GemObject> byMmapOffset = new TreeMap<>();
    private int nextObject = 1;

    DrmGem(DrmDevice device, Object lock, VramManager vram, MemorySegment aperture) {
        this.device = device;
        this.lock = lock;
        this.vram = vram;
        this.aperture = aperture;
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

    /** See {@link DrmDevice#gemCreate}. */
    int create(DrmFile file, long size) {
        VramBlock block;
        try {
            block = allocateVram(size, file.owner());
        } catch (DriverException e) {
            throw new DrmException(e.errno() == Errno.ENODEV ? DrmErrno.ENODEV : DrmErrno.ENOMEM,
                    String.format("%s: no VRAM for a GEM object of %#x bytes: %s", device.primaryName(), size, e.getMessage()));
        }
        synchronized (lock) {
            if (device.isUnplugged() || file.closed) {
                vram.free(block);
                throw new DrmException(DrmErrno.ENODEV, device.primaryName() + " is unplugged");
            }
            GemObject o = new GemObject(device, nextObject++, size, file.owner(), block);
            byMmapOffset.put(DrmDevice.DRM_FILE_PAGE_OFFSET_START + block.offset(), o);
            return file.addHandle(o);
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
            if (o.device != device || o.block == null) {
                throw new DrmException(DrmErrno.EINVAL, o + " is not a live object of " + device.primaryName());
            }
            o.vmRefs++;
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

    /** Gives the object's VRAM back once no handle and no dma-buf refers to it. Lock held. */
    void freeIfUnused(GemObject o) {
        if (o.handleCount == 0 && o.dmaBufRefs == 0 && o.vmRefs == 0 && o.block != null) {
            byMmapOffset.remove(DrmDevice.DRM_FILE_PAGE_OFFSET_START + o.block.offset());
            vram.free(o.block);
            o.block = null;
            o.dmaBuf = null;
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

    /** At unplug, after files and dma-bufs let go: whatever is left goes back to VRAM. Lock held. */
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
            return byMmapOffset.values().stream().mapToLong(o -> o.block.size()).sum();
        }
    }
}
