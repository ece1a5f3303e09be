package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverCall;
import org.nova.driver.SettleReport;

/**
 * The driver callbacks the core reports as running (what names a hung driver), and a standalone
 * core's settle, which is wait_for_device_probe with the running probes named.
 */
class DriverCallsTest extends CoreTestBase {

    @Test
    void aProbeInProgressIsNamedAndSettleWaitsForIt() throws Exception {
        CountDownLatch inProbe = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        register(TestDriver.of("slow", "acme:*:*").probe((d, drv) -> {
            inProbe.countDown();
            assertTrue(release.await(20, TimeUnit.SECONDS));
            return "data";
        }));
        Thread adder = new Thread(() -> add("d1", "acme:widget:1"));
        adder.start();
        assertTrue(inProbe.await(20, TimeUnit.SECONDS));

        List<DriverCall> running = core.callsInProgress();
        assertEquals(1, running.size(), running::toString);
        DriverCall c = running.get(0);
        assertEquals(List.of("test", "d1", "slow", DriverCall.Kind.PROBE),
                List.of(c.bus(), c.device(), c.driver(), c.kind()));
        assertTrue(c.toString().startsWith("test d1: probe by slow, running for "), c.toString());

        SettleReport notYet = core.settle(Duration.ofMillis(30));
        assertFalse(notYet.settled());
        assertEquals(List.of(c.bus() + " " + c.device() + ": probe by slow"),
                notYet.pending().stream().map(p -> p.substring(0, p.indexOf(", running"))).toList());

        release.countDown();
        adder.join(TimeUnit.SECONDS.toMillis(20));
        SettleReport done = core.settle(SETTLE);
        assertTrue(done.settled(), done::toString);
        assertEquals(List.of(), done.pending());
        assertEquals(List.of(), core.callsInProgress());
    }

    @Test
    void aRemoveInProgressIsNamedUntilItReturns() throws Exception {
        CountDownLatch inRemove = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // armed only for the unbind below: with test driver remove on, the bind itself runs a
        // remove between two probes, which must not block
        AtomicBoolean armed = new AtomicBoolean();
        register(TestDriver.of("stuck", "acme:*:*").onRemove((d, data) -> {
            if (!armed.get()) {
                return;
            }
            inRemove.countDown();
            try {
                assertTrue(release.await(20, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        Device d = add("d1", "acme:widget:1");
        assertTrue(core.waitForDeviceProbe(SETTLE));
        assertTrue(d.isBound());
        long unbindsBefore = core.unbindCount();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        armed.set(true);
        Thread unbinder = new Thread(() -> {
            try {
                core.requireBus("test").unbind("d1");
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        unbinder.start();
        assertTrue(inRemove.await(20, TimeUnit.SECONDS));
        List<DriverCall> running = core.callsInProgress();
        assertEquals(1, running.size(), running::toString);
        assertEquals(DriverCall.Kind.REMOVE, running.get(0).kind());
        assertEquals("stuck", running.get(0).driver());
        assertEquals(unbindsBefore, core.unbindCount(), "not unbound until remove returns");

        release.countDown();
        unbinder.join(TimeUnit.SECONDS.toMillis(20));
        assertEquals(null, failed.get());
        assertEquals(List.of(), core.callsInProgress());
        assertEquals(unbindsBefore + 1, core.unbindCount());
        assertEquals(0, core.boundDevices());
    }

    /** Calls end in any order, each once: ending one in the middle, or one twice, leaves the others listed. */
    @Test
    void callsEndInAnyOrderAndEndingTwiceDoesNothing() {
        DriverCalls calls = new DriverCalls();
        TestDriver a = TestDriver.of("a", "x");
        Device d1 = add("d1", "none:1");
        Device d2 = add("d2", "none:2");
        Device d3 = add("d3", "none:3");
        DriverImpl drv = new DriverImpl((BusImpl) core.requireBus("test"), a.descriptor(), 1);
        DriverCalls.Call c1 = calls.begin((DeviceImpl) d1, drv, DriverCall.Kind.PROBE);
        DriverCalls.Call c2 = calls.begin((DeviceImpl) d2, drv, DriverCall.Kind.PROBE);
        DriverCalls.Call c3 = calls.begin((DeviceImpl) d3, drv, DriverCall.Kind.REMOVE);
        c2.close();
        c2.close();
        assertEquals(List.of("d1", "d3"), calls.inProgress().stream().map(DriverCall::device).toList());
        c1.close();
        assertEquals(List.of("d3"), calls.inProgress().stream().map(DriverCall::device).toList());
        DriverCalls.Call c4 = calls.begin((DeviceImpl) d1, drv, DriverCall.Kind.PROBE);
        c3.close();
        assertEquals(List.of("d1"), calls.inProgress().stream().map(DriverCall::device).toList());
        c4.close();
        c1.close();
        assertEquals(List.of(), calls.inProgress());
    }

    @Test
    void callbacksAreListedLongestRunningFirst() throws Exception {
        DriverCalls calls = new DriverCalls();
        TestDriver a = TestDriver.of("a", "x");
        Device d1 = add("d1", "none:1");
        Device d2 = add("d2", "none:2");
        DriverImpl drv = new DriverImpl((BusImpl) core.requireBus("test"), a.descriptor(), 1);
        try (DriverCalls.Call first = calls.begin((DeviceImpl) d1, drv, DriverCall.Kind.PROBE)) {
            Thread.sleep(2);
            try (DriverCalls.Call second = calls.begin((DeviceImpl) d2, drv, DriverCall.Kind.REMOVE)) {
                List<DriverCall> now = calls.inProgress();
                assertEquals(List.of("d1", "d2"), now.stream().map(DriverCall::device).toList());
                assertTrue(now.get(0).running().compareTo(now.get(1).running()) >= 0);
            }
            assertEquals(List.of("d1"), calls.inProgress().stream().map(DriverCall::device).toList());
        }
        assertEquals(List.of(), calls.inProgress());
    }
}
