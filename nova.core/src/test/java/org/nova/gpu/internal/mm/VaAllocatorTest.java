package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** The VA allocator against a page bitmap: no overlap, alignment kept, carve-outs untouched, frees merge. */
class VaAllocatorTest {
    private static final long K4 = 4096;
    private static final long SPACE = 256L << 20;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void randomAllocateAndFreeNeverOverlapAndMergeBack(long seed) {
        Random r = new Random(seed);
        VaAllocator va = new VaAllocator("bar1", 0, SPACE, K4);
        // a kernel carve-out at the top, reserved first
        long carve = SPACE - (16L << 20);
        va.reserve(carve, 16L << 20, "kernel");
        BitSet pages = new BitSet();
        pages.set((int) (carve / K4), (int) (SPACE / K4));
        List<Long> live = new ArrayList<>();
        for (int op = 0; op < 2000; op++) {
            if (live.isEmpty() || r.nextInt(5) < 3) {
                long size = K4 * (1 + r.nextInt(r.nextBoolean() ? 16 : 1024));
                long align = K4 << r.nextInt(10);
                long before = va.freeBytes();
                long at;
                try {
                    at = va.allocate(size, align, "t");
                } catch (DriverException e) {
                    assertEquals(Errno.ENOSPC, e.errno());
                    assertEquals(before, va.freeBytes());
                    continue;
                }
                assertEquals(0, at % align, "aligned");
                int first = (int) (at / K4);
                int n = (int) (size / K4);
                assertTrue(pages.get(first, first + n).isEmpty(), "overlaps an allocated range at 0x" + Long.toHexString(at));
                assertTrue(at + size <= carve, "never inside the carve-out");
                pages.set(first, first + n);
                live.add(at);
            } else {
                long at = live.remove(r.nextInt(live.size()));
                long size = va.free(at);
                pages.clear((int) (at / K4), (int) ((at + size) / K4));
            }
            assertEquals(SPACE - pages.cardinality() * K4, va.freeBytes());
        }
        for (long at : live) {
            va.free(at);
        }
        va.free(carve);
        assertEquals(SPACE, va.freeBytes());
        assertEquals(1, va.freeIntervals(), "every free merged back into one interval");
    }

    @Test
    void refusalsChangeNothing() {
        VaAllocator va = new VaAllocator("bar1", 0, SPACE, K4);
        long a = va.allocate(3 * K4, K4, "a");
        assertEquals(0, a);
        long b = va.allocate(K4, 1L << 20, "b");
        assertEquals(1L << 20, b, "the lowest address with the alignment");
        assertEquals(Errno.EEXIST, assertThrows(DriverException.class, () -> va.reserve(K4, K4, "k")).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> va.reserve(SPACE - K4, 2 * K4, "k")).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> va.allocate(100, K4, "x")).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> va.allocate(K4, 3 * K4, "x")).errno());
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class, () -> va.allocate(SPACE, K4, "x")).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> va.free(K4)).errno());
        assertEquals(SPACE - 4 * K4, va.freeBytes());
        assertNotNull(va.find(2 * K4));
        assertNull(va.find(3 * K4));
        assertEquals("b", va.find(b).owner());
        assertEquals(2, va.ranges().size());
    }
}
