package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.nova.devres.DevresEntry.Kind;

class DevresScopeTest {

    private final DevresTracker tracker = new DevresTracker();
    private final DevresScope scope = tracker.newScope("0000:01:00.0");
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    /** A resource that logs its close and counts how often it was closed. */
    private final class Res implements AutoCloseable {
        final String name;
        final AtomicInteger closes = new AtomicInteger();

        Res(String name) {
            this.name = name;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            log.add(name);
        }
    }

    @Test
    void releaseAllIsLifoAndReturnsCount() {
        Res a = scope.add("a", new Res("a"));
        scope.addAction("b", () -> log.add("b"));
        scope.add("c", new Res("c"));
        assertEquals(3, scope.liveCount());
        assertEquals(3, scope.releaseAll());
        assertEquals(List.of("c", "b", "a"), log);
        assertEquals(1, a.closes.get());
        assertTrue(scope.isEmpty());
        assertTrue(scope.entries().isEmpty());
    }

    @Test
    void addReturnsTheResource() {
        Res r = new Res("r");
        assertSame(r, scope.add("r", r));
    }

    @Test
    void releaseAllTwiceReleasesOnce() {
        Res a = scope.add("a", new Res("a"));
        Res b = scope.add("b", new Res("b"));
        assertEquals(2, scope.releaseAll());
        assertEquals(0, scope.releaseAll());
        assertEquals(1, a.closes.get());
        assertEquals(1, b.closes.get());
    }

    @Test
    void scopeIsReusableAfterReleaseAll() {
        scope.add("first", new Res("first"));
        scope.releaseAll();
        Res second = scope.add("second", new Res("second"));
        assertEquals(1, scope.liveCount());
        scope.releaseAll();
        assertEquals(1, second.closes.get());
    }

    @Test
    void entriesAreOldestFirstWithKindsLabelsAndIncreasingSequence() {
        scope.setOwner("nova-core", "org.nova.core");
        scope.add("bar0", new Res("bar0"));
        Object g = scope.openGroup("probe");
        scope.addAction("irq", () -> { });
        scope.closeGroup(g);
        List<DevresEntry> e = scope.entries();
        assertEquals(List.of(Kind.RESOURCE, Kind.GROUP_OPEN, Kind.ACTION, Kind.GROUP_CLOSE),
                e.stream().map(DevresEntry::kind).toList());
        assertEquals("bar0", e.get(0).name());
        assertEquals("probe", e.get(1).name());
        assertEquals("nova-core", e.get(2).driver());
        assertEquals("org.nova.core", e.get(2).bundle());
        for (int i = 1; i < e.size(); i++) {
            assertTrue(e.get(i).sequence() > e.get(i - 1).sequence());
        }
        assertEquals(2, scope.liveCount(), "markers are not counted");
    }

    @Test
    void throwingReleaseDoesNotStopOthersAndIsReported() {
        Res a = scope.add("a", new Res("a"));
        scope.add("bad-close", () -> {
            throw new java.io.IOException("close failed");
        });
        scope.addAction("bad-action", () -> {
            throw new IllegalStateException("action failed");
        });
        Res d = scope.add("d", new Res("d"));

        assertEquals(4, scope.releaseAll()); // must not throw
        assertEquals(1, a.closes.get());
        assertEquals(1, d.closes.get());
        List<DevresException> failures = scope.lastReleaseFailures();
        assertEquals(2, failures.size());
        assertTrue(failures.get(0).getMessage().contains("bad-action"));
        assertTrue(failures.get(0).getMessage().contains("0000:01:00.0"));
        assertInstanceOf(IllegalStateException.class, failures.get(0).getCause());
        assertTrue(failures.get(1).getMessage().contains("bad-close"));
        assertInstanceOf(java.io.IOException.class, failures.get(1).getCause());
        assertEquals(0, scope.liveCount());
        assertEquals(0, tracker.liveTotal());

        scope.releaseAll();
        assertTrue(scope.lastReleaseFailures().isEmpty(), "replaced by the next release");
    }

    @Test
    void releaseActionRunsOnceAndOnlyOnce() {
        AtomicInteger runs = new AtomicInteger();
        DevresScope.Action a = scope.addAction("act", runs::incrementAndGet);
        assertEquals("act", a.name());
        assertEquals("0000:01:00.0", a.device());
        assertTrue(scope.releaseAction(a));
        assertEquals(1, runs.get());
        assertFalse(scope.releaseAction(a));
        assertFalse(scope.removeAction(a));
        assertEquals(0, scope.releaseAll());
        assertEquals(1, runs.get());
    }

    @Test
    void removeActionNeverRuns() {
        AtomicInteger runs = new AtomicInteger();
        DevresScope.Action a = scope.addAction("act", runs::incrementAndGet);
        scope.add("other", new Res("other"));
        assertTrue(scope.removeAction(a));
        assertFalse(scope.removeAction(a));
        assertFalse(scope.releaseAction(a));
        assertEquals(1, scope.releaseAll());
        assertEquals(0, runs.get());
    }

    @Test
    void releaseActionKeepsOrderOfTheRest() {
        scope.addAction("1", () -> log.add("1"));
        DevresScope.Action two = scope.addAction("2", () -> log.add("2"));
        scope.addAction("3", () -> log.add("3"));
        scope.releaseAction(two);
        scope.releaseAll();
        assertEquals(List.of("2", "3", "1"), log);
    }

    @Test
    void actionOfAnotherScopeIsRejected() {
        DevresScope other = tracker.newScope("other");
        DevresScope.Action a = other.addAction("x", () -> { });
        assertThrows(IllegalArgumentException.class, () -> scope.releaseAction(a));
        assertThrows(IllegalArgumentException.class, () -> scope.removeAction(a));
        assertEquals(1, other.liveCount());
    }

    @Test
    void addActionOrResetOnKilledScopeRunsImmediatelyAndThrows() {
        scope.kill();
        AtomicInteger runs = new AtomicInteger();
        DevresException e = assertThrows(DevresException.class,
                () -> scope.addActionOrReset("reset-me", runs::incrementAndGet));
        assertEquals(1, runs.get());
        assertTrue(e.getMessage().contains("device 0000:01:00.0 is gone"), e.getMessage());
        assertTrue(e.getMessage().contains("reset-me"));
        assertEquals(0, scope.liveCount());
    }

    @Test
    void addActionOrResetOnLiveScopeDoesNotRun() {
        AtomicInteger runs = new AtomicInteger();
        scope.addActionOrReset("x", runs::incrementAndGet);
        assertEquals(0, runs.get());
        scope.releaseAll();
        assertEquals(1, runs.get());
    }

    @Test
    void killReleasesEverythingThenAddClosesAndThrows() {
        Res before = scope.add("before", new Res("before"));
        scope.kill();
        assertTrue(scope.isKilled());
        assertEquals(1, before.closes.get());

        Res late = new Res("late");
        DevresException e = assertThrows(DevresException.class, () -> scope.add("late", late));
        assertEquals(1, late.closes.get(), "handed-over resource is closed, not leaked");
        assertTrue(e.getMessage().contains("is gone"));

        AtomicInteger runs = new AtomicInteger();
        assertThrows(DevresException.class, () -> scope.addAction("late-action", runs::incrementAndGet));
        assertEquals(1, runs.get());
        assertThrows(DevresException.class, () -> scope.openGroup("g"));
        assertEquals(0, scope.liveCount());
        assertEquals(0, tracker.liveTotal());

        scope.kill(); // idempotent
        assertEquals(1, before.closes.get());
    }

    @Test
    void killedAddAttachesCloseFailureAsSuppressed() {
        scope.kill();
        DevresException e = assertThrows(DevresException.class,
                () -> scope.add("bad", () -> {
                    throw new IllegalStateException("boom");
                }));
        assertEquals(1, e.getSuppressed().length);
        assertEquals("boom", e.getSuppressed()[0].getMessage());
    }

    @Test
    void releaseMayAddAndReleaseOnSameScopeWithoutDeadlock() {
        DevresScope.Action inner = scope.addAction("inner", () -> log.add("inner"));
        scope.addAction("outer", () -> {
            log.add("outer");
            scope.releaseAction(inner);
            scope.add("added-during-release", new Res("added-during-release"));
        });
        assertEquals(2, scope.releaseAll(), "inner was released by the nested releaseAction");
        assertEquals(List.of("outer", "inner", "added-during-release"), log);
        assertTrue(scope.isEmpty());
    }

    @Test
    void countsFollowAddsReleasesAndOwnerLabels() {
        DevresScope other = tracker.newScope("0000:02:00.0");
        scope.add("unowned", new Res("unowned"));
        scope.setOwner("nova-core", "org.nova.core");
        scope.add("a", new Res("a"));
        DevresScope.Action act = scope.addAction("b", () -> { });
        other.setOwner("nova-drm", "org.nova.drm");
        other.add("c", new Res("c"));
        scope.setOwner(null, null);
        scope.add("after-unbind-label", new Res("x"));

        assertEquals(5, tracker.liveTotal());
        assertEquals(Map.of("0000:01:00.0", 4, "0000:02:00.0", 1), tracker.liveByDevice());
        assertEquals(Map.of("nova-core", 2, "nova-drm", 1), tracker.liveByDriver());
        assertEquals(Map.of("org.nova.core", 2, "org.nova.drm", 1), tracker.liveByBundle());
        assertEquals(4, tracker.liveForDevice("0000:01:00.0"));
        assertEquals(2, tracker.liveForDriver("nova-core"));
        assertEquals(1, tracker.liveForBundle("org.nova.drm"));
        assertEquals(0, tracker.liveForDriver("nobody"));

        // entries keep the label they were added with
        List<DevresEntry> e = scope.entries();
        assertEquals(null, e.get(0).driver());
        assertEquals("nova-core", e.get(1).driver());
        assertEquals(null, e.get(3).driver());

        scope.removeAction(act);
        assertEquals(1, tracker.liveForDriver("nova-core"));
        scope.releaseAll();
        assertEquals(1, tracker.liveTotal());
        assertEquals(Map.of("0000:02:00.0", 1), tracker.liveByDevice());
        assertFalse(tracker.liveByDriver().containsKey("nova-core"), "zero entries omitted");
        assertEquals(0, tracker.liveForDevice("0000:01:00.0"));
        other.kill();
        assertEquals(0, tracker.liveTotal());
        assertTrue(tracker.liveByDevice().isEmpty());
        assertTrue(tracker.liveByDriver().isEmpty());
        assertTrue(tracker.liveByBundle().isEmpty());
    }

    /**
     * The per-device counts come from the scopes that hold entries, which the tracker links in
     * and out as their first entry comes and their last goes: scopes leaving from the middle,
     * the newest and the oldest end of that list, scopes coming back, and two scopes of one
     * device name (summed) all leave the counts a map by name would give.
     */
    @Test
    void perDeviceCountsFollowScopesFillingAndEmptying() {
        DevresScope a = tracker.newScope("a");
        DevresScope b = tracker.newScope("b");
        DevresScope c = tracker.newScope("c");
        DevresScope a2 = tracker.newScope("a");
        a.addAction("a1", () -> { });
        b.addAction("b1", () -> { });
        b.addAction("b2", () -> { });
        c.addAction("c1", () -> { });
        a2.addAction("a21", () -> { });
        assertEquals(Map.of("a", 2, "b", 2, "c", 1), tracker.liveByDevice());
        assertEquals(2, tracker.liveForDevice("a"), "two scopes of one name are summed");

        b.releaseAll();      // the middle of the list
        assertEquals(Map.of("a", 2, "c", 1), tracker.liveByDevice());
        a2.releaseAll();     // the newest
        a.releaseAll();      // the oldest
        assertEquals(Map.of("c", 1), tracker.liveByDevice());
        assertEquals(0, tracker.liveForDevice("a"));
        assertEquals(0, tracker.liveForDevice("b"));

        b.addAction("b3", () -> { });
        a.openGroup("g");    // a marker alone is no entry
        assertEquals(Map.of("b", 1, "c", 1), tracker.liveByDevice());
        a.addAction("a3", () -> { });
        assertEquals(Map.of("a", 1, "b", 1, "c", 1), tracker.liveByDevice());
        assertEquals(3, tracker.liveTotal());
        c.kill();
        b.kill();
        a.kill();
        assertTrue(tracker.liveByDevice().isEmpty());
        assertEquals(0, tracker.liveTotal());
    }

    @Test
    void snapshotsAreImmutable() {
        scope.add("a", new Res("a"));
        assertThrows(UnsupportedOperationException.class, () -> tracker.liveByDevice().clear());
        assertThrows(UnsupportedOperationException.class, () -> scope.entries().clear());
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThrows(NullPointerException.class, () -> scope.add(null, new Res("x")));
        assertThrows(NullPointerException.class, () -> scope.add("x", null));
        assertThrows(NullPointerException.class, () -> scope.addAction("x", null));
        assertThrows(NullPointerException.class, () -> tracker.newScope(null));
        assertEquals(0, scope.liveCount());
    }
}
