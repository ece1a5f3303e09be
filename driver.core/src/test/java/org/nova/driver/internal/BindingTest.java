package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverCore.UeventRecord;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.Uevent;

/** Match, probe, bound; uevents; probe failure and the next driver. */
class BindingTest extends CoreTestBase {

    @Test
    void matchProbeBoundWithDriverData() {
        TestDriver alpha = TestDriver.of("alpha", "acme:widget:*");
        register(alpha);
        Device d = add("d0", "acme:widget:1");
        assertEquals(Optional.of("alpha"), d.driver());
        assertTrue(d.isBound());
        assertEquals(Optional.of("data:alpha@d0"), d.driverData(String.class));
        assertEquals(Optional.empty(), d.driverData(Integer.class));
        assertEquals(List.of("d0"), bus.driver("alpha").orElseThrow().devices());
        assertEquals(probesPerBind(), alpha.probeCalls());
        assertEquals(1, alpha.live());

        Device other = add("e0", "other:thing:1");
        assertFalse(other.isBound());
        assertFalse(other.isProbeDeferred());
        assertEquals(probesPerBind(), alpha.probeCalls(), "a device that does not match is not probed");
        assertEquals("/devices/d0", d.devpath());
        assertEquals("test:acme:widget:1", d.ueventEnv().get(Uevent.MODALIAS));
        assertEquals("alpha", d.ueventEnv().get(Uevent.DRIVER));
    }

    @Test
    void addBindUnbindRemoveUeventsWithModaliasFromTheDispatcher() {
        register(TestDriver.of("alpha", "acme:widget:*"));
        Device d = add("d0", "acme:widget:1");
        bus.unbind("d0");
        assertFalse(d.isBound());
        bus.removeDevice(d);
        assertTrue(d.isDead());
        assertEquals(List.of(Uevent.Action.ADD, Uevent.Action.BIND, Uevent.Action.UNBIND, Uevent.Action.REMOVE),
                awaitActions("d0", 4));
        long seq = 0;
        for (Delivered del : delivered) {
            UeventRecord r = del.rec();
            assertTrue(del.thread().startsWith("nova-uevent"), "delivered on " + del.thread());
            assertFalse(del.coreLockHeld(), "delivered under the core's lock");
            assertTrue(r.seqnum() > seq, "seqnums increase in delivery order");
            seq = r.seqnum();
            Map<String, String> env = r.env();
            assertEquals(r.action().name(), env.get(Uevent.ACTION));
            assertEquals("test", env.get(Uevent.SUBSYSTEM));
            assertEquals("test", r.bus());
            assertEquals("/devices/d0", env.get(Uevent.DEVPATH));
            assertEquals("d0", env.get(Uevent.DEVICE));
            assertEquals("test:acme:widget:1", env.get(Uevent.MODALIAS));
            assertEquals(Long.toString(r.seqnum()), env.get(Uevent.SEQNUM));
            boolean bindish = r.action() == Uevent.Action.BIND || r.action() == Uevent.Action.UNBIND;
            assertEquals(bindish ? "alpha" : null, env.get(Uevent.DRIVER), r.action() + " DRIVER");
        }
        List<Long> recent = core.recentUevents().stream().map(UeventRecord::seqnum).toList();
        assertEquals(delivered.stream().map(x -> x.rec().seqnum()).toList(), recent);
    }

    @Test
    void changeUeventCarriesExtraVariablesAndTheDriver() {
        register(TestDriver.of("alpha", "acme:widget:*"));
        Device d = add("d0", "acme:widget:1");
        bus.changed(d, Map.of("EVENT", "reset"));
        awaitActions("d0", 3);
        UeventRecord change = ueventsOf("d0").get(2);
        assertEquals(Uevent.Action.CHANGE, change.action());
        assertEquals("reset", change.env().get("EVENT"));
        assertEquals("alpha", change.env().get(Uevent.DRIVER));
        assertEquals("test:acme:widget:1", change.env().get(Uevent.MODALIAS));
    }

    @Test
    void aBlockedUeventSinkDoesNotHoldUpTheCore() throws InterruptedException {
        CountDownLatch inSink = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        sinkHook = r -> {
            if (r.device().equals("slow")) {
                inSink.countDown();
                try {
                    gate.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        register(TestDriver.of("alpha", "acme:widget:*"));
        add("slow", "acme:widget:0");
        assertTrue(inSink.await(10, TimeUnit.SECONDS));
        // the sink is stuck; the core must carry on (a sink called under its lock would deadlock here)
        for (int i = 0; i < 5; i++) {
            Device d = add("d" + i, "acme:widget:" + i);
            assertTrue(d.isBound());
            bus.unbind(d.name());
            bus.removeDevice(d);
        }
        assertEquals(List.of(), actionsOf("d0"), "nothing delivered past the stuck event");
        gate.countDown();
        for (int i = 0; i < 5; i++) {
            assertEquals(4, awaitActions("d" + i, 4).size());
        }
    }

    @Test
    void busCallbacksRunWithoutTheCoreLockAndProbeRemoveUnderTheDeviceLock() {
        register(TestDriver.of("alpha", "acme:widget:*"));
        register(TestDriver.of("beta", "acme:*:*"));
        Device d = add("d0", "acme:widget:1");
        bus.why("d0");
        d.ueventEnv();
        bus.unbind("d0");
        bus.bind("d0", "beta");
        bus.changed(d, Map.of());
        bus.removeDevice(d);
        awaitActions("d0", 6);
        assertEquals(List.of(), type.violations);
    }

    @Test
    void probeFailureReleasesDevresLifoAndTheNextDriverIsTried() {
        List<String> released = Collections.synchronizedList(new ArrayList<>());
        TestDriver first = TestDriver.of("first", "acme:widget:1").probe((dev, drv) -> {
            dev.devres().add("r1", () -> released.add("r1"));
            dev.devres().add("r2", () -> released.add("r2"));
            dev.devres().addAction("a3", () -> released.add("a3"));
            throw new IOException("no firmware");
        });
        TestDriver second = TestDriver.of("second", "acme:widget:*");
        register(first);
        register(second);
        Device d = add("d0", "acme:widget:1");
        assertEquals(List.of("a3", "r2", "r1"), released);
        assertEquals(Optional.of("second"), d.driver());
        assertEquals(1, first.probeCalls());
        assertEquals(0, first.live());
        assertEquals(0, core.devres().liveForDriver("first"));
        assertEquals(List.of("probe:first:d0", "probe-failed:first:d0", "probe:second:d0"),
                type.entries("probe").subList(0, 3));
        assertFalse(d.isProbeDeferred());
        // a manual bind with the failing driver reports its error (EIO) and changes nothing
        bus.unbind("d0");
        DriverException e = org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> bus.bind("d0", "first"));
        assertEquals(Errno.EIO, e.errno());
        assertFalse(d.isBound());
        assertEquals(0, core.devres().liveTotal());
    }

    @Test
    void enodevIsAQuietRejectOtherErrorsAreLogged() {
        TestDriver quiet = TestDriver.of("quietdrv", "acme:widget:1").probe((dev, drv) -> {
            throw new DriverException(Errno.ENODEV, "not my variant");
        });
        TestDriver loud = TestDriver.of("louddrv", "acme:gadget:1").probe((dev, drv) -> {
            throw new IllegalStateException("hardware on fire");
        });
        TestDriver fallback = TestDriver.of("fallback", "acme:*:*");
        register(quiet);
        register(loud);
        register(fallback);
        String quietLog = captureStderr(() -> add("q0", "acme:widget:1"));
        String loudLog = captureStderr(() -> add("l0", "acme:gadget:1"));
        assertEquals(Optional.of("fallback"), bus.device("q0").orElseThrow().driver());
        assertEquals(Optional.of("fallback"), bus.device("l0").orElseThrow().driver());
        assertFalse(quietLog.contains("quietdrv"), "ENODEV must not be logged above debug: " + quietLog);
        assertTrue(loudLog.contains("WARN") && loudLog.contains("louddrv"), "other errors are warnings: " + loudLog);
        assertNull(((DeviceImpl) bus.device("q0").orElseThrow()).binding.lastProbeError());
    }

    private static String captureStderr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
