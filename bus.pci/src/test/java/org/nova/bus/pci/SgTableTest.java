package org.nova.bus.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** {@link SgTable#fromPages}: lib/scatterlist.c sg_alloc_table_from_pages_segment's merging, as properties over random page sets. */
class SgTableTest {
    private static final long PAGE = SgTable.PAGE_SIZE;
    /** Random page sets tried by each property. */
    private static final int TRIALS = 300;

    private Arena arena;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    /** Pages from several allocations of random sizes, each allocation in an arena of its own, then shuffled in runs. */
    private List<MemorySegment> randomPages(Random r, List<Arena> arenas) {
        List<List<MemorySegment>> runs = new ArrayList<>();
        int allocations = 1 + r.nextInt(6);
        for (int a = 0; a < allocations; a++) {
            Arena own = r.nextInt(4) == 0 ? arena : Arena.ofShared();
            if (own != arena) {
                arenas.add(own);
            }
            int n = 1 + r.nextInt(12);
            MemorySegment m = own.allocate(n * PAGE, PAGE);
            // Split the allocation into runs: consecutive pages that stay in order.
            int at = 0;
            while (at < n) {
                int len = 1 + r.nextInt(n - at);
                List<MemorySegment> run = new ArrayList<>();
                for (int i = at; i < at + len; i++) {
                    run.add(m.asSlice(i * PAGE, PAGE));
                }
                runs.add(run);
                at += len;
            }
        }
        Collections.shuffle(runs, r);
        List<MemorySegment> pages = new ArrayList<>();
        runs.forEach(pages::addAll);
        return pages;
    }

    private static boolean mergeable(MemorySegment a, MemorySegment b) {
        return b.address() == a.address() + PAGE && a.scope().equals(b.scope());
    }

    @Test
    void entriesCoverExactlyTheBytesInOrderAndMergeAsFarAsAllowed() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        for (int t = 0; t < TRIALS; t++) {
            List<Arena> arenas = new ArrayList<>();
            try {
                List<MemorySegment> pages = randomPages(r, arenas);
                int n = pages.size();
                // A distinct byte pattern per page and offset, so misplaced bytes show.
                for (int p = 0; p < n; p++) {
                    for (int i = 0; i < PAGE; i += 4) {
                        pages.get(p).set(ValueLayout.JAVA_INT_UNALIGNED, i, p << 16 | i);
                    }
                }
                long offset = r.nextInt((int) PAGE);
                long lastMin = (n - 1) * PAGE - offset + 1;
                long size = Math.max(1, lastMin + r.nextInt((int) (n * PAGE - offset - lastMin + 1)));
                long maxSegment = r.nextBoolean() ? SgTable.DEFAULT_MAX_SEGMENT : PAGE * (1 + r.nextInt(5)) + r.nextInt((int) PAGE);
                long max = maxSegment & -PAGE;
                String what = "seed " + seed + " trial " + t + ": " + n + " pages, offset " + offset + ", size " + size
                        + ", max " + maxSegment;

                SgTable table = SgTable.fromPages(pages, offset, size, maxSegment);

                assertEquals(size, table.size(), what);
                assertEquals(n, table.pageCount(), what);
                // The entries, concatenated, are the pages' bytes from offset on.
                MemorySegment expected = arena.allocate(n * PAGE);
                for (int p = 0; p < n; p++) {
                    expected.asSlice(p * PAGE, PAGE).copyFrom(pages.get(p));
                }
                long at = offset;
                int page = 0;
                for (int e = 0; e < table.nents(); e++) {
                    SgTable.Entry entry = table.entries().get(e);
                    String ew = what + ", entry " + e;
                    assertTrue(entry.length() >= 1, ew);
                    assertEquals(-1, entry.memory().mismatch(expected.asSlice(at, entry.length())), ew);
                    assertEquals(e == 0 ? offset : 0, entry.offset(), ew);
                    assertEquals(0, entry.pages().address() % PAGE, ew);
                    assertEquals(entry.pages().address() + entry.offset(), entry.memory().address(), ew);
                    long pagesInEntry = entry.pages().byteSize() / PAGE;
                    assertTrue(entry.pages().byteSize() <= max, ew + " is longer than the max segment");
                    assertTrue(entry.offset() + entry.length() <= entry.pages().byteSize(), ew);
                    assertEquals(pages.get(page).address(), entry.pages().address(), ew + " starts at its page");
                    for (int k = 1; k < pagesInEntry; k++) {
                        assertTrue(mergeable(pages.get(page + k - 1), pages.get(page + k)), ew + " merged unmergeable pages");
                    }
                    int next = (int) (page + pagesInEntry);
                    if (next < n) {
                        // Split only where the pages do not join, or where the entry reached the max.
                        assertTrue(!mergeable(pages.get(next - 1), pages.get(next)) || entry.pages().byteSize() == max,
                                ew + " stopped before a mergeable page below the max");
                    }
                    at += entry.length();
                    page = next;
                }
                assertEquals(n, page, what + ": every page is in an entry");
                assertEquals(offset + size, at, what);
            } finally {
                arenas.forEach(Arena::close);
            }
        }
    }

    @Test
    void contiguousPagesOfOneAllocationMergeThoseOfSeveralDoNot() {
        MemorySegment a = arena.allocate(4 * PAGE, PAGE);
        MemorySegment b;
        try (Arena other = Arena.ofShared()) {
            b = other.allocate(2 * PAGE, PAGE);
            List<MemorySegment> pages = List.of(a.asSlice(0, PAGE), a.asSlice(PAGE, PAGE), b.asSlice(0, PAGE),
                    a.asSlice(3 * PAGE, PAGE), a.asSlice(2 * PAGE, PAGE), b.asSlice(PAGE, PAGE));
            SgTable t = SgTable.fromPages(pages, 100, 6 * PAGE - 100);
            assertEquals(List.of(2 * PAGE - 100, PAGE, PAGE, PAGE, PAGE),
                    t.entries().stream().map(SgTable.Entry::length).toList());
            SgTable capped = SgTable.fromPages(List.of(a.asSlice(0, PAGE), a.asSlice(PAGE, PAGE), a.asSlice(2 * PAGE, PAGE),
                    a.asSlice(3 * PAGE, PAGE)), 0, 4 * PAGE, 2 * PAGE + 5);
            assertEquals(List.of(2 * PAGE, 2 * PAGE), capped.entries().stream().map(SgTable.Entry::length).toList(),
                    "the max segment is aligned down to a page");
            SgTable shortLast = SgTable.fromPages(List.of(a.asSlice(0, PAGE), a.asSlice(PAGE, PAGE)), 0, PAGE + 1);
            assertEquals(PAGE + 1, shortLast.entries().getFirst().length());
        }
    }

    @Test
    void badInputIsEinval() {
        MemorySegment a = arena.allocate(2 * PAGE, PAGE);
        List<MemorySegment> two = List.of(a.asSlice(0, PAGE), a.asSlice(PAGE, PAGE));
        assertEinval(() -> SgTable.fromPages(List.of(), 0, 1), "no pages");
        assertEinval(() -> SgTable.fromPages(two, 0, 2 * PAGE, PAGE - 1), "below a page");
        assertEinval(() -> SgTable.fromPages(two, PAGE, 1), "outside the first page");
        assertEinval(() -> SgTable.fromPages(two, -1, 1), "outside the first page");
        assertEinval(() -> SgTable.fromPages(two, 0, 0), "does not end in the last");
        assertEinval(() -> SgTable.fromPages(two, 0, PAGE), "does not end in the last");
        assertEinval(() -> SgTable.fromPages(two, 1, 2 * PAGE), "does not end in the last");
        assertEinval(() -> SgTable.fromPages(List.of(a.asSlice(8, PAGE)), 0, 1), "not a page-aligned");
        assertEinval(() -> SgTable.fromPages(List.of(a.asSlice(0, 100)), 0, 1), "not a page-aligned");
        assertEinval(() -> SgTable.fromPages(List.of(MemorySegment.ofArray(new byte[(int) PAGE])), 0, 1), "native");
        MemorySegment freed;
        try (Arena gone = Arena.ofShared()) {
            freed = gone.allocate(PAGE, PAGE);
        }
        assertEinval(() -> SgTable.fromPages(List.of(freed), 0, 1), "freed");
    }

    private static void assertEinval(Runnable r, String message) {
        DriverException e = assertThrows(DriverException.class, r::run);
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
