package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeType;

/**
 * The kernel's driver-core kunit cases in our terms: drivers/base/test/platform-device-test.c
 * (devm actions on unregistration), test_async_driver_probe.c (2 s probes, 1 s threshold).
 */
class KunitTest extends CoreTestBase {
    private static final long PROBE_MS = 2000;
    private static final long THRESHOLD_MS = 1000;

    @Test
    void devmActionRunsWhenAnUnprobedDeviceIsRemoved() throws InterruptedException {
        Device d = add("unprobed", "nobody:x:1");
        CountDownLatch ran = new CountDownLatch(1);
        d.devres().addAction("devm action", ran::countDown);
        bus.removeDevice(d);
        assertTrue(ran.await(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void devmActionRunsWhenAProbedDeviceIsRemoved() throws InterruptedException {
        AtomicInteger added = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch lastRan = new CountDownLatch(probesPerBind());
        register(TestDriver.of("devm", "acme:widget:*").probe((dev, drv) -> {
            added.incrementAndGet();
            dev.devres().addAction("devm action", () -> {
                ran.incrementAndGet();
                lastRan.countDown();
            });
            return "ok";
        }));
        Device d = add("probed", "acme:widget:1");
        assertTrue(d.isBound());
        assertEquals(added.get() - 1, ran.get(), "only the live binding's action is pending");
        bus.removeDevice(d);
        assertTrue(lastRan.await(100, TimeUnit.MILLISECONDS));
        assertEquals(added.get(), ran.get());
    }

    private TestDriver sleeper(String name, boolean async) {
        TestDriver t = TestDriver.of(name, name + ":*:*").probe((dev, drv) -> {
            Thread.sleep(PROBE_MS);
            return "slept";
        });
        return async ? t.async() : t;
    }

    @Test
    void anAsyncDriversRegistrationReturnsBeforeItsProbeCompletes() {
        Device d = add("d0", "async:x:1");
        long t0 = System.nanoTime();
        register(sleeper("async", true));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < THRESHOLD_MS, "async driver registration took " + ms + " ms");
        assertFalse(d.isBound());
        assertTrue(core.waitForDeviceProbe(Duration.ofSeconds(30)), "wait_for_device_probe waits for it");
        long total = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Optional.of("async"), d.driver(), "bound when wait_for_device_probe returns");
        assertTrue(total >= PROBE_MS, "waited only " + total + " ms");
    }

    @Test
    void anAsyncDriversDeviceRegistrationReturnsBeforeItsProbeCompletes() {
        register(sleeper("async", true));
        long t0 = System.nanoTime();
        Device d = add("d0", "async:x:1");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < THRESHOLD_MS, "device registration took " + ms + " ms");
        assertFalse(d.isBound());
        settle();
        assertTrue(d.isBound());
    }

    @Test
    void aSyncDriversRegistrationReturnsAfterItsProbe() {
        Device d = add("d0", "sync:x:1");
        long t0 = System.nanoTime();
        register(sleeper("sync", false));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= THRESHOLD_MS, "sync driver registration took only " + ms + " ms");
        assertTrue(d.isBound());
    }

    @Test
    void aForcedSynchronousDriverIsProbedOnTheRegisteringThread() {
        Thread me = Thread.currentThread();
        register(TestDriver.of("forced", "forced:*:*").probeType(ProbeType.FORCE_SYNCHRONOUS)
                .probe((dev, drv) -> {
                    assertEquals(me, Thread.currentThread());
                    return "ok";
                }));
        assertTrue(add("d0", "forced:x:1").isBound());
    }

    @Test
    void aManualBindOfAnAsyncDriverIsSynchronous() {
        bus.setAutoprobe(false);
        register(sleeper("async", true));
        add("d0", "async:x:1");
        long t0 = System.nanoTime();
        bus.bind("d0", "async");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= THRESHOLD_MS, "bind returned after " + ms + " ms");
        assertTrue(bus.device("d0").orElseThrow().isBound());
    }

    @Test
    void aDeviceWithDevresBeforeProbingFailsWithEbusy() {
        bus.setAutoprobe(false);
        TestDriver drv = TestDriver.of("drv", "acme:widget:*");
        register(drv);
        Device d = add("d0", "acme:widget:1");
        d.devres().addAction("stray", () -> { });
        DriverException e = assertThrows(DriverException.class, () -> bus.bind("d0", "drv"));
        assertEquals(Errno.EBUSY, e.errno());
        assertEquals(0, drv.probeCalls(), "the driver's probe is not called");
        assertFalse(d.isBound());
        assertEquals(1, d.devres().liveCount(), "the stray resource is left alone");
        bus.probe("d0");
        assertFalse(d.isBound());
        assertEquals(0, drv.probeCalls());
    }
}
