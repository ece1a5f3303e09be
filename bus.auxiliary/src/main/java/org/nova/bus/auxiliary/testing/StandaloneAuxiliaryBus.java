package org.nova.bus.auxiliary.testing;

import java.util.concurrent.atomic.AtomicLong;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.internal.AuxiliaryBusImpl;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;

/**
 * The real auxiliary bus on a driver core outside an OSGi framework, for unit tests: a parent
 * driver registers its auxiliary devices through {@link #bus()} (the object its DS reference to
 * {@link AuxiliaryBus} would get), and drivers registered with {@link #registerDriver} bind them
 * as the services of the auxiliary driver whiteboard would.
 *
 * <pre>{@code
 * try (StandaloneDriverCore core = StandaloneDriverCore.start();
 *         StandaloneAuxiliaryBus aux = StandaloneAuxiliaryBus.start(core.core())) {
 *     aux.registerDriver(new MyAuxDriver());
 *     MyParentDriver parent = new MyParentDriver(aux.bus());
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #close()} unregisters the bus: its devices unbind (their devres are released) and are
 * removed, and the drivers registered here are unregistered. Close it before the parents' bus, as
 * the framework stops bundle bus.auxiliary before the buses it sits beside are gone; the core
 * stays the caller's.
 */
public final class StandaloneAuxiliaryBus implements AutoCloseable {
    /** The bundle name the core lists for drivers registered here. */
    public static final String OWNER = "standalone";

    private final AuxiliaryBusImpl bus;
    /** Stands in for service.id: drivers of equal ranking are ordered by registration. */
    private final AtomicLong registrations = new AtomicLong();

    private StandaloneAuxiliaryBus(AuxiliaryBusImpl bus) {
        this.bus = bus;
    }

    /**
     * Registers the "auxiliary" bus on a core.
     *
     * @param core the driver core, owned by the caller
     * @return the bus, owned by the caller until {@link #close()}
     * @throws DriverException EBUSY if the core has an "auxiliary" bus already
     */
    public static StandaloneAuxiliaryBus start(DriverCore core) {
        return new StandaloneAuxiliaryBus(new AuxiliaryBusImpl(core));
    }

    /** @return the bus as parent drivers use it: {@link AuxiliaryBus#register} */
    public AuxiliaryBus bus() {
        return bus;
    }

    /**
     * Registers a driver as the whiteboard registers a driver service (ranking 0): it binds every
     * device it matches at once, and every matching device added later.
     *
     * @return the registration; closing it unbinds the driver's devices
     * @throws DriverException EINVAL for a driver without name or id table; EBUSY for a name
     *     already registered on the bus
     */
    public DriverRegistration registerDriver(AuxiliaryDriver<?> driver) {
        return bus.registerDriver(driver, OWNER, 0, registrations.incrementAndGet());
    }

    /** Unregisters the bus: its devices unbind and are removed, its drivers are unregistered. */
    @Override
    public void close() {
        bus.close();
    }
}
