package org.nova.driver;

import java.util.Map;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a bus tells the core: {@code struct bus_type}'s match, probe, remove and uevent.
 * Implemented by a bus bundle and registered with {@link DriverCore#registerBus}.
 *
 * <p>The core calls these without holding any of its own locks, but with the device's lock
 * held for probe and remove (the kernel's device_lock): a probe may register child devices
 * and they probe at once.
 */
@ConsumerType
public interface BusType {
    /** @return the bus name ("pci", "auxiliary"); unique in the core. */
    String name();

    /**
     * Does {@code driver} handle {@code device}? Must not have side effects; may be called
     * often (matching, {@code drv:why}).
     *
     * @param device the device, its {@link Device#busData()} is the bus's object
     * @param driver the driver as registered, its {@link DriverDescriptor#driver()} the bus's object
     * @return no match, match (with specificity) or defer
     */
    MatchResult match(Device device, DriverDescriptor driver);

    /**
     * Probe: bind {@code driver} to {@code device}.
     *
     * @param match what {@link #match} returned for this pair
     * @return the driver's per-device data, handed back to {@link #remove}
     * @throws Exception to fail the probe: the core releases the device's devres and tries the
     *     next driver; {@link ProbeDeferException} defers the device instead
     */
    Object probe(Device device, DriverDescriptor driver, MatchResult match) throws Exception;

    /**
     * Remove: the driver lets go of the device. Called before the binding's devres are
     * released. Must not fail; an exception is logged and ignored.
     */
    void remove(Device device, DriverDescriptor driver, Object driverData);

    /**
     * Index keys of a device, so the core need not ask every driver: a driver whose
     * {@link #driverKeys} share a key with the device's, or whose keys are {@code null}, is asked
     * to match; the others cannot match and are skipped. For PCI: one key per vendor:device.
     * The default (null) means "ask every driver".
     */
    default Set<Object> deviceKeys(Device device) {
        return null;
    }

    /**
     * Index keys of a driver: every key of a device it may match, or {@code null} if it may match
     * devices without a key in common (class matches, wildcards, an empty table that relies on
     * driver_override). Must change only when the bus calls {@link DriverRegistration#idsChanged()}.
     */
    default Set<Object> driverKeys(DriverDescriptor driver) {
        return null;
    }

    /** Adds the bus's uevent variables (MODALIAS and the like) to {@code env}. */
    default void uevent(Device device, Map<String, String> env) {
    }

    /**
     * May the core probe this device automatically? The PCI bus refuses a VF whose PF
     * disabled sriov_drivers_autoprobe. Manual binds ignore this.
     */
    default boolean autoprobeAllowed(Device device) {
        return true;
    }
}
