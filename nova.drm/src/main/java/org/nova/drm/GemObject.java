package org.nova.drm;

import org.nova.gpu.vram.VramBlock;

/**
 * A GEM object: {@code struct drm_gem_object} backed by a VRAM block. Created by a driver through
 * {@link DrmDevice#gemCreate}; referenced by file handles and exported dma-bufs. When the last
 * handle is closed and the last dma-buf fd is closed (or the device is unplugged) its VRAM goes
 * back to the allocator and the object is dead. Read-only to its users; state guarded by the
 * device's lock.
 */
public final class GemObject {
    final DrmDevice device;
    final int id;
    final long size;
    final String owner;
    VramBlock block;
    int handleCount;
    /** References the driver holds (GPU VA mappings: {@link DrmDevice#gemGet}). */
    int vmRefs;
    int dmaBufRefs;
    DmaBuf dmaBuf;

    GemObject(DrmDevice device, int id, long size, String owner, VramBlock block) {
        this.device = device;
        this.id = id;
        this.size = size;
        this.owner = owner;
        this.block = block;
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

    /** @return the backing block's VRAM address, or -1 once freed */
    public long vramOffset() {
        synchronized (device.lock) {
            return block == null ? -1 : block.offset();
        }
    }

    /** @return the bytes of VRAM backing the object (a power of two ≥ {@link #size()}), 0 once freed */
    public long vramSize() {
        synchronized (device.lock) {
            return block == null ? 0 : block.size();
        }
    }

    /** @return the fake mmap offset ({@link DrmDevice#DRM_FILE_PAGE_OFFSET_START} + VRAM address), -1 once freed */
    public long mmapOffset() {
        synchronized (device.lock) {
            return block == null ? -1 : DrmDevice.DRM_FILE_PAGE_OFFSET_START + block.offset();
        }
    }

    /** @return how many file handles refer to the object ({@code handle_count}) */
    public int handleCount() {
        synchronized (device.lock) {
            return handleCount;
        }
    }

    /**
     * @return the backing VRAM block, or null once freed: what a driver maps into a GPU VA space
     *     while it holds a reference ({@link DrmDevice#gemGet}); the block stays the object's
     */
    public VramBlock vramBlock() {
        synchronized (device.lock) {
            return block;
        }
    }

    /** @return the references drivers hold on the object (its GPU VA mappings) */
    public int vmRefCount() {
        synchronized (device.lock) {
            return vmRefs;
        }
    }

    /** @return true once the VRAM was returned */
    public boolean isFreed() {
        synchronized (device.lock) {
            return block == null;
        }
    }

    @Override
    public String toString() {
        return String.format("gem#%d[%#x bytes]", id, size);
    }
}
