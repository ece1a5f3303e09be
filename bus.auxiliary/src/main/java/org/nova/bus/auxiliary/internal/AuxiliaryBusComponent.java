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
import org.nova.driver.DriverTracker;
import org.nova.driver.Uevent;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auxiliary bus: registers the "auxiliary" bus with the driver core, tracks
 * {@link AuxiliaryDriver} services with a {@link DriverTracker}, and publishes
 * {@link AuxiliaryBus} for parent drivers.
 */
@Component(service = AuxiliaryBus.class, immediate = true)
public final class AuxiliaryBusComponent implements AuxiliaryBus {
    private static final Logger LOG = LoggerFactory.getLogger(AuxiliaryBusComponent.class);

    /** Every auxiliary match is by full "modname.devname": one specificity for all. */
    static final int SPECIFICITY = 100;

    /** The driver whiteboard's service interface. */
    static final Class<AuxiliaryDriver<?>> SERVICE = serviceType();

    /** The bus's registration with the core (package-visible: the tests register drivers on it directly). */
    final BusRegistration bus;
    private final DriverTracker<AuxiliaryDriver<?>> tracker;

    /**
     * Registers the bus and starts tracking drivers.
     *
     * @throws DriverException EBUSY if an "auxiliary" bus is already registered
     */
    @Activate
    public AuxiliaryBusComponent(BundleContext context, @Reference(name = "core") DriverCore core) {
        this.bus = core.registerBus(new Type());
        this.tracker = new DriverTracker<>(context, SERVICE, bus, AuxiliaryBusComponent::driverName,
                AuxiliaryDriver::probeType, d -> AuxMatch.patterns(d.idTable()));
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        tracker.close();
        bus.close();
    }

    /**
     * A class literal names the erased interface only; every service registered under it is an
     * {@code AuxiliaryDriver} of some data type, which is what {@code AuxiliaryDriver<?>} says, so
     * the view is exact.
     */
    @SuppressWarnings("unchecked")
    private static Class<AuxiliaryDriver<?>> serviceType() {
        return (Class<AuxiliaryDriver<?>>) (Class<?>) AuxiliaryDriver.class;
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
