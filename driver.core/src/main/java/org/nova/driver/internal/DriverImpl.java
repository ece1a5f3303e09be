package org.nova.driver.internal;

import java.util.List;
import java.util.Optional;

import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;

/**
 * A registered driver: {@code struct device_driver} with its {@code driver_private}. Its devices
 * ({@code klist_devices}) are {@link #devices}, written by {@link Binding} only; its match keys
 * live in the bus's {@link MatchIndex}.
 *
 * <p>Locking: {@link #registered} and {@link #leaving} are guarded by the core's lock;
 * {@link #desc} is replaced whole under it and may be read as a snapshot without it.
 */
final class DriverImpl implements DriverRegistration {
    final BusImpl bus;
    /** Registration order on the bus: candidates are tried in it when all else is equal. */
    final long seq;
    /** The devices bound to or probing with this driver; written by {@link Binding} only. */
    final DriverDevices devices = new DriverDevices();
    /**
     * The driver's name, which never changes, as {@code DriverCore#firstChoice} answers it: made
     * once, not at every answer (one allocation per device matched).
     */
    final Optional<String> name;
    /** Replaced, never mutated, when the service's ranking changes (the name stays). */
    volatile DriverDescriptor desc;
    private boolean registered = true;
    /** Its code is going away: offered no new device. */
    private boolean leaving;

    DriverImpl(BusImpl bus, DriverDescriptor desc, long seq) {
        this.bus = bus;
        this.desc = desc;
        this.seq = seq;
        this.name = Optional.of(desc.name());
    }

    /** @return the driver as the API shows it; call with the core's lock. */
    DriverInfo info() {
        List<String> names = devices.bound().stream().map(d -> d.name).toList();
        return new DriverInfo(desc.name(), bus.name(), desc.bundle(), desc.ranking(), desc.serviceId(),
                desc.probeType(), names);
    }

    /** @return whether the driver is still registered; call with the core's lock. */
    boolean isRegistered() {
        return registered;
    }

    /**
     * Marks the driver unregistered (bus_remove_driver); call with the core's lock.
     *
     * @return false if it was unregistered already
     */
    boolean unregister() {
        if (!registered) {
            return false;
        }
        registered = false;
        return true;
    }

    /** @return whether the driver's code is going away; call with the core's lock. */
    boolean isLeaving() {
        return leaving;
    }

    @Override
    public DriverDescriptor descriptor() {
        return desc;
    }

    @Override
    public void leaving() {
        bus.core.lock.lock();
        try {
            leaving = true;
        } finally {
            bus.core.lock.unlock();
        }
    }

    @Override
    public void rankingChanged(int ranking) {
        bus.core.lock.lock();
        try {
            DriverDescriptor d = desc;
            desc = new DriverDescriptor(d.name(), d.driver(), d.bundle(), ranking, d.serviceId(), d.probeType());
        } finally {
            bus.core.lock.unlock();
        }
    }

    @Override
    public void idsChanged() {
        bus.reindex(this);
    }

    @Override
    public void close() {
        bus.unregisterDriver(this);
    }

    @Override
    public String toString() {
        return bus.name() + ":" + desc.name();
    }
}
