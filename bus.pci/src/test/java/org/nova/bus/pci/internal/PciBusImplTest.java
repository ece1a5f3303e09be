package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaNoncoherent;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIdTable;
import org.nova.bus.pci.PciIrqType;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.bus.pci.fake.FakeFunction;
import org.nova.devres.Devres;
import org.nova.devres.RevokedException;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.ProbeType;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.RegionFlag;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/** The PCI bus against the real driver core and fake host bridges. */
class PciBusImplTest {
    StandaloneDriverCore standalone;
    DriverCore core;
    Bus fake;
    PciBusImpl pci;
    FakeBridge bridge;
    FakeFunction edu;
    FakeFunction testdev;
    final List<String> log = new CopyOnWriteArrayList<>();

    /** A driver whose probe runs a lambda and logs; it keeps the data its unbinds were given. */
    final class TestDriver<D> implements PciDriver<D> {
        final String name;
        final List<PciDeviceId> table;
        final BiFunction<PciDevice, PciDeviceId, D> probe;
        final List<D> unbound = new CopyOnWriteArrayList<>();
        boolean sriov;

        TestDriver(String name, List<PciDeviceId> table, BiFunction<PciDevice, PciDeviceId, D> probe) {
            this.name = name;
            this.table = table;
            this.probe = probe;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<PciDeviceId> idTable() {
            return table;
        }

        @Override
        public D probe(PciDevice dev, PciDeviceId id) {
            log.add(name + ".probe " + dev.slot());
            return probe.apply(dev, id);
        }

        @Override
        public void unbind(PciDevice dev, D data) {
            log.add(name + ".unbind " + dev.slot());
            unbound.add(data);
        }

        @Override
        public boolean supportsSriov() {
            return sriov;
        }

        @Override
        public int sriovConfigure(PciDevice pf, int n) {
            log.add(name + ".sriov_configure " + n);
            if (n == 0) {
                pf.disableSriov();
            } else {
                pf.enableSriov(n);
            }
            return n;
        }
    }

    @BeforeEach
    void setUp() {
        standalone = StandaloneDriverCore.start();
        core = standalone.core();
        core.setTestDriverRemove(false); // these tests count probes; the core's own suite covers test remove
        pci = new PciBusImpl(core);
        fake = core.requireBus(PciBus.NAME);
        bridge = new FakeBridge("fake0", 0);
        edu = bridge.function(4, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10)
                .region(0, 0x100000, false, RegionFlag.MEMORY)
                .irqs(IrqType.MSI, 1).irqs(IrqType.INTX, 1);
        testdev = bridge.function(3, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1b36, 0x0005, 0x1af4, 0x1100, 0x00ff00, 0)
                .region(0, 0x1000, true, RegionFlag.MEMORY).region(1, 0x100, false, RegionFlag.IO);
    }

    @AfterEach
    void tearDown() {
        pci.close();
        standalone.close();
    }

    private Device dev(String name) {
        return fake.device(name).orElseThrow();
    }

    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    @Test
    void bridgeFunctionsBecomeDevicesWithUevents() {
        pci.addBridge(bridge);
        assertEquals(List.of("0000:00:04.0", "0000:00:03.0"), fake.devices().stream().map(Device::name).toList());
        Map<String, String> env = dev("0000:00:04.0").ueventEnv();
        assertEquals("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00", env.get("MODALIAS"));
        assertEquals(1, bridge.listenerCount());
        List<PciDeviceInfo> infos = pci.devices();
        assertEquals(List.of("0000:00:03.0", "0000:00:04.0"), infos.stream().map(PciDeviceInfo::name).toList());
        assertEquals(0x10, infos.get(1).ids().revision());
    }

    @Test
    void driverBindsAndItsResourcesGoAtUnbindDataLast() {
        pci.addBridge(bridge);
        List<Devres<Bar>> bars = new ArrayList<>();
        AutoCloseable data = () -> log.add("data.close");
        TestDriver<AutoCloseable> d = new TestDriver<>("testdev", List.of(PciDeviceId.of(0x1b36, 0x0005)), (dev, id) -> {
            dev.enableDeviceMem();
            dev.setMaster();
            bars.add(dev.iomapRegionSized(0, 0x100, "testdev"));
            dev.device().devres().addAction("driver-resource", () -> log.add("devres.release"));
            return data;
        });
        DriverRegistration reg = pci.registerDriver(d, "test", 0, 1);
        assertEquals(Optional.of("testdev"), dev("0000:00:03.0").driver());
        assertSame(data, dev("0000:00:03.0").driverData(AutoCloseable.class).orElseThrow());
        assertEquals(PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER, testdev.readConfig(PciRegs.PCI_COMMAND, 2));
        Bar bar;
        try (var g = bars.get(0).access()) {
            bar = g.get();
            bar.write32(0x10, 42);
            assertEquals(42, bar.read32(0x10));
        }
        assertEquals(1, testdev.liveMaps.get());
        reg.close();
        assertEquals(List.of("testdev.probe 0000:00:03.0", "testdev.unbind 0000:00:03.0", "devres.release",
                "data.close"), log);
        assertEquals(List.of(data), d.unbound, "unbind got the probe's data");
        assertThrows(RevokedException.class, () -> bars.get(0).access());
        assertThrows(RevokedException.class, () -> bar.read32(0x10), "a kept reference fails too");
        assertEquals(0, testdev.liveMaps.get(), "the mapping was closed");
        assertEquals(PciRegs.PCI_COMMAND_MEMORY, testdev.readConfig(PciRegs.PCI_COMMAND, 2), "disable clears bus mastering");
        assertTrue(dev("0000:00:03.0").devres().isEmpty());
    }

    @Test
    void hotRemovedDeviceRevokesTheDriversBarAndLeaksNothing() {
        pci.addBridge(bridge);
        List<Devres<Bar>> bars = new ArrayList<>();
        List<PciDevice> devs = new ArrayList<>();
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e8)), (dev, id) -> {
            devs.add(dev);
            bars.add(dev.iomapRegion(0, "edu"));
            dev.allocCoherent(4096);
            return null;
        }), "test", 0, 1);
        Bar bar;
        try (var g = bars.get(0).access()) {
            bar = g.get();
            bar.write32(8, 5);
        }
        assertEquals(1, edu.liveDma.get());
        bridge.remove(edu);
        assertTrue(fake.device("0000:00:04.0").isEmpty());
        assertThrows(RevokedException.class, () -> bars.get(0).access());
        assertThrows(RevokedException.class, () -> bar.read32(8));
        assertEquals(0, edu.liveDma.get());
        assertEquals(0, edu.liveMaps.get());
        assertFalse(devs.get(0).isPresent());
        assertEquals(Errno.ENODEV, errno(() -> devs.get(0).read16(PciRegs.PCI_VENDOR_ID)));
        assertEquals(List.of("edu.probe 0000:00:04.0", "edu.unbind 0000:00:04.0"), log);
    }

    @Test
    void bridgeLeavingRemovesItsDevicesAndListener() {
        pci.addBridge(bridge);
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e8)), (dev, id) -> null), "t", 0, 1);
        pci.removeBridge(bridge);
        assertTrue(fake.devices().isEmpty());
        assertEquals(0, bridge.listenerCount());
        assertTrue(log.contains("edu.unbind 0000:00:04.0"));
        pci.addBridge(bridge);
        assertEquals(Optional.of("edu"), dev("0000:00:04.0").driver(), "a bridge coming back probes again");
    }

    @Test
    void hotAddProbes() {
        pci.addBridge(bridge);
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e9)), (dev, id) -> null), "t", 0, 1);
        FakeFunction second = bridge.function(5, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e9, 0, 0, 0x00ff00, 0);
        bridge.add(second);
        assertEquals(Optional.of("edu"), dev("0000:00:05.0").driver());
    }

    @Test
    void newIdBindsAndIsIndexedRemoveIdDoesNotUnbind() {
        pci.addBridge(bridge);
        TestDriver<PciDeviceId> stub = new TestDriver<>("pci-stub", List.of(PciDeviceId.of(0xffff, 0xffff)), (dev, id) -> id);
        pci.registerDriver(stub, "t", 0, 1);
        assertTrue(dev("0000:00:04.0").driver().isEmpty());
        pci.newId("pci-stub", "1234 11e8");
        assertEquals(Optional.of("pci-stub"), dev("0000:00:04.0").driver());
        PciDeviceId matched = dev("0000:00:04.0").driverData(PciDeviceId.class).orElseThrow();
        assertEquals(PciDeviceId.PCI_ANY_ID, matched.subvendor());
        // the core's index learned the new id: a device added later with it binds at once
        bridge.add(bridge.function(6, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0, 0, 0x00ff00, 0));
        assertEquals(Optional.of("pci-stub"), dev("0000:00:06.0").driver());
        assertEquals(Errno.EEXIST, errno(() -> pci.newId("pci-stub", "1234 11e8")));
        assertEquals(Errno.EINVAL, errno(() -> pci.newId("pci-stub", "1234")));
        assertEquals(Errno.EINVAL, errno(() -> pci.newId("pci-stub", "1 2 3 4 5 6 7")), "driver_data 7 unknown");
        assertEquals(Errno.ENOENT, errno(() -> pci.newId("nope", "1234 11e8")));
        assertEquals(1, pci.dynamicIds("pci-stub").size());
        pci.removeId("pci-stub", "1234 11e8");
        assertEquals(Optional.of("pci-stub"), dev("0000:00:04.0").driver(), "remove_id does not unbind");
        assertEquals(Errno.ENODEV, errno(() -> pci.removeId("pci-stub", "1234 11e8")));
        // and forgot it: the next such device stays unbound
        bridge.add(bridge.function(7, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0, 0, 0x00ff00, 0));
        assertTrue(dev("0000:00:07.0").driver().isEmpty());
    }

    @Test
    void dynamicIdsDieWithTheRegistration() {
        TestDriver<Object> stub = new TestDriver<>("pci-stub", List.of(PciDeviceId.of(0xffff, 0xffff)), (dev, id) -> null);
        DriverRegistration r = pci.registerDriver(stub, "t", 0, 1);
        pci.newId("pci-stub", "1234 11e8");
        r.close();
        assertEquals(Errno.ENOENT, errno(() -> pci.dynamicIds("pci-stub")));
        pci.registerDriver(stub, "t", 0, 2);
        assertTrue(pci.dynamicIds("pci-stub").isEmpty());
    }

    @Test
    void driverKeysIndexExactIdsAndClassesAndGiveUpOnWildcards() {
        pci.addBridge(bridge);
        TestDriver<Object> exact = new TestDriver<>("exact", List.of(PciDeviceId.of(0x1234, 0x11e8)), (d, i) -> null);
        TestDriver<Object> cls = new TestDriver<>("cls", List.of(PciDeviceId.ofClass(0x030000, 0xff0000)), (d, i) -> null);
        TestDriver<Object> odd = new TestDriver<>("odd", List.of(PciDeviceId.ofClass(0x030000, 0xf00000)), (d, i) -> null);
        var reg = pci.registerDriver(exact, "t", 0, 1);
        pci.registerDriver(cls, "t", 0, 2);
        var type = pci.type();
        assertEquals(Set.of(PciMatch.key(0x1234, 0x11e8)), type.driverKeys(reg.descriptor()));
        // a class entry under a byte-aligned mask is indexed by that class; another mask is asked always
        assertEquals(Set.of(new PciMatch.ClassKey(0xff0000, 0x030000)), type.driverKeys(
                new DriverDescriptor("cls", cls, "t", 0, 2, ProbeType.DEFAULT_STRATEGY)));
        assertEquals(null, type.driverKeys(new DriverDescriptor("odd", odd, "t", 0, 3,
                ProbeType.DEFAULT_STRATEGY)));
        var devKeys = type.deviceKeys(dev("0000:00:04.0"));
        assertTrue(devKeys.contains(PciMatch.key(0x1234, 0x11e8)));
        int cls04 = dev("0000:00:04.0").busData(PciDeviceImpl.class).ids().classCode();
        assertTrue(devKeys.contains(new PciMatch.ClassKey(0xff0000, cls04 & 0xff0000)));
        assertTrue(devKeys.contains(new PciMatch.ClassKey(0xffffff, cls04)));
    }

    @Test
    void overrideOnlyAndOverrideMatching() {
        pci.addBridge(bridge);
        TestDriver<PciDeviceId> vfio = new TestDriver<>("vfio", List.of(PciDeviceId.of(0x1234, 0x11e8).asOverrideOnly()),
                (dev, id) -> id);
        pci.registerDriver(vfio, "t", 0, 1);
        assertTrue(dev("0000:00:04.0").driver().isEmpty(), "override_only needs an override");
        fake.setDriverOverride("0000:00:04.0", "vfio");
        fake.probe("0000:00:04.0");
        assertEquals(Optional.of("vfio"), dev("0000:00:04.0").driver());
        fake.setDriverOverride("0000:00:03.0", "vfio");
        fake.probe("0000:00:03.0");
        assertSame(PciMatch.OVERRIDE_ANY, dev("0000:00:03.0").driverData(PciDeviceId.class).orElseThrow(),
                "an override naming the driver always matches");
    }

    @Test
    void idTableInfoReachesTheProbeAndTheDataComesBackToUnbindTyped() {
        pci.addBridge(bridge);
        PciIdTable<String> table = PciIdTable.of(
                PciIdTable.entry(PciDeviceId.of(0xffff, 0xfffe), "entry 0"),
                PciIdTable.entry(PciDeviceId.of(0x1b36, 0x0005), "entry 1"));
        TestDriver<String> d = new TestDriver<>("info", table.ids(), (dev, id) -> dev.slot() + ": " + table.info(id));
        DriverRegistration reg = pci.registerDriver(d, "t", 0, 1);
        assertEquals(Optional.of("0000:00:03.0: entry 1"), dev("0000:00:03.0").driverData(String.class),
                "a static entry's info");
        // new_id with entry 1's driver_data: edu is driven as entry 1 says
        pci.newId("info", "1234 11e8 ffffffff ffffffff 0 0 1");
        assertEquals(Optional.of("0000:00:04.0: entry 1"), dev("0000:00:04.0").driverData(String.class));
        assertEquals(Errno.EINVAL, errno(() -> pci.newId("info", "1234 11e9 ffffffff ffffffff 0 0 2")),
                "driver_data 2 is no entry's");
        // new_id without driver_data carries 0: entry 0's info, as in Rust
        bridge.add(bridge.function(6, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e9, 0, 0, 0x00ff00, 0));
        pci.newId("info", "1234 11e9");
        assertEquals(Optional.of("0000:00:06.0: entry 0"), dev("0000:00:06.0").driverData(String.class));
        // a driver_override match of a device outside the table (pci_device_id_any) carries 0 too
        bridge.add(bridge.function(7, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1af4, 0x1000, 0, 0, 0x020000, 0));
        fake.setDriverOverride("0000:00:07.0", "info");
        fake.probe("0000:00:07.0");
        assertEquals(Optional.of("0000:00:07.0: entry 0"), dev("0000:00:07.0").driverData(String.class));
        reg.close();
        List<String> unbound = d.unbound;
        assertEquals(Set.of("0000:00:03.0: entry 1", "0000:00:04.0: entry 1", "0000:00:06.0: entry 0",
                "0000:00:07.0: entry 0"), Set.copyOf(unbound), "each unbind got its own device's data");
    }

    @Test
    void configAccessorsCheckAndWalkCapabilities() {
        edu.put(PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST).put(PciRegs.PCI_CAPABILITY_LIST, 1, 0x40)
                .put(0x40, 1, PciRegs.PCI_CAP_ID_MSI).put(0x41, 1, 0);
        pci.addBridge(bridge);
        PciDevice p = pci.device("00:04.0").orElseThrow();
        assertEquals(0x1234, p.read16(PciRegs.PCI_VENDOR_ID));
        assertEquals(0x11e81234, p.read32(0));
        assertEquals(0x10, p.read8(PciRegs.PCI_REVISION_ID));
        assertEquals(0x40, p.findCapability(PciRegs.PCI_CAP_ID_MSI));
        assertEquals(0, p.findCapability(PciRegs.PCI_CAP_ID_MSIX));
        assertEquals(0, p.findExtCapability(PciRegs.PCI_EXT_CAP_ID_SRIOV), "no extended space");
        assertEquals(Errno.EINVAL, errno(() -> p.read32(2)));
        assertEquals(Errno.EINVAL, errno(() -> p.read16(255)));
        assertEquals(Errno.EINVAL, errno(() -> p.read8(256)));
        assertEquals(Errno.EINVAL, errno(() -> p.write32(-4, 0)));
        p.write8(PciRegs.PCI_LATENCY_TIMER, 0x40);
        assertEquals(0x40, p.read8(PciRegs.PCI_LATENCY_TIMER));
        assertEquals(0x100000, p.resourceLen(0));
        assertEquals(0, p.resourceLen(5));
        assertEquals(Errno.EINVAL, errno(() -> p.resourceLen(6)));
    }

    @Test
    void resourceStartDecodesTheBarRegisters() {
        // BAR0: 32-bit memory at 0xfd000000; BAR1: 64-bit prefetchable at 0x38_0000_0000 (its
        // upper half in BAR2's register); BAR3 absent; BAR5: I/O at 0xe000
        edu.put(PciRegs.PCI_BASE_ADDRESS_0, 4, 0xfd00_0000)
                .put(PciRegs.PCI_BASE_ADDRESS_0 + 4, 4, 0x0000_0000 | PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64
                        | PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH)
                .put(PciRegs.PCI_BASE_ADDRESS_0 + 8, 4, 0x38)
                .put(PciRegs.PCI_BASE_ADDRESS_0 + 20, 4, 0xe000 | PciRegs.PCI_BASE_ADDRESS_SPACE_IO)
                .region(1, 1L << 28, true, RegionFlag.MEMORY, RegionFlag.MEM64, RegionFlag.PREFETCHABLE)
                .region(5, 0x80, false, RegionFlag.IO);
        pci.addBridge(bridge);
        PciDevice p = pci.device("00:04.0").orElseThrow();
        assertEquals(0xfd00_0000L, p.resourceStart(0));
        assertEquals(0x38_0000_0000L, p.resourceStart(1), "both halves of a 64-bit BAR, flags masked");
        assertEquals(0, p.resourceStart(3), "no BAR 3: an empty resource starts at 0");
        assertEquals(0xe000, p.resourceStart(5), "an I/O BAR's flag bit masked");
        assertEquals(Errno.EINVAL, errno(() -> p.resourceStart(6)));
        assertEquals(Errno.EINVAL, errno(() -> p.resourceStart(-1)));
    }

    @Test
    void barMappingRules() {
        pci.addBridge(bridge);
        List<Errno> errors = new ArrayList<>();
        List<Devres<Bar>> held = new ArrayList<>();
        pci.registerDriver(new TestDriver<>("testdev", List.of(PciDeviceId.of(0x1b36, 0x0005)), (dev, id) -> {
            errors.add(errno(() -> dev.iomapRegion(6, "x")));
            errors.add(errno(() -> dev.iomapRegion(-1, "x")));
            errors.add(errno(() -> dev.iomapRegion(2, "x")));
            errors.add(errno(() -> dev.iomapRegionSized(0, 0x2000, "x")));
            held.add(dev.iomapRegionSized(0, 0x1000, "x"));
            errors.add(errno(() -> dev.iomapRegion(0, "again")));
            held.add(dev.iomapRegion(1, "io"));
            return null;
        }), "t", 0, 1);
        assertEquals(List.of(Errno.EINVAL, Errno.EINVAL, Errno.ENOMEM, Errno.EINVAL, Errno.EBUSY), errors);
        assertEquals(2, testdev.liveMaps.get(), "refused mappings left nothing behind");
        held.get(0).close();
        assertEquals(1, testdev.liveMaps.get());
        try (var g = held.get(1).access()) {
            Bar io = g.get();
            io.write32(0x10, 0x55);
            assertEquals(0x55, io.read32(0x10));
            assertEquals(Errno.EINVAL, errno(() -> io.read32(0x100)));
        }
        PciDevice p = pci.device("0000:00:03.0").orElseThrow();
        Devres<Bar> again = p.iomapRegion(0, "after close");
        again.close();
    }

    @Test
    void interruptVectorsAndHandlers() {
        pci.addBridge(bridge);
        List<Integer> fired = new CopyOnWriteArrayList<>();
        List<Errno> errors = new ArrayList<>();
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e8)), (dev, id) -> {
            errors.add(errno(() -> dev.requestIrq(0, "early", v -> { })));
            errors.add(errno(() -> dev.allocIrqVectors(0, 1, Set.of(PciIrqType.MSI))));
            errors.add(errno(() -> dev.allocIrqVectors(2, 1, Set.of(PciIrqType.MSI))));
            errors.add(errno(() -> dev.allocIrqVectors(1, 1, Set.of())));
            errors.add(errno(() -> dev.allocIrqVectors(2, 4, Set.of(PciIrqType.MSIX,
                    PciIrqType.MSI))));
            var v = dev.allocIrqVectors(1, 8, EnumSet.allOf(PciIrqType.class));
            assertEquals(PciIrqType.MSI, v.type(), "MSI-X absent, MSI next");
            assertEquals(1, v.count());
            errors.add(errno(() -> dev.allocIrqVectors(1, 1, Set.of(PciIrqType.INTX))));
            errors.add(errno(() -> dev.requestIrq(1, "beyond", fired::add)));
            dev.requestIrq(0, "edu", fired::add);
            errors.add(errno(() -> dev.requestIrq(0, "twice", fired::add)));
            errors.add(errno(v::close));
            return v;
        }), "t", 0, 1);
        assertEquals(List.of(Errno.EINVAL, Errno.EINVAL, Errno.ERANGE, Errno.EINVAL, Errno.ENOSPC, Errno.EINVAL,
                Errno.EINVAL, Errno.EBUSY, Errno.EBUSY), errors);
        edu.fire(0);
        assertEquals(List.of(0), fired);
        fake.unbind("0000:00:04.0");
        assertFalse(edu.irqSet().isActive(), "vectors freed at unbind");
        edu.fire(0);
        assertEquals(List.of(0), fired, "no handler after unbind");
    }

    /** disable_irq / enable_irq on MSI-X vectors: nested, masked at the backend by the outermost pair only. */
    @Test
    void msixVectorDisableNestsAndMasksAtTheBackend() {
        edu.irqs(IrqType.MSIX, 4);
        pci.addBridge(bridge);
        List<IrqRegistration> regs = new ArrayList<>();
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e8)), (dev, id) -> {
            var v = dev.allocIrqVectors(4, 4, Set.of(PciIrqType.MSIX));
            regs.add(dev.requestIrq(2, "two", x -> { }));
            regs.add(dev.requestIrq(3, "three", x -> { }));
            return v;
        }), "t", 0, 1);
        IrqSet set = edu.irqSet();
        IrqRegistration two = regs.get(0);
        assertEquals(Errno.EINVAL, errno(two::enable), "unbalanced enable");
        two.disable();
        two.disable();
        assertEquals(2, two.disableDepth());
        assertTrue(set.isMasked(2));
        assertFalse(set.isMasked(3), "only its own vector");
        two.enable();
        assertTrue(set.isMasked(2), "still disabled once");
        two.enable();
        assertFalse(set.isMasked(2));
        regs.get(1).disable();
        regs.get(1).close();
        assertFalse(set.isMasked(3), "free_irq leaves the vector unmasked for the next request_irq");
        assertEquals(Errno.ENODEV, errno(regs.get(1)::disable), "freed");
        fake.unbind("0000:00:04.0");
        assertEquals(Errno.ENODEV, errno(two::disable), "freed at unbind");
    }

    /** An MSI vector has no per-vector mask the backends rely on: disable is refused, nothing changes. */
    @Test
    void msiVectorDisableIsRefused() {
        pci.addBridge(bridge);
        List<IrqRegistration> regs = new ArrayList<>();
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e8)), (dev, id) -> {
            var v = dev.allocIrqVectors(1, 1, Set.of(PciIrqType.MSI));
            regs.add(dev.requestIrq(0, "edu", x -> { }));
            return v;
        }), "t", 0, 1);
        assertEquals(Errno.EINVAL, errno(regs.get(0)::disable));
        assertEquals(0, regs.get(0).disableDepth());
    }

    @Test
    void oneDirectionDmaBufferIsADeviceResource() {
        pci.addBridge(bridge);
        List<DmaNoncoherent> buffers = new ArrayList<>();
        pci.registerDriver(new TestDriver<>("edu", List.of(PciDeviceId.of(0x1234, 0x11e8)), (dev, id) -> {
            assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                    () -> dev.allocNoncoherent(0, DmaDataDirection.TO_DEVICE)).errno());
            assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> dev.allocNoncoherent(64, null)).errno());
            buffers.add(dev.allocNoncoherent(64, DmaDataDirection.TO_DEVICE));
            buffers.add(dev.allocNoncoherent(64, DmaDataDirection.FROM_DEVICE));
            return null;
        }), "t", 0, 1);
        assertEquals(2, edu.liveDma.get());
        assertEquals(DmaDataDirection.TO_DEVICE, buffers.get(0).direction());
        assertEquals(64, buffers.get(1).size());
        buffers.get(0).close();
        assertEquals(1, edu.liveDma.get(), "closing frees one buffer early");
        fake.unbind("0000:00:04.0");
        assertEquals(0, edu.liveDma.get(), "unbind frees the other");
        assertTrue(dev("0000:00:04.0").devres().isEmpty());
    }

    @Test
    void failedProbeReleasesWhatItAcquired() {
        pci.addBridge(bridge);
        pci.registerDriver(new TestDriver<>("bad", List.of(PciDeviceId.of(0x1b36, 0x0005)), (dev, id) -> {
            dev.iomapRegion(0, "bad");
            dev.allocCoherent(100);
            throw new DriverException(Errno.EIO, "hardware says no");
        }), "t", 0, 1);
        assertTrue(dev("0000:00:03.0").driver().isEmpty());
        assertEquals(0, testdev.liveMaps.get());
        assertEquals(0, testdev.liveDma.get());
        assertTrue(dev("0000:00:03.0").devres().isEmpty());
    }

    @Test
    void sriovNumvfsRulesAndVfsAsDevices() {
        FakeFunction pf = bridge.function(5, 0, PciRegs.PCI_CFG_SPACE_EXP_SIZE)
                .ids(0x10de, 0x2684, 0x10de, 0x167c, 0x030000, 0xa1).sriov(4);
        pci.addBridge(bridge);
        assertEquals(Errno.ENOENT, errno(() -> pci.sriovNumvfs("0000:00:04.0", "1")), "not a PF");
        assertEquals(Errno.ENODEV, errno(() -> pci.sriovNumvfs("0000:00:09.0", "1")));
        assertEquals(Errno.ENOENT, errno(() -> pci.sriovNumvfs("0000:00:05.0", "2")), "no driver");
        pci.sriovNumvfs("0000:00:05.0", "0");
        TestDriver<Object> gpu = new TestDriver<>("nova", List.of(PciDeviceId.of(0x10de, 0x2684)), (dev, id) -> null);
        pci.registerDriver(gpu, "t", 0, 1);
        assertEquals(Errno.ENOENT, errno(() -> pci.sriovNumvfs("0000:00:05.0", "2")), "no sriov_configure");
        gpu.sriov = true;
        assertEquals(Errno.EINVAL, errno(() -> pci.sriovNumvfs("0000:00:05.0", "two")));
        assertEquals(Errno.ERANGE, errno(() -> pci.sriovNumvfs("0000:00:05.0", "5")));
        TestDriver<Object> vfDriver = new TestDriver<>("vgpu", List.of(PciDeviceId.of(0x10de, 0x10ff)), (dev, id) -> {
            assertTrue(dev.isVirtfn());
            assertEquals("0000:00:05.0", dev.physfn().orElseThrow().slot());
            return null;
        });
        pci.registerDriver(vfDriver, "t", 0, 2);
        pci.sriovNumvfs("0000:00:05.0", "2\n");
        assertEquals(2, pf.sriov().orElseThrow().numVfs());
        Device vf1 = dev("0000:00:06.0");
        assertEquals("0000:00:05.0", vf1.parent().orElseThrow().name());
        assertEquals(Optional.of("vgpu"), vf1.driver());
        assertEquals(Optional.of("vgpu"), dev("0000:00:07.0").driver());
        Optional<PciAddress> none = Optional.empty();
        Optional<PciAddress> pf05 = Optional.of(new PciAddress(0, 0, 5, 0));
        assertEquals(List.of(none, none, none, pf05, pf05), pci.devices().stream().map(PciDeviceInfo::physfn).toList(),
                "the listing names a VF's PF by address");
        PciDevice pfDev = pci.device("0000:00:05.0").orElseThrow();
        assertEquals(2, pfDev.virtfns().size());
        // pci_iov_vf_id: the VFs' indexes in the PF's SR-IOV numbering; a PF has none
        assertEquals(List.of(0, 1), pfDev.virtfns().stream().map(PciDevice::vfId).toList());
        assertEquals(1, pci.device("0000:00:07.0").orElseThrow().vfId());
        assertEquals(Errno.EINVAL, errno(pfDev::vfId));
        assertEquals(Errno.EBUSY, errno(() -> pci.sriovNumvfs("0000:00:05.0", "3")));
        pci.sriovNumvfs("0000:00:05.0", "2");
        assertEquals(Errno.EINVAL, errno(() -> pfDev.enableSriov(1)), "already enabled");
        pci.sriovNumvfs("0000:00:05.0", "0");
        assertTrue(fake.device("0000:00:06.0").isEmpty());
        assertTrue(log.contains("vgpu.unbind 0000:00:06.0"), "VF drivers unbound while the VFs existed");
        assertEquals(Errno.ENOSYS, errno(() -> pci.device("0000:00:04.0").orElseThrow().enableSriov(1)));
    }

    @Test
    void vfsProbeOnlyWithAutoprobeOrOverride() {
        bridge.function(5, 0, PciRegs.PCI_CFG_SPACE_EXP_SIZE).ids(0x10de, 0x2684, 0, 0, 0x030000, 0).sriov(2);
        pci.addBridge(bridge);
        TestDriver<Object> gpu = new TestDriver<>("nova", List.of(PciDeviceId.of(0x10de, 0x2684)), (dev, id) -> null);
        gpu.sriov = true;
        pci.registerDriver(gpu, "t", 0, 1);
        pci.registerDriver(new TestDriver<>("vgpu", List.of(PciDeviceId.of(0x10de, 0x10ff)), (dev, id) -> null), "t", 0, 2);
        pci.setSriovDriversAutoprobe("0000:00:05.0", false);
        assertFalse(pci.sriovDriversAutoprobe("0000:00:05.0"));
        pci.sriovNumvfs("0000:00:05.0", "1");
        assertTrue(dev("0000:00:06.0").driver().isEmpty());
        assertEquals(Errno.ENODEV, errno(() -> fake.bind("0000:00:06.0", "vgpu")), "pci_device_can_probe");
        fake.setDriverOverride("0000:00:06.0", "vgpu");
        fake.bind("0000:00:06.0", "vgpu");
        assertEquals(Optional.of("vgpu"), dev("0000:00:06.0").driver());
    }

    @Test
    void pfUnbindConfiguresZeroVfsBeforeUnbind() {
        bridge.function(5, 0, PciRegs.PCI_CFG_SPACE_EXP_SIZE).ids(0x10de, 0x2684, 0, 0, 0x030000, 0).sriov(2);
        pci.addBridge(bridge);
        TestDriver<Object> gpu = new TestDriver<>("nova", List.of(PciDeviceId.of(0x10de, 0x2684)), (dev, id) -> null);
        gpu.sriov = true;
        DriverRegistration r = pci.registerDriver(gpu, "t", 0, 1);
        pci.sriovNumvfs("0000:00:05.0", "2");
        log.clear();
        r.close();
        assertEquals(List.of("nova.sriov_configure 0", "nova.unbind 0000:00:05.0"), log);
        assertTrue(fake.device("0000:00:06.0").isEmpty());
    }

    @Test
    void deviceLookupAcceptsShortSlotNames() {
        pci.addBridge(bridge);
        assertTrue(pci.device("00:04.0").isPresent());
        assertTrue(pci.device("0000:00:04.0").isPresent());
        assertTrue(pci.device("junk").isEmpty());
        assertNotNull(pci.device("00:03.0").orElseThrow().device());
        PciDevice edu04 = pci.device(new PciAddress(0, 0, 4, 0)).orElseThrow();
        assertSame(pci.device("00:04.0").orElseThrow(), edu04);
        assertEquals(new PciAddress(0, 0, 4, 0), edu04.address());
        assertEquals("0000:00:04.0", edu04.slot());
        assertTrue(pci.device(new PciAddress(1, 0, 4, 0)).isEmpty(), "another domain");
        assertEquals(new PciAddress(0, 0, 4, 0), pci.devices().get(1).address());
    }
}
