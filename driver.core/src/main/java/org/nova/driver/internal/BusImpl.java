package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.Uevent;
import org.nova.driver.WhyReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registered bus: drivers/base/bus.c ({@code bus_add_device}, {@code bus_probe_device},
 * {@code bus_remove_device}, {@code bus_add_driver}, {@code bus_remove_driver}, the
 * {@code bind}/{@code unbind}/{@code drivers_autoprobe}/{@code drivers_probe} attributes) with
 * the parts of core.c's {@code device_add} / {@code device_del} that put a device on its bus and in
 * its parent. Binding itself is {@link Binding}'s, the match index {@link MatchIndex}'s.
 *
 * <p>Owns the bus's device and driver lists, its index and the closed flag. Locking: all guarded
 * by the core's lock; the bus's callbacks (keys, autoprobe) and every probe run without it.
 */
final class BusImpl implements BusRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(BusImpl.class);

    final DriverCoreImpl core;
    final BusType type;
    private final String name;
    private final Map<String, DeviceImpl> devices = new LinkedHashMap<>();
    /** By name, in registration order: bus_find_driver's lookup is O(1) (the kernel walks a kset). */
    private final Map<String, DriverImpl> drivers = new LinkedHashMap<>();
    private final MatchIndex index = new MatchIndex();
    private static final DriverImpl[] NO_DRIVERS = {};
    /** drivers_autoprobe; read by probes without the core's lock. */
    private volatile boolean autoprobe = true;
    /** Sequence numbers of drivers and devices, for registration order without list scans. */
    private long nextSeq;
    private boolean closed;

    BusImpl(DriverCoreImpl core, BusType type) {
        this.core = core;
        this.type = type;
        this.name = type.name();
    }

    @Override
    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ queries

    @Override
    public List<Device> devices() {
        core.lock.lock();
        try {
            return List.copyOf(devices.values());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Optional<Device> device(String device) {
        core.lock.lock();
        try {
            return Optional.ofNullable(devices.get(device));
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public List<DriverInfo> drivers() {
        core.lock.lock();
        try {
            return drivers.values().stream().map(DriverImpl::info).toList();
        } finally {
            core.lock.unlock();
        }
    }

    /** @return every registered driver, in registration order, as a copy. */
    List<DriverImpl> driverList() {
        core.lock.lock();
        try {
            return List.copyOf(drivers.values());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Optional<DriverInfo> driver(String driver) {
        core.lock.lock();
        try {
            return Optional.ofNullable(findDriver(driver)).map(DriverImpl::info);
        } finally {
            core.lock.unlock();
        }
    }

    /** driver_find (drivers/base/driver.c); call with the core's lock. */
    private DriverImpl findDriver(String driver) {
        return drivers.get(driver);
    }

    private DeviceImpl requireDevice(String device) {
        core.lock.lock();
        try {
            DeviceImpl d = device == null ? null : devices.get(sysfsName(device));
            if (d == null) {
                throw new DriverException(Errno.ENODEV, "no device '" + device + "' on bus " + name);
            }
            return d;
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * The name bus_find_device_by_name compares with sysfs_streq (lib/string.c): a written name
     * may end in one newline, as {@code echo} leaves it.
     */
    static String sysfsName(String written) {
        return written.endsWith("\n") ? written.substring(0, written.length() - 1) : written;
    }

    private DriverImpl requireDriver(String driver) {
        core.lock.lock();
        try {
            DriverImpl d = findDriver(driver);
            if (d == null) {
                throw new DriverException(Errno.ENOENT, "no driver '" + driver + "' on bus " + name);
            }
            return d;
        } finally {
            core.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ sysfs-like operations

    /**
     * bind_store (drivers/base/bus.c): the driver first (its bind file must exist: ENOENT), then
     * bus_find_device_by_name (ENODEV), then driver_match_device (ENODEV), and only then
     * __driver_probe_device's checks (dead: ENODEV, bound: EBUSY) and the probe. A bound device
     * the driver does not match is therefore ENODEV, not EBUSY.
     */
    @Override
    public void bind(String device, String driver) {
        DriverImpl drv = requireDriver(driver);
        DeviceImpl dev = requireDevice(device);
        core.binding.bindManually(dev, drv);
    }

    @Override
    public void unbind(String device) {
        DeviceImpl dev = requireDevice(device);
        core.lock.lock();
        try {
            if (dev.binding.driver() == null) {
                throw new DriverException(Errno.ENODEV, device + " is not bound to a driver");
            }
        } finally {
            core.lock.unlock();
        }
        core.binding.releaseDriver(dev);
    }

    /** unbind_store (drivers/base/bus.c): ENODEV unless the device is bound to this very driver. */
    @Override
    public void unbind(String device, String driver) {
        DriverImpl drv = requireDriver(driver);
        DeviceImpl dev = requireDevice(device);
        core.lock.lock();
        try {
            DriverImpl bound = dev.binding.driver();
            if (bound != drv) {
                throw new DriverException(Errno.ENODEV, device + (bound == null ? " is not bound to a driver"
                        : " is bound to " + bound.desc.name() + ", not to " + driver));
            }
        } finally {
            core.lock.unlock();
        }
        core.binding.releaseDriver(dev);
    }

    @Override
    public void setDriverOverride(String device, String driver) {
        String now = requireDevice(device).setOverride(driver);
        LOG.info("{} {}: driver_override {}", name, device, now == null ? "cleared" : "= " + now);
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
        core.binding.deviceAttach(requireDevice(device), false);
    }

    @Override
    public WhyReport why(String device) {
        return core.matching.why(requireDevice(device));
    }

    // ------------------------------------------------------------------ owner operations

    /** device_add for a device of this bus: indexed, listed, linked into its parent, ADD, then probed. */
    @Override
    public Device addDevice(String device, Device parent, Object busData) {
        if (device == null || device.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "a device on bus " + name + " needs a name");
        }
        DeviceImpl p = (DeviceImpl) parent;
        DeviceImpl dev;
        core.lock.lock();
        try {
            if (closed) {
                throw new DriverException(Errno.ENODEV, "bus " + name + " is unregistered");
            }
            if (devices.containsKey(device)) {
                throw new DriverException(Errno.EEXIST, "bus " + name + " already has a device named " + device);
            }
            if (p != null && p.deadLocked()) {
                throw new DriverException(Errno.EINVAL, "parent " + p.name + " of " + device + " is gone");
            }
            dev = new DeviceImpl(core, this, device, p, busData, nextSeq++);
        } finally {
            core.lock.unlock();
        }
        Set<Object> keys = type.deviceKeys(dev);
        boolean probe = autoprobe && type.autoprobeAllowed(dev);
        core.lock.lock();
        try {
            if (devices.containsKey(device)) {
                throw new DriverException(Errno.EEXIST, "bus " + name + " already has a device named " + device);
            }
            if (probe) {
                // counted before the device can be seen: whoever finds it listed and then waits
                // for probing (drv:settle) waits for this first attach too
                core.probes.begin();
            }
            index.addDevice(dev, keys == null ? null : Set.copyOf(keys));
            devices.put(device, dev);
            if (p != null) {
                p.addChild(dev);
            }
            core.uevents.emit(Uevent.Action.ADD, dev, null, null);
        } finally {
            core.lock.unlock();
        }
        LOG.debug("{} {}: added", name, device);
        // bus_probe_device
        if (probe) {
            try {
                core.binding.deviceAttach(dev, true);
            } finally {
                core.probes.done();
            }
        } else {
            // udev runs modprobe for the ADD uevent whatever drivers_autoprobe says: the driver
            // is loaded, the device waits for drivers_probe or bind
            core.autoload.lookUpIfUnmatched(dev);
        }
        return dev;
    }

    /**
     * device_del for a device of this bus: killed, its driver released, off every list and link,
     * its devres released even if it never bound, then REMOVE.
     */
    @Override
    public void removeDevice(Device device) {
        DeviceImpl dev = (DeviceImpl) device;
        core.lock.lock();
        try {
            if (dev.bus != this || !dev.kill()) {
                return;
            }
            core.deferred.forget(dev);
        } finally {
            core.lock.unlock();
        }
        core.binding.releaseDriver(dev);
        core.lock.lock();
        try {
            devices.remove(dev.name, dev);
            index.removeDevice(dev);
            if (dev.parent != null) {
                dev.parent.removeChild(dev);
            }
            core.links.purge(dev);
        } finally {
            core.lock.unlock();
        }
        dev.devres.kill();
        core.uevents.emit(Uevent.Action.REMOVE, dev, null, null);
        LOG.debug("{} {}: removed", name, dev.name);
    }

    /** bus_add_driver: listed and indexed, then offered the devices it may match (driver_attach). */
    @Override
    public DriverRegistration registerDriver(DriverDescriptor driver) {
        DriverImpl drv;
        List<DeviceImpl> candidates;
        Set<Object> keys = keysOf(driver);
        core.lock.lock();
        try {
            if (closed) {
                // driver_register on an unregistered bus: -EINVAL
                throw new DriverException(Errno.EINVAL, "bus " + name + " is unregistered");
            }
            if (findDriver(driver.name()) != null) {
                throw new DriverException(Errno.EBUSY, "bus " + name + " already has a driver named " + driver.name());
            }
            drv = new DriverImpl(this, driver, nextSeq++);
            drivers.put(driver.name(), drv);
            index.addDriver(drv, keys);
            candidates = !autoprobe ? List.of() : index.devicesFor(drv, devices.values());
        } finally {
            core.lock.unlock();
        }
        LOG.info("{} driver {} registered (bundle {}, ranking {}, {})", name, driver.name(), driver.bundle(),
                driver.ranking(), driver.probeType());
        core.binding.driverAttach(drv, candidates);
        return drv;
    }

    /**
     * bus_remove_driver: every device is unbound (driver_detach, latest bound first), then each is
     * offered to the remaining drivers, oldest first. (The kernel leaves them unbound until a
     * driver arrives; here another matching driver takes them at once.)
     */
    void unregisterDriver(DriverImpl drv) {
        core.lock.lock();
        try {
            if (!drv.unregister()) {
                return;
            }
            drivers.remove(drv.desc.name(), drv);
            index.removeDriver(drv);
        } finally {
            core.lock.unlock();
        }
        List<DeviceImpl> released = core.binding.driverDetach(drv);
        LOG.info("{} driver {} unregistered; {} device(s) released", name, drv.desc.name(), released.size());
        Collections.reverse(released);
        for (DeviceImpl dev : released) {
            if (autoprobe && !dev.isDead() && type.autoprobeAllowed(dev)) {
                core.binding.deviceAttach(dev, true);
            }
        }
    }

    /** The driver's keys from the bus; a bus that fails to tell leaves the driver unindexed (asked always). */
    private Set<Object> keysOf(DriverDescriptor d) {
        try {
            Set<Object> k = type.driverKeys(d);
            return k == null ? null : Set.copyOf(k);
        } catch (RuntimeException e) {
            LOG.warn("bus {} failed to index driver {}: {}", name, d.name(), e.toString());
            return null;
        }
    }

    /** The driver's ids changed (dynamic ids): indexed again under its new keys. */
    void reindex(DriverImpl d) {
        Set<Object> keys = keysOf(d.desc);
        core.lock.lock();
        try {
            if (!d.isRegistered()) {
                return;
            }
            index.removeDriver(d);
            index.addDriver(d, keys);
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * The drivers that may match {@code dev}, in registration order: with a driver_override only
     * the driver it names; else those the index admits. Drivers that are leaving are left out.
     *
     * @return the drivers; the caller must not write the array (it may be the index's)
     */
    DriverImpl[] candidates(DeviceImpl dev) {
        String override = dev.overrideValue();
        core.lock.lock();
        try {
            if (override != null) {
                DriverImpl d = findDriver(override);
                return d == null || d.isLeaving() ? NO_DRIVERS : new DriverImpl[] {d};
            }
            return index.driversFor(dev, drivers.values());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void changed(Device device, Map<String, String> extra) {
        core.uevents.emit(Uevent.Action.CHANGE, (DeviceImpl) device, device.driver().orElse(null), extra);
    }

    /** bus_unregister: devices removed newest first, then drivers unregistered. */
    @Override
    public void close() {
        List<DeviceImpl> all;
        List<DriverImpl> drvs;
        core.lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(devices.values());
            drvs = new ArrayList<>(drivers.values());
        } finally {
            core.lock.unlock();
        }
        Collections.reverse(all);
        for (DeviceImpl d : all) {
            removeDevice(d);
        }
        for (DriverImpl d : drvs) {
            unregisterDriver(d);
        }
        core.unregisterBus(this);
    }

    @Override
    public String toString() {
        return name;
    }
}
