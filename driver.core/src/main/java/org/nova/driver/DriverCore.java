package org.nova.driver;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.nova.devres.DevresTracker;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The driver model: one OSGi service. Buses register with it; users inspect and operate it.
 *
 * <p>Until the framework has started (every bundle of the start level running), devices are
 * queued rather than probed, so the driver chosen for a device does not depend on the order in
 * which bundles start — the kernel gets this from initcall levels and deferred probing. Later
 * arrivals probe at once.
 */
@ProviderType
public interface DriverCore {
    /**
     * Registers a bus.
     *
     * @return the owner's handle; closing it unregisters the bus
     * @throws DriverException EBUSY if a bus of that name exists
     */
    BusRegistration registerBus(BusType type);

    /**
     * @return the registered buses by name, as {@code ls /sys/bus} lists them: the order they
     *     register in depends on which bundle starts first, and listings must not vary with it
     */
    Collection<Bus> buses();

    /** @return the bus with that name. */
    Optional<Bus> bus(String name);

    /**
     * @return the bus with that name
     * @throws DriverException ENOENT naming the unknown bus
     */
    Bus requireBus(String name);

    /**
     * {@code device_link_add}: makes {@code consumer} depend on {@code supplier}. An existing
     * link between the two is returned as is.
     *
     * @throws DriverException EINVAL for a forbidden flag combination (STATELESS with AUTOREMOVE_*
     *     or AUTOPROBE_CONSUMER; AUTOPROBE_CONSUMER with AUTOREMOVE_*), a link from a device to
     *     itself or to one of its ancestors, a cycle, or a dead device
     */
    DeviceLink addLink(Device supplier, Device consumer, Set<LinkFlag> flags);

    /** @return every link in which the device is supplier or consumer. */
    List<DeviceLink> links(Device device);

    /**
     * Whether drivers are found by alias: a device whose first attach finds no matching driver
     * has its MODALIAS looked up in the {@link #driverRepository()} and the bundles it resolves to
     * installed and started (udev and modprobe). On by default; the framework property
     * {@code nova.drivers.autoload=false} starts it off.
     *
     * @return whether autoload is on
     */
    boolean autoload();

    /**
     * Switches autoload ({@code drv:autoload on|off}). A device attached while it was off is looked
     * up at its next attach ({@code drv:probe}).
     */
    void setAutoload(boolean on);

    /**
     * @return the folder of driver bundles searched by alias (framework property
     *     {@code nova.drivers.dir}, default {@code drivers}); empty for a core without one (outside
     *     OSGi)
     */
    Optional<DriverRepository> driverRepository();

    /**
     * @param device a device of a bus of this core
     * @return its MODALIAS, as its bus's uevent callback gives it; empty if the bus gives none
     */
    Optional<String> modalias(Device device);

    /** Moves every deferred device to the active list and probes them again (asynchronously). */
    void triggerDeferredProbe();

    /** @return the names of the devices on the deferred-probe list, as "bus:device". */
    List<String> deferredDevices();

    /**
     * {@code wait_for_device_probe}: waits until no probe is running or queued — asynchronous
     * probes, the deferred-probe work and the start-up queue included. Devices that stay
     * deferred do not count as pending.
     *
     * @return false if the timeout passed first
     */
    boolean waitForDeviceProbe(Duration timeout);

    /**
     * Waits until the runtime has settled, the condition under {@code ./nova -c} and
     * {@code drv:settle}: the framework has started (its start level reached), every bundle of
     * the run configuration is active, no immediate component is being activated, Configuration
     * Admin has delivered every change made so far, and {@link #waitForDeviceProbe} holds — all at
     * once, with nothing started, registered or configured while it was checked. Bundles that did
     * not start and components whose references have no target do not hold it up: the report
     * lists them. Outside OSGi (a standalone core) this is {@link #waitForDeviceProbe}.
     *
     * @return what was found; {@link SettleReport#settled()} is false if the timeout passed first
     *     or the thread was interrupted (its flag set again)
     */
    SettleReport settle(Duration timeout);

    /**
     * @return the drivers' probes and removes running now, longest-running first: a hung driver
     *     names itself here (the shutdown's bounded wait reports it)
     */
    List<DriverCall> callsInProgress();

    /** @return the devres accounting shared by every device. */
    DevresTracker devres();

    /**
     * The driver the core would try first for a device now: the matching step of a bind without
     * the probe (the bus's index narrows the candidates, then specificity, ranking and age order
     * them). For diagnostics and benchmarks; nothing is bound or changed.
     *
     * @param device a device of a bus of this core
     * @return the driver's name, or empty if none matches
     */
    Optional<String> firstChoice(Device device);

    /**
     * The kernel's CONFIG_DEBUG_TEST_DRIVER_REMOVE: every successful probe is followed by a
     * remove, a devres release and a second probe, to shake out drivers that do not clean up.
     * Also set by the framework property {@code nova.driver.test_remove=true}.
     */
    void setTestDriverRemove(boolean on);

    /** @return whether test-driver-remove is on. */
    boolean testDriverRemove();

    /** @return the most recent uevents, oldest first (at most a few hundred are kept). */
    List<UeventRecord> recentUevents();

    /** A uevent as it was posted. */
    record UeventRecord(long seqnum, Uevent.Action action, String bus, String device,
            Map<String, String> env) {
    }
}
