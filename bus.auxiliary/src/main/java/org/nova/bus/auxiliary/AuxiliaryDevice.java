package org.nova.bus.auxiliary;

import java.util.Optional;

import org.nova.driver.Device;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An auxiliary device: {@code struct auxiliary_device}. Named "modname.devname.id"; its parent is
 * the device of the driver that registered it. The core {@link Device} is {@link #device()}; its
 * bus data is this object.
 */
@ProviderType
public interface AuxiliaryDevice {
    /** @return the device name, "modname.devname.id" */
    String name();

    /** @return "modname.devname": the name up to its last '.', what drivers match */
    String matchName();

    /** @return the id, the last part of the name */
    int id();

    /** @return the core device */
    Device device();

    /**
     * @return the parent's core device, bound for as long as this device exists. Its
     *     {@link Device#busData(Class) busData} is the parent bus's object, so a PCI parent is
     *     reached with {@code parent().busData(PciDevice.class)}.
     */
    Device parent();

    /**
     * Rust's {@code registration_data::<T>()}: the data the parent registered the device with.
     *
     * @return the data if it is of that type; empty if there is none or it is of another type
     */
    <T> Optional<T> registrationData(Class<T> type);
}
