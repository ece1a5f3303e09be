package org.nova.bus.auxiliary.internal;

import java.util.Optional;

import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** The auxiliary bus's object for one device; the core device's bus data. */
final class AuxiliaryDeviceImpl implements AuxiliaryDevice {
    private final String name;
    private final String matchName;
    private final int id;
    private final Device parent;
    private final Object data;
    private volatile Device device;

    AuxiliaryDeviceImpl(String name, String matchName, int id, Device parent, Object data) {
        this.name = name;
        this.matchName = matchName;
        this.id = id;
        this.parent = parent;
        this.data = data;
    }

    void attach(Device d) {
        if (device == null && d != null) {
            device = d;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String matchName() {
        return matchName;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public Device device() {
        Device d = device;
        if (d == null) {
            throw new DriverException(Errno.ENODEV, name + " is not (yet) a device of the auxiliary bus");
        }
        return d;
    }

    @Override
    public Device parent() {
        return parent;
    }

    @Override
    public <T> Optional<T> registrationData(Class<T> type) {
        return type.isInstance(data) ? Optional.of(type.cast(data)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "AuxiliaryDevice[" + name + " of " + parent.name() + "]";
    }
}
