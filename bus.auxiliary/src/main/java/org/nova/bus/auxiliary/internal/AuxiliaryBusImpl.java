package org.nova.bus.auxiliary.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryRegistration;
import org.nova.devres.Devres;
import org.nova.devres.DevresException;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverData;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.Uevent;

/**
 * The auxiliary bus on a driver core, without OSGi (drivers/base/auxiliary.c): the bus type
 * (match, probe, remove, uevent), device creation for parent drivers, and driver registration by
 * hand. {@link AuxiliaryBusComponent} is its OSGi wiring (the driver whiteboard);
 * {@code org.nova.bus.auxiliary.testing.StandaloneAuxiliaryBus} hands it to tests.
 *
 * <p>Owns its registration with the core: {@link #close()} unregisters the bus, which unbinds and
 * removes every auxiliary device still there and unregisters the drivers registered on it.
 */
public final class AuxiliaryBusImpl implements AuxiliaryBus, AutoCloseable {
    /** Every auxiliary match is by full "modname.devname": one specificity for all. */
    static final int SPECIFICITY = 100;

    /** The bus's registration with the core. */
    private final BusRegistration bus;

    /**
     * Registers the "auxiliary" bus on a core.
     *
     * @param core the driver core, owned by the caller
     * @throws DriverException EBUSY if an "auxiliary" bus is already registered
     */
    public AuxiliaryBusImpl(DriverCore core) {
        this.bus = core.registerBus(new Type());
    }

    /**
     * @return the bus's registration with the core, for the driver whiteboard (and the tests,
     *     which register drivers on it directly)
     */
    BusRegistration registration() {
        return bus;
    }

    /**
     * Registers a driver as the whiteboard registers a driver service.
     *
     * @param driver the driver
     * @param owner the bundle name the core lists for it
     * @param ranking its service.ranking
     * @param serviceId stands in for service.id: the older registration wins a tie
     * @return the registration; closing it unbinds the driver's devices
     * @throws DriverException EINVAL for a driver without name or id table; EBUSY for a name
     *     already registered on the bus
     */
    public DriverRegistration registerDriver(AuxiliaryDriver<?> driver, String owner, int ranking, long serviceId) {
        return bus.registerDriver(new DriverDescriptor(driverName(driver), driver, owner, ranking, serviceId,
                driver.probeType()));
    }

    /** Unregisters the bus: its devices unbind and are removed, its drivers are unregistered. */
    @Override
    public void close() {
        bus.close();
    }

    /** __auxiliary_driver_register: a driver needs a name and an id table. */
    static String driverName(AuxiliaryDriver<?> d) {
        String name = d.name();
        if (name == null || name.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "auxiliary driver " + d.getClass().getName() + " has no name");
        }
        List<String> ids = d.idTable();
        if (ids == null || ids.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "auxiliary driver " + name + " has no id table");
        }
        return name;
    }

    /** The handle a parent holds; its Devres deletes the device. */
    private record Registration(AuxiliaryDevice device) implements AuxiliaryRegistration {
    }

    @Override
    public Devres<AuxiliaryRegistration> register(Device parent, String modname, String devname, int id,
            Object data) {
        // auxiliary_device_init
        if (parent == null) {
            throw new DriverException(Errno.EINVAL, "auxiliary device " + devname + " has a NULL parent");
        }
        if (devname == null || devname.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "auxiliary device of " + parent.name() + " has a NULL name");
        }
        // __auxiliary_device_add
        if (modname == null || modname.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "auxiliary device " + devname + " of " + parent.name()
                    + " has a NULL modname");
        }
        // Rust: Registration::new takes &Device<Bound>
        if (parent.isDead() || !(parent.isBound() || parent.devres().driver() != null)) {
            throw new DriverException(Errno.EINVAL, "the parent " + parent.name() + " of auxiliary device "
                    + AuxMatch.deviceName(modname, devname, id) + " is not bound to a driver");
        }
        String name = AuxMatch.deviceName(modname, devname, id);
        AuxiliaryDeviceImpl adev = new AuxiliaryDeviceImpl(name, AuxMatch.matchName(name), id, parent, data);
        Device d = bus.addDevice(name, parent, adev);
        adev.attach(d);
        try {
            return Devres.register(parent.devres(), "auxiliary:" + name, new Registration(adev),
                    r -> bus.removeDevice(d));
        } catch (DevresException e) {
            // the registration ran the release already: the device is gone again
            if (e.isInjected()) {
                throw new DriverException(Errno.ENOMEM, "auxiliary device " + name + " of " + parent.name()
                        + ": " + e.getMessage(), e);
            }
            throw new DriverException(Errno.EINVAL, "the parent " + parent.name() + " of " + name
                    + " went away: " + e.getMessage(), e);
        }
    }

    /** struct bus_type auxiliary_bus_type. */
    private static final class Type implements BusType {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor desc) {
            AuxiliaryDeviceImpl adev = device.busData(AuxiliaryDeviceImpl.class);
            AuxiliaryDriver<?> drv = (AuxiliaryDriver<?>) desc.driver();
            String id = AuxMatch.matchId(drv.idTable(), adev.name());
            if (id == null) {
                return MatchResult.noMatch("no id of " + desc.name() + " is " + adev.matchName());
            }
            return MatchResult.match(SPECIFICITY, id, "id " + id);
        }

        @Override
        public Object probe(Device device, DriverDescriptor desc, MatchResult match) throws Exception {
            AuxiliaryDeviceImpl adev = device.busData(AuxiliaryDeviceImpl.class);
            adev.attach(device);
            AuxiliaryDriver<?> drv = (AuxiliaryDriver<?>) desc.driver();
            // the oldest entry of the binding: the data is closed after every resource of the driver
            return DriverData.register(device, "auxiliary:driver-data")
                    .set(drv.probe(adev, (String) Objects.requireNonNull(match.id())));
        }

        @Override
        public void remove(Device device, DriverDescriptor desc, Object data) {
            remove((AuxiliaryDriver<?>) desc.driver(), device.busData(AuxiliaryDeviceImpl.class), data);
        }

        /**
         * Rust's {@code remove_callback}: the driver gets its own data back, typed. The bus's one
         * cast of driver data, and a safe one: the core hands {@code remove} exactly what
         * {@code probe} returned for this device and this driver, which is the {@code D} of this
         * driver's probe.
         */
        @SuppressWarnings("unchecked")
        private static <D> void remove(AuxiliaryDriver<D> drv, AuxiliaryDevice dev, Object data) {
            drv.remove(dev, (D) data);
        }

        @Override
        public Set<Object> deviceKeys(Device device) {
            String m = AuxMatch.matchName(device.name());
            return m == null ? Set.of() : Set.of(m);
        }

        @Override
        public Set<Object> driverKeys(DriverDescriptor desc) {
            Set<Object> keys = new HashSet<>();
            for (String id : ((AuxiliaryDriver<?>) desc.driver()).idTable()) {
                if (id == null || id.isEmpty()) {
                    break;
                }
                keys.add(id);
            }
            return keys;
        }

        @Override
        public void uevent(Device device, Map<String, String> env) {
            env.put(Uevent.MODALIAS, AuxMatch.modalias(device.name()));
        }
    }
}
