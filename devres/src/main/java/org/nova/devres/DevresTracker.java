package org.nova.devres;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The accounting root of devres: one per driver core. Creates the {@link DevresScope} of
 * each device and counts the live resources and actions of all of them, in total and per
 * device, per driver and per bundle (the labels set with {@link DevresScope#setOwner}).
 *
 * <p>An entry is live from the moment it is added until it is taken off its scope's list
 * (released or removed). Group markers are not counted. Entries added while a scope had no
 * owner are counted in the total and per device only. All methods are thread-safe; the
 * counts are exact when no scope is changing and may lag by in-flight operations otherwise.
 *
 * <p>The count of a device is its scope's own ({@link DevresList#live()}); the tracker only links
 * the scopes that hold entries into a list of its own ({@link #occupied}), when their first entry
 * comes and their last goes. The per-device queries walk that list, which is what a person asks
 * for; adding and releasing entries, which every probe and unbind does, hashes no device name
 * and grows no table (a map of counts by device name was a tenth of binding 10k devices).
 */
@ProviderType
public final class DevresTracker {

    private final AtomicInteger total = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    /**
     * Live entries per label, as counters that stay in their map while positive: a count that
     * stays positive changes by a compare-and-set on its counter, without locking the map's bin or
     * boxing; only a count leaving or reaching zero goes through {@link ConcurrentHashMap#compute},
     * which puts a new counter in or takes the spent one out. A counter at zero is spent for good:
     * whoever finds it so takes the map's path. (Every devres operation counts on three maps; the
     * fast path never takes a count to zero or below, so the map's path sees every such change.)
     */
    private final ConcurrentHashMap<String, AtomicInteger> byDriver = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> byBundle = new ConcurrentHashMap<>();

    /** Guards {@link #occupied} and the list links of every {@link DevresList}; taken inside a scope's lock. */
    private final Object occupiedLock = new Object();
    /**
     * The newest of the scopes' lists that hold at least one resource or action, linked through
     * {@link DevresList#olderOccupied} / {@link DevresList#newerOccupied}; null when none does.
     */
    private DevresList occupied;

    /** Creates a tracker with no scopes and all counts zero. */
    public DevresTracker() {
    }

    /**
     * Creates the resource list of a device. The caller (the driver core) owns the scope for
     * the device's whole life and must {@link DevresScope#kill() kill} it when the device is
     * deleted; the tracker keeps no reference to it.
     *
     * @param device the device name, used in counts, logs and error messages
     * @return a new, empty, live scope with no owner
     * @throws NullPointerException if {@code device} is null
     */
    public DevresScope newScope(String device) {
        return new DevresScope(this, Objects.requireNonNull(device, "device"));
    }

    /** @return the number of live entries on all scopes of this tracker */
    public int liveTotal() {
        return total.get();
    }

    /** @return a sorted snapshot of live entries per device; devices with none are omitted */
    public Map<String, Integer> liveByDevice() {
        TreeMap<String, Integer> out = new TreeMap<>();
        for (DevresList l : occupiedLists()) {
            int n = l.liveLocked();
            if (n != 0) {
                out.merge(l.device(), n, Integer::sum);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** @return a sorted snapshot of live entries per driver label; drivers with none are omitted */
    public Map<String, Integer> liveByDriver() {
        return snapshot(byDriver);
    }

    /** @return a sorted snapshot of live entries per bundle label; bundles with none are omitted */
    public Map<String, Integer> liveByBundle() {
        return snapshot(byBundle);
    }

    /**
     * Walks the scopes that hold entries: linear in their number, for a person's query or a test.
     *
     * @param device a device name
     * @return the number of live entries on that device's scope(s), 0 if none or unknown
     */
    public int liveForDevice(String device) {
        int n = 0;
        for (DevresList l : occupiedLists()) {
            if (l.device().equals(device)) {
                n += l.liveLocked();
            }
        }
        return n;
    }

    /** @return the lists holding entries now, as a copy (each read afterwards under its own scope's lock) */
    private List<DevresList> occupiedLists() {
        List<DevresList> out = new ArrayList<>();
        synchronized (occupiedLock) {
            for (DevresList l = occupied; l != null; l = l.olderOccupied) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * @param driver a driver label
     * @return the number of live entries added under that driver label, 0 if none
     */
    public int liveForDriver(String driver) {
        return count(byDriver, driver);
    }

    /**
     * @param bundle a bundle label
     * @return the number of live entries added under that bundle label, 0 if none
     */
    public int liveForBundle(String bundle) {
        return count(byBundle, bundle);
    }

    @Override
    public String toString() {
        return "DevresTracker[live=" + total.get() + ", byDevice=" + liveByDevice() + "]";
    }

    /** Next sequence number for an entry; called under a scope's lock. */
    long nextSequence() {
        return sequence.incrementAndGet();
    }

    /**
     * Counts an entry in ({@code delta} 1) or out ({@code delta} -1); the device's own count is its
     * list's, which calls {@link #occupied} and {@link #vacated} when it starts or stops holding entries.
     */
    void adjust(String driver, String bundle, int delta) {
        total.addAndGet(delta);
        if (driver != null) {
            bump(byDriver, driver, delta);
        }
        if (bundle != null) {
            bump(byBundle, bundle, delta);
        }
    }

    /** {@code list} holds its first entry: linked in as the newest. Called under its scope's lock. */
    void occupied(DevresList list) {
        synchronized (occupiedLock) {
            list.olderOccupied = occupied;
            list.newerOccupied = null;
            if (occupied != null) {
                occupied.newerOccupied = list;
            }
            occupied = list;
        }
    }

    /** {@code list} let go of its last entry: unlinked. Called under its scope's lock. */
    void vacated(DevresList list) {
        synchronized (occupiedLock) {
            DevresList older = list.olderOccupied;
            DevresList newer = list.newerOccupied;
            if (newer == null) {
                occupied = older;
            } else {
                newer.olderOccupied = older;
            }
            if (older != null) {
                older.newerOccupied = newer;
            }
            list.olderOccupied = null;
            list.newerOccupied = null;
        }
    }

    private static void bump(ConcurrentHashMap<String, AtomicInteger> counts, String key, int delta) {
        AtomicInteger c = counts.get(key);
        if (c != null) {
            // stays positive: the counter alone
            for (int v = c.get(); v > 0 && v + delta > 0; v = c.get()) {
                if (c.compareAndSet(v, v + delta)) {
                    return;
                }
            }
        }
        // reaching or leaving zero (or a count that is not positive): under the key's lock, where
        // a counter is put in or taken out; a fast path racing with this sees 0 and comes here too
        counts.compute(key, delta == 1 ? COUNT_IN : delta == -1 ? COUNT_OUT : (k, old) -> recount(old, delta));
    }

    /**
     * The map path's step for one entry in and one out: non-capturing, so no function object is
     * made at each call (that path runs for every label whose count starts or ends, such as each
     * driver's first binding).
     */
    private static final BiFunction<String, AtomicInteger, AtomicInteger> COUNT_IN = (k, old) -> recount(old, 1);
    private static final BiFunction<String, AtomicInteger, AtomicInteger> COUNT_OUT = (k, old) -> recount(old, -1);

    /** @return the counter after {@code delta}: a new one for an absent count, null (taken out) at zero */
    private static AtomicInteger recount(AtomicInteger old, int delta) {
        if (old == null) {
            return new AtomicInteger(delta);
        }
        return old.addAndGet(delta) == 0 ? null : old;
    }

    private static int count(ConcurrentHashMap<String, AtomicInteger> counts, String key) {
        AtomicInteger c = counts.get(key);
        return c == null ? 0 : c.get();
    }

    private static Map<String, Integer> snapshot(Map<String, AtomicInteger> counts) {
        TreeMap<String, Integer> out = new TreeMap<>();
        counts.forEach((k, c) -> {
            int n = c.get();
            if (n != 0) {
                out.put(k, n);
            }
        });
        return Collections.unmodifiableMap(out);
    }
}
