package org.nova.driver;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The bus owner's handle on its registered bus: it adds and removes devices and drivers.
 * Only the bus bundle holds it. {@link #close()} unregisters the bus: every device is removed
 * (drivers unbound, devres released) and every driver dropped.
 */
@ProviderType
public interface BusRegistration extends Bus, AutoCloseable {
    /**
     * {@code device_add}: adds a device, posts ADD, and — if autoprobe is on — probes it.
     * The probe may run asynchronously when the best driver prefers it.
     *
     * @param name unique on the bus
     * @param parent the parent device (any bus) or null; it must be alive
     * @param busData the bus's own object for this device
     * @return the device
     * @throws DriverException EEXIST for a duplicate name; EINVAL for an empty name or a dead
     *     parent. Nothing is added then.
     */
    Device addDevice(String name, Device parent, Object busData);

    /**
     * {@code device_del}: unbinds the device (its consumers and children first), removes it from
     * every list, releases all its devres even if it never bound, and posts REMOVE. Children are
     * not removed: their owner must remove them (usually from a devres action of the parent's
     * driver). Removing a dead device does nothing.
     */
    void removeDevice(Device device);

    /**
     * {@code driver_register}: adds a driver and, with autoprobe on, probes every unbound device
     * it matches.
     *
     * @return the registration; closing it unregisters the driver
     * @throws DriverException EBUSY if a driver of that name is registered
     */
    DriverRegistration registerDriver(DriverDescriptor driver);

    /** Posts a CHANGE uevent for the device with extra variables. */
    void changed(Device device, Map<String, String> extra);

    /** Unregisters the bus: removes every device and drops every driver. */
    @Override
    void close();
}
