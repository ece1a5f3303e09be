package org.nova.driver.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.nova.devres.DevresScope;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.Uevent;

/**
 * {@code struct device} and its {@code device_private}. The device keeps what is its own (its
 * place in the tree, whether it is dead, its driver_override); the rest of its state belongs to
 * the class that changes it, each as a small object only that class writes: {@link #binding} to
 * {@link Binding} (dd.c), {@link #deferral} to {@link DeferredProbe} (dd.c's deferred lists),
 * {@link #links} to {@link DeviceLinks} (core.c's device links), {@link #matchBuckets} to the bus's
 * {@link MatchIndex}.
 *
 * <p>Locking: {@link #children} and {@link #dead} are guarded by the core's lock, like the state
 * objects; {@link #lock} is the kernel's device_lock, held across probe and remove.
 */
final class DeviceImpl implements Device {
    /** driver_set_override (drivers/base/driver.c) refuses an override of PAGE_SIZE - 1 bytes or more. */
    static final int OVERRIDE_MAX = 4096 - 1;

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
    /** Driver, probe and unbind state; written by {@link Binding} only. */
    final Binding.State binding = new Binding.State();
    /** Place on the deferred-probe lists; written by {@link DeferredProbe} only. */
    final DeferredProbe.State deferral = new DeferredProbe.State();
    /** Links to suppliers and consumers; written by {@link DeviceLinks} only. */
    final DeviceLinks.Ends links = new DeviceLinks.Ends();
    /**
     * The buckets of the device's keys in its bus's match index, null while unindexed or unkeyed;
     * written by {@link MatchIndex} only, under the core's lock. A field of the device, not an
     * object of its own: it is read for every match, and each indirection is a cache miss.
     */
    MatchIndex.Bucket[] matchBuckets;
    /**
     * The device's node in each of {@link #matchBuckets}' device lists, by position; null while
     * unindexed or unkeyed; written by {@link MatchIndex} only, under the core's lock.
     */
    MatchIndex.DeviceNode[] matchNodes;
    /**
     * The drivers of {@link #matchBuckets} and the unkeyed ones merged in registration order, as
     * of the index's generation {@link #candidatesGeneration}; written by {@link MatchIndex} only,
     * under the core's lock. An array, never written once made, not a list: one indirection less
     * for every match.
     */
    DriverImpl[] candidates;
    /** The match index's generation {@link #candidates} was made in; 0: never. */
    long candidatesGeneration;
    /**
     * The device's node in its driver's bound or probing list ({@code knode_driver}): the
     * neighbours and the list it is on, null when on none; written by {@link DriverDevices.Klist}
     * only, under the core's lock.
     */
    DeviceImpl knodePrev;
    DeviceImpl knodeNext;
    DriverDevices.Klist knodeList;
    /** The path under /devices, its parent's path and its name: neither changes. */
    private final String devpath;

    /**
     * Live children, oldest first ({@code klist_children}); a set, so that a child leaves in O(1).
     * Null until the first child: most devices never have one.
     */
    private Set<DeviceImpl> children;
    /** {@code dev->p->dead}: set once by {@link #kill()}. */
    private boolean dead;
    /** driver_override; read without the core's lock by matching, hence volatile. */
    private volatile String override;

    DeviceImpl(DriverCoreImpl core, BusImpl bus, String name, DeviceImpl parent, Object busData, long seq) {
        this.seq = seq;
        this.core = core;
        this.bus = bus;
        this.name = name;
        this.parent = parent;
        this.busData = busData;
        this.devpath = (parent == null ? "/devices" : parent.devpath) + "/" + name;
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
            return children == null ? List.of() : List.copyOf(children);
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
            DriverImpl drv = binding.driver();
            return drv == null ? Optional.empty() : Optional.of(drv.desc.name());
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public <T> Optional<T> driverData(Class<T> type) {
        core.lock.lock();
        try {
            Object data = binding.drvdata();
            return type.isInstance(data) ? Optional.of(type.cast(data)) : Optional.empty();
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

    /** @return the driver_override, or null when unset. */
    String overrideValue() {
        return override;
    }

    /**
     * driver_set_override (drivers/base/driver.c) on the bytes written: a write of
     * {@link #OVERRIDE_MAX} bytes or more (UTF-8, as sysfs counts them, the NULs and newline
     * included) is refused; then the value ends at its first NUL (strlen) and at its first newline;
     * what is left empty clears the override (null, "", "\n", "\0..."). Setting it does not
     * reprobe.
     *
     * @return the override now in force, or null
     * @throws DriverException EINVAL if the write is {@link #OVERRIDE_MAX} bytes or longer; the
     *     override is unchanged then
     */
    String setOverride(String driver) {
        String value = driver == null ? "" : driver;
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes >= OVERRIDE_MAX) {
            throw new DriverException(Errno.EINVAL, "driver_override of " + bytes
                    + " bytes is too long (the limit is " + (OVERRIDE_MAX - 1) + ")");
        }
        int nul = value.indexOf('\0');
        if (nul >= 0) {
            value = value.substring(0, nul);
        }
        int nl = value.indexOf('\n');
        if (nl >= 0) {
            value = value.substring(0, nl);
        }
        override = value.isEmpty() ? null : value;
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

    /** @return whether the device is dead; call with the core's lock. */
    boolean deadLocked() {
        return dead;
    }

    /**
     * kill_device: marks the device dead, once. Call with the core's lock.
     *
     * @return false if it was dead already
     */
    boolean kill() {
        if (dead) {
            return false;
        }
        dead = true;
        return true;
    }

    /** Links a new child in ({@code device_add}); call with the core's lock. */
    void addChild(DeviceImpl child) {
        if (children == null) {
            children = new LinkedHashSet<>();
        }
        children.add(child);
    }

    /** Unlinks a removed child ({@code device_del}); call with the core's lock. */
    void removeChild(DeviceImpl child) {
        if (children != null) {
            children.remove(child);
        }
    }

    /** @return the live children, oldest first, as a copy; call with the core's lock. */
    List<DeviceImpl> childrenLocked() {
        return children == null ? List.of() : List.copyOf(children);
    }

    @Override
    public boolean isProbeDeferred() {
        core.lock.lock();
        try {
            return deferral.isDeferred();
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
        return devpath;
    }

    @Override
    public String toString() {
        return bus.name() + ":" + name;
    }
}
