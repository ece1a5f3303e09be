package org.nova.driver.testing;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.nova.devres.DevresScope;
import org.nova.devres.DevresTracker;
import org.nova.driver.Bus;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;
import org.nova.driver.MatchResult;
import org.nova.driver.WhyReport;
import org.osgi.framework.BundleContext;

/**
 * A test-only driver core: a synchronous, single-threaded binding engine good enough to drive a
 * bus implementation (match ranking by specificity, probe with devres release on failure, unbind
 * children first, removal, driver_override, bind/unbind). Not the real core. Shared with the
 * buses' unit tests through driver.core's test jar.
 */
public final class FakeCore implements DriverCore {
    private final DevresTracker devres = new DevresTracker();
    private final Map<String, FakeBus> buses = new LinkedHashMap<>();

    /** A BundleContext whose every method returns null/false: enough for DriverTracker to open and find nothing. */
    public static BundleContext nullContext() {
        return (BundleContext) Proxy.newProxyInstance(FakeCore.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    Class<?> r = m.getReturnType();
                    if (r == boolean.class) {
                        return false;
                    }
                    if (r == int.class || r == long.class) {
                        return 0;
                    }
                    return null;
                });
    }

    @Override
    public synchronized BusRegistration registerBus(BusType type) {
        if (buses.containsKey(type.name())) {
            throw new DriverException(Errno.EBUSY, "bus " + type.name() + " exists");
        }
        FakeBus b = new FakeBus(type);
        buses.put(type.name(), b);
        return b;
    }

    public FakeBus fakeBus(String name) {
        return buses.get(name);
    }

    @Override
    public synchronized Collection<Bus> buses() {
        return new ArrayList<>(buses.values());
    }

    @Override
    public synchronized Optional<Bus> bus(String name) {
        return Optional.ofNullable(buses.get(name));
    }

    @Override
    public Bus requireBus(String name) {
        return bus(name).orElseThrow(() -> new DriverException(Errno.ENOENT, name));
    }

    @Override
    public DeviceLink addLink(Device supplier, Device consumer, Set<LinkFlag> flags) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<DeviceLink> links(Device device) {
        return List.of();
    }

    @Override
    public void triggerDeferredProbe() {
    }

    @Override
    public List<String> deferredDevices() {
        return List.of();
    }

    @Override
    public boolean waitForDeviceProbe(Duration timeout) {
        return true;
    }

    @Override
    public DevresTracker devres() {
        return devres;
    }

    @Override
    public void setTestDriverRemove(boolean on) {
    }

    @Override
    public boolean testDriverRemove() {
        return false;
    }

    @Override
    public List<UeventRecord> recentUevents() {
        return List.of();
    }

    /** One device. */
    public final class FakeDevice implements Device {
        final String name;
        final FakeBus bus;
        final FakeDevice parent;
        final Object busData;
        final DevresScope scope;
        final List<FakeDevice> children = new CopyOnWriteArrayList<>();
        volatile DriverDescriptor driver;
        volatile Object data;
        volatile String override;
        volatile boolean dead;

        FakeDevice(String name, FakeBus bus, FakeDevice parent, Object busData) {
            this.name = name;
            this.bus = bus;
            this.parent = parent;
            this.busData = busData;
            this.scope = devres.newScope(name);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Bus bus() {
            return bus;
        }

        @Override
        public Optional<Device> parent() {
            return Optional.ofNullable(parent);
        }

        @Override
        public List<Device> children() {
            return List.copyOf(children);
        }

        @Override
        public Object busData() {
            return busData;
        }

        @Override
        public Optional<String> driver() {
            DriverDescriptor d = driver;
            return d == null ? Optional.empty() : Optional.of(d.name());
        }

        @Override
        public <T> Optional<T> driverData(Class<T> type) {
            return type.isInstance(data) ? Optional.of(type.cast(data)) : Optional.empty();
        }

        @Override
        public DevresScope devres() {
            return scope;
        }

        @Override
        public Optional<String> driverOverride() {
            return Optional.ofNullable(override);
        }

        @Override
        public boolean isDead() {
            return dead;
        }

        @Override
        public boolean isProbeDeferred() {
            return false;
        }

        @Override
        public Map<String, String> ueventEnv() {
            Map<String, String> env = new HashMap<>();
            env.put("SUBSYSTEM", bus.name());
            bus.type.uevent(this, env);
            return env;
        }

        @Override
        public String devpath() {
            return (parent == null ? "/devices" : parent.devpath()) + "/" + name;
        }
    }

    /** One bus. */
    public final class FakeBus implements BusRegistration {
        final BusType type;
        final Map<String, FakeDevice> devices = new LinkedHashMap<>();
        final List<DriverDescriptor> drivers = new CopyOnWriteArrayList<>();
        volatile boolean autoprobe = true;
        /** Drivers whose idsChanged was called, in order, for tests. */
        public final List<String> idsChanged = new CopyOnWriteArrayList<>();
        /** Probe failures seen, for tests. */
        public final List<Throwable> probeErrors = new CopyOnWriteArrayList<>();

        FakeBus(BusType type) {
            this.type = type;
        }

        @Override
        public String name() {
            return type.name();
        }

        @Override
        public synchronized List<Device> devices() {
            return new ArrayList<>(devices.values());
        }

        @Override
        public synchronized Optional<Device> device(String name) {
            return Optional.ofNullable(devices.get(name));
        }

        @Override
        public List<DriverInfo> drivers() {
            List<DriverInfo> out = new ArrayList<>();
            for (DriverDescriptor d : drivers) {
                out.add(info(d));
            }
            return out;
        }

        private DriverInfo info(DriverDescriptor d) {
            List<String> bound = new ArrayList<>();
            for (Device dev : devices()) {
                if (((FakeDevice) dev).driver == d) {
                    bound.add(dev.name());
                }
            }
            return new DriverInfo(d.name(), name(), d.bundle(), d.ranking(), d.serviceId(), d.probeType(), bound);
        }

        @Override
        public Optional<DriverInfo> driver(String name) {
            return drivers.stream().filter(d -> d.name().equals(name)).findFirst().map(this::info);
        }

        private MatchResult match(FakeDevice dev, DriverDescriptor drv) {
            if (dev.override != null && !dev.override.equals(drv.name())) {
                return MatchResult.noMatch("override");
            }
            return type.match(dev, drv);
        }

        /** Tries drivers in specificity order; the first successful probe binds. */
        void attach(FakeDevice dev, List<DriverDescriptor> candidates) {
            if (dev.driver != null || dev.dead) {
                return;
            }
            List<Map.Entry<DriverDescriptor, MatchResult>> ranked = new ArrayList<>();
            for (DriverDescriptor d : candidates) {
                MatchResult m = match(dev, d);
                if (m.matches()) {
                    ranked.add(Map.entry(d, m));
                }
            }
            ranked.sort(Comparator.comparingInt(e -> -e.getValue().specificity()));
            for (Map.Entry<DriverDescriptor, MatchResult> e : ranked) {
                try {
                    probe(dev, e.getKey(), e.getValue());
                    return;
                } catch (DriverException x) {
                    probeErrors.add(x);
                }
            }
        }

        void probe(FakeDevice dev, DriverDescriptor d, MatchResult m) {
            if (!dev.scope.isEmpty()) {
                throw new DriverException(Errno.EBUSY, "devres before probe");
            }
            dev.scope.setOwner(d.name(), d.bundle());
            try {
                Object data = type.probe(dev, d, m);
                dev.data = data;
                dev.driver = d;
            } catch (Exception x) {
                dev.scope.releaseAll();
                dev.scope.setOwner(null, null);
                throw x instanceof DriverException de ? de : new DriverException(DriverException.errnoOf(x),
                        "probe failed: " + x, x);
            }
        }

        void release(FakeDevice dev) {
            for (FakeDevice c : dev.children) {
                c.bus.release(c);
            }
            DriverDescriptor d = dev.driver;
            if (d == null) {
                return;
            }
            try {
                type.remove(dev, d, dev.data);
            } catch (RuntimeException e) {
                probeErrors.add(e);
            }
            dev.scope.releaseAll();
            dev.scope.setOwner(null, null);
            dev.driver = null;
            dev.data = null;
        }

        @Override
        public Device addDevice(String name, Device parent, Object busData) {
            FakeDevice dev;
            synchronized (this) {
                if (devices.containsKey(name)) {
                    throw new DriverException(Errno.EEXIST, name + " exists");
                }
                if (name == null || name.isEmpty() || parent != null && parent.isDead()) {
                    throw new DriverException(Errno.EINVAL, "bad device");
                }
                dev = new FakeDevice(name, this, (FakeDevice) parent, busData);
                devices.put(name, dev);
            }
            if (parent != null) {
                ((FakeDevice) parent).children.add(dev);
            }
            if (autoprobe && type.autoprobeAllowed(dev)) {
                attach(dev, drivers);
            }
            return dev;
        }

        @Override
        public void removeDevice(Device device) {
            FakeDevice dev = (FakeDevice) device;
            if (dev.dead) {
                return;
            }
            release(dev);
            synchronized (this) {
                devices.remove(dev.name);
            }
            if (dev.parent != null) {
                dev.parent.children.remove(dev);
            }
            dev.dead = true;
            dev.scope.kill();
        }

        @Override
        public DriverRegistration registerDriver(DriverDescriptor driver) {
            if (drivers.stream().anyMatch(d -> d.name().equals(driver.name()))) {
                throw new DriverException(Errno.EBUSY, driver.name() + " registered");
            }
            drivers.add(driver);
            if (autoprobe) {
                for (Device d : devices()) {
                    if (type.autoprobeAllowed(d)) {
                        attach((FakeDevice) d, List.of(driver));
                    }
                }
            }
            return new DriverRegistration() {
                @Override
                public DriverDescriptor descriptor() {
                    return driver;
                }

                @Override
                public void idsChanged() {
                    idsChanged.add(driver.name());
                }

                @Override
                public void rankingChanged(int ranking) {
                }

                @Override
                public void leaving() {
                }

                @Override
                public void close() {
                    for (Device d : devices()) {
                        if (((FakeDevice) d).driver == driver) {
                            release((FakeDevice) d);
                        }
                    }
                    drivers.remove(driver);
                }
            };
        }

        @Override
        public void changed(Device device, Map<String, String> extra) {
        }

        @Override
        public void close() {
            List<Device> all = devices();
            for (int i = all.size() - 1; i >= 0; i--) {
                removeDevice(all.get(i));
            }
        }

        @Override
        public void bind(String device, String driver) {
            FakeDevice dev = (FakeDevice) device(device).orElseThrow(() -> new DriverException(Errno.ENODEV, device));
            DriverDescriptor d = drivers.stream().filter(x -> x.name().equals(driver)).findFirst()
                    .orElseThrow(() -> new DriverException(Errno.ENOENT, driver));
            if (dev.driver != null) {
                throw new DriverException(Errno.EBUSY, device + " bound");
            }
            MatchResult m = match(dev, d);
            if (!m.matches()) {
                throw new DriverException(Errno.ENODEV, driver + " does not match " + device);
            }
            probe(dev, d, m);
        }

        @Override
        public void unbind(String device) {
            FakeDevice dev = (FakeDevice) device(device).orElseThrow(() -> new DriverException(Errno.ENODEV, device));
            if (dev.driver == null) {
                throw new DriverException(Errno.ENODEV, device + " not bound");
            }
            release(dev);
        }

        @Override
        public void setDriverOverride(String device, String driver) {
            FakeDevice dev = (FakeDevice) device(device).orElseThrow(() -> new DriverException(Errno.ENODEV, device));
            dev.override = driver == null || driver.isEmpty() ? null : driver;
        }

        @Override
        public boolean autoprobe() {
            return autoprobe;
        }

        @Override
        public void setAutoprobe(boolean on) {
            autoprobe = on;
        }

        @Override
        public void probe(String device) {
            FakeDevice dev = (FakeDevice) device(device).orElseThrow(() -> new DriverException(Errno.ENODEV, device));
            attach(dev, drivers);
        }

        @Override
        public WhyReport why(String device) {
            throw new UnsupportedOperationException();
        }
    }
}
