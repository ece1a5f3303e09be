package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.nova.driver.BusRegistration;
import org.nova.driver.Device;
import org.nova.driver.DriverCore.UeventRecord;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Uevent;

/**
 * A fresh {@link DriverCoreImpl} with the {@link TestBus} registered as "test", for each test.
 *
 * <p>The system property {@value #TEST_REMOVE_PROPERTY} (default false) turns on the kernel's
 * DEBUG_TEST_DRIVER_REMOVE on every core the tests create, so the whole suite can be run once
 * with every bind probing, removing and probing again:
 * {@code mvn -pl driver.core test -Dnova.driver.test_remove=true}.
 *
 * <p>Every uevent is checked as it is delivered: it must arrive on the dispatcher thread and
 * not with the core's lock held. After each test the cores are shut down (every bus closed),
 * and no devres may be left anywhere.
 */
public abstract class CoreTestBase {
    public static final String TEST_REMOVE_PROPERTY = "nova.driver.test_remove";
    /** Whether this run of the suite has test driver remove on. */
    protected static final boolean TEST_REMOVE = Boolean.getBoolean(TEST_REMOVE_PROPERTY);
    protected static final Duration SETTLE = Duration.ofSeconds(20);

    /** A delivered uevent with where it was delivered. */
    public record Delivered(UeventRecord rec, String thread, boolean coreLockHeld) {
    }

    protected DriverCoreImpl core;
    protected TestBus type;
    protected BusRegistration bus;
    /** Uevents delivered by every core of the test, in delivery order. */
    protected final List<Delivered> delivered = new CopyOnWriteArrayList<>();
    /** Breaches found by the uevent sink. */
    protected final List<String> violations = new CopyOnWriteArrayList<>();
    /** Extra sink behaviour a test may install (runs on the dispatcher). */
    protected volatile Consumer<UeventRecord> sinkHook = r -> { };
    private final List<DriverCoreImpl> cores = new ArrayList<>();
    private final List<TestBus> types = new ArrayList<>();

    @BeforeEach
    void setUpCore() {
        core = newCore();
        type = new TestBus("test", core);
        types.add(type);
        bus = core.registerBus(type);
    }

    @AfterEach
    void tearDownCore() {
        sinkHook = r -> { };
        for (DriverCoreImpl c : cores) {
            c.shutdown();
        }
        for (DriverCoreImpl c : cores) {
            assertEquals(0, c.devres().liveTotal(), () -> "devres left after shutdown: " + c.devres());
        }
        for (TestBus t : types) {
            assertEquals(List.of(), t.violations, "bus callback contract");
        }
        assertEquals(List.of(), violations, "uevent delivery");
    }

    /** A new core, configured like every core of the suite, its uevents checked and recorded. */
    protected DriverCoreImpl newCore() {
        DriverCoreImpl c = new DriverCoreImpl();
        c.setTestDriverRemove(TEST_REMOVE);
        c.setUeventSink(r -> {
            boolean held = c.lock.isHeldByCurrentThread();
            String thread = Thread.currentThread().getName();
            if (held) {
                violations.add("uevent " + r + " delivered with the core's lock held");
            }
            if (!thread.startsWith("nova-uevent")) {
                violations.add("uevent " + r + " delivered on " + thread + ", not the dispatcher");
            }
            sinkHook.accept(r);
            delivered.add(new Delivered(r, thread, held));
        });
        cores.add(c);
        return c;
    }

    /** A new core with its own test bus (for tests that need several independent cores). */
    protected BusRegistration newCoreWithBus() {
        DriverCoreImpl c = newCore();
        TestBus t = new TestBus("test", c);
        types.add(t);
        return c.registerBus(t);
    }

    protected Device add(String name, String id) {
        return bus.addDevice(name, null, new TestBus.TestDev(id));
    }

    protected Device add(String name, Device parent, String id) {
        return bus.addDevice(name, parent, new TestBus.TestDev(id));
    }

    protected DriverRegistration register(TestDriver d) {
        return bus.registerDriver(d.descriptor());
    }

    /** Closes a registration and marks the driver closed (a later probe is a violation). */
    protected static void close(DriverRegistration reg) {
        reg.close();
        ((TestDriver) reg.descriptor().driver()).closed = true;
    }

    /** wait_for_device_probe, which must succeed. */
    protected void settle() {
        assertTrue(core.waitForDeviceProbe(SETTLE), "probes still pending after " + SETTLE);
    }

    /** How many probe calls one successful bind makes: 2 with test driver remove. */
    protected int probesPerBind() {
        return core.testDriverRemove() ? 2 : 1;
    }

    /** A bounded wait for a condition (polling); fails the test when it does not hold in time. */
    protected static void await(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** The uevents delivered so far for a device of the main core. */
    protected List<UeventRecord> ueventsOf(String device) {
        return delivered.stream().map(Delivered::rec).filter(r -> r.device().equals(device)).toList();
    }

    protected List<Uevent.Action> actionsOf(String device) {
        return ueventsOf(device).stream().map(UeventRecord::action).toList();
    }

    /** Waits until {@code n} uevents were delivered for the device and returns their actions. */
    protected List<Uevent.Action> awaitActions(String device, int n) {
        await(n + " uevents for " + device, () -> ueventsOf(device).size() >= n);
        return actionsOf(device);
    }

    /** The devices of the BIND uevents delivered so far, in order. */
    protected List<String> bindOrder() {
        return delivered.stream().map(Delivered::rec).filter(r -> r.action() == Uevent.Action.BIND)
                .map(UeventRecord::device).toList();
    }
}
