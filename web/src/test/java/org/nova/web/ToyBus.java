package org.nova.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeType;
import org.nova.driver.testing.StandaloneDriverCore;

/**
 * A bus for the page's unit tests on the real driver core: a device's bus data is its kind, a
 * driver's object the kind it drives; a driver matches devices of its kind, or any device whose
 * driver_override names it. Each probe takes one devres action, so a bound device counts one.
 */
final class ToyBus implements BusType, AutoCloseable {
    static final String NAME = "toy";
    private static final AtomicLong SERVICE_IDS = new AtomicLong();

    final StandaloneDriverCore standalone = StandaloneDriverCore.start();
    final BusRegistration bus = standalone.core().registerBus(this);

    DriverCore core() {
        return standalone.core();
    }

    Device add(String name, String kind) {
        Device d = bus.addDevice(name, null, kind);
        settle();
        return d;
    }

    void driver(String name, String kind) {
        bus.registerDriver(new DriverDescriptor(name, kind, "toy.bundle", 0, SERVICE_IDS.incrementAndGet(),
                ProbeType.FORCE_SYNCHRONOUS));
        settle();
    }

    /**
     * Uevents are recorded by the core's dispatcher thread, after the operation that posts them
     * returns: waits for one.
     *
     * @return the newest uevent of that action (upper case, as the core's enum) for that device
     */
    DriverCore.UeventRecord awaitUevent(String action, String device) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<DriverCore.UeventRecord> recent = core().recentUevents();
            for (int i = recent.size() - 1; i >= 0; i--) {
                DriverCore.UeventRecord e = recent.get(i);
                if (e.action().name().equals(action) && e.device().equals(device)) {
                    return e;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for a uevent", e);
            }
        }
        throw new AssertionError("no " + action + " uevent of " + device + " within 10 s: " + core().recentUevents());
    }

    void settle() {
        if (!core().waitForDeviceProbe(Duration.ofSeconds(10))) {
            throw new AssertionError("probes still pending after 10 s");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public MatchResult match(Device device, DriverDescriptor driver) {
        if (device.driverOverride().filter(driver.name()::equals).isPresent()) {
            return MatchResult.match(1, null, "driver_override");
        }
        return driver.driver().equals(device.busData()) ? MatchResult.match(1, device.busData(), "kind matches")
                : MatchResult.noMatch("kind " + device.busData() + " is not " + driver.driver());
    }

    @Override
    public Object probe(Device device, DriverDescriptor driver, MatchResult match) {
        device.devres().addAction(driver.name() + ".action", () -> { });
        return driver.name();
    }

    @Override
    public void remove(Device device, DriverDescriptor driver, Object driverData) {
    }

    @Override
    public void close() {
        standalone.close();
    }
}
