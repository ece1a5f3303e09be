package org.nova.driver;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A bus as users see it: its devices and drivers, and the sysfs operations of
 * {@code /sys/bus/<name>/} — bind, unbind, driver_override, drivers_autoprobe, drivers_probe.
 * Every operation either succeeds or throws {@link DriverException} and changes nothing.
 */
@ProviderType
public interface Bus {
    /** @return the bus name. */
    String name();

    /** @return the live devices, in the order they were added. */
    List<Device> devices();

    /** @return the device with this name, if present. */
    Optional<Device> device(String name);

    /** @return the registered drivers, in registration order. */
    List<DriverInfo> drivers();

    /** @return the driver with this name, if registered. */
    Optional<DriverInfo> driver(String name);

    /**
     * Bind {@code device} to {@code driver} now, synchronously ({@code drivers/X/bind}).
     *
     * <p>The checks come in bind_store's order (drivers/base/bus.c): the driver, the device, the
     * match, then whether the device is bound; so a bound device that the driver does not match
     * is ENODEV. A device name may end in one newline (sysfs_streq).
     *
     * @throws DriverException ENOENT if no such driver; ENODEV if no such device or the driver
     *     does not match it; EBUSY if the device is bound; EAGAIN if the probe deferred; the
     *     probe's own error if it failed
     */
    void bind(String device, String driver);

    /**
     * Unbind {@code device} from its driver ({@code drivers/X/unbind}); consumers and children
     * are unbound first. The device is not reprobed.
     *
     * @throws DriverException ENODEV if no such device or it is not bound
     */
    void unbind(String device);

    /**
     * Unbind {@code device} through {@code drivers/<driver>/unbind}: as {@link #unbind(String)},
     * but only if the device is bound to that driver (unbind_store, drivers/base/bus.c).
     *
     * @throws DriverException ENOENT if no such driver; ENODEV if no such device or it is not
     *     bound to {@code driver}
     * @since 2.1
     */
    void unbind(String device, String driver);

    /**
     * Set or clear (null or "") the device's driver_override. A trailing newline is stripped,
     * as the kernel does. Setting it does not reprobe.
     *
     * @throws DriverException ENODEV if no such device; EINVAL if the name is too long
     *     (the kernel's PAGE_SIZE - 1 limit)
     */
    void setDriverOverride(String device, String driver);

    /** @return whether new devices and drivers are matched automatically (drivers_autoprobe). */
    boolean autoprobe();

    /** Turns automatic matching on or off; turning it on does not probe by itself. */
    void setAutoprobe(boolean on);

    /**
     * Probe an unbound device against the bus's drivers now ({@code drivers_probe}).
     *
     * @throws DriverException ENODEV if no such device
     */
    void probe(String device);

    /**
     * Explains the choice of driver for a device: every driver's answer, ranked, and the winner.
     *
     * @throws DriverException ENODEV if no such device
     */
    WhyReport why(String device);
}
