package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.MatchResult;

/**
 * A device that can be seen on its bus is counted by wait_for_device_probe until its first
 * attach ends: whoever finds it listed and then settles (drv:settle, a test) sees the outcome of
 * that attach, never the moment between device_add's listing and bus_probe_device.
 */
class AddedDeviceProbeCountTest extends CoreTestBase {
    /** The test bus with a match that waits at a gate: the attach is held before any probe. */
    private static final class GatedBus implements BusType {
        private final TestBus inner;
        final CountDownLatch matching = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        GatedBus(TestBus inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor driver) {
            matching.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.match(device, driver);
        }

        @Override
        public Object probe(Device device, DriverDescriptor driver, MatchResult match) throws Exception {
            return inner.probe(device, driver, match);
        }

        @Override
        public void remove(Device device, DriverDescriptor driver, Object driverData) {
            inner.remove(device, driver, driverData);
        }
    }

    @Test
    void aListedDeviceIsProbingUntilItsFirstAttachEnds() throws Exception {
        GatedBus gated = new GatedBus(new TestBus("gated", core));
        BusRegistration reg = core.registerBus(gated);
        TestDriver drv = TestDriver.of("gd", "1:1");
        reg.registerDriver(drv.descriptor());
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread adder = new Thread(() -> {
            try {
                reg.addDevice("g0", null, new TestBus.TestDev("1:1"));
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "adder");
        adder.start();
        assertTrue(gated.matching.await(10, TimeUnit.SECONDS), "the attach reached the bus's match");
        Optional<Device> listed = core.requireBus("gated").device("g0");
        assertTrue(listed.isPresent(), "listed before its attach ends");
        assertFalse(core.waitForDeviceProbe(Duration.ofMillis(50)),
                "a listed device whose first attach has not ended is still being probed");
        gated.gate.countDown();
        adder.join(TimeUnit.SECONDS.toMillis(10));
        assertEquals(null, failed.get());
        assertTrue(core.waitForDeviceProbe(SETTLE));
        assertEquals(Optional.of("gd"), listed.get().driver());
    }
}
