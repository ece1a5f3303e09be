package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A bus's index of its drivers and devices by match keys ({@code BusType#deviceKeys},
 * {@code BusType#driverKeys}; for PCI one key per vendor:device), so that a new device asks only
 * the drivers that may match it and a new driver meets only the devices it may match. The kernel
 * walks every driver and every device of the bus ({@code bus_for_each_drv},
 * {@code bus_for_each_dev}); the answers are the same, the index only skips pairs that cannot
 * match. A driver or device without keys (null) may match anything and is always offered.
 *
 * <p>Owns the keys of every driver and device of its bus. Locking: guarded by the core's lock;
 * every method expects it held. The bus's callbacks that compute keys run before, without it.
 */
final class MatchIndex {
    private final Map<Object, List<DriverImpl>> driversByKey = new HashMap<>();
    private final List<DriverImpl> unkeyedDrivers = new ArrayList<>();
    private final Map<DriverImpl, Set<Object>> driverKeys = new IdentityHashMap<>();
    private final Map<Object, List<DeviceImpl>> devicesByKey = new HashMap<>();
    private final List<DeviceImpl> unkeyedDevices = new ArrayList<>();
    /** Read once when the device is added: a device's ids do not change. */
    private final Map<DeviceImpl, Set<Object>> deviceKeys = new IdentityHashMap<>();

    /** Indexes a driver under {@code keys} (null: may match any device). */
    void addDriver(DriverImpl d, Set<Object> keys) {
        if (keys == null) {
            unkeyedDrivers.add(d);
            return;
        }
        driverKeys.put(d, keys);
        for (Object k : keys) {
            driversByKey.computeIfAbsent(k, x -> new ArrayList<>()).add(d);
        }
    }

    /** Takes a driver out of the index. */
    void removeDriver(DriverImpl d) {
        Set<Object> keys = driverKeys.remove(d);
        if (keys == null) {
            unkeyedDrivers.remove(d);
            return;
        }
        for (Object k : keys) {
            removeFrom(driversByKey, k, d);
        }
    }

    /** Indexes a device under {@code keys} (null: any driver may match it). */
    void addDevice(DeviceImpl dev, Set<Object> keys) {
        if (keys == null) {
            unkeyedDevices.add(dev);
            return;
        }
        deviceKeys.put(dev, keys);
        for (Object k : keys) {
            devicesByKey.computeIfAbsent(k, x -> new ArrayList<>()).add(dev);
        }
    }

    /** Takes a device out of the index. */
    void removeDevice(DeviceImpl dev) {
        Set<Object> keys = deviceKeys.remove(dev);
        if (keys == null) {
            unkeyedDevices.remove(dev);
            return;
        }
        for (Object k : keys) {
            removeFrom(devicesByKey, k, dev);
        }
    }

    private static <T> void removeFrom(Map<Object, List<T>> byKey, Object key, T item) {
        List<T> l = byKey.get(key);
        if (l != null && l.remove(item) && l.isEmpty()) {
            byKey.remove(key);
        }
    }

    /**
     * The devices a driver may match, in the order they were added: those sharing a key with it
     * plus every device without keys; all of {@code all} if the driver has no keys.
     *
     * @param all every device of the bus, in the order added
     */
    List<DeviceImpl> devicesFor(DriverImpl d, Collection<DeviceImpl> all) {
        Set<Object> keys = driverKeys.get(d);
        if (keys == null || devicesByKey.isEmpty()) {
            return new ArrayList<>(all);
        }
        Set<DeviceImpl> set = new LinkedHashSet<>();
        for (Object k : keys) {
            List<DeviceImpl> l = devicesByKey.get(k);
            if (l != null) {
                set.addAll(l);
            }
        }
        set.addAll(unkeyedDevices);
        List<DeviceImpl> out = new ArrayList<>(set);
        if (!unkeyedDevices.isEmpty()) {
            out.sort(Comparator.comparingLong(x -> x.seq));
        }
        return out;
    }

    /**
     * The drivers that may match a device, in registration order, leaving drivers left out: those
     * sharing a key with it plus every driver without keys; all of {@code all} if the device has no
     * keys.
     *
     * @param all every driver of the bus, in registration order
     */
    List<DriverImpl> driversFor(DeviceImpl dev, List<DriverImpl> all) {
        Set<Object> keys = deviceKeys.get(dev);
        if (keys == null) {
            return all.stream().filter(d -> !d.isLeaving()).toList();
        }
        List<DriverImpl> out = new ArrayList<>();
        for (DriverImpl d : unkeyedDrivers) {
            if (!d.isLeaving()) {
                out.add(d);
            }
        }
        for (Object k : keys) {
            List<DriverImpl> l = driversByKey.get(k);
            if (l != null) {
                for (DriverImpl d : l) {
                    if (!d.isLeaving() && !out.contains(d)) {
                        out.add(d);
                    }
                }
            }
        }
        if (out.size() > 1) {
            out.sort(Comparator.comparingLong(d -> d.seq));
        }
        return out;
    }
}
