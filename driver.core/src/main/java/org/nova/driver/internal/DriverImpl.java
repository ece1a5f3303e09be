package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.List;

import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;

/** A registered driver; mutable fields guarded by the core's lock. */
final class DriverImpl implements DriverRegistration {
    final BusImpl bus;
    /** Replaced, never mutated, when the service's ranking changes; read under the core's lock or as a snapshot. */
    volatile DriverDescriptor desc;
    /** Bound devices in bind order (driver_detach releases the latest first). */
    final List<DeviceImpl> bound = new ArrayList<>();
    boolean registered = true;
    /** Its code is going away: offered no new device. Guarded by the core's lock. */
    boolean leaving;
    /** Registration order on the bus: candidates are tried in it when all else is equal. */
    final long seq;
    /** The bus's index keys for this driver; null = may match any device. Guarded by the core's lock. */
    java.util.Set<Object> keys;

    DriverImpl(BusImpl bus, DriverDescriptor desc, long seq) {
        this.bus = bus;
        this.desc = desc;
        this.seq = seq;
    }

    DriverInfo info() {
        List<String> devices = new ArrayList<>();
        for (DeviceImpl d : bound) {
            devices.add(d.name);
        }
        return new DriverInfo(desc.name(), bus.name(), desc.bundle(), desc.ranking(), desc.serviceId(),
                desc.probeType(), List.copyOf(devices));
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
