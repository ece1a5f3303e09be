package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RevocableTest {

    private static final long TIMEOUT_S = 30;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** A value that records whether it was touched after release. */
    static final class Bar {
        volatile boolean released;
        final AtomicInteger reads = new AtomicInteger();

        int read() {
            if (released) {
                throw new AssertionError("touched after release");
            }
            reads.incrementAndGet();
            return 42;
        }
    }

    @Test
    void accessBeforeRevokeWorksAfterRevokeThrows() {
        Bar bar = new Bar();
        AtomicInteger releases = new AtomicInteger();
        Revocable<Bar> r = new Revocable<>("BAR0", bar, b -> {
            b.released = true;
            releases.incrementAndGet();
        });
        try (Revocable.Guard<Bar> g = r.access()) {
            assertEquals(42, g.get().read());
        }
        assertFalse(r.isRevoked());
        assertTrue(r.revoke());
        assertTrue(r.isRevoked());
        assertEquals(1, releases.get());

        RevokedException e = assertThrows(RevokedException.class, r::access);
        assertTrue(e.getMessage().contains("BAR0"), e.getMessage());
        assertTrue(e.getMessage().contains("revoked"), e.getMessage());
        assertEquals("BAR0", e.resource());
        assertTrue(r.tryAccess().isEmpty());
        assertFalse(r.revoke());
        r.close();
        assertEquals(1, releases.get());
        assertEquals(1, bar.reads.get());
    }

    @Test
    void tryAccessGivesGuardUntilRevoked() {
        Revocable<String> r = new Revocable<>("value", v -> { });
        Optional<Revocable.Guard<String>> g = r.tryAccess();
        assertTrue(g.isPresent());
        assertEquals("value", g.get().get());
        g.get().close();
        assertThrows(IllegalStateException.class, () -> g.get().get(), "closed guard");
        g.get().close(); // idempotent: must not count out twice
        assertTrue(r.revoke()); // would hang if the double close corrupted the count
    }

    @Test
    void defaultNameIsTheValue() {
        Revocable<String> r = new Revocable<>("mmio@0xf000", v -> { });
        r.revoke();
        assertTrue(assertThrows(RevokedException.class, r::access).getMessage()
                .contains("mmio@0xf000"));
    }

    @Test
    void revokeWaitsForGuardInFlight() throws Exception {
        List<String> order = new ArrayList<>();
        Revocable<Bar> r = new Revocable<>("BAR0", new Bar(), b -> {
            synchronized (order) {
                order.add("released");
            }
            b.released = true;
        });
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Future<?> holder = pool.submit(() -> {
            try (Revocable.Guard<Bar> g = r.access()) {
                holding.countDown();
                letGo.await();
                g.get().read(); // still valid: revoke is waiting for us
                synchronized (order) {
                    order.add("guard closed");
                }
            }
            return null;
        });
        assertTrue(holding.await(TIMEOUT_S, TimeUnit.SECONDS));

        CountDownLatch revokeStarted = new CountDownLatch(1);
        Future<Boolean> revoker = pool.submit(() -> {
            revokeStarted.countDown();
            return r.revoke();
        });
        assertTrue(revokeStarted.await(TIMEOUT_S, TimeUnit.SECONDS));
        // New accesses are refused as soon as revocation started, while the old guard lives.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (!r.isRevoked() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(r.isRevoked());
        assertThrows(RevokedException.class, r::access);
        // The revoker must still be blocked: the guard is held.
        assertThrows(TimeoutException.class,
                () -> revoker.get(100, TimeUnit.MILLISECONDS));
        synchronized (order) {
            assertTrue(order.isEmpty(), "released while a guard was in flight: " + order);
        }

        letGo.countDown();
        holder.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertTrue(revoker.get(TIMEOUT_S, TimeUnit.SECONDS));
        assertEquals(List.of("guard closed", "released"), order);
    }

    @Test
    void concurrentRevokeReturnsTrueOnceAndAllReturnAfterRelease() throws Exception {
        int threads = 16;
        for (int it = 0; it < 200; it++) {
            AtomicInteger releases = new AtomicInteger();
            AtomicBoolean releaseDone = new AtomicBoolean();
            Revocable<Bar> r = new Revocable<>("r", new Bar(), b -> {
                releases.incrementAndGet();
                Thread.yield();
                releaseDone.set(true);
            });
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    boolean mine = r.revoke();
                    if (!releaseDone.get()) {
                        throw new AssertionError("revoke returned before release completed");
                    }
                    return mine;
                }));
            }
            int winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get(TIMEOUT_S, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, winners, "iteration " + it);
            assertEquals(1, releases.get(), "iteration " + it);
        }
    }

    @Test
    void accessorsRacingRevokeNeverTouchReleasedValue() throws Exception {
        for (int it = 0; it < 200; it++) {
            Bar bar = new Bar();
            Revocable<Bar> r = new Revocable<>("bar", bar, b -> b.released = true);
            int readers = 4;
            CyclicBarrier start = new CyclicBarrier(readers + 1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < readers; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    int ok = 0;
                    while (true) {
                        Optional<Revocable.Guard<Bar>> g = r.tryAccess();
                        if (g.isEmpty()) {
                            return ok;
                        }
                        try (Revocable.Guard<Bar> guard = g.get()) {
                            guard.get().read(); // throws AssertionError if released
                            ok++;
                        }
                    }
                }));
            }
            start.await();
            Thread.yield();
            assertTrue(r.revoke());
            for (Future<Integer> f : futures) {
                f.get(TIMEOUT_S, TimeUnit.SECONDS); // rethrows an AssertionError
            }
            assertTrue(bar.released);
        }
    }

    @Test
    void releaseFailureGoesToTheRevokerAndStillRevokes() {
        Revocable<String> r = new Revocable<>("x", v -> {
            throw new IllegalStateException("release failed");
        });
        assertThrows(IllegalStateException.class, r::revoke);
        assertTrue(r.isRevoked());
        assertFalse(r.revoke(), "does not hang, does not release again");
    }

    @Test
    void revokePreservesInterruptAndStillWaits() throws Exception {
        Revocable<String> r = new Revocable<>("x", v -> { });
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Future<?> holder = pool.submit(() -> {
            try (Revocable.Guard<String> g = r.access()) {
                holding.countDown();
                letGo.await();
                assertEquals("x", g.get());
            }
            return null;
        });
        assertTrue(holding.await(TIMEOUT_S, TimeUnit.SECONDS));
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        CountDownLatch revoking = new CountDownLatch(1);
        Thread revoker = new Thread(() -> {
            revoking.countDown();
            r.revoke();
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        revoker.start();
        assertTrue(revoking.await(TIMEOUT_S, TimeUnit.SECONDS));
        revoker.interrupt();
        revoker.join(100);
        assertTrue(revoker.isAlive(), "an interrupt must not end the wait for guards");
        letGo.countDown();
        holder.get(TIMEOUT_S, TimeUnit.SECONDS);
        revoker.join(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
        assertFalse(revoker.isAlive());
        assertTrue(interruptedAfter.get());
    }

    @Test
    void nullsAreRejected() {
        assertThrows(NullPointerException.class, () -> new Revocable<>(null, v -> { }));
        assertThrows(NullPointerException.class, () -> new Revocable<>("x", null));
    }
}
