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
 * <p>Each key has a {@link Bucket}: its drivers, an insertion-ordered set, and its devices, an
 * intrusive list in the order they were added. A device keeps its buckets
 * ({@link DeviceImpl#matchBuckets}), found once when it is added, and its nodes in their lists
 * ({@link DeviceImpl#matchNodes}), so looking up its drivers hashes nothing and removing it is one
 * unlink per key, however many devices share the key (a bus of 100k devices of one base class
 * holds them all in that class's bucket). A bucket leaves the map when its last device and driver
 * leave it.
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

    /**
     * One key's devices and drivers, each in the order they came. The devices are an intrusive
     * doubly linked list of {@link DeviceNode}s, one per key of each device, which the device keeps
     * ({@link DeviceImpl#matchNodes}): adding appends, removing unlinks, neither hashes nor grows a
     * table, and a bucket of 100k devices costs its removal no more than one of ten.
     */
    static final class Bucket {
        private final Object key;
        private DeviceNode head;
        private DeviceNode tail;
        /**
         * The key's drivers in registration order, each once: kept in order as drivers come and
         * go (a driver indexed again takes its place by its sequence number), so that the devices
         * matched read it as it is. A new array at every change, never written once made: the
         * devices' kept candidates may be this very array.
         */
        private DriverImpl[] drivers = NO_DRIVERS;

        Bucket(Object key) {
            this.key = key;
        }

        boolean isEmpty() {
            return head == null && drivers.length == 0;
        }

        boolean hasDevices() {
            return head != null;
        }

        /** Appends a device: the list stays in the order devices were added. */
        DeviceNode link(DeviceImpl dev) {
            DeviceNode n = new DeviceNode(dev, this);
            n.prev = tail;
            if (tail == null) {
                head = n;
            } else {
                tail.next = n;
            }
            tail = n;
            return n;
        }

        /** Unlinks a node of this bucket. */
        void unlink(DeviceNode n) {
            if (n.prev == null) {
                head = n.next;
            } else {
                n.prev.next = n.next;
            }
            if (n.next == null) {
                tail = n.prev;
            } else {
                n.next.prev = n.prev;
            }
            n.prev = null;
            n.next = null;
        }

        /** Appends the devices, in the order they were added, to {@code out}. */
        void devicesTo(List<DeviceImpl> out) {
            for (DeviceNode n = head; n != null; n = n.next) {
                out.add(n.dev);
            }
        }

        /** @return the drivers in registration order; the caller must not write the array */
        DriverImpl[] drivers() {
            return drivers;
        }

        /** Adds a driver at its place in registration order; a driver already here stays once. */
        void addDriver(DriverImpl d) {
            DriverImpl[] a = drivers;
            int at = a.length;
            for (int i = 0; i < a.length; i++) {
                if (a[i] == d) {
                    return;
                }
                if (at == a.length && a[i].seq > d.seq) {
                    at = i;
                }
            }
            DriverImpl[] out = new DriverImpl[a.length + 1];
            System.arraycopy(a, 0, out, 0, at);
            out[at] = d;
            System.arraycopy(a, at, out, at + 1, a.length - at);
            drivers = out;
        }

        /** Takes a driver out; does nothing if it is not here. */
        void removeDriver(DriverImpl d) {
            DriverImpl[] a = drivers;
            for (int i = 0; i < a.length; i++) {
                if (a[i] == d) {
                    DriverImpl[] out = new DriverImpl[a.length - 1];
                    System.arraycopy(a, 0, out, 0, i);
                    System.arraycopy(a, i + 1, out, i, a.length - i - 1);
                    drivers = out;
                    return;
                }
            }
        }
    }

    /** A device's place in one bucket's list; the device keeps it until it leaves the index. */
    static final class DeviceNode {
        final DeviceImpl dev;
        final Bucket bucket;
        DeviceNode prev;
        DeviceNode next;

        DeviceNode(DeviceImpl dev, Bucket bucket) {
            this.dev = dev;
            this.bucket = bucket;
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
            b.addDriver(d);
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
            b.removeDriver(d);
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
        DeviceNode[] nodes = new DeviceNode[bs.length];
        for (int i = 0; i < bs.length; i++) {
            nodes[i] = bs[i].link(dev);
        }
        dev.matchBuckets = bs;
        dev.matchNodes = nodes;
        keyedDevices++;
    }

    /** Takes a device out of the index. */
    void removeDevice(DeviceImpl dev) {
        Bucket[] bs = dev.matchBuckets;
        if (bs == null) {
            unkeyedDevices.remove(dev);
            return;
        }
        DeviceNode[] nodes = dev.matchNodes;
        dev.matchBuckets = null;
        dev.matchNodes = null;
        dev.candidates = null;
        keyedDevices--;
        for (DeviceNode n : nodes) {
            n.bucket.unlink(n);
            dropIfEmpty(n.bucket);
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
            if (b.hasDevices()) {
                b.devicesTo(out);
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
        if (sources == 2 && unkeyedDrivers.isEmpty()) {
            return mergeTwo(bs, total);
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
     * {@link #merge} of exactly two buckets with drivers (a device's vendor:device key and one
     * class key, the common case): both are in registration order, so one linear merge, dropping
     * a driver listed under both, gives what sorting their concatenation would.
     */
    private static DriverImpl[] mergeTwo(Bucket[] bs, int total) {
        DriverImpl[] a = null;
        DriverImpl[] b = null;
        for (Bucket bucket : bs) {
            DriverImpl[] ds = bucket.drivers();
            if (ds.length > 0) {
                if (a == null) {
                    a = ds;
                } else {
                    b = ds;
                }
            }
        }
        DriverImpl[] out = new DriverImpl[total];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            DriverImpl next;
            if (j == b.length || i < a.length && a[i].seq <= b[j].seq) {
                next = a[i++];
            } else {
                next = b[j++];
            }
            if (n == 0 || out[n - 1] != next) {
                out[n++] = next;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
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
