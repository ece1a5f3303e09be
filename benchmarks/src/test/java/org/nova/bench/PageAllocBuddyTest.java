package org.nova.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** BuddyBench's reference allocator is a correct buddy allocator, or its figures mean nothing. */
class PageAllocBuddyTest {
    private static final long CHUNK = 4096;
    /** Large enough that 200 live blocks of up to 1 MiB never run it out. */
    private static final long SIZE = 1L << 30;

    @Test
    void ordersRoundUpToPowersOfTwoOfChunks() {
        BuddyBench.PageAllocBuddy b = new BuddyBench.PageAllocBuddy(SIZE, CHUNK);
        assertEquals(0, b.orderFor(1));
        assertEquals(0, b.orderFor(CHUNK));
        assertEquals(1, b.orderFor(CHUNK + 1));
        assertEquals(2, b.orderFor(3 * CHUNK));
        assertEquals(9, b.orderFor(2L << 20));
    }

    @Test
    void blocksAreAlignedDisjointAndMergeBackToOne() {
        BuddyBench.PageAllocBuddy b = new BuddyBench.PageAllocBuddy(SIZE, CHUNK);
        Random r = new Random(3);
        TreeMap<Long, Long> live = new TreeMap<>();
        List<long[]> ring = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (!ring.isEmpty() && (ring.size() > 200 || r.nextBoolean())) {
                long[] blk = ring.remove(r.nextInt(ring.size()));
                b.free(blk[0], (int) blk[1]);
                live.remove(blk[0]);
                continue;
            }
            int order = r.nextInt(9);
            long at = b.allocate(order);
            long len = CHUNK << order;
            assertEquals(0, at % len, "a block is aligned to its size");
            var below = live.floorEntry(at);
            assertTrue(below == null || below.getKey() + below.getValue() <= at, "no overlap below");
            var above = live.ceilingEntry(at);
            assertTrue(above == null || at + len <= above.getKey(), "no overlap above");
            live.put(at, len);
            ring.add(new long[] {at, order});
        }
        assertFalse(b.isWhole());
        for (long[] blk : ring) {
            b.free(blk[0], (int) blk[1]);
        }
        assertTrue(b.isWhole());
    }

    @Test
    void exhaustionFails() {
        BuddyBench.PageAllocBuddy b = new BuddyBench.PageAllocBuddy(SIZE, CHUNK);
        int top = Long.numberOfTrailingZeros(SIZE / CHUNK);
        assertEquals(0, b.allocate(top));
        assertThrows(IllegalStateException.class, () -> b.allocate(0));
    }
}
