package org.nova.bus.pci.internal;

import java.util.List;
import java.util.Optional;

import org.nova.bus.pci.PciAlias;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciDriver;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverTracker;
import org.nova.hw.HostBridge;
import org.nova.hw.pci.PciAddress;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The PCI bus as an OSGi component: a {@link PciBusImpl} on the framework's driver core, fed by
 * the service registry. Every {@link HostBridge} service is a bridge of the bus (a bridge service
 * that goes away takes its devices with it); every {@link PciDriver} service is registered with
 * the core through a {@link DriverTracker}, so a driver bundle that stops has its devices
 * unbound first. Publishes {@link PciBus} for the shell and tests.
 */
@Component(service = PciBus.class, immediate = true)
public final class PciBusComponent implements PciBus {
    private final PciBusImpl bus;
    private final DriverTracker<PciDriver<?>> tracker;

    /**
     * Registers the bus and starts tracking drivers.
     *
     * @param context the bundle's context, for the driver whiteboard
     * @param core the driver core
     * @throws DriverException EBUSY if a "pci" bus is already registered
     */
    @Activate
    public PciBusComponent(BundleContext context, @Reference(name = "core") DriverCore core) {
        this.bus = new PciBusImpl(core);
        this.tracker = new DriverTracker<>(context, PciDrivers.SERVICE, bus.driverRegistrar(), PciBusImpl::driverName,
                PciDriver::probeType, d -> PciAlias.patterns(d.idTable()));
        tracker.open();
    }

    /** Drivers are unregistered first (their devices unbind), then the bridges' devices go. */
    @Deactivate
    void deactivate() {
        tracker.close();
        bus.close();
    }

    /** A backend's bridge service arrived. */
    @Reference(service = HostBridge.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeBridge")
    void addBridge(HostBridge bridge) {
        bus.addBridge(bridge);
    }

    /** A bridge service went away. */
    void removeBridge(HostBridge bridge) {
        bus.removeBridge(bridge);
    }

    // ---- PciBus --------------------------------------------------------------------------------

    @Override
    public void newId(String driver, String fields) {
        bus.newId(driver, fields);
    }

    @Override
    public void removeId(String driver, String fields) {
        bus.removeId(driver, fields);
    }

    @Override
    public List<PciDeviceId> dynamicIds(String driver) {
        return bus.dynamicIds(driver);
    }

    @Override
    public void sriovNumvfs(String device, String value) {
        bus.sriovNumvfs(device, value);
    }

    @Override
    public String reset(String device) {
        return bus.reset(device);
    }

    @Override
    public String resetMethod(String device) {
        return bus.resetMethod(device);
    }

    @Override
    public void setResetMethod(String device, String value) {
        bus.setResetMethod(device, value);
    }

    @Override
    public void setSriovDriversAutoprobe(String device, boolean on) {
        bus.setSriovDriversAutoprobe(device, on);
    }

    @Override
    public boolean sriovDriversAutoprobe(String device) {
        return bus.sriovDriversAutoprobe(device);
    }

    @Override
    public Optional<PciDevice> device(String slot) {
        return bus.device(slot);
    }

    @Override
    public Optional<PciDevice> device(PciAddress address) {
        return bus.device(address);
    }

    @Override
    public List<PciDeviceInfo> devices() {
        return bus.devices();
    }
}
