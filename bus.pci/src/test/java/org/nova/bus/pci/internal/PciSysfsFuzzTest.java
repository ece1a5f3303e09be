package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.RegionFlag;
import org.nova.hw.pci.PciRegs;

/**
 * The sysfs-style text a user writes to the PCI bus (issue 14, fuzzing): {@code new_id},
 * {@code remove_id}, {@code driver_override}, {@code bind} / {@code unbind} (device and driver
 * names), {@code sriov_numvfs}, and the kernel parsers under them (sscanf %x, kstrtou16). The
 * contract: each write succeeds or fails with {@link DriverException} carrying an errno, nothing
 * else; after every write no device is bound to a driver that does not exist, and when the input
 * is done everything it changed can be undone (dynamic ids removed, overrides cleared, devices
 * unbound) with no devres left behind.
 *
 * <p>One real driver core, PCI bus and fake bridge serve a whole run (Jazzer's per-test
 * lifecycle); every input starts from the same state because the previous one was undone.
 */
class PciSysfsFuzzTest {
    /** Operations an input chooses from, one byte each. */
    private enum Op {
        NEW_ID, REMOVE_ID, OVERRIDE, BIND, UNBIND, NUMVFS, PROBE
    }

    /** The strings an input may write: the real names first, so mutations start near them. */
    private static final List<String> DEVICES = List.of("0000:00:03.0", "0000:00:04.0");
    private static final List<String> DRIVERS = List.of("fuzz-a", "fuzz-b");
    /** Longest string one write takes from the input: past the 4095-byte limit of driver_override. */
    private static final int MAX_WRITE = 5000;
    /** Writes per input. */
    private static final int MAX_OPS = 16;

    StandaloneDriverCore standalone;
    PciBusImpl pci;
    Bus bus;

    /** A driver that binds whatever it is offered, and owns a devres action while bound. */
    private record AnyDriver(String name, List<PciDeviceId> idTable) implements PciDriver<Object> {
        @Override
        public Object probe(PciDevice dev, PciDeviceId id) {
            dev.device().devres().addAction("fuzz", () -> { });
            return null;
        }

        @Override
        public void unbind(PciDevice dev, Object data) {
        }
    }

    @BeforeEach
    void setUp() {
        standalone = StandaloneDriverCore.start();
        standalone.core().setTestDriverRemove(false);
        pci = new PciBusImpl(standalone.core());
        bus = standalone.core().requireBus(PciBus.NAME);
        FakeBridge bridge = new FakeBridge("fuzz0", 0);
        bridge.function(4, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10)
                .region(0, 0x1000, false, RegionFlag.MEMORY);
        bridge.function(3, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1b36, 0x0005, 0x1af4, 0x1100, 0x00ff00, 0)
                .region(0, 0x1000, true, RegionFlag.MEMORY);
        pci.addBridge(bridge);
        bus.setAutoprobe(false); // a write decides what binds, not the order drivers register in
        pci.registerDriver(new AnyDriver(DRIVERS.get(0), List.of(PciDeviceId.of(0x1234, 0x11e8))), "fuzz", 0, 1);
        pci.registerDriver(new AnyDriver(DRIVERS.get(1),
                List.of(PciDeviceId.of(0x1b36, 0x0005).withDriverData(7))), "fuzz", 0, 1);
    }

    @AfterEach
    void tearDown() {
        pci.close();
        standalone.close();
    }

    private static String text(FuzzedDataProvider in) {
        // sysfs hands the driver bytes; Latin-1 keeps every byte value, NUL and newline included
        return new String(in.consumeBytes(in.consumeInt(0, MAX_WRITE)), StandardCharsets.ISO_8859_1);
    }

    private static String pick(FuzzedDataProvider in, List<String> real) {
        return in.consumeBoolean() ? in.pickValue(real) : text(in);
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void writes(FuzzedDataProvider in) {
        try {
            int ops = in.consumeInt(1, MAX_OPS);
            for (int i = 0; i < ops && in.remainingBytes() > 0; i++) {
                try {
                    switch (in.pickValue(Op.values())) {
                        case NEW_ID -> pci.newId(pick(in, DRIVERS), text(in));
                        case REMOVE_ID -> pci.removeId(pick(in, DRIVERS), text(in));
                        case OVERRIDE -> bus.setDriverOverride(pick(in, DEVICES), text(in));
                        case BIND -> bus.bind(pick(in, DEVICES), pick(in, DRIVERS));
                        case UNBIND -> bus.unbind(pick(in, DEVICES));
                        case NUMVFS -> pci.sriovNumvfs(pick(in, DEVICES), text(in));
                        case PROBE -> bus.probe(pick(in, DEVICES));
                    }
                } catch (DriverException e) {
                    assertNotNull(e.errno(), "a refused write carries its errno");
                }
                for (Device d : bus.devices()) {
                    Optional<String> drv = d.driver();
                    assertTrue(drv.isEmpty() || DRIVERS.contains(drv.get()), d + " bound to " + drv);
                }
            }
        } finally {
            undo();
        }
    }

    /** Back to the start: nothing bound, no override, no dynamic id; no devres left. */
    private void undo() {
        for (String name : DEVICES) {
            Device d = bus.device(name).orElseThrow();
            if (d.driver().isPresent()) {
                bus.unbind(name);
            }
            if (d.driverOverride().isPresent()) {
                bus.setDriverOverride(name, "");
            }
            assertTrue(d.devres().isEmpty(), name + " holds devres while unbound");
        }
        for (String drv : DRIVERS) {
            for (PciDeviceId id : pci.dynamicIds(drv)) {
                pci.removeId(drv, String.format("%x %x %x %x %x %x", id.vendor(), id.device(), id.subvendor(),
                        id.subdevice(), id.classCode(), id.classMask()));
            }
            assertEquals(List.of(), pci.dynamicIds(drv), drv + " keeps dynamic ids");
        }
    }

    /** The kernel parsers alone: sscanf's %x fields and kstrtou16, on any bytes. */
    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void parsers(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(SysfsInput.scanHex(s, DynamicIds.NEW_ID_FIELDS).length <= DynamicIds.NEW_ID_FIELDS);
        int v = SysfsInput.parseU16(s);
        assertTrue(v == SysfsInput.U16_INVALID || v == SysfsInput.U16_RANGE || (v >= 0 && v <= 0xffff), s);
    }
}
