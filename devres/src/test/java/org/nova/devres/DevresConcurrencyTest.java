package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DevresConcurrencyTest {

    private static final int ITERATIONS = 2_000;
    private static final int ENTRIES = 20;
    private static final long TIMEOUT_S = 30;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void releaseAllRacingReleaseGroupReleasesEachEntryExactlyOnce() throws Exception {
        DevresTracker tracker = new DevresTracker();
        for (int it = 0; it < ITERATIONS; it++) {
            DevresScope scope = tracker.newScope("dev" + it);
            AtomicIntegerArray runs = new AtomicIntegerArray(2 * ENTRIES);
            for (int i = 0; i < ENTRIES; i++) {
                int k = i;
                scope.addAction("pre" + i, () -> runs.incrementAndGet(k));
            }
            scope.openGroup("g");
            for (int i = ENTRIES; i < 2 * ENTRIES; i++) {
                int k = i;
                scope.addAction("g" + i, () -> runs.incrementAndGet(k));
            }
            if (it % 2 == 0) {
                scope.closeGroup("g");
            }
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Integer> all = pool.submit(() -> {
                start.await();
                return scope.releaseAll();
            });
            Future<Integer> group = pool.submit(() -> {
                start.await();
                return scope.releaseGroup("g"); // 0 if releaseAll got there first
            });
            int released = all.get(TIMEOUT_S, TimeUnit.SECONDS)
                    + group.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals(2 * ENTRIES, released, "iteration " + it);
            for (int i = 0; i < 2 * ENTRIES; i++) {
                assertEquals(1, runs.get(i), "iteration " + it + " entry " + i);
            }
            assertTrue(scope.isEmpty());
            assertTrue(scope.entries().isEmpty(), "iteration " + it + ": " + scope.entries());
        }
        assertEquals(0, tracker.liveTotal());
    }

    @Test
    void releaseAllRacingReleaseActionRunsEachActionExactlyOnce() throws Exception {
        for (int it = 0; it < ITERATIONS; it++) {
            DevresScope scope = new DevresTracker().newScope("dev");
            AtomicIntegerArray runs = new AtomicIntegerArray(ENTRIES);
            List<DevresScope.Action> actions = new ArrayList<>();
            for (int i = 0; i < ENTRIES; i++) {
                int k = i;
                actions.add(scope.addAction("a" + i, () -> runs.incrementAndGet(k)));
            }
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Integer> all = pool.submit(() -> {
                start.await();
                return scope.releaseAll();
            });
            Future<Integer> one = pool.submit(() -> {
                start.await();
                int n = 0;
                for (DevresScope.Action a : actions) {
                    n += scope.releaseAction(a) ? 1 : 0;
                }
                return n;
            });
            assertEquals(ENTRIES, all.get(TIMEOUT_S, TimeUnit.SECONDS)
                    + one.get(TIMEOUT_S, TimeUnit.SECONDS));
            for (int i = 0; i < ENTRIES; i++) {
                assertEquals(1, runs.get(i), "iteration " + it + " entry " + i);
            }
        }
    }

    @Test
    void concurrentAddsAndKillLeakNothing() throws Exception {
        for (int it = 0; it < 200; it++) {
            DevresTracker tracker = new DevresTracker();
            DevresScope scope = tracker.newScope("dev");
            AtomicInteger added = new AtomicInteger();
            AtomicInteger closed = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(2);
            Future<?> adder = pool.submit(() -> {
                start.await();
                for (int i = 0; i < 200; i++) {
                    added.incrementAndGet();
                    try {
                        scope.add("r" + i, closed::incrementAndGet);
                    } catch (DevresException gone) {
                        // closed by add itself
                    }
                }
                return null;
            });
            Future<?> killer = pool.submit(() -> {
                start.await();
                scope.kill();
                return null;
            });
            adder.get(TIMEOUT_S, TimeUnit.SECONDS);
            killer.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals(added.get(), closed.get(), "iteration " + it);
            assertEquals(0, tracker.liveTotal());
        }
    }

    /**
     * The tracker's counts under scopes that share their device, driver and bundle labels and
     * fill and empty at once: each label's count keeps crossing zero on one thread while another
     * changes it, which is where a counter is put in and taken out of its map.
     */
    @Test
    void countsStayExactWhileScopesSharingLabelsFillAndEmptyAtOnce() throws Exception {
        DevresTracker tracker = new DevresTracker();
        int threads = 2;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            runs.add(pool.submit(() -> {
                start.await();
                for (int it = 0; it < ITERATIONS; it++) {
                    DevresScope scope = tracker.newScope("shared");
                    scope.setOwner("drv", "bundle");
                    int n = 1 + it % 3;
                    for (int i = 0; i < n; i++) {
                        scope.addAction("a" + i, () -> { });
                    }
                    scope.releaseAll();
                }
                return null;
            }));
        }
        for (Future<?> f : runs) {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        }
        assertEquals(0, tracker.liveTotal());
        assertEquals(0, tracker.liveForDevice("shared"));
        assertEquals(0, tracker.liveForDriver("drv"));
        assertEquals(0, tracker.liveForBundle("bundle"));
        assertTrue(tracker.liveByDevice().isEmpty(), tracker.liveByDevice().toString());
        assertTrue(tracker.liveByDriver().isEmpty(), tracker.liveByDriver().toString());
        assertTrue(tracker.liveByBundle().isEmpty(), tracker.liveByBundle().toString());

        DevresScope a = tracker.newScope("shared");
        DevresScope b = tracker.newScope("shared");
        a.setOwner("drv", "bundle");
        b.setOwner("drv", "bundle");
        a.addAction("x", () -> { });
        b.addAction("y", () -> { });
        b.addAction("z", () -> { });
        assertEquals(3, tracker.liveForDevice("shared"));
        assertEquals(Map.of("drv", 3), tracker.liveByDriver());
        a.releaseAll();
        assertEquals(2, tracker.liveForBundle("bundle"));
        b.releaseAll();
        assertTrue(tracker.liveByDevice().isEmpty());
    }
}
