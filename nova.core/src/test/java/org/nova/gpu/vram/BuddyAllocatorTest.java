package org.nova.gpu.vram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

class BuddyAllocatorTest {
    private static final long K4 = 4096;
    private static final long M1 = 1 << 20;

    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    /** Every invariant the brief lists, checked from outside plus the allocator's own walk. */
    static void check(BuddyAllocator a, List<VramBlock> live) {
        a.checkInvariants();
        BuddyStats s = a.stats();
        // free + allocated = total
        long alloc = live.stream().mapToLong(VramBlock::size).sum();
        List<BuddyAllocator.FreeBlock> free = a.freeBlocks();
        long freeSum = free.stream().mapToLong(f -> K4 << f.order()).sum();
        assertEquals(s.total(), freeSum + alloc, "free + allocated = total");
        assertEquals(freeSum, s.free());
        assertEquals(alloc, s.allocated());
        assertEquals(live.size(), s.allocatedBlocks());
        // no overlap among allocated and free ranges, all inside the zones
        TreeMap<Long, Long> ranges = new TreeMap<>();
        for (VramBlock b : live) {
            assertEquals(0, b.offset() % b.size(), "block aligned to its size within the root");
            assertEquals(null, ranges.put(b.offset(), b.size()));
        }
        for (BuddyAllocator.FreeBlock f : free) {
            assertEquals(null, ranges.put(f.offset(), K4 << f.order()));
        }
        long end = Long.MIN_VALUE;
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            assertTrue(e.getKey() >= end, "overlap at " + Long.toHexString(e.getKey()));
            end = e.getKey() + e.getValue();
        }
        // every free buddy pair merged
        Set<Long> freeKeys = new HashSet<>();
        for (BuddyAllocator.FreeBlock f : free) {
            freeKeys.add(f.offset() * 64 + f.order());
        }
        for (BuddyAllocator.FreeBlock f : free) {
            if (f.order() < f.rootOrder()) {
                long size = K4 << f.order();
                long buddy = f.rootOffset() + ((f.offset() - f.rootOffset()) ^ size);
                assertFalse(freeKeys.contains(buddy * 64 + f.order()), "unmerged buddies at " + Long.toHexString(f.offset()));
            }
        }
        // stats consistent
        long[] per = s.freeBlocksPerOrder();
        long largest = 0;
        for (int o = 0; o < per.length; o++) {
            final int order = o;
            assertEquals(free.stream().filter(f -> f.order() == order).count(), per[o]);
            if (per[o] > 0) {
                largest = K4 << o;
            }
        }
        assertEquals(largest, s.largestFree());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234, 99991})
    void randomSequencesKeepInvariants(long seed) {
        Random r = new Random(seed);
        // two zones, one not a power of two: several roots
        BuddyAllocator a = new BuddyAllocator("prop", List.of(new BuddyAllocator.Zone(0, 3 * M1 + 5 * K4 + 100),
                new BuddyAllocator.Zone(16 * M1, 2 * M1)), K4);
        long total = a.total();
        assertEquals(5 * M1 + 5 * K4, total);
        List<VramBlock> live = new ArrayList<>();
        check(a, live);
        for (int step = 0; step < 2000; step++) {
            if (live.isEmpty() || r.nextInt(100) < 55) {
                long size = 1 + (long) (Math.pow(r.nextDouble(), 3) * 1.2 * M1);
                try {
                    VramBlock b = a.allocate(size, "o" + r.nextInt(4));
                    assertTrue(b.size() >= size && Long.bitCount(b.size()) == 1 && b.size() >= K4);
                    assertTrue(b.size() < 2 * Math.max(size, K4), "rounded to the next power of two only");
                    live.add(b);
                } catch (DriverException e) {
                    assertEquals(Errno.ENOSPC, e.errno());
                    assertTrue(a.stats().largestFree() < a.blockSizeFor(size));
                }
            } else {
                VramBlock b = live.remove(r.nextInt(live.size()));
                a.free(b);
                assertFalse(b.isAllocated());
            }
            check(a, live);
        }
        for (VramBlock b : live) {
            a.free(b);
        }
        live.clear();
        check(a, live);
        BuddyStats s = a.stats();
        assertEquals(total, s.free());
        // fully merged again: the roots only
        assertEquals(List.of(2 * M1, M1, 4 * K4, K4, 2 * M1),
                a.freeBlocks().stream().map(f -> K4 << f.order()).toList());
    }

    @Test
    void exhaustionAndBadInput() {
        BuddyAllocator a = new BuddyAllocator("small", 64 * K4);
        BuddyAllocator other = new BuddyAllocator("other", 64 * K4);
        assertEquals(Errno.EINVAL, errno(() -> a.allocate(0, null)));
        assertEquals(Errno.EINVAL, errno(() -> a.allocate(-1, null)));
        assertEquals(Errno.EINVAL, errno(() -> a.allocate(64 * K4 + 1, null)));
        assertEquals(Errno.EINVAL, errno(() -> a.allocate(Long.MAX_VALUE, null)));
        VramBlock all = a.allocate(64 * K4, "x");
        assertEquals(Errno.ENOSPC, errno(() -> a.allocate(1, null)));
        VramBlock foreign = other.allocate(K4, "y");
        assertEquals(Errno.EINVAL, errno(() -> a.free(foreign)));
        assertEquals(Errno.EINVAL, errno(() -> a.free(null)));
        a.free(all);
        assertEquals(Errno.EINVAL, errno(() -> a.free(all)));
        VramBlock small = a.allocate(1, null);
        a.free(small);
        assertEquals(Errno.EINVAL, errno(() -> a.free(small)), "freeing a block merged away");
        a.checkInvariants();
        assertEquals(64 * K4, a.free());
        assertEquals(Errno.EINVAL, errno(() -> new BuddyAllocator("c", List.of(new BuddyAllocator.Zone(0, M1)), 2048)));
        assertEquals(Errno.EINVAL, errno(() -> new BuddyAllocator("c", List.of(new BuddyAllocator.Zone(0, M1)), 3 * K4)));
        assertEquals(Errno.EINVAL, errno(() -> new BuddyAllocator("c", 100)));
        assertEquals(Errno.EINVAL, errno(() -> new BuddyAllocator("c", List.of(new BuddyAllocator.Zone(100, M1)), K4)));
        assertEquals(Errno.EINVAL, errno(() -> new BuddyAllocator("c", List.of(new BuddyAllocator.Zone(0, M1),
                new BuddyAllocator.Zone(M1 / 2, M1)), K4)));
        assertEquals(Errno.EINVAL, errno(() -> new BuddyAllocator("c", List.of(), K4)));
    }

    @Test
    void splitAndMergeAndFragmentation() {
        BuddyAllocator a = new BuddyAllocator("frag", 16 * K4);
        VramBlock[] b = new VramBlock[16];
        for (int i = 0; i < 16; i++) {
            b[i] = a.allocate(K4, null);
            assertEquals(i * K4, b[i].offset(), "lowest address first");
        }
        for (int i = 0; i < 16; i += 2) {
            a.free(b[i]);
        }
        BuddyStats s = a.stats();
        assertEquals(8 * K4, s.free());
        assertEquals(K4, s.largestFree());
        assertEquals(8, s.freeBlocksPerOrder()[0]);
        assertEquals(1.0 - 1.0 / 8, s.fragmentation(), 1e-9);
        assertEquals(Errno.ENOSPC, errno(() -> a.allocate(2 * K4, null)));
        for (int i = 1; i < 16; i += 2) {
            a.free(b[i]);
        }
        s = a.stats();
        assertEquals(16 * K4, s.largestFree());
        assertEquals(0.0, s.fragmentation());
        assertEquals(1, s.freeBlocksPerOrder()[4]);
    }

    @Test
    void threadSafe() throws Exception {
        BuddyAllocator a = new BuddyAllocator("mt", 64 * M1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            long seed = t;
            ts[t] = new Thread(() -> {
                Random r = new Random(seed);
                List<VramBlock> mine = new ArrayList<>();
                try {
                    for (int i = 0; i < 5000; i++) {
                        if (mine.isEmpty() || r.nextBoolean()) {
                            mine.add(a.allocate(1 + r.nextInt(256 * 1024), null));
                        } else {
                            a.free(mine.remove(r.nextInt(mine.size())));
                        }
                    }
                    mine.forEach(a::free);
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        a.checkInvariants();
        assertEquals(64 * M1, a.free());
    }

    @Test
    void managerAccountsOwnersAndRevokes() {
        BuddyVramManager m = BuddyVramManager.of("0000:00:05.0", 0, 16 * M1);
        VramBlock a = m.allocate(5000, "f1");
        m.allocate(M1, "f1");
        VramBlock c = m.allocate(K4, "f2");
        assertEquals(Map.of("f1", 2 * K4 + M1, "f2", K4), m.usageByOwner());
        assertEquals(Errno.EINVAL, errno(() -> m.allocate(K4, null)));
        m.free(a);
        assertEquals(Map.of("f1", M1, "f2", K4), m.usageByOwner());
        assertEquals(M1, m.freeAll("f1"));
        assertEquals(0, m.freeAll("f1"));
        m.revoke();
        assertTrue(m.isRevoked());
        assertEquals(Errno.ENODEV, errno(() -> m.allocate(K4, "f3")));
        m.free(c);
        assertEquals(Map.of(), m.usageByOwner());
        assertEquals(16 * M1, m.available());
        assertEquals(16 * M1, m.total());
    }

    @Test
    void allocateBelowPlacesInTheVisibleWindowOrRefuses() {
        long m = 1L << 20;
        // 24 MiB: roots of 16 and 8 MiB; a plain allocation takes the smallest root (the high one)
        BuddyAllocator b = new BuddyAllocator("vis", List.of(new BuddyAllocator.Zone(0, 24 * m)), BuddyAllocator.MIN_CHUNK);
        VramBlock high = b.allocate(4096, "x");
        assertTrue(high.offset() >= 16 * m, high.toString());
        VramBlock low = b.allocateBelow(4096, "x", 2 * m);
        assertEquals(0, low.offset());
        VramBlock fill = b.allocateBelow(m, "x", 2 * m);
        assertEquals(m, fill.offset());
        VramBlock rest = b.allocateBelow(m / 2, "x", 2 * m);
        assertTrue(rest.offset() + rest.size() <= 2 * m, rest.toString());
        assertEquals(Errno.ENOSPC, errno(() -> b.allocateBelow(m, "x", 2 * m)), "nothing of 1 MiB left below 2 MiB");
        long free = b.free();
        assertEquals(Errno.ENOSPC, errno(() -> b.allocateBelow(4096, "x", 0)));
        assertEquals(free, b.free(), "a refusal changes nothing");
        b.checkInvariants();
        for (VramBlock v : List.of(high, low, fill, rest)) {
            b.free(v);
        }
        b.checkInvariants();
        assertEquals(24 * m, b.free());
    }
}
