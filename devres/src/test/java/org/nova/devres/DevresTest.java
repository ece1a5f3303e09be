package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nova.devres.DevresEntry.Kind;

class DevresTest {

    private static final long TIMEOUT_S = 30;

    private final DevresTracker tracker = new DevresTracker();
    private final DevresScope scope = tracker.newScope("0000:01:00.0");
    private final AtomicInteger releases = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private Devres<String> bar() {
        return Devres.register(scope, "BAR0", "mapping", v -> releases.incrementAndGet());
    }

    @Test
    void registersAnEntryAndGivesAccess() {
        scope.setOwner("nova-core", "org.nova.core");
        Devres<String> d = bar();
        assertSame(scope, d.scope());
        assertEquals(1, scope.liveCount());
        assertEquals(1, tracker.liveForDriver("nova-core"));
        DevresEntry e = scope.entries().get(0);
        assertEquals("BAR0", e.name());
        assertEquals(Kind.ACTION, e.kind());
        try (Revocable.Guard<String> g = d.access()) {
            assertEquals("mapping", g.get());
        }
    }

    @Test
    void scopeReleaseRevokes() {
        Devres<String> d = bar();
        assertEquals(1, scope.releaseAll());
        assertTrue(d.isRevoked());
        assertEquals(1, releases.get());
        RevokedException e = assertThrows(RevokedException.class, d::access);
        assertTrue(e.getMessage().contains("BAR0"));
        assertTrue(d.tryAccess().isEmpty());
    }

    @Test
    void closeRemovesTheEntryAndRevokes() {
        Devres<String> d = bar();
        scope.add("other", () -> { });
        d.close();
        assertTrue(d.isRevoked());
        assertEquals(1, releases.get());
        assertEquals(1, scope.liveCount());
        assertEquals("other", scope.entries().get(0).name());
        assertEquals(1, scope.releaseAll(), "only the other entry is left to release");
        assertEquals(1, releases.get());
    }

    @Test
    void closeAfterScopeReleaseIsANoOp() {
        Devres<String> d = bar();
        scope.releaseAll();
        d.close();
        d.close();
        assertEquals(1, releases.get());
        assertEquals(0, scope.liveCount());
    }

    @Test
    void groupReleaseRevokesDevresInside() {
        scope.openGroup("probe");
        Devres<String> d = bar();
        scope.releaseGroup("probe");
        assertTrue(d.isRevoked());
        assertEquals(1, releases.get());
    }

    @Test
    void registerOnKilledScopeReleasesAndThrows() {
        scope.kill();
        DevresException e = assertThrows(DevresException.class, this::bar);
        assertTrue(e.getMessage().contains("is gone"));
        assertEquals(1, releases.get(), "value released, not leaked");
        assertEquals(0, tracker.liveTotal());
    }

    @Test
    void unbindWaitsForGuardHeldByAnotherThread() throws Exception {
        Devres<String> d = bar();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Future<?> holder = pool.submit(() -> {
            try (Revocable.Guard<String> g = d.access()) {
                holding.countDown();
                letGo.await();
                assertEquals("mapping", g.get());
                assertEquals(0, releases.get(), "released under a live guard");
            }
            return null;
        });
        assertTrue(holding.await(TIMEOUT_S, TimeUnit.SECONDS));
        Future<Integer> unbind = pool.submit(scope::releaseAll);
        assertThrows(TimeoutException.class,
                () -> unbind.get(100, TimeUnit.MILLISECONDS));
        letGo.countDown();
        holder.get(TIMEOUT_S, TimeUnit.SECONDS);
        assertEquals(1, unbind.get(TIMEOUT_S, TimeUnit.SECONDS));
        assertEquals(1, releases.get());
    }

    @Test
    void closeRacingScopeReleaseReleasesOnce() throws Exception {
        for (int it = 0; it < 2_000; it++) {
            AtomicInteger count = new AtomicInteger();
            DevresScope s = tracker.newScope("dev" + it);
            Devres<String> d = Devres.register(s, "res", "v", v -> count.incrementAndGet());
            CyclicBarrier start = new CyclicBarrier(2);
            Future<?> closer = pool.submit(() -> {
                start.await();
                d.close();
                // close returns only once the value is released, whoever released it
                assertEquals(1, count.get());
                return null;
            });
            Future<?> unbind = pool.submit(() -> {
                start.await();
                s.releaseAll();
                return null;
            });
            closer.get(TIMEOUT_S, TimeUnit.SECONDS);
            unbind.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertEquals(1, count.get(), "iteration " + it);
            assertTrue(s.isEmpty());
            assertFalse(d.tryAccess().isPresent());
        }
        assertEquals(0, tracker.liveTotal());
    }
}
