package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.ProbeDeferException;

/** Deferred probing: the list, the retry after every bind, dependency order, on-demand trigger. */
class DeferredProbeTest extends CoreTestBase {

    /** A driver for device {@code dev} whose probe defers until device {@code needs} is bound. */
    private TestDriver needing(String drv, String id, String needs) {
        return TestDriver.of(drv, id).probe((dev, d) -> {
            if (needs != null && !bus.device(needs).map(Device::isBound).orElse(false)) {
                throw new ProbeDeferException(needs + " is not bound yet");
            }
            return "ok";
        });
    }

    @ParameterizedTest(name = "drivers registered {0}")
    @ValueSource(strings = {"before the devices", "after the devices"})
    void deferredProbesCompleteInDependencyOrder(String when) {
        // A needs B needs C; everything arrives in the wrong order: A, B, C
        List<TestDriver> drivers = List.of(needing("drvA", "dep:a:1", "B"), needing("drvB", "dep:b:1", "C"),
                needing("drvC", "dep:c:1", null));
        boolean driversFirst = when.startsWith("before");
        if (driversFirst) {
            drivers.forEach(this::register);
        }
        add("A", "dep:a:1");
        add("B", "dep:b:1");
        if (driversFirst) {
            assertTrue(bus.device("A").orElseThrow().isProbeDeferred());
            assertTrue(bus.device("B").orElseThrow().isProbeDeferred());
            assertEquals(List.of("test:A", "test:B"), core.deferredDevices());
        }
        add("C", "dep:c:1");
        if (!driversFirst) {
            drivers.forEach(this::register);
        }
        settle();
        for (String n : List.of("A", "B", "C")) {
            assertTrue(bus.device(n).orElseThrow().isBound(), n + " bound");
            assertFalse(bus.device(n).orElseThrow().isProbeDeferred(), n + " off the deferred list");
        }
        assertEquals(List.of(), core.deferredDevices());
        await("three BIND uevents", () -> bindOrder().size() == 3);
        assertEquals(List.of("C", "B", "A"), bindOrder());
        assertEquals(List.of("probed:drvC:C", "probed:drvB:B", "probed:drvA:A"),
                type.entries("probed").stream().distinct().toList());
    }

    @Test
    void aBindDuringAProbeThatThenDefersRetriggers() throws Exception {
        // driver_deferred_probe_add_trigger: B binds (and triggers) while A's probe is running and
        // before A is on the list; A must be retried all the same.
        CountDownLatch inProbe = new CountDownLatch(1);
        CountDownLatch bAdded = new CountDownLatch(1);
        register(TestDriver.of("drvA", "race:a:*").probe((dev, d) -> {
            if (bus.device("B").map(Device::isBound).orElse(false)) {
                return "ok";
            }
            inProbe.countDown();
            assertTrue(bAdded.await(10, TimeUnit.SECONDS));
            throw new ProbeDeferException("B was not bound when I looked");
        }));
        register(TestDriver.of("drvB", "race:b:*"));
        Thread t = new Thread(() -> add("A", "race:a:1"), "adder");
        t.start();
        assertTrue(inProbe.await(10, TimeUnit.SECONDS));
        add("B", "race:b:1"); // binds and triggers; the deferred list is empty at this moment
        bAdded.countDown();
        t.join(10_000);
        settle();
        assertTrue(bus.device("A").orElseThrow().isBound(), "A retried because the trigger count moved");
    }

    @Test
    void onDemandTriggerRetriesTheDeferredList() {
        AtomicBoolean ready = new AtomicBoolean();
        register(TestDriver.of("waiter", "acme:widget:*").probe((dev, d) -> {
            if (!ready.get()) {
                throw new ProbeDeferException("firmware not loaded");
            }
            return "ok";
        }));
        Device d = add("d0", "acme:widget:1");
        assertTrue(d.isProbeDeferred());
        assertTrue(bus.why("d0").verdict().contains("probe deferred"), bus.why("d0").verdict());
        settle();
        assertFalse(d.isBound());
        ready.set(true);
        // nothing binds by itself: no bind happened since
        settle();
        assertFalse(d.isBound());
        core.triggerDeferredProbe();
        settle();
        assertEquals(Optional.of("waiter"), d.driver());
        assertFalse(d.isProbeDeferred());
    }

    @Test
    void aBindOfAnUnrelatedDeviceRetriesTheDeferredList() {
        AtomicBoolean ready = new AtomicBoolean();
        register(TestDriver.of("waiter", "acme:widget:*").probe((dev, d) -> {
            if (!ready.get()) {
                throw new ProbeDeferException("not yet");
            }
            return "ok";
        }));
        register(TestDriver.of("other", "other:thing:*"));
        Device d = add("d0", "acme:widget:1");
        assertTrue(d.isProbeDeferred());
        ready.set(true);
        add("x0", "other:thing:1");
        settle();
        assertTrue(d.isBound());
    }

    @Test
    void aBusMatchThatDefersPutsTheDeviceOnTheList() {
        TestDriver unsure = TestDriver.of("unsure", "acme:widget:*").deferMatch(true);
        register(unsure);
        Device d = add("d0", "acme:widget:1");
        assertTrue(d.isProbeDeferred());
        assertEquals(0, unsure.probeCalls());
        unsure.deferMatch(false);
        core.triggerDeferredProbe();
        settle();
        assertTrue(d.isBound());
    }

    @Test
    void aRemovedDeviceLeavesTheDeferredList() {
        register(TestDriver.of("never", "acme:widget:*").probe((dev, d) -> {
            throw new ProbeDeferException("never");
        }));
        Device d = add("d0", "acme:widget:1");
        assertEquals(List.of("test:d0"), core.deferredDevices());
        bus.removeDevice(d);
        assertEquals(List.of(), core.deferredDevices());
        assertFalse(d.isProbeDeferred());
        core.triggerDeferredProbe();
        settle();
    }

    @Test
    void devresOfADeferredProbeAreReleased() {
        List<String> released = new CopyOnWriteArrayList<>();
        register(TestDriver.of("never", "acme:widget:*").probe((dev, d) -> {
            dev.devres().addAction("irq", () -> released.add("irq"));
            throw new ProbeDeferException("clock missing");
        }));
        Device d = add("d0", "acme:widget:1");
        assertTrue(d.isProbeDeferred());
        assertEquals(List.of("irq"), released);
        assertEquals(0, d.devres().liveCount());
    }
}
