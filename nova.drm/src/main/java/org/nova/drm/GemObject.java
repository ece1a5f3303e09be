package org.nova.drm;

import java.util.LinkedHashSet;
import java.util.Set;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;

/**
 * A GEM object: {@code struct drm_gem_object} with its backing store, which lives either in VRAM
 * (a VRAM block) or in GPU-reachable system memory (a coherent DMA buffer, nouveau's GART domain);
 * {@link DrmDevice}'s placement rules (TTM's role) move it between the two. Created by a driver
 * through {@link DrmDevice#gemCreate}; referenced by file handles, exported dma-bufs and GPU VA
 * mappings. When the last of them goes (or the device is unplugged) its memory goes back and the
 * object is dead. Read-only to its users; state guarded by the device's lock.
 */
public final class GemObject {
    /** Where an object's bytes are. */
    public enum Placement {
        /** In a VRAM block. */
        VRAM,
        /** In a coherent DMA buffer of the GPU (system memory). */
        SYSMEM
    }

    final DrmDevice device;
    final int id;
    final long size;
    final String owner;
    /** The fake mmap offset, fixed for the object's life (drm_vma_offset_add), whatever its placement. */
    final long mmapOffset;
    /** The placements the creator allowed (NovaDrm.NOVA_GEM_DOMAIN_* bits). */
    final int domains;
    /** The VRAM backing, or null when in system memory or freed. */
    VramBlock block;
    /** The system memory backing, or null when in VRAM or freed. */
    SysmemBuffer sys;
    int handleCount;
    /** References the driver holds (GPU VA mappings: {@link DrmDevice#gemGet}). */
    int vmRefs;
    int dmaBufRefs;
    DmaBuf dmaBuf;
    /** Set at the first CPU mmap: the object never moves again (the CPU mapping must keep showing its bytes). */
    boolean cpuMapped;
    /** The device's use clock at the last use (create, mmap, GPU VA map, migrate): least recently used is evicted first. */
    long lastUse;
    /** Moves: how many times the object changed placement. */
    int moves;
    /** Who maps the object into GPU VA spaces and must follow a move. */
    final Set<GemMover> movers = new LinkedHashSet<>();

    GemObject(DrmDevice device, int id, long size, String owner, long mmapOffset, int domains) {
        this.device = device;
        this.id = id;
        this.size = size;
        this.owner = owner;
        this.mmapOffset = mmapOffset;
        this.domains = domains;
    }

    /** @return the device-wide object number (for listings; not a handle) */
    public int id() {
        return id;
    }

    /** @return the object's size in bytes, a multiple of 4 KiB ({@code drm_gem_object.size}) */
    public long size() {
        return size;
    }

    /** @return the VRAM owner the backing block is charged to: the creating file */
    public String owner() {
        return owner;
    }

    /** @return the device */
    public DrmDevice device() {
        return device;
    }

    /** @return the placements the creator allowed ({@code NOVA_GEM_DOMAIN_*} bits) */
    public int domains() {
        return domains;
    }

    /** @return where the object is now, or null once freed */
    public Placement placement() {
        synchronized (device.lock) {
            return block != null ? Placement.VRAM : sys != null ? Placement.SYSMEM : null;
        }
    }

    /** @return the backing block's VRAM address, or -1 when not in VRAM (in system memory, or freed) */
    public long vramOffset() {
        synchronized (device.lock) {
            return block == null ? -1 : block.offset();
        }
    }

    /** @return the bytes of VRAM backing the object (a power of two ≥ {@link #size()}), 0 when not in VRAM */
    public long vramSize() {
        synchronized (device.lock) {
            return block == null ? 0 : block.size();
        }
    }

    /** @return the fake mmap offset (from {@link DrmDevice#DRM_FILE_PAGE_OFFSET_START}), -1 once freed */
    public long mmapOffset() {
        synchronized (device.lock) {
            return isFreedLocked() ? -1 : mmapOffset;
        }
    }

    /** @return how many file handles refer to the object ({@code handle_count}) */
    public int handleCount() {
        synchronized (device.lock) {
            return handleCount;
        }
    }

    /**
     * @return the backing VRAM block, or null when the object is in system memory or freed: what a
     *     driver maps into a GPU VA space while it holds a reference ({@link DrmDevice#gemGet});
     *     the block stays the object's
     */
    public VramBlock vramBlock() {
        synchronized (device.lock) {
            return block;
        }
    }

    /**
     * @return the system memory backing, or null when the object is in VRAM or freed: what a driver
     *     maps (its DMA segments) into a GPU VA space while it holds a reference; the buffer stays
     *     the object's
     */
    public SysmemBuffer sysmemBuffer() {
        synchronized (device.lock) {
            return sys;
        }
    }

    /** @return the references drivers hold on the object (its GPU VA mappings) */
    public int vmRefCount() {
        synchronized (device.lock) {
            return vmRefs;
        }
    }

    /** @return whether the object may not move: CPU-mapped, or exported as a dma-buf */
    public boolean isPinned() {
        synchronized (device.lock) {
            return cpuMapped || dmaBuf != null || dmaBufRefs > 0;
        }
    }

    /** @return how many times the object moved between VRAM and system memory */
    public int moves() {
        synchronized (device.lock) {
            return moves;
        }
    }

    /** @return true once the memory was returned */
    public boolean isFreed() {
        synchronized (device.lock) {
            return isFreedLocked();
        }
    }

    boolean isFreedLocked() {
        return block == null && sys == null;
    }

    @Override
    public String toString() {
        return String.format("gem#%d[%#x bytes]", id, size);
    }
}
