package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.Arrays;
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
 * {@code BusType#driverKeys}; for PCI one key per vendor:device and one per indexed class mask),
 * so that a new device asks only the drivers that may match it and a new driver meets only the
 * devices it may match. The kernel walks every driver and every device of the bus
 * ({@code bus_for_each_drv}, {@code bus_for_each_dev}); the answers are the same, the index only
 * skips pairs that cannot match. A driver or device without keys (null) may match anything and is
 * always offered.
 *
 * <p>Each key has a {@link Bucket}: its devices and its drivers, each an insertion-ordered set.
 * A device keeps its buckets ({@link DeviceImpl#matchBuckets}), found once when it is added, so
 * looking up its drivers hashes nothing and removing it is one set removal per key, however many
 * devices share the key (a bus of 100k devices of one base class holds them all in that class's
 * bucket). A bucket leaves the map when its last device and driver leave it.
 *
 * <p>A device's candidates, merged from its buckets in registration order, are kept on the device
 * ({@link DeviceImpl#candidates}) with the {@link #generation} they were made in: every driver
 * added or removed starts a new generation, so the merge runs once per device and change of the
 * drivers, not once per match (a device is matched at its attach, again at every deferred-probe
 * retry and {@code drivers_probe}, and by {@code DriverCore#firstChoice}). Leaving drivers are
 * left out when read, since a driver's leaving starts no generation.
 *
 * <p>Owns the keys of every driver and device of its bus. Locking: guarded by the core's lock;
 * every method expects it held. The bus's callbacks that compute keys run before, without it.
 */
final class MatchIndex {
    /** Registration order, for candidates gathered from more than one key. */
    private static final Comparator<DriverImpl> DRIVER_ORDER = Comparator.comparingLong(d -> d.seq);
    /** The order devices were added, for candidates gathered from more than one key. */
    private static final Comparator<DeviceImpl> DEVICE_ORDER = Comparator.comparingLong(d -> d.seq);
    private static final DriverImpl[] NO_DRIVERS = {};

    private final Map<Object, Bucket> buckets = new HashMap<>();
    private final Set<DriverImpl> unkeyedDrivers = new LinkedHashSet<>();
    private final Map<DriverImpl, Bucket[]> driverBuckets = new IdentityHashMap<>();
    private final Set<DeviceImpl> unkeyedDevices = new LinkedHashSet<>();
    /** Devices with keys, for {@link #devicesFor}'s shortcut when there are none. */
    private int keyedDevices;
    /**
     * Which set of drivers the index holds: raised by every driver added or removed, so that a
     * device's kept candidates ({@link DeviceImpl#candidates}) of an older generation are stale.
     * Starts above a new device's 0, which is thus stale from the start.
     */
    private long generation = 1;

    /** One key's devices and drivers, each in the order they came. */
    static final class Bucket {
        private final Object key;
        private final Set<DeviceImpl> devices = new LinkedHashSet<>();
        private final Set<DriverImpl> drivers = new LinkedHashSet<>();
        /** {@link #drivers} as an array, made again after a change: read for every device matched. */
        private DriverImpl[] driverArray = NO_DRIVERS;

        Bucket(Object key) {
            this.key = key;
        }

        boolean isEmpty() {
            return devices.isEmpty() && drivers.isEmpty();
        }

        /** @return the drivers in registration order (a driver indexed again joins the set's end) */
        DriverImpl[] drivers() {
            DriverImpl[] a = driverArray;
            if (a == null) {
                a = drivers.toArray(NO_DRIVERS);
                Arrays.sort(a, DRIVER_ORDER);
                driverArray = a;
            }
            return a;
        }

        void driversChanged() {
            driverArray = null;
        }
    }

    private Bucket[] bucketsOf(Set<Object> keys) {
        Bucket[] out = new Bucket[keys.size()];
        int i = 0;
        for (Object k : keys) {
            out[i++] = buckets.computeIfAbsent(k, Bucket::new);
        }
        return out;
    }

    /** Drops buckets that nothing is in any more. */
    private void dropIfEmpty(Bucket b) {
        if (b.isEmpty()) {
            buckets.remove(b.key, b);
        }
    }

    /** Indexes a driver under {@code keys} (null: may match any device). */
    void addDriver(DriverImpl d, Set<Object> keys) {
        generation++;
        if (keys == null) {
            unkeyedDrivers.add(d);
            return;
        }
        Bucket[] bs = bucketsOf(keys);
        driverBuckets.put(d, bs);
        for (Bucket b : bs) {
            b.drivers.add(d);
            b.driversChanged();
        }
    }

    /** Takes a driver out of the index. */
    void removeDriver(DriverImpl d) {
        generation++;
        Bucket[] bs = driverBuckets.remove(d);
        if (bs == null) {
            unkeyedDrivers.remove(d);
            return;
        }
        for (Bucket b : bs) {
            b.drivers.remove(d);
            b.driversChanged();
            dropIfEmpty(b);
        }
    }

    /** Indexes a device under {@code keys} (null: any driver may match it). */
    void addDevice(DeviceImpl dev, Set<Object> keys) {
        if (keys == null) {
            unkeyedDevices.add(dev);
            return;
        }
        Bucket[] bs = bucketsOf(keys);
        dev.matchBuckets = bs;
        keyedDevices++;
        for (Bucket b : bs) {
            b.devices.add(dev);
        }
    }

    /** Takes a device out of the index. */
    void removeDevice(DeviceImpl dev) {
        Bucket[] bs = dev.matchBuckets;
        if (bs == null) {
            unkeyedDevices.remove(dev);
            return;
        }
        dev.matchBuckets = null;
        dev.candidates = null;
        keyedDevices--;
        for (Bucket b : bs) {
            b.devices.remove(dev);
            dropIfEmpty(b);
        }
    }

    /**
     * The devices a driver may match, in the order they were added: those sharing a key with it
     * plus every device without keys; all of {@code all} if the driver has no keys.
     *
     * @param all every device of the bus, in the order added
     */
    List<DeviceImpl> devicesFor(DriverImpl d, Collection<DeviceImpl> all) {
        Bucket[] bs = driverBuckets.get(d);
        if (bs == null || keyedDevices == 0) {
            return new ArrayList<>(all);
        }
        List<DeviceImpl> out = new ArrayList<>(unkeyedDevices);
        int sources = out.isEmpty() ? 0 : 1;
        for (Bucket b : bs) {
            if (!b.devices.isEmpty()) {
                out.addAll(b.devices);
                sources++;
            }
        }
        return sources > 1 ? sortedDistinct(out, DEVICE_ORDER) : out;
    }

    /**
     * The drivers that may match a device, in registration order, leaving drivers left out: those
     * sharing a key with it plus every driver without keys; all of {@code all} if the device has no
     * keys.
     *
     * @param all every driver of the bus, in registration order
     * @return the drivers; the caller must not write the array (it is the device's kept one)
     */
    DriverImpl[] driversFor(DeviceImpl dev, Collection<DriverImpl> all) {
        Bucket[] bs = dev.matchBuckets;
        if (bs == null) {
            return all.stream().filter(d -> !d.isLeaving()).toArray(DriverImpl[]::new);
        }
        DriverImpl[] kept = dev.candidates;
        if (dev.candidatesGeneration != generation) {
            kept = merge(bs);
            dev.candidates = kept;
            dev.candidatesGeneration = generation;
        }
        for (DriverImpl d : kept) {
            if (d.isLeaving()) {
                return Arrays.stream(kept).filter(c -> !c.isLeaving()).toArray(DriverImpl[]::new);
            }
        }
        return kept;
    }

    /**
     * The drivers of the unkeyed set and of {@code bs}, in registration order, each once. One
     * source is already in that order; several are concatenated, sorted and rid of repeats.
     */
    private DriverImpl[] merge(Bucket[] bs) {
        DriverImpl[] only = null;
        if (!unkeyedDrivers.isEmpty()) {
            only = unkeyedDrivers.toArray(NO_DRIVERS);
            Arrays.sort(only, DRIVER_ORDER);
        }
        int sources = only == null ? 0 : 1;
        int total = only == null ? 0 : only.length;
        for (Bucket b : bs) {
            DriverImpl[] ds = b.drivers();
            if (ds.length > 0) {
                only = ds;
                sources++;
                total += ds.length;
            }
        }
        if (sources == 0) {
            return NO_DRIVERS;
        }
        if (sources == 1) {
            return only;
        }
        DriverImpl[] out = new DriverImpl[total];
        int n = 0;
        if (!unkeyedDrivers.isEmpty()) {
            for (DriverImpl d : unkeyedDrivers) {
                out[n++] = d;
            }
        }
        for (Bucket b : bs) {
            DriverImpl[] ds = b.drivers();
            System.arraycopy(ds, 0, out, n, ds.length);
            n += ds.length;
        }
        Arrays.sort(out, DRIVER_ORDER);
        int kept = 1;
        for (int i = 1; i < out.length; i++) {
            if (out[i] != out[kept - 1]) {
                out[kept++] = out[i];
            }
        }
        return kept == out.length ? out : Arrays.copyOf(out, kept);
    }

    /**
     * Sorts by sequence number and drops repeats: an entry listed under several keys appears
     * once per key, and its copies are neighbours once sorted.
     */
    private static <T> List<T> sortedDistinct(List<T> l, Comparator<T> order) {
        if (l.size() < 2) {
            return l;
        }
        l.sort(order);
        int kept = 1;
        for (int i = 1; i < l.size(); i++) {
            if (l.get(i) != l.get(kept - 1)) {
                l.set(kept++, l.get(i));
            }
        }
        return kept == l.size() ? l : new ArrayList<>(l.subList(0, kept));
    }
}
