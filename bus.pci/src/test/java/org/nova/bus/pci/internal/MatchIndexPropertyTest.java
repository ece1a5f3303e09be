package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.ProbeType;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.pci.PciRegs;

/**
 * Property tests of the PCI side of the driver core's match index and of the flattened static
 * table: for random id tables (exact ids, PCI_ANY_ID in every field, class masks byte-aligned or
 * not, override_only entries, terminators) and random functions drawn from the same few values,
 * <ul>
 * <li>{@link PciMatch#matchFlat} on {@link PciMatch#flatten} answers what {@link PciMatch#matchStatic}
 * (pci_match_id walking the table) answers;</li>
 * <li>every driver that matches a function shares an index key with it or has none
 * ({@link PciMatch#driverKeys} / {@link PciMatch#deviceKeys}): the index never hides a match;</li>
 * <li>on the real core, {@code firstChoice} of every device equals a linear scan of every driver in
 * registration order ({@code bus_for_each_drv} + {@code pci_match_device}) that keeps the most
 * specific match, the first of equals; and where every entry is of one specificity, that is the
 * kernel's linear first match.</li>
 * </ul>
 * Each seed is a case of its own; a failure names it.
 */
class MatchIndexPropertyTest {
    private static final int ANY = PciDeviceId.PCI_ANY_ID;
    /** Few values per field, so that random entries and functions meet often. */
    private static final int[] VENDORS = {0x10de, 0x1234, 0x8086};
    private static final int[] DEVICES = {0x0001, 0x0002, 0x0003, 0x11e8};
    private static final int[] SUBSYSTEMS = {0x1af4, 0x1100};
    private static final int[] CLASSES = {0x030000, 0x030200, 0x0302ff, 0x010802, 0x00ff00, 0x020000};
    /** Byte-aligned masks (indexed), odd ones (not), none, and one with bits beyond the 24 of a class. */
    private static final int[] MASKS = {0, PciRegs.PCI_CLASS_MASK_BASE, PciRegs.PCI_CLASS_MASK_BASE_SUB,
        PciRegs.PCI_CLASS_MASK_24, 0xf00000, 0x00ff00, 0xfff000, 0x1ff0000};

    StandaloneDriverCore standalone;
    DriverCore core;
    PciBusImpl pci;
    Bus bus;

    @BeforeEach
    void setUp() {
        standalone = StandaloneDriverCore.start();
        core = standalone.core();
        pci = new PciBusImpl(core);
        bus = core.requireBus(PciBus.NAME);
        bus.setAutoprobe(false);
    }

    @AfterEach
    void tearDown() {
        pci.close();
        standalone.close();
    }

    private static int pick(Random r, int[] values) {
        return values[r.nextInt(values.length)];
    }

    /** A field of an entry: PCI_ANY_ID one time in three. */
    private static int field(Random r, int[] values) {
        return r.nextInt(3) == 0 ? ANY : pick(r, values);
    }

    private static PciDeviceId entry(Random r) {
        int shape = r.nextInt(10);
        if (shape == 0) {
            // a terminator: pci_match_id stops there
            return new PciDeviceId(0, 0, 0, 0, 0, 0, 0, false);
        }
        return new PciDeviceId(field(r, VENDORS), field(r, DEVICES), field(r, SUBSYSTEMS), field(r, SUBSYSTEMS),
                pick(r, CLASSES), pick(r, MASKS), 0, r.nextInt(8) == 0);
    }

    private static List<PciDeviceId> table(Random r) {
        List<PciDeviceId> t = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            t.add(entry(r));
        }
        return t;
    }

    private static PciIds function(Random r) {
        return new PciIds(pick(r, VENDORS), pick(r, DEVICES), pick(r, SUBSYSTEMS), pick(r, SUBSYSTEMS),
                pick(r, CLASSES), 0);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void flatTableAndIndexKeysAgreeWithTheLinearWalk(long seed) {
        Random r = new Random(seed);
        int matched = 0;
        int hidden = 0;
        for (int round = 0; round < 5_000; round++) {
            List<PciDeviceId> table = table(r);
            List<PciDeviceId> dynamic = r.nextInt(4) == 0 ? List.of(entry(r)) : List.of();
            PciIds f = function(r);
            int linear = PciMatch.matchStatic(table, f, false);
            assertEquals(linear, PciMatch.matchFlat(PciMatch.flatten(table), f),
                    "seed " + seed + ": table " + table + ", function " + f);
            Set<Object> driverKeys = PciMatch.driverKeys(dynamic, table);
            boolean matches = PciMatch.matchDevice(dynamic, table, f, null, "d") != null;
            if (matches) {
                matched++;
                boolean admitted = driverKeys == null
                        || driverKeys.stream().anyMatch(PciMatch.deviceKeys(f)::contains);
                assertTrue(admitted, "seed " + seed + ": the index hides a match of " + f + " by dynamic ids "
                        + dynamic + ", table " + table + " (keys " + driverKeys + ")");
            } else if (driverKeys != null && driverKeys.stream().noneMatch(PciMatch.deviceKeys(f)::contains)) {
                hidden++;
            }
        }
        // the property says something only if both kinds of pair occur
        assertTrue(matched > 500, "seed " + seed + ": only " + matched + " matching pairs");
        assertTrue(hidden > 500, "seed " + seed + ": the index skipped only " + hidden + " pairs");
    }

    /** A driver with a random table that is never probed (autoprobe is off). */
    record Drv(String name, List<PciDeviceId> idTable) implements PciDriver<Object> {
        @Override
        public Object probe(PciDevice dev, PciDeviceId id) {
            throw new AssertionError("autoprobe is off: " + name + " probed " + dev.slot());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void firstChoiceIsTheBestOfALinearScanOfEveryDriver(long seed) {
        checkAgainstLinearScan(seed, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23, 24})
    void withOneSpecificityFirstChoiceIsTheKernelsLinearFirstMatch(long seed) {
        checkAgainstLinearScan(seed, true);
    }

    /**
     * Registers 60 drivers with random tables (in {@code sameTier}, plain vendor:device entries
     * only, so that every match is of one specificity) and 200 functions, and compares the core's
     * choice for each device with a linear scan.
     */
    private void checkAgainstLinearScan(long seed, boolean sameTier) {
        Random r = new Random(seed);
        List<Drv> drivers = new ArrayList<>();
        for (int d = 0; d < 60; d++) {
            List<PciDeviceId> t = sameTier
                    ? List.of(PciDeviceId.of(pick(r, VENDORS), pick(r, DEVICES)),
                            PciDeviceId.of(pick(r, VENDORS), pick(r, DEVICES)))
                    : table(r);
            Drv drv = new Drv("drv" + d, t);
            drivers.add(drv);
            pci.registerDriver(drv, "t", 0, d + 1);
        }
        FakeBridge bridge = new FakeBridge("prop", 0);
        List<PciIds> ids = new ArrayList<>();
        for (int f = 0; f < 200; f++) {
            PciIds id = function(r);
            ids.add(id);
            bridge.function(f / 8, f % 8, PciRegs.PCI_CFG_SPACE_SIZE).ids(id.vendor(), id.device(),
                    id.subsystemVendor(), id.subsystemDevice(), id.classCode(), 0);
        }
        pci.addBridge(bridge);
        int chosen = 0;
        for (int f = 0; f < ids.size(); f++) {
            Device dev = bus.device(String.format("0000:00:%02x.%d", f / 8, f % 8)).orElseThrow();
            String expected = null;
            int best = Integer.MIN_VALUE;
            for (Drv d : drivers) {
                PciDeviceId m = PciMatch.matchDevice(List.of(), d.idTable(), ids.get(f), null, d.name());
                if (m != null && PciMatch.specificity(m) > best) {
                    best = PciMatch.specificity(m);
                    expected = d.name();
                }
            }
            assertEquals(Optional.ofNullable(expected), core.firstChoice(dev),
                    "seed " + seed + ": " + dev.name() + " " + ids.get(f));
            chosen += expected != null ? 1 : 0;
        }
        assertTrue(chosen > 20, "seed " + seed + ": only " + chosen + " devices of " + ids.size()
                + " have a driver");
    }
}
