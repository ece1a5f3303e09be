package org.nova.gpu.vram;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * A binary buddy allocator over one or more VRAM zones, after drivers/gpu/drm/drm_buddy.c.
 *
 * <p>Rules taken from drm_buddy:
 * <ul>
 * <li>{@code drm_buddy_init}: the chunk size (the smallest block) is a power of two of at least
 * 4 KiB ({@link #MIN_CHUNK}); a zone smaller than one chunk is refused; a zone's size is rounded
 * down to the chunk size and split into power-of-two roots, largest first, so a zone of any size
 * is managed without waste beyond the last partial chunk. Each root is aligned, within its zone, to
 * its own size; a zone's base must be chunk-aligned.</li>
 * <li>Allocation rounds the size up to a chunk, then to a power of two, takes the smallest free
 * block of at least that order (lowest address first) and splits it down, putting the unused
 * halves on the free lists ({@code __alloc_range}/{@code split_block}).</li>
 * <li>Freeing merges the block with its buddy while the buddy is free ({@code __drm_buddy_free}),
 * so no two free buddies ever coexist.</li>
 * <li>Errors: size 0 or a size larger than the managed total → EINVAL (drm_buddy_alloc_blocks:
 * {@code size < chunk_size} / {@code size > mm->size} → -EINVAL); no free block large enough →
 * ENOSPC (drm_buddy returns -ENOSPC); freeing a block twice, or a block of another allocator →
 * EINVAL (drm_buddy would corrupt its lists: here it is refused and nothing changes).</li>
 * </ul>
 *
 * <p>Thread-safe: every operation holds the allocator's monitor. Plain Java, no OSGi.
 */
public final class BuddyAllocator {
    /** The smallest chunk size drm_buddy accepts: {@code SZ_4K} (drm_buddy_init). */
    public static final long MIN_CHUNK = 4096;

    /**
     * A region of VRAM managed by the allocator.
     *
     * @param base the zone's first byte, chunk-aligned
     * @param size the zone's size in bytes; rounded down to the chunk size
     */
    public record Zone(long base, long size) {
    }

    /**
     * A free block as {@link #freeBlocks()} lists it.
     *
     * @param offset the block's address
     * @param order its order
     * @param rootOffset the address of the root it was split from
     * @param rootOrder the root's order
     */
    public record FreeBlock(long offset, int order, long rootOffset, int rootOrder) {
    }

    private static final Comparator<VramBlock> BY_OFFSET = Comparator.comparingLong(VramBlock::offset);

    private final String name;
    private final long chunkSize;
    private final int chunkShift;
    private final long total;
    private final int maxOrder;
    private final List<VramBlock> roots = new ArrayList<>();
    private final TreeSet<VramBlock>[] freeLists;
    private long free;
    private long allocatedBlocks;

    /** A single zone {@code [0, size)} with 4 KiB chunks. */
    public BuddyAllocator(String name, long size) {
        this(name, List.of(new Zone(0, size)), MIN_CHUNK);
    }

    /**
     * {@code drm_buddy_init} over several zones.
     *
     * @param name names the allocator in messages (the GPU)
     * @param zones the zones; they must not overlap
     * @param chunkSize the smallest block, a power of two ≥ {@link #MIN_CHUNK}
     * @throws DriverException EINVAL for a bad chunk size, no zone, a zone smaller than a chunk, a
     *     misaligned or negative base, overlapping zones
     */
    @SuppressWarnings("unchecked")
    public BuddyAllocator(String name, List<Zone> zones, long chunkSize) {
        this.name = name;
        if (chunkSize < MIN_CHUNK || Long.bitCount(chunkSize) != 1) {
            throw new DriverException(Errno.EINVAL, name + ": chunk size " + chunkSize
                    + " is not a power of two of at least " + MIN_CHUNK);
        }
        if (zones.isEmpty()) {
            throw new DriverException(Errno.EINVAL, name + ": no VRAM zone");
        }
        this.chunkSize = chunkSize;
        this.chunkShift = Long.numberOfTrailingZeros(chunkSize);
        List<Zone> sorted = new ArrayList<>(zones);
        sorted.sort(Comparator.comparingLong(Zone::base));
        long end = Long.MIN_VALUE;
        long sum = 0;
        int max = 0;
        for (Zone z : sorted) {
            if (z.base() < 0 || (z.base() & (chunkSize - 1)) != 0) {
                throw new DriverException(Errno.EINVAL, String.format("%s: zone base %#x is not %#x-aligned",
                        name, z.base(), chunkSize));
            }
            if (z.size() < chunkSize) {
                throw new DriverException(Errno.EINVAL, String.format("%s: zone %#x size %#x is smaller than a chunk (%#x)",
                        name, z.base(), z.size(), chunkSize));
            }
            if (z.base() < end) {
                throw new DriverException(Errno.EINVAL, String.format("%s: zone %#x overlaps the previous zone", name, z.base()));
            }
            long size = z.size() & ~(chunkSize - 1);
            if (z.base() + size < 0) {
                throw new DriverException(Errno.EINVAL, String.format("%s: zone %#x+%#x overflows", name, z.base(), size));
            }
            end = z.base() + size;
            long off = 0;
            while (off < size) {
                long rest = size - off;
                int order = 63 - Long.numberOfLeadingZeros(rest) - chunkShift;
                VramBlock root = new VramBlock(this, z.base() + off, order, null, z.base() + off, order);
                roots.add(root);
                max = Math.max(max, order);
                off += chunkSize << order;
            }
            sum += size;
        }
        this.total = sum;
        this.maxOrder = max;
        this.freeLists = new TreeSet[max + 1];
        for (int o = 0; o <= max; o++) {
            freeLists[o] = new TreeSet<>(BY_OFFSET);
        }
        for (VramBlock r : roots) {
            freeLists[r.order].add(r);
        }
        this.free = sum;
    }

    /** @return the allocator's name */
    public String name() {
        return name;
    }

    /** @return the chunk size in bytes */
    public long chunkSize() {
        return chunkSize;
    }

    /** @return the managed size in bytes */
    public long total() {
        return total;
    }

    /** @return the largest order any block can have */
    public int maxOrder() {
        return maxOrder;
    }

    /** @return the free bytes now */
    public synchronized long free() {
        return free;
    }

    /**
     * @param size a size in bytes
     * @return the block size an allocation of {@code size} takes: the size rounded up to a chunk,
     *     then to a power of two
     * @throws DriverException EINVAL if {@code size} ≤ 0 or larger than the managed total
     */
    public long blockSizeFor(long size) {
        return chunkSize << orderFor(size);
    }

    private int orderFor(long size) {
        if (size <= 0) {
            throw new DriverException(Errno.EINVAL, name + ": allocation of " + Long.toUnsignedString(size) + " bytes");
        }
        if (size > total) {
            throw new DriverException(Errno.EINVAL, String.format("%s: allocation of %#x bytes exceeds the VRAM managed (%#x)",
                    name, size, total));
        }
        long chunks = (size + chunkSize - 1) >>> chunkShift;
        return chunks == 1 ? 0 : 64 - Long.numberOfLeadingZeros(chunks - 1);
    }

    /**
     * Allocates one block of at least {@code size} bytes.
     *
     * @param size the size in bytes
     * @param owner who the block is for (accounting and messages), may be null
     * @return the block; the caller must {@link #free} it once
     * @throws DriverException EINVAL for a size ≤ 0 or above the total; ENOSPC when no free block
     *     is large enough (the allocator is unchanged)
     */
    public synchronized VramBlock allocate(long size, String owner) {
        return allocateBelow(size, owner, Long.MAX_VALUE);
    }

    /**
     * As {@link #allocate}, restricted to blocks that end at or below {@code limit} (drm_buddy's
     * range allocation with start 0 and end limit, as TTM places objects in CPU-visible VRAM):
     * the smallest free block of at least the needed order whose lowest part fits below the
     * limit, lowest address first, split down as {@link #allocate} does.
     *
     * @param size the size in bytes
     * @param owner who the block is for, may be null
     * @param limit the exclusive end address the block must fit under
     * @return the block; the caller must {@link #free} it once
     * @throws DriverException as {@link #allocate}; ENOSPC also when free blocks exist only above
     *     the limit (the allocator is unchanged)
     */
    public synchronized VramBlock allocateBelow(long size, String owner, long limit) {
        int order = orderFor(size);
        long need = chunkSize << order;
        VramBlock b = null;
        for (int o = order; o <= maxOrder && b == null; o++) {
            // a free list is ordered by offset: if its lowest block does not fit, none does
            VramBlock first = freeLists[o].isEmpty() ? null : freeLists[o].first();
            if (first != null && first.offset <= limit - need) {
                b = freeLists[o].pollFirst();
            }
        }
        if (b == null) {
            throw new DriverException(Errno.ENOSPC, String.format(
                    "%s: no free block of %#x bytes%s (free %#x, largest free %#x)", name, need,
                    limit == Long.MAX_VALUE ? "" : String.format(" below %#x", limit), free, largestFreeLocked()));
        }
        while (b.order > order) {
            int co = b.order - 1;
            long half = chunkSize << co;
            b.left = new VramBlock(this, b.offset, co, b, b.rootOffset, b.rootOrder);
            b.right = new VramBlock(this, b.offset + half, co, b, b.rootOffset, b.rootOrder);
            b.state = VramBlock.State.SPLIT;
            freeLists[co].add(b.right);
            b = b.left;
        }
        b.state = VramBlock.State.ALLOCATED;
        b.owner = owner;
        free -= b.size();
        allocatedBlocks++;
        return b;
    }

    /**
     * Allocates the block of {@code size} bytes at {@code offset} exactly (drm_buddy's range
     * allocation, DRM_BUDDY_RANGE_ALLOCATION, with start and end one block apart): the free block
     * containing it is split down to it. What a caller uses that places memory in fixed-size
     * slots (the vGPU manager's framebuffer placements) so the slots never fragment each other.
     *
     * @param offset where the block starts: a multiple of its size from its root
     * @param size the size in bytes (rounded up as {@link #allocate} does)
     * @param owner who the block is for, may be null
     * @return the block; the caller must {@link #free} it once
     * @throws DriverException EINVAL for a size ≤ 0 or above the total, or an offset no block of
     *     that size can start at; ENOSPC when part of the range is allocated (the allocator is
     *     unchanged)
     */
    public synchronized VramBlock allocateAt(long offset, long size, String owner) {
        int order = orderFor(size);
        VramBlock b = blockContaining(offset, order);
        while (b.order > order) {
            if (b.state == VramBlock.State.ALLOCATED) {
                break;
            }
            if (b.state == VramBlock.State.FREE) { // every block under a free one is free: split
                freeLists[b.order].remove(b);
                int co = b.order - 1;
                b.left = new VramBlock(this, b.offset, co, b, b.rootOffset, b.rootOrder);
                b.right = new VramBlock(this, b.offset + (chunkSize << co), co, b, b.rootOffset, b.rootOrder);
                b.state = VramBlock.State.SPLIT;
                freeLists[co].add(b.left);
                freeLists[co].add(b.right);
            }
            b = offset < b.right.offset ? b.left : b.right;
        }
        if (b.state != VramBlock.State.FREE || b.order != order) {
            throw new DriverException(Errno.ENOSPC, String.format("%s: %#x+%#x is not free (%s)", name, offset,
                    chunkSize << order, b));
        }
        freeLists[order].remove(b);
        b.state = VramBlock.State.ALLOCATED;
        b.owner = owner;
        free -= b.size();
        allocatedBlocks++;
        return b;
    }

    /**
     * @param offset where the range starts
     * @param size its size in bytes (rounded up as {@link #allocate} does)
     * @return whether {@link #allocateAt allocateAt(offset, size, ...)} would succeed now
     * @throws DriverException EINVAL as {@link #allocateAt}
     */
    public synchronized boolean isFree(long offset, long size) {
        int order = orderFor(size);
        VramBlock b = blockContaining(offset, order);
        while (b.state == VramBlock.State.SPLIT && b.order > order) {
            b = offset < b.right.offset ? b.left : b.right;
        }
        return b.state == VramBlock.State.FREE;
    }

    /**
     * @return the root whose tree holds the block of {@code order} at {@code offset}
     * @throws DriverException EINVAL when no root holds such a block (outside the zones, too
     *     large for the root there, or not aligned to the block size within it)
     */
    private VramBlock blockContaining(long offset, int order) {
        long need = chunkSize << order;
        for (VramBlock r : roots) {
            if (offset >= r.offset && offset - r.offset < r.size()) {
                if (r.order < order || ((offset - r.offset) & (need - 1)) != 0) {
                    break;
                }
                return r;
            }
        }
        throw new DriverException(Errno.EINVAL, String.format("%s: no block of %#x bytes can start at %#x", name,
                need, offset));
    }

    /**
     * Gives a block back, merging it with its free buddies.
     *
     * @param block a block this allocator handed out and that is not freed yet
     * @throws DriverException EINVAL for null, a block of another allocator, or a block already
     *     freed (nothing changes)
     */
    public synchronized void free(VramBlock block) {
        if (block == null) {
            throw new DriverException(Errno.EINVAL, name + ": free of a null block");
        }
        if (block.allocator != this) {
            throw new DriverException(Errno.EINVAL, name + ": " + block + " belongs to allocator " + block.allocator.name);
        }
        if (block.state != VramBlock.State.ALLOCATED) {
            throw new DriverException(Errno.EINVAL, name + ": double free of " + block);
        }
        free += block.size();
        allocatedBlocks--;
        block.owner = null;
        VramBlock b = block;
        b.state = VramBlock.State.FREE;
        while (b.parent != null) {
            VramBlock p = b.parent;
            VramBlock buddy = p.left == b ? p.right : p.left;
            if (buddy.state != VramBlock.State.FREE) {
                break;
            }
            freeLists[buddy.order].remove(buddy);
            buddy.state = VramBlock.State.DEAD;
            b.state = VramBlock.State.DEAD;
            p.left = null;
            p.right = null;
            p.state = VramBlock.State.FREE;
            b = p;
        }
        freeLists[b.order].add(b);
    }

    private long largestFreeLocked() {
        for (int o = maxOrder; o >= 0; o--) {
            if (!freeLists[o].isEmpty()) {
                return chunkSize << o;
            }
        }
        return 0;
    }

    /** @return the statistics now */
    public synchronized BuddyStats stats() {
        long[] perOrder = new long[maxOrder + 1];
        for (int o = 0; o <= maxOrder; o++) {
            perOrder[o] = freeLists[o].size();
        }
        return new BuddyStats(chunkSize, total, free, total - free, allocatedBlocks, largestFreeLocked(), perOrder);
    }

    /** @return the free blocks now, by address */
    public synchronized List<FreeBlock> freeBlocks() {
        List<FreeBlock> out = new ArrayList<>();
        for (TreeSet<VramBlock> l : freeLists) {
            for (VramBlock b : l) {
                out.add(new FreeBlock(b.offset, b.order, b.rootOffset, b.rootOrder));
            }
        }
        out.sort(Comparator.comparingLong(FreeBlock::offset));
        return out;
    }

    /**
     * Walks the block trees and checks the allocator's own invariants: the free lists hold exactly
     * the free leaves, split blocks have two children, no two free buddies, the free count matches.
     *
     * @throws IllegalStateException naming the first violation
     */
    public synchronized void checkInvariants() {
        long freeSeen = 0;
        long allocSeen = 0;
        long listed = 0;
        for (TreeSet<VramBlock> l : freeLists) {
            listed += l.size();
        }
        long freeLeaves = 0;
        ArrayList<VramBlock> stack = new ArrayList<>(roots);
        while (!stack.isEmpty()) {
            VramBlock b = stack.removeLast();
            switch (b.state) {
                case FREE -> {
                    freeLeaves++;
                    freeSeen += b.size();
                    if (!freeLists[b.order].contains(b)) {
                        throw new IllegalStateException(name + ": free " + b + " is not on its free list");
                    }
                }
                case ALLOCATED -> allocSeen++;
                case SPLIT -> {
                    if (b.left == null || b.right == null) {
                        throw new IllegalStateException(name + ": split " + b + " lacks children");
                    }
                    if (b.left.state == VramBlock.State.FREE && b.right.state == VramBlock.State.FREE) {
                        throw new IllegalStateException(name + ": free buddies " + b.left + " and " + b.right + " not merged");
                    }
                    stack.add(b.left);
                    stack.add(b.right);
                }
                case DEAD -> throw new IllegalStateException(name + ": dead " + b + " in the tree");
            }
        }
        if (freeLeaves != listed) {
            throw new IllegalStateException(name + ": " + listed + " blocks listed free, " + freeLeaves + " free in the trees");
        }
        if (freeSeen != free || allocSeen != allocatedBlocks) {
            throw new IllegalStateException(name + ": free " + free + " / " + allocatedBlocks + " blocks counted, trees say "
                    + freeSeen + " / " + allocSeen);
        }
    }

    @Override
    public String toString() {
        return "BuddyAllocator[" + name + ", " + stats() + "]";
    }
}
