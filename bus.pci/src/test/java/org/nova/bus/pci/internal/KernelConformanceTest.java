package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.pci.PciRegs;

/**
 * The kernel's PCI matching and binding rules as a table: one row per case, each with its setup
 * and action (the lambda), the result the kernel gives, and where the kernel says so
 * (file:function, read in torvalds/linux). A row runs on a fresh real driver core and PCI bus with
 * two fake functions:
 * <ul>
 * <li>{@value #EDU}: 1234:11e8, subsystem 1af4:1100, class 00ff00</li>
 * <li>{@value #TESTDEV}: 1b36:0005, subsystem 1af4:1100, class 00ff00</li>
 * </ul>
 * A row's result is "ok", an errno name, or what the row reads back (a driver, a matched entry's
 * driver_data, an override). The drivers_autoprobe parse of bus.c is in driver.core's
 * {@code DriverCommandsTest}; the deliberate differences (trial order, reprobe when a driver
 * leaves) are in docs/matching.md and not rows here.
 */
class KernelConformanceTest {
    static final String EDU = "0000:00:04.0";
    static final String TESTDEV = "0000:00:03.0";
    /** The driver_data of the test tables' plain entry. */
    static final long DATA_PLAIN = 1;
    /** The driver_data of the test tables' subsystem entry. */
    static final long DATA_SUB = 2;

    /** One case: what is set up and done (the lambda), what the kernel answers, where it says so. */
    record Row(String name, String kernel, String cite, Function<World, String> action) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** What a test driver's probe does. */
    enum Probe { OK, DEFER, ENODEV, EIO }

    /** A PCI driver whose table and probe a row chooses; it records the entry each probe was given. */
    static class Drv implements PciDriver<Object> {
        final String name;
        final List<PciDeviceId> table;
        final Probe probe;
        final List<PciDeviceId> probedWith = new CopyOnWriteArrayList<>();
        final List<String> probedSlots = new CopyOnWriteArrayList<>();

        Drv(String name, Probe probe, PciDeviceId... table) {
            this.name = name;
            this.probe = probe;
            this.table = List.of(table);
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
        public Object probe(PciDevice dev, PciDeviceId id) {
            probedWith.add(id);
            probedSlots.add(dev.slot());
            return switch (probe) {
                case OK -> name;
                case DEFER -> throw new ProbeDeferException(name + " waits");
                case ENODEV -> throw new DriverException(Errno.ENODEV, name + " rejects it");
                case EIO -> throw new DriverException(Errno.EIO, name + " failed");
            };
        }
    }

    /** A fresh core, PCI bus and bridge for one row. */
    static final class World implements AutoCloseable {
        final StandaloneDriverCore standalone = StandaloneDriverCore.start();
        final DriverCore core = standalone.core();
        final PciBusImpl pci;
        final Bus bus;
        final FakeBridge bridge = new FakeBridge("fake0", 0);
        long serviceIds;

        World() {
            core.setTestDriverRemove(false);
            pci = new PciBusImpl(core);
            bus = core.requireBus(PciBus.NAME);
            bridge.function(4, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10);
            bridge.function(3, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1b36, 0x0005, 0x1af4, 0x1100, 0x00ff00, 0);
        }

        World devices() {
            pci.addBridge(bridge);
            return this;
        }

        Drv register(Drv d) {
            pci.registerDriver(d, "conformance", 0, ++serviceIds);
            return d;
        }

        String driverOf(String dev) {
            core.waitForDeviceProbe(Duration.ofSeconds(10));
            return bus.device(dev).flatMap(Device::driver).orElse("unbound");
        }

        @Override
        public void close() {
            pci.close();
            standalone.close();
        }
    }

    private World world;

    @AfterEach
    void tearDown() {
        if (world != null) {
            world.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void kernelResult(Row row) {
        world = new World();
        assertEquals(row.kernel(), row.action().apply(world), row.name() + " — kernel: " + row.cite());
    }

    /** "ok" or the errno the action throws. */
    static String errno(Runnable r) {
        try {
            r.run();
            return "ok";
        } catch (DriverException e) {
            return e.errno().name();
        }
    }

    static PciDeviceId eduId(long data) {
        return PciDeviceId.of(0x1234, 0x11e8).withDriverData(data);
    }

    static PciDeviceId eduSubId(long data) {
        return PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af4, 0x1100).withDriverData(data);
    }

    /** The driver_data of the entry the driver's latest probe of the edu function was given. */
    static String data(Drv d) {
        int i = d.probedSlots.lastIndexOf(EDU);
        return i < 0 ? "not probed" : "data " + d.probedWith.get(i).driverData();
    }

    static Stream<Row> rows() {
        List<Row> r = new ArrayList<>();
        // ---- drivers/pci/pci.h pci_match_one_device, pci-driver.c pci_match_id / pci_match_device
        r.add(new Row("vendor:device entry binds", "a", "drivers/pci/pci.h:pci_match_one_device", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            return w.devices().driverOf(EDU);
        }));
        r.add(new Row("class under class_mask binds any vendor", "a", "drivers/pci/pci.h:pci_match_one_device", w -> {
            w.register(new Drv("a", Probe.OK, PciDeviceId.ofClass(0x00ff00, 0xffff00)));
            return w.devices().driverOf(TESTDEV);
        }));
        r.add(new Row("class outside class_mask is ignored", "a", "drivers/pci/pci.h:pci_match_one_device", w -> {
            w.register(new Drv("a", Probe.OK, PciDeviceId.ofClass(0x00ffaa, 0xffff00)));
            return w.devices().driverOf(TESTDEV);
        }));
        r.add(new Row("subsystem mismatch: bind is ENODEV", "ENODEV", "drivers/base/bus.c:bind_store", w -> {
            w.register(new Drv("a", Probe.OK, PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af4, 0x1101)));
            w.devices();
            return errno(() -> w.bus.bind(EDU, "a"));
        }));
        r.add(new Row("entries after a terminator never match", "unbound", "drivers/pci/pci-driver.c:pci_match_id", w -> {
            w.register(new Drv("a", Probe.OK, new PciDeviceId(0, 0, 0, 0, 0, 0, 0, false), eduId(0)));
            return w.devices().driverOf(EDU);
        }));
        r.add(new Row("multi-entry table: the first matching entry's driver_data", "data 2",
                "drivers/pci/pci-driver.c:pci_match_id", w -> {
                    Drv a = w.register(new Drv("a", Probe.OK, PciDeviceId.of(0x1b36, 5), eduSubId(DATA_SUB),
                            eduId(DATA_PLAIN)));
                    w.devices().driverOf(EDU);
                    return data(a);
                }));
        r.add(new Row("dynamic ids are matched before the static table", "data 1",
                "drivers/pci/pci-driver.c:pci_match_device", w -> {
                    Drv a = w.register(new Drv("a", Probe.OK, eduSubId(DATA_SUB), eduId(DATA_PLAIN)));
                    w.bus.setAutoprobe(false);
                    w.devices();
                    w.pci.newId("a", "1234 11e8 1af4 1100 0 0 1");
                    w.driverOf(EDU);
                    return data(a);
                }));
        r.add(new Row("override_only entry without driver_override: no match", "unbound",
                "drivers/pci/pci-driver.c:pci_match_device", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0).asOverrideOnly()));
                    return w.devices().driverOf(EDU);
                }));
        r.add(new Row("override_only entry with driver_override: that entry", "data 2",
                "drivers/pci/pci-driver.c:pci_match_device", w -> {
                    Drv a = w.register(new Drv("a", Probe.OK, eduId(DATA_SUB).asOverrideOnly()));
                    w.bus.setAutoprobe(false);
                    w.devices();
                    w.bus.setDriverOverride(EDU, "a");
                    w.bus.bind(EDU, "a");
                    return data(a);
                }));
        r.add(new Row("driver_override without a matching entry: pci_device_id_any", "true",
                "drivers/pci/pci-driver.c:pci_match_device", w -> {
                    Drv a = w.register(new Drv("a", Probe.OK, PciDeviceId.of(0x10de, 0x2684)));
                    w.bus.setAutoprobe(false);
                    w.devices();
                    w.bus.setDriverOverride(EDU, "a");
                    w.bus.bind(EDU, "a");
                    return String.valueOf(a.probedWith.get(0).equals(PciMatch.OVERRIDE_ANY));
                }));
        r.add(new Row("driver_override naming another driver: bind ENODEV", "ENODEV",
                "drivers/pci/pci-driver.c:pci_match_device", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    w.bus.setAutoprobe(false);
                    w.devices();
                    w.bus.setDriverOverride(EDU, "b");
                    return errno(() -> w.bus.bind(EDU, "a"));
                }));
        // ---- drivers/pci/pci-driver.c new_id_store / remove_id_store
        r.add(new Row("new_id with one field", "EINVAL", "drivers/pci/pci-driver.c:new_id_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            return errno(() -> w.pci.newId("a", "1234"));
        }));
        r.add(new Row("new_id of an id the static table has", "EEXIST", "drivers/pci/pci-driver.c:new_id_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            return errno(() -> w.pci.newId("a", "1234 11e8"));
        }));
        r.add(new Row("new_id with all seven fields skips the EEXIST check", "ok",
                "drivers/pci/pci-driver.c:new_id_store", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    return errno(() -> w.pci.newId("a", "1234 11e8 ffffffff ffffffff 0 0 0"));
                }));
        r.add(new Row("new_id compares through pci_dev's u16 vendor: 11234 is 1234", "EEXIST",
                "drivers/pci/pci-driver.c:new_id_store", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    return errno(() -> w.pci.newId("a", "11234 11e8"));
                }));
        r.add(new Row("new_id's default PCI_ANY_ID subsystem is ffff in a pci_dev", "EEXIST",
                "drivers/pci/pci-driver.c:new_id_store", w -> {
                    w.register(new Drv("a", Probe.OK, PciDeviceId.withSubsystem(0x1234, 0x11e8, 0xffff, 0xffff)));
                    return errno(() -> w.pci.newId("a", "1234 11e8"));
                }));
        r.add(new Row("new_id with a driver_data no entry carries", "EINVAL", "drivers/pci/pci-driver.c:new_id_store",
                w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    return errno(() -> w.pci.newId("a", "1b36 5 ffffffff ffffffff 0 0 7"));
                }));
        r.add(new Row("new_id binds the unbound devices it matches", "a", "drivers/pci/pci-driver.c:new_id_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            w.devices();
            w.pci.newId("a", "1b36 5");
            return w.driverOf(TESTDEV);
        }));
        r.add(new Row("new_id of all zeroes is accepted; the static table and later dynamic ids still match",
                "ok a a", "drivers/pci/pci-driver.c:new_id_store, pci_match_device", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    String added = errno(() -> w.pci.newId("a", "0 0 0 0 0 0"));
                    w.pci.newId("a", "1b36 5");
                    // hot-added after the new_ids: found through the driver's index keys
                    return added + " " + w.devices().driverOf(EDU) + " " + w.driverOf(TESTDEV);
                }));
        r.add(new Row("remove_id of an id never added", "ENODEV", "drivers/pci/pci-driver.c:remove_id_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            return errno(() -> w.pci.removeId("a", "1b36 5"));
        }));
        r.add(new Row("remove_id with one field", "EINVAL", "drivers/pci/pci-driver.c:remove_id_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            return errno(() -> w.pci.removeId("a", "1b36"));
        }));
        // ---- drivers/base/bus.c bind_store, unbind_store, drivers_probe_store
        r.add(new Row("bind of a bound device by a driver that does not match: ENODEV first", "ENODEV",
                "drivers/base/bus.c:bind_store", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    w.register(new Drv("b", Probe.OK, PciDeviceId.of(0x1b36, 5)));
                    w.devices().driverOf(EDU);
                    return errno(() -> w.bus.bind(EDU, "b"));
                }));
        r.add(new Row("bind of a bound device by a driver that matches", "EBUSY",
                "drivers/base/dd.c:__driver_probe_device", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    w.register(new Drv("b", Probe.OK, PciDeviceId.of(0x1234, PciDeviceId.PCI_ANY_ID)));
                    w.devices().driverOf(EDU);
                    return errno(() -> w.bus.bind(EDU, "b"));
                }));
        r.add(new Row("bind of a device that does not exist", "ENODEV", "drivers/base/bus.c:bind_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            return errno(() -> w.bus.bind("0000:00:09.0", "a"));
        }));
        r.add(new Row("bind through a driver that does not exist (no such file)", "ENOENT",
                "drivers/base/bus.c:bind_store", w -> {
                    w.devices();
                    return errno(() -> w.bus.bind(EDU, "nobody"));
                }));
        r.add(new Row("bind with the newline echo leaves", "a", "drivers/base/bus.c:bind_store (sysfs_streq)", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            w.bus.setAutoprobe(false);
            w.devices();
            w.bus.bind(EDU + "\n", "a");
            return w.driverOf(EDU);
        }));
        r.add(new Row("bind whose probe defers", "EAGAIN []", "drivers/base/dd.c:device_driver_attach", w -> {
            w.register(new Drv("a", Probe.DEFER, eduId(0)));
            w.bus.setAutoprobe(false);
            w.devices();
            return errno(() -> w.bus.bind(EDU, "a")) + " " + w.core.deferredDevices();
        }));
        r.add(new Row("bind whose probe fails", "EIO", "drivers/base/dd.c:device_driver_attach", w -> {
            w.register(new Drv("a", Probe.EIO, eduId(0)));
            w.bus.setAutoprobe(false);
            w.devices();
            return errno(() -> w.bus.bind(EDU, "a"));
        }));
        r.add(new Row("unbind through a driver the device is not bound to", "ENODEV a",
                "drivers/base/bus.c:unbind_store", w -> {
                    w.register(new Drv("a", Probe.OK, eduId(0)));
                    w.register(new Drv("b", Probe.OK, PciDeviceId.of(0x1b36, 5)));
                    w.devices().driverOf(EDU);
                    return errno(() -> w.bus.unbind(EDU, "b")) + " " + w.driverOf(EDU);
                }));
        r.add(new Row("unbind through the bound driver", "ok unbound", "drivers/base/bus.c:unbind_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            w.devices().driverOf(EDU);
            return errno(() -> w.bus.unbind(EDU, "a")) + " " + w.driverOf(EDU);
        }));
        r.add(new Row("drivers_probe of a device no driver matches succeeds", "ok unbound",
                "drivers/base/bus.c:drivers_probe_store", w -> {
                    w.devices();
                    return errno(() -> w.bus.probe(EDU)) + " " + w.driverOf(EDU);
                }));
        r.add(new Row("drivers_probe binds with autoprobe off", "a", "drivers/base/bus.c:drivers_probe_store", w -> {
            w.register(new Drv("a", Probe.OK, eduId(0)));
            w.bus.setAutoprobe(false);
            w.devices();
            w.bus.probe(EDU);
            return w.driverOf(EDU);
        }));
        // ---- drivers/base/dd.c __device_attach_driver, driver_probe_device, really_probe
        r.add(new Row("a probe's -EPROBE_DEFER lets the next matching driver bind", "b []",
                "drivers/base/dd.c:__device_attach_driver", w -> {
                    w.register(new Drv("a", Probe.DEFER, eduSubId(0)));
                    w.register(new Drv("b", Probe.OK, eduId(0)));
                    return w.devices().driverOf(EDU) + " " + w.core.deferredDevices();
                }));
        r.add(new Row("a probe's -ENODEV lets the next matching driver bind", "b",
                "drivers/base/dd.c:__device_attach_driver", w -> {
                    w.register(new Drv("a", Probe.ENODEV, eduSubId(0)));
                    w.register(new Drv("b", Probe.OK, eduId(0)));
                    return w.devices().driverOf(EDU);
                }));
        r.add(new Row("any probe error lets the next matching driver bind", "b",
                "drivers/base/dd.c:__device_attach_driver", w -> {
                    w.register(new Drv("a", Probe.EIO, eduSubId(0)));
                    w.register(new Drv("b", Probe.OK, eduId(0)));
                    return w.devices().driverOf(EDU);
                }));
        r.add(new Row("a deferring probe alone puts the device on the deferred list", "unbound [pci:" + EDU + "]",
                "drivers/base/dd.c:driver_probe_device", w -> {
                    w.register(new Drv("a", Probe.DEFER, eduId(0)));
                    return w.devices().driverOf(EDU) + " " + w.core.deferredDevices();
                }));
        // ---- drivers/base/driver.c driver_set_override (pci-sysfs.c driver_override_store)
        r.add(new Row("driver_override ends at its newline", "a", "drivers/base/driver.c:driver_set_override", w -> {
            w.devices();
            w.bus.setDriverOverride(EDU, "a\nb");
            return w.bus.device(EDU).orElseThrow().driverOverride().orElse("(null)");
        }));
        r.add(new Row("driver_override of a lone newline clears it", "(null)",
                "drivers/base/driver.c:driver_set_override", w -> {
                    w.devices();
                    w.bus.setDriverOverride(EDU, "a");
                    w.bus.setDriverOverride(EDU, "\n");
                    return w.bus.device(EDU).orElseThrow().driverOverride().orElse("(null)");
                }));
        r.add(new Row("driver_override ends at an embedded NUL (strlen)", "a", "drivers/base/driver.c:driver_set_override",
                w -> {
                    w.devices();
                    w.bus.setDriverOverride(EDU, "a\0b");
                    return w.bus.device(EDU).orElseThrow().driverOverride().orElse("(null)");
                }));
        r.add(new Row("driver_override of NULs only clears it", "(null)", "drivers/base/driver.c:driver_set_override",
                w -> {
                    w.devices();
                    w.bus.setDriverOverride(EDU, "a");
                    w.bus.setDriverOverride(EDU, "\0\0");
                    return w.bus.device(EDU).orElseThrow().driverOverride().orElse("(null)");
                }));
        r.add(new Row("driver_override of 4094 bytes is accepted", "ok", "drivers/base/driver.c:driver_set_override",
                w -> {
                    w.devices();
                    return errno(() -> w.bus.setDriverOverride(EDU, "a".repeat(4094)));
                }));
        r.add(new Row("driver_override of 4095 bytes (PAGE_SIZE - 1) is refused, the old one kept", "EINVAL a",
                "drivers/base/driver.c:driver_set_override", w -> {
                    w.devices();
                    w.bus.setDriverOverride(EDU, "a");
                    return errno(() -> w.bus.setDriverOverride(EDU, "b".repeat(4095))) + " "
                            + w.bus.device(EDU).orElseThrow().driverOverride().orElse("(null)");
                }));
        r.add(new Row("driver_override counts bytes: 2047 two-byte characters are 4094", "ok EINVAL",
                "drivers/base/driver.c:driver_set_override", w -> {
                    w.devices();
                    return errno(() -> w.bus.setDriverOverride(EDU, "\u00e9".repeat(2047))) + " "
                            + errno(() -> w.bus.setDriverOverride(EDU, "\u00e9".repeat(2047) + "b"));
                }));
        // ---- drivers/pci/iov.c sriov_drivers_autoprobe_store (kstrtobool) and pci_device_can_probe
        for (String[] v : new String[][] {{"1", "true"}, {"0", "false"}, {"y", "true"}, {"N", "false"},
            {"on", "true"}, {"oFf", "false"}, {"true", "true"}, {"f", "false"}, {"o", "EINVAL"}, {"", "EINVAL"},
            {"2", "EINVAL"}, {" 1", "EINVAL"}, {"yes\n", "true"}}) {
            r.add(new Row("sriov_drivers_autoprobe '" + v[0].replace("\n", "\\n") + "'", v[1],
                    "drivers/pci/iov.c:sriov_drivers_autoprobe_store (lib/kstrtox.c:kstrtobool)", w -> {
                        Boolean b = SysfsInput.kstrtobool(v[0]);
                        return b == null ? "EINVAL" : b.toString();
                    }));
        }
        r.add(new Row("a VF under sriov_drivers_autoprobe 0 cannot be bound without driver_override", "ENODEV ok",
                "drivers/pci/pci-driver.c:pci_device_probe (pci_device_can_probe)", w -> {
                    w.bridge.function(5, 0, PciRegs.PCI_CFG_SPACE_EXP_SIZE).ids(0x10de, 0x2684, 0, 0, 0x030000, 0)
                            .sriov(1);
                    Drv pf = new Drv("pf", Probe.OK, PciDeviceId.of(0x10de, 0x2684)) {
                        @Override
                        public boolean supportsSriov() {
                            return true;
                        }

                        @Override
                        public int sriovConfigure(PciDevice dev, int n) {
                            if (n == 0) {
                                dev.disableSriov();
                            } else {
                                dev.enableSriov(n);
                            }
                            return n;
                        }
                    };
                    w.register(pf);
                    w.register(new Drv("vf", Probe.OK, PciDeviceId.of(0x10de, 0x10ff)));
                    w.devices();
                    w.pci.setSriovDriversAutoprobe("0000:00:05.0", false);
                    w.pci.sriovNumvfs("0000:00:05.0", "1");
                    String vf = "0000:00:06.0";
                    String first = errno(() -> w.bus.bind(vf, "vf"));
                    w.bus.setDriverOverride(vf, "vf");
                    return first + " " + errno(() -> w.bus.bind(vf, "vf"));
                }));
        return r.stream();
    }
}
