package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIds;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverData;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.DriverTracker;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PCI bus: registers the "pci" bus with the driver core, turns the functions of every
 * {@link HostBridge} service into PCI devices (hot add and remove included; a bridge that goes
 * away takes its devices with it), and registers every {@link PciDriver} service with the core
 * through a {@link DriverTracker}. Publishes {@link PciBus} for the shell and tests.
 *
 * <p>Locks: {@link #lock} guards the function map only and is never held while calling the core,
 * a driver or a backend.
 */
@Component(service = PciBus.class, immediate = true)
public final class PciBusComponent implements PciBus, Topology {
    private static final Logger LOG = LoggerFactory.getLogger(PciBusComponent.class);

    /** Address order, as lspci lists and the kernel scans: domain, then bus, device, function (the routing ID). */
    public static final Comparator<PciAddress> ADDRESS_ORDER = Comparator.comparingInt(PciAddress::domain)
            .thenComparingInt(PciAddress::routingId);

    /** A registered driver object, its registration and its dynamic ids (one per registration). */
    private record DriverEntry(PciDriver driver, DynamicIds dynamicIds, DriverRegistration registration) {
    }

    /** One added function. */
    private static final class Entry {
        final PciDeviceImpl pdev;
        volatile Device device;

        Entry(PciDeviceImpl pdev) {
            this.pdev = pdev;
        }
    }

    private final BusRegistration bus;
    /** The bus type registered with the core (package-visible for the match-index tests). */
    final BusType type = new Type();
    private final DriverTracker<PciDriver> tracker;
    private final Object lock = new Object();
    /** Added functions, keyed by the backend's function object. Guarded by lock. */
    private final Map<PciFunction, Entry> entries = new IdentityHashMap<>();
    /** Listeners registered on bridges. Guarded by lock. */
    private final Map<HostBridge, HostBridgeListener> listeners = new IdentityHashMap<>();
    private final Map<String, DriverEntry> drivers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Registers the bus and starts tracking drivers.
     *
     * @param context the bundle's context, for the driver whiteboard
     * @param core the driver core
     * @throws DriverException EBUSY if a "pci" bus is already registered
     */
    @Activate
    public PciBusComponent(BundleContext context, @Reference(name = "core") DriverCore core) {
        this.bus = core.registerBus(type);
        this.tracker = new DriverTracker<>(context, PciDriver.class, new Registrar(), PciBusComponent::driverName,
                PciDriver::probeType);
        tracker.open();
        LOG.debug("pci bus registered");
    }

    @Deactivate
    void deactivate() {
        closed = true;
        tracker.close();
        List<HostBridge> bridges;
        synchronized (lock) {
            bridges = new ArrayList<>(listeners.keySet());
        }
        for (HostBridge b : bridges) {
            removeBridge(b);
        }
        bus.close();
        LOG.debug("pci bus unregistered");
    }

    // ---- host bridges --------------------------------------------------------------------------

    /** A backend's bridge arrived: its functions become devices, PFs before their VFs. */
    @Reference(service = HostBridge.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeBridge")
    void addBridge(HostBridge bridge) {
        if (closed) {
            return;
        }
        HostBridgeListener l = new HostBridgeListener() {
            @Override
            public void functionAdded(PciFunction function) {
                addFunction(function);
            }

            @Override
            public void functionRemoved(PciFunction function) {
                removeFunction(function);
            }
        };
        synchronized (lock) {
            if (listeners.containsKey(bridge)) {
                return;
            }
            listeners.put(bridge, l);
        }
        bridge.addListener(l);
        List<PciFunction> functions = new ArrayList<>(bridge.functions());
        functions.sort(Comparator.comparing((PciFunction f) -> f.physfn().isPresent()));
        LOG.info("pci: host bridge {} ({}) with {} functions", bridge.name(), bridge.backend(), functions.size());
        for (PciFunction f : functions) {
            addFunction(f);
        }
    }

    /** A bridge went away: its devices are removed, VFs first, newest first. */
    void removeBridge(HostBridge bridge) {
        HostBridgeListener l;
        List<PciFunction> gone = new ArrayList<>();
        synchronized (lock) {
            l = listeners.remove(bridge);
            for (PciFunction f : entries.keySet()) {
                if (f.bridge() == bridge) {
                    gone.add(f);
                }
            }
        }
        if (l != null) {
            try {
                bridge.removeListener(l);
            } catch (RuntimeException e) {
                LOG.debug("pci: removing the listener of bridge {} failed: {}", bridge.name(), e.toString());
            }
        }
        gone.sort(Comparator.comparing((PciFunction f) -> f.physfn().isEmpty())
                .thenComparing(PciFunction::address, ADDRESS_ORDER.reversed()));
        for (PciFunction f : gone) {
            removeFunction(f);
        }
        LOG.info("pci: host bridge {} gone, {} devices removed", bridge.name(), gone.size());
    }

    /** Adds a function as a device (its PF first, for a VF); a function already added is ignored. */
    void addFunction(PciFunction f) {
        if (closed) {
            return;
        }
        Device parent = null;
        Optional<PciFunction> pf = f.physfn();
        if (pf.isPresent()) {
            addFunction(pf.get());
            Entry pe;
            synchronized (lock) {
                pe = entries.get(pf.get());
            }
            parent = pe == null ? null : pe.device;
        }
        PciDeviceImpl pdev;
        try {
            pdev = new PciDeviceImpl(f, setupDevice(f), this);
        } catch (DriverException e) {
            LOG.warn("pci: function {} not added: {}", f.address(), e.getMessage());
            return;
        }
        Entry entry = new Entry(pdev);
        synchronized (lock) {
            if (entries.containsKey(f)) {
                return;
            }
            entries.put(f, entry);
        }
        try {
            Device d = bus.addDevice(pdev.address().toString(), parent, pdev);
            pdev.attach(d);
            entry.device = d;
            LOG.debug("pci {}: added {}", pdev.slot(), pdev.ids());
        } catch (RuntimeException e) {
            synchronized (lock) {
                entries.remove(f, entry);
            }
            LOG.warn("pci: function {} not added: {}", f.address(), e.getMessage());
        }
    }

    /**
     * pci_setup_device: the identity of a new function, from its config space (a VF's vendor and
     * device as {@link PciIov#virtfnIds} gives them).
     *
     * @throws DriverException with the backend's errno if config space cannot be read
     */
    static PciIds setupDevice(PciFunction f) {
        try {
            int vendor = f.readConfig(PciRegs.PCI_VENDOR_ID, PciDeviceImpl.WORD);
            int device = f.readConfig(PciRegs.PCI_DEVICE_ID, PciDeviceImpl.WORD);
            int classRev = f.readConfig(PciRegs.PCI_REVISION_ID, PciDeviceImpl.DWORD);
            int type = f.readConfig(PciRegs.PCI_HEADER_TYPE, PciDeviceImpl.BYTE) & PciRegs.PCI_HEADER_TYPE_MASK;
            int subVendor = 0;
            int subDevice = 0;
            // subsystem ids by header type
            if (type == PciRegs.PCI_HEADER_TYPE_NORMAL) {
                subVendor = f.readConfig(PciRegs.PCI_SUBSYSTEM_VENDOR_ID, PciDeviceImpl.WORD);
                subDevice = f.readConfig(PciRegs.PCI_SUBSYSTEM_ID, PciDeviceImpl.WORD);
            } else if (type == PciRegs.PCI_HEADER_TYPE_CARDBUS) {
                subVendor = f.readConfig(PciRegs.PCI_CB_SUBSYSTEM_VENDOR_ID, PciDeviceImpl.WORD);
                subDevice = f.readConfig(PciRegs.PCI_CB_SUBSYSTEM_ID, PciDeviceImpl.WORD);
            }
            PciIds ids = new PciIds(vendor, device, subVendor, subDevice, classRev >>> Byte.SIZE,
                    classRev & PciRegs.PCI_BYTE_MASK);
            Optional<PciFunction> pf = f.physfn();
            return pf.isPresent() ? PciIov.virtfnIds(pf.get(), ids) : ids;
        } catch (HwException e) {
            throw Hw.translate(e, "reading the identity of " + f.address());
        }
    }

    @Override
    public void removeFunction(PciFunction f) {
        Entry e;
        List<PciFunction> children = new ArrayList<>();
        synchronized (lock) {
            e = entries.remove(f);
            if (e == null) {
                return;
            }
            for (PciFunction c : entries.keySet()) {
                if (c.physfn().orElse(null) == f) {
                    children.add(c);
                }
            }
        }
        children.sort(Comparator.comparing(PciFunction::address, ADDRESS_ORDER.reversed()));
        for (PciFunction c : children) {
            removeFunction(c);
        }
        Device d = e.device;
        if (d != null) {
            bus.removeDevice(d);
            LOG.debug("pci {}: removed", e.pdev.slot());
        }
    }

    @Override
    public Optional<PciDeviceImpl> lookup(PciFunction function) {
        synchronized (lock) {
            Entry e = entries.get(function);
            return e == null ? Optional.empty() : Optional.of(e.pdev);
        }
    }

    // ---- drivers -------------------------------------------------------------------------------

    /** The name the tracker registers a driver under; a driver without name or table is refused. */
    static String driverName(PciDriver d) {
        String name = d.name();
        if (name == null || name.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "a PCI driver service (" + d.getClass().getName()
                    + ") has no name");
        }
        if (d.idTable() == null) {
            throw new DriverException(Errno.EINVAL, "PCI driver " + name + " has no id table");
        }
        return name;
    }

    /**
     * Registers a driver as the whiteboard does (for tests and for the tracker).
     *
     * @return the registration; closing it unregisters the driver and drops its dynamic ids
     */
    DriverRegistration registerDriver(PciDriver d, String bundle, long serviceId) {
        return new Registrar().registerDriver(new DriverDescriptor(driverName(d), d, bundle, 0, serviceId,
                d.probeType()));
    }

    /**
     * The bus registration as the driver tracker sees it: everything goes to the core, and each
     * driver registration is remembered with a fresh list of dynamic ids, dropped again when the
     * registration closes ({@code pci_free_dynids}).
     */
    private final class Registrar implements BusRegistration {
        @Override
        public DriverRegistration registerDriver(DriverDescriptor desc) {
            DriverRegistration reg = bus.registerDriver(desc);
            DriverEntry entry = new DriverEntry((PciDriver) desc.driver(), new DynamicIds(), reg);
            drivers.put(desc.name(), entry);
            return new DriverRegistration() {
                @Override
                public DriverDescriptor descriptor() {
                    return reg.descriptor();
                }

                @Override
                public void idsChanged() {
                    reg.idsChanged();
                }

                @Override
                public void rankingChanged(int ranking) {
                    reg.rankingChanged(ranking);
                }

                @Override
                public void leaving() {
                    reg.leaving();
                }

                @Override
                public void close() {
                    try {
                        reg.close();
                    } finally {
                        drivers.remove(desc.name(), entry);
                    }
                }
            };
        }

        @Override
        public Device addDevice(String name, Device parent, Object busData) {
            return bus.addDevice(name, parent, busData);
        }

        @Override
        public void removeDevice(Device device) {
            bus.removeDevice(device);
        }

        @Override
        public void changed(Device device, Map<String, String> extra) {
            bus.changed(device, extra);
        }

        @Override
        public void close() {
            bus.close();
        }

        @Override
        public String name() {
            return bus.name();
        }

        @Override
        public List<Device> devices() {
            return bus.devices();
        }

        @Override
        public Optional<Device> device(String name) {
            return bus.device(name);
        }

        @Override
        public List<org.nova.driver.DriverInfo> drivers() {
            return bus.drivers();
        }

        @Override
        public Optional<org.nova.driver.DriverInfo> driver(String name) {
            return bus.driver(name);
        }

        @Override
        public void bind(String device, String driver) {
            bus.bind(device, driver);
        }

        @Override
        public void unbind(String device) {
            bus.unbind(device);
        }

        @Override
        public void setDriverOverride(String device, String driver) {
            bus.setDriverOverride(device, driver);
        }

        @Override
        public boolean autoprobe() {
            return bus.autoprobe();
        }

        @Override
        public void setAutoprobe(boolean on) {
            bus.setAutoprobe(on);
        }

        @Override
        public void probe(String device) {
            bus.probe(device);
        }

        @Override
        public org.nova.driver.WhyReport why(String device) {
            return bus.why(device);
        }
    }

    /** @return the registered driver of that name with its dynamic ids */
    private DriverEntry driver(String name) {
        DriverEntry e = name == null ? null : drivers.get(name);
        if (e == null) {
            throw new DriverException(Errno.ENOENT, "no PCI driver named " + name);
        }
        return e;
    }

    /** @return the dynamic ids of the registration {@code desc} describes */
    private List<PciDeviceId> dynamicIdsOf(DriverDescriptor desc) {
        DriverEntry e = drivers.get(desc.name());
        return e != null && e.driver() == desc.driver() ? e.dynamicIds().view() : List.of();
    }

    // ---- the bus type --------------------------------------------------------------------------

    /** struct bus_type pci_bus_type. */
    private final class Type implements BusType {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor desc) {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            pdev.attach(device);
            PciDriver drv = (PciDriver) desc.driver();
            List<PciDeviceId> dynamic = dynamicIdsOf(desc);
            String override = device.driverOverride().orElse(null);
            PciDeviceId id = PciMatch.matchDevice(dynamic, drv.idTable(), pdev.ids(), override, desc.name());
            if (id == null) {
                return MatchResult.noMatch(override != null && !override.equals(desc.name())
                        ? "driver_override names " + override
                        : "no id of " + desc.name() + " matches " + pdev.ids());
            }
            String reason;
            if (id == PciMatch.OVERRIDE_ANY) {
                reason = "driver_override names " + desc.name();
            } else if (dynamic.contains(id)) {
                reason = "dynamic id " + id;
            } else {
                reason = "id " + id;
            }
            return MatchResult.match(PciMatch.specificity(id), id, reason);
        }

        @Override
        public Object probe(Device device, DriverDescriptor desc, MatchResult match) throws Exception {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            pdev.attach(device);
            if (!canProbe(pdev, device)) {
                throw new DriverException(Errno.ENODEV, pdev.slot()
                        + " is a VF whose PF has sriov_drivers_autoprobe off, and no driver_override");
            }
            PciDriver drv = (PciDriver) desc.driver();
            // the oldest entry of the binding: the data is closed after every resource of the driver
            return DriverData.register(device, "pci:driver-data").set(drv.probe(pdev, (PciDeviceId) match.id()));
        }

        @Override
        public void remove(Device device, DriverDescriptor desc, Object data) {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            PciDriver drv = (PciDriver) desc.driver();
            if (numVfs(pdev) > 0 && drv.supportsSriov()) {
                // Rust pci: sriov_configure(0) before unbind, so a bound VF implies a bound PF
                try {
                    drv.sriovConfigure(pdev, 0);
                } catch (Exception e) {
                    LOG.warn("pci {}: sriov_configure(0) of {} failed: {}", pdev.slot(), desc.name(), e.toString());
                }
            }
            try {
                drv.unbind(pdev, data);
            } finally {
                int left = numVfs(pdev);
                if (left > 0) {
                    // pci_iov_remove: only a warning
                    LOG.warn("pci {}: driver {} left {} VFs enabled", pdev.slot(), desc.name(), left);
                }
            }
        }

        @Override
        public Set<Object> deviceKeys(Device device) {
            return PciMatch.deviceKeys(device.busData(PciDeviceImpl.class).ids());
        }

        @Override
        public Set<Object> driverKeys(DriverDescriptor desc) {
            return PciMatch.driverKeys(dynamicIdsOf(desc), ((PciDriver) desc.driver()).idTable());
        }

        @Override
        public void uevent(Device device, Map<String, String> env) {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            PciUevent.fill(pdev.ids(), pdev.address(), env);
        }

        @Override
        public boolean autoprobeAllowed(Device device) {
            return canProbe(device.busData(PciDeviceImpl.class), device);
        }
    }

    /** The index key of a vendor:device pair (ids are u32 in an id table, so both halves are kept). */
    private static int numVfs(PciDeviceImpl pdev) {
        try {
            return pdev.numVfs();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** pci_device_can_probe: not a VF, or its PF's sriov_drivers_autoprobe is on, or an override is set. */
    private boolean canProbe(PciDeviceImpl pdev, Device device) {
        Optional<PciFunction> pf = pdev.function().physfn();
        if (pf.isEmpty()) {
            return true;
        }
        boolean autoprobe = lookup(pf.get()).map(p -> p.iov().driversAutoprobe()).orElse(true);
        return autoprobe || device.driverOverride().isPresent();
    }

    // ---- PciBus --------------------------------------------------------------------------------

    @Override
    public void newId(String driver, String fields) {
        DriverEntry e = driver(driver);
        PciDeviceId id = e.dynamicIds().add(fields, e.driver().idTable(), driver);
        e.registration().idsChanged();
        LOG.info("pci: driver {}: dynamic id {} added", driver, id);
        // driver_attach: bind every unbound device the driver now matches
        for (Device d : bus.devices()) {
            if (d.isBound() || d.isDead()) {
                continue;
            }
            PciDeviceImpl pdev = d.busData(PciDeviceImpl.class);
            PciDeviceId m = PciMatch.matchDevice(e.dynamicIds().view(), e.driver().idTable(), pdev.ids(),
                    d.driverOverride().orElse(null), driver);
            if (m == null) {
                continue;
            }
            try {
                bus.bind(d.name(), driver);
            } catch (DriverException x) {
                LOG.debug("pci {}: driver_attach of {} did not bind: {}", d.name(), driver, x.getMessage());
            }
        }
    }

    @Override
    public void removeId(String driver, String fields) {
        DriverEntry e = driver(driver);
        PciDeviceId id = e.dynamicIds().remove(fields);
        e.registration().idsChanged();
        LOG.info("pci: driver {}: dynamic id {} removed", driver, id);
    }

    @Override
    public List<PciDeviceId> dynamicIds(String driver) {
        return driver(driver).dynamicIds().list();
    }

    /** @return the device by slot name with or without the domain */
    private Device deviceNamed(String slot) {
        PciAddress address;
        try {
            address = PciAddress.parse(slot);
        } catch (HwException e) {
            throw new DriverException(Errno.ENODEV, "no PCI device " + slot + ": " + e.getMessage());
        }
        return deviceAt(address).orElseThrow(() -> new DriverException(Errno.ENODEV, "no PCI device " + slot));
    }

    /** @return the core device at an address: its name is the address's text ({@code pci_name}) */
    private Optional<Device> deviceAt(PciAddress address) {
        return bus.device(address.toString());
    }

    private PciDeviceImpl physfnNamed(String slot, Device d) {
        PciDeviceImpl pdev = d.busData(PciDeviceImpl.class);
        if (!pdev.isPhysfn()) {
            throw new DriverException(Errno.ENOENT, slot + " has no SR-IOV capability (no sriov_numvfs attribute)");
        }
        return pdev;
    }

    @Override
    public void sriovNumvfs(String device, String value) {
        Device d = deviceNamed(device);
        physfnNamed(device, d).iov().numvfsStore(value,
                () -> d.driver().map(drivers::get).map(DriverEntry::driver));
    }

    @Override
    public void setSriovDriversAutoprobe(String device, boolean on) {
        Device d = deviceNamed(device);
        physfnNamed(device, d).iov().setDriversAutoprobe(on);
    }

    @Override
    public boolean sriovDriversAutoprobe(String device) {
        Device d = deviceNamed(device);
        return physfnNamed(device, d).iov().driversAutoprobe();
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
                LOG.debug("pci {}: not listed: {}", pdev.slot(), e.getMessage());
            }
        }
        out.sort(Comparator.comparing(PciDeviceInfo::address, ADDRESS_ORDER));
        return out;
    }
}
