package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.nova.devres.DevresScope;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverException;
import org.nova.driver.LinkFlag;
import org.nova.driver.Uevent;

/** A device; every mutable field is guarded by the core's lock, probe and remove by {@link #lock}. */
final class DeviceImpl implements Device {
    final DriverCoreImpl core;
    final BusImpl bus;
    final String name;
    final DeviceImpl parent;
    final Object busData;
    final DevresScope devres;
    /** device_lock: held across probe and remove. */
    final ReentrantLock lock = new ReentrantLock();
    /** The order in which devices were added to the bus. */
    final long seq;

    final List<DeviceImpl> children = new ArrayList<>();
    final List<LinkImpl> supplierLinks = new ArrayList<>();
    final List<LinkImpl> consumerLinks = new ArrayList<>();
    DriverImpl driver;
    DriverImpl probing;
    Object drvdata;
    volatile String override;
    boolean dead;
    boolean deferred;
    boolean unbinding;
    String deferReason;
    DriverException lastProbeError;
    /** The bus's index keys for this device (BusType#deviceKeys), read once when added; null = none. */
    java.util.Set<Object> keys;

    DeviceImpl(DriverCoreImpl core, BusImpl bus, String name, DeviceImpl parent, Object busData, long seq) {
        this.seq = seq;
        this.core = core;
        this.bus = bus;
        this.name = name;
        this.parent = parent;
        this.busData = busData;
        this.devres = core.devres().newScope(name);
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
        core.lock.lock();
        try {
            return List.copyOf(children);
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Object busData() {
        return busData;
    }

    @Override
    public Optional<String> driver() {
        core.lock.lock();
        try {
            return driver == null ? Optional.empty() : Optional.of(driver.desc.name());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public <T> Optional<T> driverData(Class<T> type) {
        core.lock.lock();
        try {
            return type.isInstance(drvdata) ? Optional.of(type.cast(drvdata)) : Optional.empty();
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public DevresScope devres() {
        return devres;
    }

    @Override
    public Optional<String> driverOverride() {
        return Optional.ofNullable(override);
    }

    String overrideValue() {
        return override;
    }

    @Override
    public boolean isDead() {
        core.lock.lock();
        try {
            return dead;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public boolean isProbeDeferred() {
        core.lock.lock();
        try {
            return deferred;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public Map<String, String> ueventEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Uevent.DEVPATH, devpath());
        env.put(Uevent.SUBSYSTEM, bus.name());
        driver().ifPresent(d -> env.put(Uevent.DRIVER, d));
        bus.type.uevent(this, env);
        return env;
    }

    @Override
    public String devpath() {
        return (parent == null ? "/devices" : parent.devpath()) + "/" + name;
    }

    @Override
    public String toString() {
        return bus.name() + ":" + name;
    }

    // ---- device links, all with the core's lock held

    /** @return the name of a supplier that keeps this device from probing, or null. */
    String supplierNotReady() {
        for (LinkImpl l : supplierLinks) {
            if (l.managed() && (l.supplier.driver == null || l.supplier.unbinding)) {
                return l.supplier.name;
            }
        }
        return null;
    }

    void linksConsumerProbe() {
        for (LinkImpl l : supplierLinks) {
            if (l.managed()) {
                l.state = DeviceLink.State.CONSUMER_PROBE;
            }
        }
    }

    void linksProbeFailed() {
        for (LinkImpl l : List.copyOf(supplierLinks)) {
            if (!l.managed()) {
                continue;
            }
            if (l.flags.contains(LinkFlag.AUTOREMOVE_CONSUMER) && !l.flags.contains(LinkFlag.AUTOREMOVE_SUPPLIER)) {
                l.detach();
            } else {
                l.state = DeviceLink.State.AVAILABLE;
            }
        }
    }

    void linksDriverBound() {
        for (LinkImpl l : supplierLinks) {
            if (l.managed()) {
                l.state = DeviceLink.State.ACTIVE;
            }
        }
        for (LinkImpl l : consumerLinks) {
            if (l.managed()) {
                l.state = l.consumer.driver != null ? DeviceLink.State.ACTIVE : DeviceLink.State.AVAILABLE;
                if (l.flags.contains(LinkFlag.AUTOPROBE_CONSUMER)) {
                    // device_links_driver_bound: the consumer is probed by the deferred work this bind triggers
                    core.queueDeferred(l.consumer, "supplier " + name + " bound (AUTOPROBE_CONSUMER)");
                }
            }
        }
    }

    void linksDriverUnbound() {
        // as a consumer
        for (LinkImpl l : List.copyOf(supplierLinks)) {
            if (!l.managed()) {
                continue;
            }
            if (l.flags.contains(LinkFlag.AUTOREMOVE_CONSUMER) && !l.flags.contains(LinkFlag.AUTOREMOVE_SUPPLIER)) {
                l.detach();
            } else {
                l.state = l.supplier.driver != null ? DeviceLink.State.AVAILABLE : DeviceLink.State.DORMANT;
            }
        }
        // as a supplier: consumers are unbound by now
        for (LinkImpl l : List.copyOf(consumerLinks)) {
            if (!l.managed()) {
                continue;
            }
            if (l.flags.contains(LinkFlag.AUTOREMOVE_SUPPLIER)) {
                l.detach();
            } else {
                l.state = DeviceLink.State.DORMANT;
            }
        }
    }
}
