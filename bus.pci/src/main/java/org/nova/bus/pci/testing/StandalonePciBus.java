package org.nova.bus.pci.testing;

import java.util.concurrent.atomic.AtomicLong;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.internal.PciBusImpl;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.hw.HostBridge;

/**
 * The real PCI bus on a driver core outside an OSGi framework, for unit tests and benchmarks: a
 * test drives a real driver on the real bus (matching, probe, devres, BAR mappings, interrupts,
 * DMA, SR-IOV, unbind) over any backend's {@link HostBridge} — the simulator's, a VFIO host's, or
 * one of its own — with a core from {@code org.nova.driver.testing.StandaloneDriverCore}.
 *
 * <pre>{@code
 * try (StandaloneDriverCore core = StandaloneDriverCore.start();
 *         StandalonePciBus pci = StandalonePciBus.start(core.core())) {
 *     pci.addBridge(bridge);
 *     pci.registerDriver(new MyDriver());
 *     PciDevice dev = pci.bus().device(address).orElseThrow();
 *     ...
 * }
 * }</pre>
 *
 * <p>What the OSGi component does from the service registry, the test does by hand: bridges are
 * added and removed with {@link #addBridge} / {@link #removeBridge}, drivers registered with
 * {@link #registerDriver} (closing the registration is the driver's service going away).
 * {@link #close()} removes every bridge's devices (drivers unbind, devres is released) and
 * unregisters the bus; the core stays the caller's.
 */
public final class StandalonePciBus implements AutoCloseable {
    /** The bundle name the core lists for drivers registered here. */
    public static final String OWNER = "standalone";

    private final PciBusImpl bus;
    /** Stands in for service.id: drivers of equal ranking are ordered by registration. */
    private final AtomicLong registrations = new AtomicLong();

    private StandalonePciBus(PciBusImpl bus) {
        this.bus = bus;
    }

    /**
     * Registers the "pci" bus on a core.
     *
     * @param core the driver core, owned by the caller
     * @return the bus, owned by the caller until {@link #close()}
     * @throws DriverException EBUSY if the core has a "pci" bus already
     */
    public static StandalonePciBus start(DriverCore core) {
        return new StandalonePciBus(new PciBusImpl(core));
    }

    /** @return the bus's own operations (device lookup, listing, new_id, sriov_numvfs...) */
    public PciBus bus() {
        return bus;
    }

    /**
     * A host bridge arrives: its functions become PCI devices (PFs before their VFs) and probe;
     * the bus follows its hot add and remove from now on. Adding a bridge twice does nothing.
     */
    public void addBridge(HostBridge bridge) {
        bus.addBridge(bridge);
    }

    /** A host bridge goes away: its devices are removed, VFs first; their drivers unbind. */
    public void removeBridge(HostBridge bridge) {
        bus.removeBridge(bridge);
    }

    /**
     * Registers a driver as the whiteboard registers a driver service (ranking 0): it binds every
     * device it matches at once.
     *
     * @return the registration; closing it unbinds the driver's devices and drops its dynamic ids
     * @throws DriverException EINVAL for a driver without name or id table; EBUSY for a name
     *     already registered on the bus
     */
    public DriverRegistration registerDriver(PciDriver<?> driver) {
        return registerDriver(driver, 0);
    }

    /**
     * As {@link #registerDriver(PciDriver)}, with a service.ranking (higher wins among matches
     * of equal specificity).
     */
    public DriverRegistration registerDriver(PciDriver<?> driver, int ranking) {
        return bus.registerDriver(driver, OWNER, ranking, registrations.incrementAndGet());
    }

    /** Removes every bridge's devices, then unregisters the bus and the drivers registered here. */
    @Override
    public void close() {
        bus.close();
    }
}
