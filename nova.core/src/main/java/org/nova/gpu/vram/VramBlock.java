package org.nova.gpu.vram;

/**
 * A power-of-two block of a {@link BuddyAllocator}: {@code struct drm_buddy_block}. Handed out by
 * {@link BuddyAllocator#allocate}; the caller owns it until it gives it back with
 * {@link BuddyAllocator#free} (exactly once). After that the object is dead: freeing it again is
 * refused. Its fields are guarded by the allocator's lock.
 */
public final class VramBlock {
    enum State { FREE, SPLIT, ALLOCATED, DEAD }

    final BuddyAllocator allocator;
    final long offset;
    final int order;
    final VramBlock parent;
    final long rootOffset;
    final int rootOrder;
    VramBlock left;
    VramBlock right;
    State state = State.FREE;
    String owner;

    VramBlock(BuddyAllocator allocator, long offset, int order, VramBlock parent, long rootOffset, int rootOrder) {
        this.allocator = allocator;
        this.offset = offset;
        this.order = order;
        this.parent = parent;
        this.rootOffset = rootOffset;
        this.rootOrder = rootOrder;
    }

    /** @return the block's address in VRAM, in bytes ({@code drm_buddy_block_offset}) */
    public long offset() {
        return offset;
    }

    /** @return the block's order: its size is chunk size &lt;&lt; order ({@code drm_buddy_block_order}) */
    public int order() {
        return order;
    }

    /** @return the block's size in bytes */
    public long size() {
        return allocator.chunkSize() << order;
    }

    /** @return the owner given at allocation, or null */
    public String owner() {
        return owner;
    }

    /** @return the allocator this block comes from */
    public BuddyAllocator allocator() {
        return allocator;
    }

    /** @return true while the block is allocated (not yet freed) */
    public boolean isAllocated() {
        synchronized (allocator) {
            return state == State.ALLOCATED;
        }
    }

    @Override
    public String toString() {
        return String.format("VramBlock[%#x+%#x%s]", offset, size(), owner == null ? "" : " " + owner);
    }
}
