package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciIds;

/** pci_match_one_device and pci_match_device as a table of cases. */
class PciMatchTest {
    static final int ANY = PciDeviceId.PCI_ANY_ID;
    /** QEMU edu: 1234:11e8, subsystem 1af4:1100, class 00ff00. */
    static final PciIds EDU = new PciIds(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10);
    /** An NVIDIA VGA controller: class 030000. */
    static final PciIds GPU = new PciIds(0x10de, 0x2684, 0x10de, 0x167c, 0x030000, 0xa1);

    static Stream<Arguments> oneDevice() {
        return Stream.of(
                Arguments.of("vendor:device", PciDeviceId.of(0x1234, 0x11e8), EDU, true),
                Arguments.of("wrong device", PciDeviceId.of(0x1234, 0x11e9), EDU, false),
                Arguments.of("wrong vendor", PciDeviceId.of(0x1235, 0x11e8), EDU, false),
                Arguments.of("any vendor any device", new PciDeviceId(ANY, ANY, ANY, ANY, 0, 0, 0, false), EDU, true),
                Arguments.of("subsystem equal", PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af4, 0x1100), EDU, true),
                Arguments.of("subsystem vendor differs", PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af5, 0x1100),
                        EDU, false),
                Arguments.of("subdevice any", PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af4, ANY), EDU, true),
                Arguments.of("subdevice differs", PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af4, 0x1101), EDU,
                        false),
                Arguments.of("class base under mask", PciDeviceId.ofClass(0x030000, 0xff0000), GPU, true),
                Arguments.of("class base other", PciDeviceId.ofClass(0x020000, 0xff0000), GPU, false),
                Arguments.of("class sub compared", PciDeviceId.ofClass(0x030200, 0xffff00), GPU, false),
                Arguments.of("class prog-if ignored", PciDeviceId.ofClass(0x0300ff, 0xffff00), GPU, true),
                Arguments.of("class mask 0 ignores class", PciDeviceId.ofClass(0x123456, 0), GPU, true),
                Arguments.of("class and vendor", PciDeviceId.ofClassAndVendor(0x030000, 0xff0000, 0x10de), GPU, true),
                Arguments.of("class and other vendor", PciDeviceId.ofClassAndVendor(0x030000, 0xff0000, 0x1002), GPU,
                        false),
                Arguments.of("class bits outside 24 compared too", new PciDeviceId(ANY, ANY, ANY, ANY, 0x1030000,
                        0xffffffff, 0, false), GPU, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void oneDevice(String name, PciDeviceId id, PciIds dev, boolean expected) {
        assertEquals(expected, id.matches(dev), name);
    }

    @Test
    void dynamicIdsComeBeforeTheStaticTable() {
        PciDeviceId stat = PciDeviceId.of(0x1234, 0x11e8).withDriverData(1);
        PciDeviceId dyn = PciDeviceId.of(0x1234, 0x11e8).withDriverData(2);
        assertSame(dyn, PciMatch.matchDevice(List.of(dyn), List.of(stat), EDU, null, "edu"));
        assertSame(stat, PciMatch.matchDevice(List.of(PciDeviceId.of(1, 2)), List.of(stat), EDU, null, "edu"));
    }

    @Test
    void staticTableInOrder() {
        PciDeviceId a = PciDeviceId.ofClass(0x00ff00, 0xffff00).withDriverData(1);
        PciDeviceId b = PciDeviceId.of(0x1234, 0x11e8).withDriverData(2);
        assertSame(a, PciMatch.matchDevice(List.of(), List.of(a, b), EDU, null, "x"), "first entry wins, not the most specific");
    }

    @Test
    void terminatorEndsTheTable() {
        PciDeviceId end = new PciDeviceId(0, 0x11e8, 0, 0, 0, 0, 0, false);
        assertTrue(end.isTerminator());
        assertNull(PciMatch.matchDevice(List.of(), List.of(end, PciDeviceId.of(0x1234, 0x11e8)), EDU, null, "x"));
    }

    @Test
    void overrideOnlyEntriesNeedAnOverride() {
        PciDeviceId only = PciDeviceId.of(0x1234, 0x11e8).asOverrideOnly();
        assertNull(PciMatch.matchDevice(List.of(), List.of(only), EDU, null, "vfio"));
        assertSame(only, PciMatch.matchDevice(List.of(), List.of(only), EDU, "vfio", "vfio"));
    }

    @Test
    void overrideOnlyEntryIsSkippedForALaterNormalOne() {
        PciDeviceId only = PciDeviceId.of(0x1234, 0x11e8).asOverrideOnly();
        PciDeviceId normal = PciDeviceId.ofClass(0x00ff00, 0xffff00).withDriverData(5);
        assertSame(normal, PciMatch.matchDevice(List.of(), List.of(only, normal), EDU, null, "d"));
    }

    @Test
    void overrideNamingThisDriverAlwaysMatches() {
        PciDeviceId id = PciMatch.matchDevice(List.of(), List.of(PciDeviceId.of(1, 2)), EDU, "stub", "stub");
        assertSame(PciMatch.OVERRIDE_ANY, id);
        assertTrue(id.matches(EDU));
        assertSame(PciMatch.OVERRIDE_ANY, PciMatch.matchDevice(List.of(), List.of(), EDU, "stub", "stub"));
    }

    @Test
    void overrideNamingAnotherDriverNeverMatches() {
        assertNull(PciMatch.matchDevice(List.of(PciDeviceId.of(0x1234, 0x11e8)), List.of(PciDeviceId.of(0x1234,
                0x11e8)), EDU, "other", "edu"));
    }

    @Test
    void specificityOrdersTheKindsOfEntry() {
        int sub = PciMatch.specificity(PciDeviceId.withSubsystem(0x1234, 0x11e8, 0x1af4, 0x1100));
        int dev = PciMatch.specificity(PciDeviceId.of(0x1234, 0x11e8));
        int vendorClass = PciMatch.specificity(PciDeviceId.ofClassAndVendor(0x030000, 0xff0000, 0x10de));
        int vendor = PciMatch.specificity(new PciDeviceId(0x10de, ANY, ANY, ANY, 0, 0, 0, false));
        int cls = PciMatch.specificity(PciDeviceId.ofClass(0x030000, 0xffffff));
        int any = PciMatch.specificity(PciMatch.OVERRIDE_ANY);
        assertTrue(sub > dev && dev > vendorClass && vendorClass > vendor && vendor > cls && cls > any,
                sub + " " + dev + " " + vendorClass + " " + vendor + " " + cls + " " + any);
        assertEquals(PciMatch.DEVICE, dev);
        assertEquals(PciMatch.CLASS + 24, cls);
        assertEquals(PciMatch.VENDOR_CLASS + 8, vendorClass);
        assertTrue(PciMatch.specificity(new PciDeviceId(0x1234, 0x11e8, ANY, ANY, 0x00ff00, 0xffff00, 0, false)) > dev,
                "a class mask refines a vendor:device entry");
    }
}
