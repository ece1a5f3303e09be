package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** fail-nth on a device's devres: the n-th acquisition fails once, releasing what it was given. */
class FailNthTest {

    private final DevresTracker tracker = new DevresTracker();
    private final DevresScope scope = tracker.newScope("dev0");

    @Test
    void notArmedNothingFails() {
        scope.add("a", () -> { });
        scope.addAction("b", () -> { });
        scope.openGroup("g");
        assertEquals(2, scope.liveCount());
        assertEquals(0, scope.failNth().remaining());
        assertNull(scope.failNth().injected());
    }

    @Test
    void armedWhileTheCountdownRuns() {
        assertFalse(scope.failNth().armed(), "never armed");
        scope.failNth().set(2);
        assertTrue(scope.failNth().armed());
        scope.addAction("first", () -> { });
        assertTrue(scope.failNth().armed(), "one point left");
        assertThrows(DevresException.class, () -> scope.addAction("second", () -> { }));
        assertFalse(scope.failNth().armed(), "the fault was injected");
        assertEquals("devres action 'second'", scope.failNth().injected(), "the point is named as before");
        scope.failNth().set(5);
        scope.failNth().set(0);
        assertFalse(scope.failNth().armed(), "disarmed");
    }

    @Test
    void theNthAcquisitionFailsOnceAndClosesWhatItWasGiven() {
        scope.failNth().set(3);
        scope.add("first", () -> { });
        scope.addAction("second", () -> { });
        AtomicBoolean closed = new AtomicBoolean();
        DevresException e = assertThrows(DevresException.class, () -> scope.add("third", () -> closed.set(true)));
        assertTrue(closed.get(), "the refused resource is closed, not leaked");
        assertEquals("cannot add 'third': fault injected on device dev0 (fail-nth)", e.getMessage());
        assertTrue(e.isInjected());
        assertEquals(0, scope.failNth().remaining(), "reading 0 says the fault was injected");
        assertEquals("devres 'third'", scope.failNth().injected());
        assertEquals(2, scope.liveCount(), "the two before it stay for the driver core to release");
        scope.add("fourth", () -> { });
        assertEquals(3, scope.liveCount(), "one fault per arming");
    }

    @Test
    void anActionRefusedRunsAtOnce() {
        scope.failNth().set(1);
        AtomicBoolean ran = new AtomicBoolean();
        assertThrows(DevresException.class, () -> scope.addAction("undo", () -> ran.set(true)));
        assertTrue(ran.get());
        assertEquals(0, tracker.liveTotal());
    }

    @Test
    void openingAGroupIsAFaultPoint() {
        scope.failNth().set(2);
        scope.add("a", () -> { });
        DevresException e = assertThrows(DevresException.class, () -> scope.openGroup("g"));
        assertEquals("cannot open devres group g on device dev0: fault injected (fail-nth)", e.getMessage());
        assertEquals("devres group g", scope.failNth().injected());
    }

    @Test
    void unreachedCountdownTellsThePointsPassed() {
        scope.failNth().set(10);
        scope.add("a", () -> { });
        scope.add("b", () -> { });
        assertEquals(8, scope.failNth().remaining());
        scope.failNth().set(0);
        scope.add("c", () -> { });
        assertEquals(3, scope.liveCount());
    }

    @Test
    void driverDeclaredPointsCountWithDevres() {
        scope.failNth().set(2);
        assertFalse(scope.failNth().shouldFail("boot step 1"));
        assertTrue(scope.failNth().shouldFail("boot step 2"));
        assertFalse(scope.failNth().shouldFail("boot step 3"));
        assertEquals("boot step 2", scope.failNth().injected());
    }

    @Test
    void aDeadScopeRefusesAsGoneNotAsInjected() {
        scope.failNth().set(1);
        scope.kill();
        DevresException e = assertThrows(DevresException.class, () -> scope.add("late", () -> { }));
        assertFalse(e.isInjected());
        assertEquals(1, scope.failNth().remaining(), "a refusal for a gone device passes no fault point");
    }

    @Test
    void negativeIsRefusedAndChangesNothing() {
        scope.failNth().set(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scope.failNth().set(-1));
        assertTrue(e.getMessage().contains("dev0"), e.getMessage());
        assertEquals(4, scope.failNth().remaining());
    }

    /** Every k of a probe-like sequence: k-1 acquired, all released by releaseAll, nothing left. */
    @Test
    void everyStepOfASequenceFailsCleanly() {
        int steps = 6;
        for (int k = 1; k <= steps; k++) {
            List<String> closed = new ArrayList<>();
            scope.failNth().set(k);
            DevresException e = null;
            try {
                for (int i = 1; i <= steps; i++) {
                    String name = "r" + i;
                    scope.add(name, () -> closed.add(name));
                }
            } catch (DevresException x) {
                e = x;
            }
            assertTrue(e != null, "step " + k + " failed");
            assertEquals(k - 1, scope.liveCount());
            scope.releaseAll();
            assertEquals(k, closed.size(), "k-1 released by the scope and the refused one closed");
            assertEquals(0, tracker.liveTotal());
        }
        scope.failNth().set(steps + 1);
        for (int i = 1; i <= steps; i++) {
            scope.add("r" + i, () -> { });
        }
        assertEquals(1, scope.failNth().remaining(), "a countdown left above 0 means every point was failed once");
    }
}
