package org.nova.bench;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.nova.gpu.vram.BuddyAllocator;
import org.nova.gpu.vram.VramBlock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 7 and 16: the VRAM buddy allocator ({@link BuddyAllocator}, after drm_buddy.c: per-order
 * free lists kept in address order, lowest address first) against the textbook binary buddy of
 * Linux's page allocator ({@link PageAllocBuddy}, mm/page_alloc.c: per-order LIFO free lists,
 * the buddy found by flipping one bit of the chunk index and its freeness read from a per-chunk
 * array, as PageBuddy/buddy_order are). The same workload drives both: {@link #VRAM} of VRAM in
 * 4 KiB chunks, a working set of {@link #live} blocks in a ring; each operation frees the oldest
 * block and allocates a new one of a size drawn from a fixed seed (4 KiB .. 2 MiB, skewed to small
 * sizes, as GEM objects are), rounded up to a power of two of chunks by both. Both hold their
 * monitor for each call, as drm_buddy's callers hold their lock and page_alloc holds zone-&gt;lock.
 * Average time per operation (one free + one allocate); report the ratio from one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BuddyBench {
    /** The VRAM both allocators manage. */
    static final long VRAM = 1L << 30;
    /** Operations per invocation. */
    static final int OPS = 4096;
    /** The largest size drawn: 2 MiB, a large GEM object. */
    static final long LARGEST = 2L << 20;
    /** The skew towards small sizes: a uniform draw raised to this power. */
    static final int SKEW = 4;
    /** Sizes drawn per trial, cycled through. */
    static final int SIZES = OPS * 16;

    /** Blocks kept allocated: the allocators' occupancy and free-list lengths. */
    @Param({"64", "1024"})
    public int live;

    private long[] sizes;
    private BuddyAllocator buddy;
    private VramBlock[] buddyRing;
    private PageAllocBuddy reference;
    private long[] refRing;
    private int[] refOrders;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(7);
        sizes = new long[SIZES];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = BuddyAllocator.MIN_CHUNK + (long) (Math.pow(r.nextDouble(), SKEW) * LARGEST);
        }
        buddy = new BuddyAllocator("bench", VRAM);
        buddyRing = new VramBlock[live];
        reference = new PageAllocBuddy(VRAM, BuddyAllocator.MIN_CHUNK);
        refRing = new long[live];
        refOrders = new int[live];
        for (int i = 0; i < live; i++) {
            buddyRing[i] = buddy.allocate(sizes[i], null);
            refOrders[i] = reference.orderFor(sizes[i]);
            refRing[i] = reference.allocate(refOrders[i]);
        }
    }

    /** Frees the working set: both allocators must be whole again, or the figures are of a broken one. */
    @TearDown(Level.Trial)
    public void tearDown() {
        for (int i = 0; i < live; i++) {
            buddy.free(buddyRing[i]);
            reference.free(refRing[i], refOrders[i]);
        }
        buddy.checkInvariants();
        if (buddy.free() != VRAM || !reference.isWhole()) {
            throw new IllegalStateException("an allocator did not merge back to one block");
        }
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long buddy() {
        long sum = 0;
        for (int i = 0; i < OPS; i++) {
            int slot = (next + i) % live;
            buddy.free(buddyRing[slot]);
            VramBlock b = buddy.allocate(sizes[(next + i) % sizes.length], null);
            buddyRing[slot] = b;
            sum += b.offset();
        }
        next += OPS;
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long pageAllocReference() {
        long sum = 0;
        for (int i = 0; i < OPS; i++) {
            int slot = (next + i) % live;
            reference.free(refRing[slot], refOrders[slot]);
            int order = reference.orderFor(sizes[(next + i) % sizes.length]);
            long at = reference.allocate(order);
            refRing[slot] = at;
            refOrders[slot] = order;
            sum += at;
        }
        next += OPS;
        return sum;
    }

    /**
     * The reference: the binary buddy of mm/page_alloc.c over chunks (the kernel's pages).
     * {@code free_area[order]} is a doubly linked list threaded through per-chunk {@code next} /
     * {@code prev} arrays (the pages' {@code buddy_list}), used LIFO ({@code __rmqueue_smallest}
     * takes the head, {@code expand} adds the upper halves at the head; the kernel's occasional
     * tail insertion in {@code __free_one_page}, a fragmentation heuristic, is left out); {@code order[chunk]} is the
     * order of a free block starting there, or {@link #NOT_FREE} ({@code PageBuddy} and
     * {@code buddy_order}); the buddy of a block is {@code chunk ^ (1 << order)}
     * ({@code __find_buddy_pfn}) and {@code __free_one_page} merges while it is free at the same
     * order. Allocation and free are O(max order).
     */
    static final class PageAllocBuddy {
        /** order[] of a chunk that does not start a free block. */
        static final byte NOT_FREE = -1;
        /** End of a free list. */
        static final int NIL = -1;

        private final int chunkShift;
        private final int maxOrder;
        private final int[] head;
        private final int[] nextFree;
        private final int[] prevFree;
        private final byte[] order;

        /** @param size the managed bytes, a power of two; @param chunk the smallest block, a power of two */
        PageAllocBuddy(long size, long chunk) {
            this.chunkShift = Long.numberOfTrailingZeros(chunk);
            int chunks = (int) (size >>> chunkShift);
            this.maxOrder = Integer.numberOfTrailingZeros(chunks);
            this.head = new int[maxOrder + 1];
            Arrays.fill(head, NIL);
            this.nextFree = new int[chunks];
            this.prevFree = new int[chunks];
            this.order = new byte[chunks];
            Arrays.fill(order, NOT_FREE);
            push(0, maxOrder);
        }

        /** @return the order of the smallest power-of-two block of chunks holding {@code size} bytes */
        int orderFor(long size) {
            long chunks = (size + (1L << chunkShift) - 1) >>> chunkShift;
            return 64 - Long.numberOfLeadingZeros(chunks - 1);
        }

        /** {@code __rmqueue_smallest} + {@code expand}: @return the block's byte offset */
        synchronized long allocate(int want) {
            int o = want;
            while (o <= maxOrder && head[o] == NIL) {
                o++;
            }
            if (o > maxOrder) {
                throw new IllegalStateException("page_alloc reference: no block of order " + want);
            }
            int at = head[o];
            unlink(at, o);
            while (o > want) {
                o--;
                push(at + (1 << o), o);
            }
            return (long) at << chunkShift;
        }

        /** {@code __free_one_page}: merges with the buddy while it is free at the same order. */
        synchronized void free(long offset, int o) {
            int at = (int) (offset >>> chunkShift);
            while (o < maxOrder) {
                int buddy = at ^ (1 << o);
                if (order[buddy] != o) {
                    break;
                }
                unlink(buddy, o);
                at &= buddy;
                o++;
            }
            push(at, o);
        }

        /** @return whether everything is free as one block of the largest order */
        synchronized boolean isWhole() {
            for (int o = 0; o < maxOrder; o++) {
                if (head[o] != NIL) {
                    return false;
                }
            }
            return head[maxOrder] == 0 && nextFree[0] == NIL;
        }

        private void push(int at, int o) {
            order[at] = (byte) o;
            prevFree[at] = NIL;
            nextFree[at] = head[o];
            if (head[o] != NIL) {
                prevFree[head[o]] = at;
            }
            head[o] = at;
        }

        private void unlink(int at, int o) {
            order[at] = NOT_FREE;
            int p = prevFree[at];
            int n = nextFree[at];
            if (p == NIL) {
                head[o] = n;
            } else {
                nextFree[p] = n;
            }
            if (n != NIL) {
                prevFree[n] = p;
            }
        }
    }
}
