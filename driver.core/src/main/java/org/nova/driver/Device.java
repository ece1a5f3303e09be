package org.nova.driver;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.nova.devres.DevresScope;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A device on a bus: {@code struct device}. Created by its bus through
 * {@link BusRegistration#addDevice}, owned by the core until {@link BusRegistration#removeDevice}.
 *
 * <p>A reference stays valid after removal: {@link #isDead()} turns true, the device is off
 * every list and its devres are released.
 */
@ProviderType
public interface Device {
    /** @return the name, unique on its bus (for PCI the slot name, "0000:00:03.0"). */
    String name();

    /** @return the bus the device sits on. */
    Bus bus();

    /** @return the parent device, if any; a parent outlives its children. */
    Optional<Device> parent();

    /** @return the live children, oldest first. */
    List<Device> children();

    /** @return the bus's own object for this device, given to {@link BusRegistration#addDevice}. */
    Object busData();

    /**
     * @return the bus's object cast to {@code type}.
     * @throws ClassCastException if the bus data is of another type
     */
    default <T> T busData(Class<T> type) {
        return type.cast(busData());
    }

    /** @return the bound driver's name, empty when unbound (or while a probe is in progress). */
    Optional<String> driver();

    /** @return true while a driver is bound. */
    default boolean isBound() {
        return driver().isPresent();
    }

    /** @return what the bound driver's probe returned, if bound and of that type. */
    <T> Optional<T> driverData(Class<T> type);

    /** @return the device's devres list: released on unbind, failed probe and removal. */
    DevresScope devres();

    /** @return the driver_override, empty when unset. */
    Optional<String> driverOverride();

    /** @return true once the device was removed ({@code dev->p->dead}). */
    boolean isDead();

    /** @return true while the device sits on the deferred-probe list. */
    boolean isProbeDeferred();

    /** @return the uevent environment: SUBSYSTEM, DEVPATH, DRIVER and the bus's variables (MODALIAS). */
    Map<String, String> ueventEnv();

    /** @return the device path, "/devices/" + parent names + name, as sysfs would show it. */
    String devpath();
}
