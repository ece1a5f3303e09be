package org.nova.driver.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.MatchResult;
import org.nova.driver.Uevent;

/**
 * The bus made for the tests. Devices carry a {@link TestDev} with an id string; drivers are
 * {@link TestDriver}s. Every call is recorded in {@link #log} ("probe:DRV:DEV",
 * "probe-failed:DRV:DEV", "probed:DRV:DEV", "remove:DRV:DEV"); every breach of the core's
 * calling contract (its lock held during a callback, the device lock not held during probe or
 * remove) is recorded in {@link #violations}.
 */
public final class TestBus implements BusType {
    /** A test device: its id, "vendor:device:sub". */
    public record TestDev(String id) {
    }

    private final String name;
    private final DriverCoreImpl core;
    public final List<String> log = new CopyOnWriteArrayList<>();
    public final List<String> violations = new CopyOnWriteArrayList<>();
    /** More uevent variables after MODALIAS (none by default); a test may make it throw. */
    public volatile java.util.function.BiConsumer<Device, Map<String, String>> ueventVars = (d, env) -> { };

    public TestBus(String name, DriverCoreImpl core) {
        this.name = name;
        this.core = core;
    }

    @Override
    public String name() {
        return name;
    }

    private void noCoreLock(String what, Device device) {
        if (core.lock.isHeldByCurrentThread()) {
            violations.add(what + " of " + device.name() + " called with the core's lock held");
        }
    }

    private void deviceLocked(String what, Device device) {
        if (!((DeviceImpl) device).lock.isHeldByCurrentThread()) {
            violations.add(what + " of " + device.name() + " called without the device lock");
        }
    }

    @Override
    public MatchResult match(Device device, DriverDescriptor driver) {
        noCoreLock("match", device);
        if (!(driver.driver() instanceof TestDriver td) || !(device.busData() instanceof TestDev dev)) {
            return MatchResult.noMatch("not a test driver/device");
        }
        if (td.deferMatch()) {
            return MatchResult.defer(td.name + " cannot tell yet");
        }
        int spec = td.specificity(dev.id());
        // like pci_match_device: a driver_override naming this driver admits it whatever its ids
        if (device.driverOverride().filter(td.name::equals).isPresent()) {
            return MatchResult.match(Math.max(spec, 0), null, "driver_override");
        }
        if (spec < 0) {
            return MatchResult.noMatch("no id of " + td.name + " matches " + dev.id());
        }
        return MatchResult.match(spec, dev.id(), "id " + dev.id() + " matches with specificity " + spec);
    }

    @Override
    public Object probe(Device device, DriverDescriptor driver, MatchResult match) throws Exception {
        noCoreLock("probe", device);
        deviceLocked("probe", device);
        TestDriver td = (TestDriver) driver.driver();
        if (td.closed) {
            violations.add("probe of " + device.name() + " by " + td.name + " after its registration was closed");
        }
        td.probeCalls.incrementAndGet();
        log.add("probe:" + td.name + ":" + device.name());
        Object data;
        try {
            data = td.probeBody().run(device, td);
        } catch (Exception | Error e) {
            log.add("probe-failed:" + td.name + ":" + device.name());
            throw e;
        }
        td.live.incrementAndGet();
        log.add("probed:" + td.name + ":" + device.name());
        return data;
    }

    @Override
    public void remove(Device device, DriverDescriptor driver, Object driverData) {
        noCoreLock("remove", device);
        deviceLocked("remove", device);
        TestDriver td = (TestDriver) driver.driver();
        td.removeCalls.incrementAndGet();
        td.live.decrementAndGet();
        log.add("remove:" + td.name + ":" + device.name());
        td.removeBody().run(device, driverData);
    }

    @Override
    public void uevent(Device device, Map<String, String> env) {
        noCoreLock("uevent", device);
        if (device.busData() instanceof TestDev dev) {
            env.put(Uevent.MODALIAS, "test:" + dev.id());
        }
        ueventVars.accept(device, env);
    }

    /** @return the log entries from index {@code from} on that start with {@code prefix}. */
    public List<String> since(int from, String prefix) {
        List<String> all = List.copyOf(log);
        return all.subList(Math.min(from, all.size()), all.size()).stream().filter(s -> s.startsWith(prefix)).toList();
    }

    public List<String> entries(String prefix) {
        return since(0, prefix);
    }
}
