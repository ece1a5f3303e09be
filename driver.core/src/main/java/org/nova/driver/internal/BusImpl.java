package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeType;
import org.nova.driver.Uevent;
import org.nova.driver.WhyReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A registered bus: drivers/base/bus.c. Lists guarded by the core's lock. */
final class BusImpl implements BusRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(BusImpl.class);

    final DriverCoreImpl core;
    final BusType type;
    private final String name;
    final Map<String, DeviceImpl> devices = new LinkedHashMap<>();
    final List<DriverImpl> drivers = new ArrayList<>();
    /** Driver index by the bus's match keys (BusType#driverKeys); drivers without keys are in {@link #unkeyed}. */
    private final Map<Object, List<DriverImpl>> keyed = new java.util.HashMap<>();
    private final List<DriverImpl> unkeyed = new ArrayList<>();
    /** Device index by match keys, so a new driver meets only the devices it may match. */
    private final Map<Object, List<DeviceImpl>> devicesByKey = new java.util.HashMap<>();
    private final List<DeviceImpl> unkeyedDevices = new ArrayList<>();
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
            return drivers.stream().map(DriverImpl::info).toList();
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

    private DriverImpl findDriver(String driver) {
        for (DriverImpl d : drivers) {
            if (d.desc.name().equals(driver)) {
                return d;
            }
        }
        return null;
    }

    private DeviceImpl requireDevice(String device) {
        core.lock.lock();
        try {
            DeviceImpl d = devices.get(device);
            if (d == null) {
                throw new DriverException(Errno.ENODEV, "no device '" + device + "' on bus " + name);
            }
            return d;
        } finally {
            core.lock.unlock();
        }
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

    @Override
    public void bind(String device, String driver) {
        DriverImpl drv = requireDriver(driver);
        DeviceImpl dev = requireDevice(device);
        core.lock.lock();
        try {
            if (dev.driver != null) {
                throw new DriverException(Errno.EBUSY, device + " is already bound to " + dev.driver.desc.name());
            }
        } finally {
            core.lock.unlock();
        }
        core.bindManually(dev, drv);
    }

    @Override
    public void unbind(String device) {
        DeviceImpl dev = requireDevice(device);
        core.lock.lock();
        try {
            if (dev.driver == null) {
                throw new DriverException(Errno.ENODEV, device + " is not bound to a driver");
            }
        } finally {
            core.lock.unlock();
        }
        core.releaseDriver(dev);
    }

    @Override
    public void setDriverOverride(String device, String driver) {
        DeviceImpl dev = requireDevice(device);
        String value = driver == null ? "" : driver;
        if (value.length() >= DriverCoreImpl.OVERRIDE_MAX) {
            throw new DriverException(Errno.EINVAL, "driver_override of " + value.length()
                    + " characters is too long (the limit is " + (DriverCoreImpl.OVERRIDE_MAX - 1) + ")");
        }
        int nl = value.indexOf('\n');
        if (nl >= 0) {
            value = value.substring(0, nl);
        }
        dev.override = value.isEmpty() ? null : value;
        LOG.info("{} {}: driver_override {}", name, device, dev.override == null ? "cleared" : "= " + dev.override);
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
        DeviceImpl dev = requireDevice(device);
        core.deviceAttach(dev, false);
    }

    @Override
    public WhyReport why(String device) {
        DeviceImpl dev = requireDevice(device);
        List<DriverCoreImpl.Candidate> ranked = core.rank(dev, true);
        List<WhyReport.Candidate> out = new ArrayList<>();
        int rank = 0;
        for (DriverCoreImpl.Candidate c : ranked) {
            boolean m = c.result().kind() != MatchResult.Kind.NO_MATCH;
            out.add(new WhyReport.Candidate(c.driver().desc.name(), c.result(), c.driver().desc.ranking(),
                    c.driver().desc.serviceId(), m ? ++rank : 0));
        }
        Optional<String> bound = dev.driver();
        Optional<String> override = dev.driverOverride();
        String verdict = verdict(dev, ranked, bound);
        return new WhyReport(device, bound, override, out, verdict);
    }

    private String verdict(DeviceImpl dev, List<DriverCoreImpl.Candidate> ranked, Optional<String> bound) {
        List<DriverCoreImpl.Candidate> matching = ranked.stream()
                .filter(c -> c.result().kind() != MatchResult.Kind.NO_MATCH).toList();
        StringBuilder sb = new StringBuilder();
        if (matching.isEmpty()) {
            sb.append("no driver on bus ").append(name).append(" matches ").append(dev.name());
            if (dev.override != null) {
                sb.append(" (driver_override = ").append(dev.override).append(")");
            }
            return sb.toString();
        }
        DriverCoreImpl.Candidate first = matching.get(0);
        sb.append(first.driver().desc.name()).append(" is tried first");
        if (matching.size() > 1) {
            DriverCoreImpl.Candidate second = matching.get(1);
            if (first.result().specificity() != second.result().specificity()) {
                sb.append(": its match is more specific (").append(first.result().specificity()).append(" > ")
                        .append(second.result().specificity()).append(")");
            } else if (first.driver().desc.ranking() != second.driver().desc.ranking()) {
                sb.append(": equally specific, higher service.ranking (").append(first.driver().desc.ranking())
                        .append(" > ").append(second.driver().desc.ranking()).append(")");
            } else {
                sb.append(": equally specific and ranked, registered earlier (service.id ")
                        .append(first.driver().desc.serviceId()).append(" < ")
                        .append(second.driver().desc.serviceId()).append(")");
            }
        } else {
            sb.append(": the only driver that matches");
        }
        // one consistent reading: probes of the device may be running
        boolean deferred;
        String deferReason;
        DriverException lastError;
        core.lock.lock();
        try {
            deferred = dev.deferred;
            deferReason = dev.deferReason;
            lastError = dev.lastProbeError;
        } finally {
            core.lock.unlock();
        }
        if (bound.isPresent()) {
            sb.append("; bound to ").append(bound.get());
            if (!bound.get().equals(first.driver().desc.name())) {
                sb.append(" (bound before a better driver arrived, or the better one failed its probe)");
            }
        } else if (deferred) {
            sb.append("; probe deferred: ").append(deferReason);
        } else if (lastError != null) {
            sb.append("; unbound, last probe failed: ").append(lastError.getMessage());
        } else {
            sb.append("; unbound");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ owner operations

    @Override
    public Device addDevice(String device, Device parent, Object busData) {
        if (device == null || device.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "a device on bus " + name + " needs a name");
        }
        DeviceImpl p = (DeviceImpl) parent;
        DeviceImpl dev;
        java.util.Set<Object> keys;
        core.lock.lock();
        try {
            if (closed) {
                throw new DriverException(Errno.ENODEV, "bus " + name + " is unregistered");
            }
            if (devices.containsKey(device)) {
                throw new DriverException(Errno.EEXIST, "bus " + name + " already has a device named " + device);
            }
            if (p != null && p.dead) {
                throw new DriverException(Errno.EINVAL, "parent " + p.name + " of " + device + " is gone");
            }
            dev = new DeviceImpl(core, this, device, p, busData, nextSeq++);
        } finally {
            core.lock.unlock();
        }
        keys = type.deviceKeys(dev);
        core.lock.lock();
        try {
            if (devices.containsKey(device)) {
                throw new DriverException(Errno.EEXIST, "bus " + name + " already has a device named " + device);
            }
            dev.keys = keys == null ? null : java.util.Set.copyOf(keys);
            if (dev.keys != null) {
                for (Object k : dev.keys) {
                    devicesByKey.computeIfAbsent(k, x -> new ArrayList<>()).add(dev);
                }
            } else {
                unkeyedDevices.add(dev);
            }
            devices.put(device, dev);
            if (p != null) {
                p.children.add(dev);
            }
            core.uevent(Uevent.Action.ADD, dev, null, null);
        } finally {
            core.lock.unlock();
        }
        LOG.debug("{} {}: added", name, device);
        if (autoprobe && type.autoprobeAllowed(dev)) {
            core.deviceAttach(dev, true);
        }
        return dev;
    }

    @Override
    public void removeDevice(Device device) {
        DeviceImpl dev = (DeviceImpl) device;
        core.lock.lock();
        try {
            if (dev.dead || dev.bus != this) {
                return;
            }
            dev.dead = true;
            core.forgetDeferred(dev);
        } finally {
            core.lock.unlock();
        }
        core.releaseDriver(dev);
        core.lock.lock();
        try {
            devices.remove(dev.name, dev);
            unkeyedDevices.remove(dev);
            if (dev.keys != null) {
                for (Object k : dev.keys) {
                    List<DeviceImpl> l = devicesByKey.get(k);
                    if (l != null && l.remove(dev) && l.isEmpty()) {
                        devicesByKey.remove(k);
                    }
                }
            }
            if (dev.parent != null) {
                dev.parent.children.remove(dev);
            }
            for (LinkImpl l : new ArrayList<>(dev.supplierLinks)) {
                l.detach();
            }
            for (LinkImpl l : new ArrayList<>(dev.consumerLinks)) {
                l.detach();
            }
        } finally {
            core.lock.unlock();
        }
        // device_del: devres are released even if the device never bound
        dev.devres.kill();
        core.lock.lock();
        try {
            core.uevent(Uevent.Action.REMOVE, dev, null, null);
        } finally {
            core.lock.unlock();
        }
        LOG.debug("{} {}: removed", name, dev.name);
    }

    @Override
    public DriverRegistration registerDriver(DriverDescriptor driver) {
        DriverImpl drv;
        List<DeviceImpl> candidates;
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
            drivers.add(drv);
            index(drv, keysOf(driver));
            candidates = !autoprobe ? List.of() : devicesFor(drv);
        } finally {
            core.lock.unlock();
        }
        LOG.info("{} driver {} registered (bundle {}, ranking {}, {})", name, driver.name(), driver.bundle(),
                driver.ranking(), driver.probeType());
        // driver_attach, except that each device goes to its best driver, so that the choice never
        // depends on which driver registered first.
        for (DeviceImpl dev : candidates) {
            if (dev.isBound() || dev.isDead() || !type.autoprobeAllowed(dev)) {
                continue;
            }
            if (core.match(dev, drv).kind() != MatchResult.Kind.NO_MATCH) {
                core.deviceAttach(dev, driver.probeType() != ProbeType.FORCE_SYNCHRONOUS);
            }
        }
        return drv;
    }

    /** driver_unregister: unbind every device (latest bound first), then reprobe them elsewhere. */
    void unregisterDriver(DriverImpl drv) {
        core.lock.lock();
        try {
            if (!drv.registered) {
                return;
            }
            drv.registered = false;
            drivers.remove(drv);
            unindex(drv);
        } finally {
            core.lock.unlock();
        }
        List<DeviceImpl> released = new ArrayList<>();
        while (true) {
            DeviceImpl next = null;
            core.lock.lock();
            try {
                if (!drv.bound.isEmpty()) {
                    next = drv.bound.get(drv.bound.size() - 1);
                } else {
                    for (DeviceImpl d : devices.values()) {
                        if (d.probing == drv) {
                            next = d;
                            break;
                        }
                    }
                }
            } finally {
                core.lock.unlock();
            }
            if (next == null) {
                break;
            }
            // waits for a probe in flight on that device, then unbinds it
            next.lock.lock();
            next.lock.unlock();
            core.releaseDriver(next);
            if (!released.contains(next)) {
                released.add(next);
            }
        }
        LOG.info("{} driver {} unregistered; {} device(s) released", name, drv.desc.name(), released.size());
        Collections.reverse(released);
        for (DeviceImpl dev : released) {
            if (autoprobe && !dev.isDead() && type.autoprobeAllowed(dev)) {
                core.deviceAttach(dev, true);
            }
        }
    }

    // ------------------------------------------------------------------ driver index

    private java.util.Set<Object> keysOf(DriverDescriptor d) {
        try {
            java.util.Set<Object> k = type.driverKeys(d);
            return k == null ? null : java.util.Set.copyOf(k);
        } catch (RuntimeException e) {
            LOG.warn("bus {} failed to index driver {}: {}", name, d.name(), e.toString());
            return null;
        }
    }

    /** Call with the core's lock. */
    private void index(DriverImpl d, java.util.Set<Object> keys) {
        d.keys = keys;
        if (keys == null) {
            unkeyed.add(d);
            return;
        }
        for (Object k : keys) {
            keyed.computeIfAbsent(k, x -> new ArrayList<>()).add(d);
        }
    }

    /** Call with the core's lock. */
    private void unindex(DriverImpl d) {
        if (d.keys == null) {
            unkeyed.remove(d);
            return;
        }
        for (Object k : d.keys) {
            List<DriverImpl> l = keyed.get(k);
            if (l != null) {
                l.remove(d);
                if (l.isEmpty()) {
                    keyed.remove(k);
                }
            }
        }
    }

    /**
     * The devices a driver may match, in the order they were added: those sharing an index key
     * with it, plus every device without keys (all devices if the driver has no keys). Call with
     * the core's lock.
     */
    private List<DeviceImpl> devicesFor(DriverImpl d) {
        if (d.keys == null || devicesByKey.isEmpty()) {
            return new ArrayList<>(devices.values());
        }
        java.util.Set<DeviceImpl> set = new java.util.LinkedHashSet<>();
        for (Object k : d.keys) {
            List<DeviceImpl> l = devicesByKey.get(k);
            if (l != null) {
                set.addAll(l);
            }
        }
        set.addAll(unkeyedDevices);
        List<DeviceImpl> out = new ArrayList<>(set);
        if (!unkeyedDevices.isEmpty()) {
            out.sort(java.util.Comparator.comparingLong(x -> x.seq));
        }
        return out;
    }

    void reindex(DriverImpl d) {
        java.util.Set<Object> keys = keysOf(d.desc);
        core.lock.lock();
        try {
            if (!d.registered) {
                return;
            }
            unindex(d);
            index(d, keys);
        } finally {
            core.lock.unlock();
        }
    }

    /**
     * The drivers that may match {@code dev}, in registration order: with a driver_override only
     * the driver it names; else those the index admits (all of them when the bus has no index).
     */
    List<DriverImpl> candidates(DeviceImpl dev) {
        String override = dev.overrideValue();
        // the keys were read once when the device was added (a device's ids do not change)
        java.util.Set<Object> devKeys = override == null ? dev.keys : null;
        core.lock.lock();
        try {
            if (override != null) {
                DriverImpl d = findDriver(override);
                return d == null || d.leaving ? List.of() : List.of(d);
            }
            if (devKeys == null) {
                return drivers.stream().filter(d -> !d.leaving).toList();
            }
            List<DriverImpl> out = new ArrayList<>();
            for (DriverImpl d : unkeyed) {
                if (!d.leaving) {
                    out.add(d);
                }
            }
            for (Object k : devKeys) {
                List<DriverImpl> l = keyed.get(k);
                if (l != null) {
                    for (DriverImpl d : l) {
                        if (!d.leaving && !out.contains(d)) {
                            out.add(d);
                        }
                    }
                }
            }
            if (out.size() > 1) {
                out.sort(java.util.Comparator.comparingLong(d -> d.seq));
            }
            return out;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void changed(Device device, Map<String, String> extra) {
        core.lock.lock();
        try {
            core.uevent(Uevent.Action.CHANGE, (DeviceImpl) device, device.driver().orElse(null), extra);
        } finally {
            core.lock.unlock();
        }
    }

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
            drvs = new ArrayList<>(drivers);
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
