package org.nova.bus.auxiliary.internal;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryRegistration;
import org.nova.devres.Devres;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverTracker;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The auxiliary bus as an OSGi component: an {@link AuxiliaryBusImpl} on the framework's driver
 * core whose drivers are the {@link AuxiliaryDriver} services, tracked with a
 * {@link DriverTracker} (a driver bundle that stops has its devices unbound first). Publishes
 * {@link AuxiliaryBus} for parent drivers.
 */
@Component(service = AuxiliaryBus.class, immediate = true)
public final class AuxiliaryBusComponent implements AuxiliaryBus {
    /** The driver whiteboard's service interface. */
    static final Class<AuxiliaryDriver<?>> SERVICE = serviceType();

    /** The bus (package-visible: the tests register drivers on it directly). */
    final AuxiliaryBusImpl bus;
    private final DriverTracker<AuxiliaryDriver<?>> tracker;

    /**
     * Registers the bus and starts tracking drivers.
     *
     * @throws DriverException EBUSY if an "auxiliary" bus is already registered
     */
    @Activate
    public AuxiliaryBusComponent(BundleContext context, @Reference(name = "core") DriverCore core) {
        this.bus = new AuxiliaryBusImpl(core);
        this.tracker = new DriverTracker<>(context, SERVICE, bus.registration(), AuxiliaryBusImpl::driverName,
                AuxiliaryDriver::probeType, d -> AuxMatch.patterns(d.idTable()));
        tracker.open();
    }

    /** Drivers are unregistered first (their devices unbind), then the bus goes. */
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

    @Override
    public Devres<AuxiliaryRegistration> register(Device parent, String modname, String devname, int id,
            Object data) {
        return bus.register(parent, modname, devname, id, data);
    }
}
