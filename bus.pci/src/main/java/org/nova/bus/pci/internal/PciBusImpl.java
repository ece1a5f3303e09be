package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciDriver;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PCI bus on a driver core, without OSGi: the "pci" bus type registered with the core
 * ({@code pci_driver_init}), its driver side ({@link PciDrivers}) and its functions
 * ({@link PciProbe}), and the bus's sysfs operations ({@link PciBus}). Whoever creates it feeds it
 * host bridges and drivers and closes it: the OSGi component ({@link PciBusComponent}) from the
 * service registry, a test or a benchmark by hand ({@code org.nova.bus.pci.testing}).
 */
public final class PciBusImpl implements PciBus, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PciBusImpl.class);

    /** Address order, as the kernel scans and lspci lists: domain, then bus, device, function (the routing ID). */
    public static final Comparator<PciAddress> ADDRESS_ORDER = Comparator.comparingInt(PciAddress::domain)
            .thenComparingInt(PciAddress::routingId);

    private final PciDrivers drivers = new PciDrivers();
    private final BusRegistration bus;
    private final PciProbe probe;

    /**
     * Registers the "pci" bus with the core.
     *
     * @throws DriverException EBUSY if the core has a "pci" bus already
     */
    public PciBusImpl(DriverCore core) {
        this.bus = core.registerBus(drivers.type());
        this.probe = new PciProbe(bus);
        drivers.attach(bus, probe);
        LOG.debug("pci bus registered");
    }

    /** Removes every bridge's devices, then unregisters the bus (its drivers with it). */
    @Override
    public void close() {
        probe.close();
        bus.close();
        LOG.debug("pci bus unregistered");
    }

    /** @return the bus type as registered with the core (for the match-index tests) */
    BusType type() {
        return drivers.type();
    }

    // ---- what feeds the bus --------------------------------------------------------------------

    /** A host bridge's functions become devices, and its hot add and remove are followed. */
    public void addBridge(HostBridge bridge) {
        probe.addBridge(bridge);
    }

    /** A host bridge is gone: its devices are removed (drivers unbind). */
    public void removeBridge(HostBridge bridge) {
        probe.removeBridge(bridge);
    }

    /** @return the bus registration a driver whiteboard registers drivers through */
    public BusRegistration driverRegistrar() {
        return drivers.registrar();
    }

    /** @return the name a driver registers under; refuses a driver without name or table */
    public static String driverName(PciDriver<?> driver) {
        return PciDrivers.driverName(driver);
    }

    /**
     * Registers a driver as the whiteboard does.
     *
     * @param bundle the owner's name, for the core's listing
     * @param ranking the driver's service.ranking
     * @param serviceId orders drivers of equal rank (older first)
     * @return the registration; closing it unbinds the driver's devices and drops its dynamic ids
     * @throws DriverException EINVAL for a driver without name or id table; the core's error otherwise
     */
    public DriverRegistration registerDriver(PciDriver<?> driver, String bundle, int ranking, long serviceId) {
        return drivers.registrar().registerDriver(new DriverDescriptor(driverName(driver), driver, bundle, ranking,
                serviceId, driver.probeType()));
    }

    // ---- PciBus --------------------------------------------------------------------------------

    @Override
    public void newId(String driver, String fields) {
        drivers.newId(driver, fields);
    }

    @Override
    public void removeId(String driver, String fields) {
        drivers.removeId(driver, fields);
    }

    @Override
    public List<PciDeviceId> dynamicIds(String driver) {
        return drivers.dynamicIds(driver);
    }

    @Override
    public void sriovNumvfs(String device, String value) {
        Device d = deviceNamed(device);
        physfnNamed(device, d).iov().numvfsStore(value, () -> d.driver().flatMap(drivers::driver));
    }

    @Override
    public String reset(String device) {
        Device d = deviceNamed(device);
        PciDeviceImpl pdev = d.busData(PciDeviceImpl.class);
        return pdev.resetState().reset(hooks(d, pdev)).sysfsName();
    }

    @Override
    public String resetMethod(String device) {
        return deviceNamed(device).busData(PciDeviceImpl.class).resetState().resetMethod();
    }

    @Override
    public void setResetMethod(String device, String value) {
        deviceNamed(device).busData(PciDeviceImpl.class).resetState().setResetMethod(value);
    }

    /** The bound driver's reset_prepare / reset_done (pci_dev_save_and_disable, pci_dev_restore). */
    private PciReset.Hooks hooks(Device d, PciDeviceImpl pdev) {
        Optional<String> name = d.driver();
        Optional<PciDriver<?>> driver = name.flatMap(drivers::driver);
        if (driver.isEmpty()) {
            return PciReset.Hooks.NONE;
        }
        @SuppressWarnings("unchecked")
        PciDriver<Object> drv = (PciDriver<Object>) driver.get();
        Object data = d.driverData(Object.class).orElse(null);
        return new PciReset.Hooks() {
            @Override
            public void prepare() {
                try {
                    drv.resetPrepare(pdev, data);
                } catch (RuntimeException e) {
                    LOG.warn("pci {}: reset_prepare of {} failed: {}", pdev.address(), name.get(), e.toString());
                }
            }

            @Override
            public void done() {
                try {
                    drv.resetDone(pdev, data);
                } catch (RuntimeException e) {
                    LOG.warn("pci {}: reset_done of {} failed: {}", pdev.address(), name.get(), e.toString());
                }
            }
        };
    }

    @Override
    public void setSriovDriversAutoprobe(String device, boolean on) {
        physfnNamed(device, deviceNamed(device)).iov().setDriversAutoprobe(on);
    }

    @Override
    public boolean sriovDriversAutoprobe(String device) {
        return physfnNamed(device, deviceNamed(device)).iov().driversAutoprobe();
    }

    @Override
    public Optional<PciDevice> device(PciAddress address) {
        return deviceAt(address).map(d -> d.busData(PciDeviceImpl.class));
    }

    @Override
    public Optional<PciDevice> device(String slot) {
        try {
            return Optional.of(deviceNamed(slot).busData(PciDeviceImpl.class));
        } catch (DriverException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<PciDeviceInfo> devices() {
        List<PciDeviceInfo> out = new ArrayList<>();
        for (Device d : bus.devices()) {
            PciDeviceImpl pdev = d.busData(PciDeviceImpl.class);
            try {
                out.add(PciSysfs.snapshot(pdev, d.driver()));
            } catch (DriverException e) {
                LOG.debug("pci {}: not listed: {}", pdev.address(), e.getMessage());
            }
        }
        out.sort(Comparator.comparing(PciDeviceInfo::address, ADDRESS_ORDER));
        return out;
    }

    /** @return the device by slot name with or without the domain */
    private Device deviceNamed(String slot) {
        PciAddress address;
        try {
            address = PciAddress.parse(slot);
        } catch (HwException e) {
            throw new DriverException(Errno.ENODEV, e.reason());
        }
        return deviceAt(address).orElseThrow(() -> new DriverException(Errno.ENODEV, "no PCI device " + slot));
    }

    /** @return the core device at an address: its name is the address's text ({@code pci_name}) */
    private Optional<Device> deviceAt(PciAddress address) {
        return bus.device(address.toString());
    }

    /** @return the PCI device of a PF, which has the SR-IOV attributes */
    private static PciDeviceImpl physfnNamed(String slot, Device d) {
        PciDeviceImpl pdev = d.busData(PciDeviceImpl.class);
        if (!pdev.isPhysfn()) {
            throw new DriverException(Errno.ENOENT, slot + " has no SR-IOV capability (no sriov_numvfs attribute)");
        }
        return pdev;
    }
}
