package org.nova.bus.pci.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverData;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.WhyReport;
import org.nova.hw.PciFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of the PCI bus: drivers/pci/pci-driver.c. {@code struct bus_type pci_bus_type}
 * ({@link #type()}: match with dynamic ids and driver_override, probe, remove, uevent,
 * {@code pci_device_can_probe}), driver registration with its list of dynamic ids
 * ({@code __pci_register_driver}, {@code pci_free_dynids}) and the {@code new_id} /
 * {@code remove_id} driver attributes. The matching rules themselves are {@link PciMatch}'s, the
 * dynamic-id rules {@link DynamicIds}', the uevent variables {@link PciUevent}'s.
 *
 * <p>The driver map is this class's own; it never calls a driver or the core under a lock.
 */
final class PciDrivers {
    private static final Logger LOG = LoggerFactory.getLogger(PciDrivers.class);

    /** The driver whiteboard's service interface. */
    static final Class<PciDriver<?>> SERVICE = serviceType();

    /**
     * A registered driver: its object, its dynamic ids (one list per registration) and its
     * registration. {@code table} is its static id table as it was at registration, and
     * {@code results[i]} the answer of a match on {@code table.get(i)}, made then and never
     * written again; {@code noMatch} its answer for a function none of its ids matches. The bus's
     * match runs for every candidate driver of every device added, and making these answers (the
     * reason is a formatted id) cost more than matching. {@code flat} is {@code table} as
     * {@link PciMatch#flatten} lays it out for that match.
     */
    private record Entry(PciDriver<?> driver, DynamicIds dynamicIds, DriverRegistration registration,
            List<PciDeviceId> table, int[] flat, MatchResult[] results, MatchResult noMatch) {
        /** A driver registered under {@code name}, with no dynamic ids yet. */
        static Entry of(PciDriver<?> driver, String name, DriverRegistration registration) {
            List<PciDeviceId> table = driver.idTable();
            return new Entry(driver, new DynamicIds(), registration, table, PciMatch.flatten(table), results(table),
                    MatchResult.noMatch(noIdMatches(name)));
        }

        /** @return the answer of a match on each entry of a static table, by position */
        private static MatchResult[] results(List<PciDeviceId> table) {
            MatchResult[] out = new MatchResult[table.size()];
            for (int i = 0; i < out.length; i++) {
                PciDeviceId id = table.get(i);
                out[i] = MatchResult.match(PciMatch.specificity(id), id, "id " + id);
            }
            return out;
        }
    }

    /** The reason of a no-match that is not the driver_override's. */
    private static String noIdMatches(String driver) {
        return "no id of " + driver + " matches";
    }

    private final BusType type = new Type();
    /** Set once by {@link #attach}: the bus as registered with the core. */
    private volatile BusRegistration bus;
    /** Set once by {@link #attach}: the functions of the bus, for the PF of a VF. */
    private volatile Topology topology;
    private final Map<String, Entry> drivers = new ConcurrentHashMap<>();

    /** @return {@code pci_bus_type}, to register with the core */
    BusType type() {
        return type;
    }

    /**
     * Hands over the core's registration of {@link #type()} and the bus's functions. Until then
     * the bus has neither devices nor drivers, so the core has nothing to ask the type about.
     */
    void attach(BusRegistration registration, Topology functions) {
        this.bus = registration;
        this.topology = functions;
    }

    // ---- registration --------------------------------------------------------------------------

    /** The name a driver registers under; a driver without name or table is refused. */
    static String driverName(PciDriver<?> d) {
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
     * @return the bus registration as the driver whiteboard uses it: everything goes to the core,
     *     and each driver registration gets a fresh list of dynamic ids, dropped again when the
     *     registration closes ({@code pci_free_dynids})
     */
    BusRegistration registrar() {
        return new Registrar();
    }

    /** The bus registration the whiteboard sees. */
    private final class Registrar implements BusRegistration {
        @Override
        public DriverRegistration registerDriver(DriverDescriptor desc) {
            DriverRegistration reg = bus.registerDriver(desc);
            Entry entry = Entry.of((PciDriver<?>) desc.driver(), desc.name(), reg);
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
        public List<DriverInfo> drivers() {
            return bus.drivers();
        }

        @Override
        public Optional<DriverInfo> driver(String name) {
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
        public void unbind(String device, String driver) {
            bus.unbind(device, driver);
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
        public WhyReport why(String device) {
            return bus.why(device);
        }
    }

    /** @return the registered driver of that name with its dynamic ids */
    private Entry entry(String name) {
        Entry e = name == null ? null : drivers.get(name);
        if (e == null) {
            throw new DriverException(Errno.ENOENT, "no PCI driver named " + name);
        }
        return e;
    }

    /** @return the driver object registered under a name, if any */
    Optional<PciDriver<?>> driver(String name) {
        return Optional.ofNullable(drivers.get(name)).map(Entry::driver);
    }

    /** @return the dynamic ids of the registration {@code desc} describes */
    private List<PciDeviceId> dynamicIdsOf(DriverDescriptor desc) {
        Entry e = drivers.get(desc.name());
        return e != null && e.driver() == desc.driver() ? e.dynamicIds().view() : List.of();
    }

    // ---- new_id, remove_id ---------------------------------------------------------------------

    /** @see PciBus#newId */
    void newId(String driver, String fields) {
        Entry e = entry(driver);
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

    /** @see PciBus#removeId */
    void removeId(String driver, String fields) {
        Entry e = entry(driver);
        PciDeviceId id = e.dynamicIds().remove(fields);
        e.registration().idsChanged();
        LOG.info("pci: driver {}: dynamic id {} removed", driver, id);
    }

    /** @see PciBus#dynamicIds */
    List<PciDeviceId> dynamicIds(String driver) {
        return entry(driver).dynamicIds().list();
    }

    // ---- the bus type --------------------------------------------------------------------------

    /** struct bus_type pci_bus_type. */
    private final class Type implements BusType {
        @Override
        public String name() {
            return PciBus.NAME;
        }

        /**
         * pci_bus_match → pci_match_device. A function matched on the static table the driver
         * registered with, without dynamic ids or driver_override (nearly every match), gets the
         * answer made at registration.
         */
        @Override
        public MatchResult match(Device device, DriverDescriptor desc) {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            pdev.attach(device);
            PciDriver<?> drv = (PciDriver<?>) desc.driver();
            Entry entry = drivers.get(desc.name());
            boolean current = entry != null && entry.driver() == drv;
            String override = device.driverOverride().orElse(null);
            List<PciDeviceId> table = drv.idTable();
            if (current && override == null && entry.dynamicIds().isEmpty() && table == entry.table()) {
                int i = PciMatch.matchFlat(entry.flat(), pdev.ids());
                return i >= 0 ? entry.results()[i] : entry.noMatch();
            }
            List<PciDeviceId> dynamic = current ? entry.dynamicIds().view() : List.of();
            PciDeviceId id = PciMatch.matchDevice(dynamic, table, pdev.ids(), override, desc.name());
            if (id == null) {
                return MatchResult.noMatch(override != null && !override.equals(desc.name())
                        ? "driver_override names " + override
                        : noIdMatches(desc.name()));
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

        /** pci_device_probe. */
        @Override
        public Object probe(Device device, DriverDescriptor desc, MatchResult match) throws Exception {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            pdev.attach(device);
            if (!canProbe(pdev, device)) {
                throw new DriverException(Errno.ENODEV, pdev.address()
                        + " is a VF whose PF has sriov_drivers_autoprobe off, and no driver_override");
            }
            PciDriver<?> drv = (PciDriver<?>) desc.driver();
            // the oldest entry of the binding: the data is closed after every resource of the driver
            return DriverData.register(device, "pci:driver-data").set(drv.probe(pdev, (PciDeviceId) match.id()));
        }

        /** pci_device_remove. */
        @Override
        public void remove(Device device, DriverDescriptor desc, Object data) {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            PciDriver<?> drv = (PciDriver<?>) desc.driver();
            if (numVfs(pdev) > 0 && drv.supportsSriov()) {
                // Rust pci: sriov_configure(0) before unbind, so a bound VF implies a bound PF
                try {
                    drv.sriovConfigure(pdev, 0);
                } catch (Exception e) {
                    LOG.warn("pci {}: sriov_configure(0) of {} failed: {}", pdev.address(), desc.name(), e.toString());
                }
            }
            try {
                unbind(drv, pdev, data);
            } finally {
                int left = numVfs(pdev);
                if (left > 0) {
                    // pci_iov_remove: only a warning
                    LOG.warn("pci {}: driver {} left {} VFs enabled", pdev.address(), desc.name(), left);
                }
            }
        }

        @Override
        public Set<Object> deviceKeys(Device device) {
            return PciMatch.deviceKeys(device.busData(PciDeviceImpl.class).ids());
        }

        @Override
        public Set<Object> driverKeys(DriverDescriptor desc) {
            return PciMatch.driverKeys(dynamicIdsOf(desc), ((PciDriver<?>) desc.driver()).idTable());
        }

        /** pci_uevent. */
        @Override
        public void uevent(Device device, Map<String, String> env) {
            PciDeviceImpl pdev = device.busData(PciDeviceImpl.class);
            // PCI_SLOT_NAME is pci_name(), the device's name (PciProbe names it by its address)
            PciUevent.fill(pdev.ueventVars(), device.name(), env);
        }

        @Override
        public boolean autoprobeAllowed(Device device) {
            return canProbe(device.busData(PciDeviceImpl.class), device);
        }
    }

    /**
     * Rust's {@code remove_callback}: the driver gets its own data back, typed. The bus's one cast
     * of driver data, and a safe one: the core hands {@code remove} exactly what {@code probe}
     * returned for this device and this driver, which is the {@code D} of this driver's probe.
     */
    @SuppressWarnings("unchecked")
    private static <D> void unbind(PciDriver<D> drv, PciDevice dev, Object data) {
        drv.unbind(dev, (D) data);
    }

    /**
     * A class literal names the erased interface only; every service registered under it is a
     * {@code PciDriver} of some data type, which is what {@code PciDriver<?>} says, so the view is
     * exact.
     */
    @SuppressWarnings("unchecked")
    private static Class<PciDriver<?>> serviceType() {
        return (Class<PciDriver<?>>) (Class<?>) PciDriver.class;
    }

    /** @return the VFs a PF has enabled now; 0 for a function that is gone */
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
        boolean autoprobe = topology.lookup(pf.get()).map(p -> p.iov().driversAutoprobe()).orElse(true);
        return autoprobe || device.driverOverride().isPresent();
    }
}
