package org.nova.bus.pci.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciIds;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** lspci's output formats over snapshots of fake devices. */
class LspciTest {
    static final String IDS = """
            # pci.ids excerpt
            1af4  Red Hat, Inc.
            \t1000  Virtio network device
            \t\t1af4 0001  Virtio network device
            1b36  Red Hat, Inc.
            \t0005  QEMU PCI Test Device
            C 00  Unclassified device
            \t00  Non-VGA unclassified device
            C 03  Display controller
            \t00  VGA compatible controller
            \t\t00  VGA controller
            \t\t01  8514 controller
            """;

    static PciNames names() {
        try {
            return PciNames.parse(new StringReader(IDS));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] config(int size) {
        return new byte[size];
    }

    static void put(byte[] c, int off, int width, int v) {
        for (int i = 0; i < width; i++) {
            c[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** QEMU edu at 00:04.0: BAR0 1M at fea00000, MSI capability at 0x40, INTA routed to IRQ 10. */
    static PciDeviceInfo edu(int command, Optional<String> driver) {
        byte[] c = config(256);
        put(c, PciRegs.PCI_VENDOR_ID, 2, 0x1234);
        put(c, PciRegs.PCI_DEVICE_ID, 2, 0x11e8);
        put(c, PciRegs.PCI_COMMAND, 2, command);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x00ff0010);
        put(c, PciRegs.PCI_BASE_ADDRESS_0, 4, 0xfea00000);
        put(c, PciRegs.PCI_SUBSYSTEM_VENDOR_ID, 2, 0x1af4);
        put(c, PciRegs.PCI_SUBSYSTEM_ID, 2, 0x1100);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x40);
        put(c, PciRegs.PCI_INTERRUPT_LINE, 1, 10);
        put(c, PciRegs.PCI_INTERRUPT_PIN, 1, 1);
        put(c, 0x40, 1, PciRegs.PCI_CAP_ID_MSI);
        put(c, 0x42, 2, PciRegs.PCI_MSI_FLAGS_64BIT);
        return new PciDeviceInfo(new PciAddress(0, 0, 4, 0), new PciIds(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10), c,
                List.of(new PciDeviceInfo.Region(0, 0x100000, false, false, false)), driver, Optional.empty());
    }

    /** QEMU pci-testdev at 00:03.0, rev 0. */
    static PciDeviceInfo testdev() {
        byte[] c = config(256);
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x00051b36);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x00ff0000);
        return new PciDeviceInfo(new PciAddress(0, 0, 3, 0), new PciIds(0x1b36, 0x0005, 0x1af4, 0x1100, 0x00ff00, 0), c, List.of(),
                Optional.empty(), Optional.empty());
    }

    /** A PCIe VGA function with a 64-bit prefetchable BAR, PM, MSI-X, Express and extended caps. */
    static PciDeviceInfo gpu(int domain) {
        byte[] c = config(4096);
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x268410de);
        put(c, PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_IO | PciRegs.PCI_COMMAND_MASTER);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x030000a1);
        put(c, PciRegs.PCI_BASE_ADDRESS_0, 4, 0xfb000000);
        put(c, PciRegs.PCI_BASE_ADDRESS_0 + 4, 4, 0xc | PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64);
        put(c, PciRegs.PCI_BASE_ADDRESS_0 + 8, 4, 0x38);
        put(c, PciRegs.PCI_BASE_ADDRESS_0 + 20, 4, 0xe001);
        put(c, PciRegs.PCI_ROM_ADDRESS, 4, 0xfc000000);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x60);
        put(c, 0x60, 4, PciRegs.PCI_CAP_ID_PM | 0x68 << 8 | 3 << 16);
        put(c, 0x68, 4, PciRegs.PCI_CAP_ID_MSIX | 0x78 << 8 | (PciRegs.PCI_MSIX_FLAGS_ENABLE | 7) << 16);
        put(c, 0x78, 4, PciRegs.PCI_CAP_ID_EXP | 0x00 << 8 | 0x0002 << 16);
        put(c, 0x100, 4, PciRegs.PCI_EXT_CAP_ID_ERR | 1 << 16 | 0x140 << 20);
        put(c, 0x140, 4, PciRegs.PCI_EXT_CAP_ID_SRIOV | 1 << 16 | 0x180 << 20);
        put(c, 0x180, 4, 0x2a | 1 << 16);
        return new PciDeviceInfo(new PciAddress(domain, 1, 0, 0), new PciIds(0x10de, 0x2684, 0x10de, 0x167c, 0x030000, 0xa1), c,
                List.of(new PciDeviceInfo.Region(0, 16 << 20, false, false, false),
                        new PciDeviceInfo.Region(1, 256L << 30, false, true, true),
                        new PciDeviceInfo.Region(5, 128, true, false, false),
                        new PciDeviceInfo.Region(6, 512 << 10, false, false, false)),
                Optional.of("nova_core"), Optional.empty());
    }

    static String run(List<PciDeviceInfo> devs, PciNames n, String... args) {
        return Lspci.format(devs, Lspci.parse(args), n);
    }

    @Test
    void firstLineWithNames() {
        assertEquals("""
                00:03.0 Unclassified device [00ff]: Red Hat, Inc. QEMU PCI Test Device
                00:04.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)
                """, run(List.of(edu(0, Optional.empty()), testdev()), names()));
    }

    @Test
    void firstLineWithoutDatabase() {
        assertEquals("00:04.0 Class 00ff: Device 1234:11e8 (rev 10)\n",
                run(List.of(edu(0, Optional.empty())), PciNames.empty()));
        assertEquals("00:04.0 Class [00ff]: Device [1234:11e8] (rev 10)\n",
                run(List.of(edu(0, Optional.empty())), PciNames.empty(), "-nn"));
    }

    @Test
    void numericAndMixed() {
        List<PciDeviceInfo> devs = List.of(testdev(), edu(0, Optional.empty()));
        assertEquals("""
                00:03.0 00ff: 1b36:0005
                00:04.0 00ff: 1234:11e8 (rev 10)
                """, run(devs, names(), "-n"));
        assertEquals("""
                00:03.0 Unclassified device [00ff]: Red Hat, Inc. QEMU PCI Test Device [1b36:0005]
                00:04.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10)
                """, run(devs, names(), "-nn"));
        assertEquals(run(devs, names(), "-nn"), run(devs, names(), "-n", "-n"));
    }

    @Test
    void subclassNameAndVendorWithoutDevice() {
        PciDeviceInfo g = gpu(0);
        assertEquals("01:00.0 VGA compatible controller: Device 10de:2684 (rev a1)\n", run(List.of(g), names()));
        assertEquals("01:00.0 VGA compatible controller [0300]: Device [10de:2684] (rev a1)\n",
                run(List.of(g), names(), "-nn"));
    }

    @Test
    void verboseEndpoint() {
        assertEquals("""
                00:04.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)
                \tSubsystem: Red Hat, Inc. Device 1100
                \tFlags: fast devsel, IRQ 10
                \tMemory at fea00000 (32-bit, non-prefetchable) [size=1M]
                \tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+
                \tKernel driver in use: edu

                """, run(List.of(edu(PciRegs.PCI_COMMAND_MEMORY, Optional.of("edu"))), names(), "-v"));
    }

    @Test
    void verboseShowsDisabledDecoding() {
        String out = run(List.of(edu(0, Optional.empty())), names(), "-v");
        assertTrue(out.contains("\tMemory at fea00000 (32-bit, non-prefetchable) [disabled] [size=1M]\n"), out);
        assertTrue(!out.contains("Kernel driver"), out);
    }

    @Test
    void verboseExpressDevice() {
        assertEquals("""
                01:00.0 VGA compatible controller: Device 10de:2684 (rev a1) (prog-if 00 [VGA controller])
                \tSubsystem: Device 10de:167c
                \tFlags: bus master, fast devsel, latency 0
                \tMemory at fb000000 (32-bit, non-prefetchable) [size=16M]
                \tMemory at 3800000000 (64-bit, prefetchable) [size=256G]
                \tI/O ports at e000 [size=128]
                \tExpansion ROM at fc000000 [disabled] [size=512K]
                \tCapabilities: [60] Power Management version 3
                \tCapabilities: [68] MSI-X: Enable+ Count=8 Masked-
                \tCapabilities: [78] Express Endpoint, IntMsgNum 0
                \tCapabilities: [100] Advanced Error Reporting
                \tCapabilities: [140] Single Root I/O Virtualization (SR-IOV)
                \tCapabilities: [180] Extended Capability ID 0x2a
                \tKernel driver in use: nova_core

                """, run(List.of(gpu(0)), names(), "-v"));
    }

    @Test
    void kernelOptionAlone() {
        assertEquals("""
                01:00.0 VGA compatible controller: Device 10de:2684 (rev a1)
                \tSubsystem: Device 10de:167c
                \tKernel driver in use: nova_core
                """, run(List.of(gpu(0)), names(), "-k"));
    }

    @Test
    void domainShownWhenAnyDeviceHasOneOrAsked() {
        String out = run(List.of(gpu(1), edu(0, Optional.empty())), PciNames.empty(), "-n");
        assertEquals("""
                0000:00:04.0 00ff: 1234:11e8 (rev 10)
                0001:01:00.0 0300: 10de:2684 (rev a1)
                """, out);
        assertEquals("0000:00:04.0 00ff: 1234:11e8 (rev 10)\n",
                run(List.of(edu(0, Optional.empty())), PciNames.empty(), "-n", "-D"));
        assertEquals("0000:00:04.0 00ff: 1234:11e8 (rev 10)\n",
                run(List.of(gpu(1), edu(0, Optional.empty())), PciNames.empty(), "-n", "-s", "0:4"),
                "the domain stays when the filter hides the device that has one");
    }

    @Test
    void slotAndIdFilters() {
        List<PciDeviceInfo> devs = List.of(testdev(), edu(0, Optional.empty()), gpu(0));
        assertEquals("00:04.0 00ff: 1234:11e8 (rev 10)\n", run(devs, names(), "-n", "-s", "04.0"));
        assertEquals("00:04.0 00ff: 1234:11e8 (rev 10)\n", run(devs, names(), "-n", "-s04"));
        assertEquals("01:00.0 0300: 10de:2684 (rev a1)\n", run(devs, names(), "-n", "-s", "1:"));
        assertEquals("00:03.0 00ff: 1b36:0005\n", run(devs, names(), "-n", "-d", ":0005"));
        assertEquals("00:04.0 00ff: 1234:11e8 (rev 10)\n", run(devs, names(), "-n", "-d", "1234:11e8"));
        assertEquals("01:00.0 0300: 10de:2684 (rev a1)\n", run(devs, names(), "-n", "-d", "*:*:0300"));
        assertEquals("", run(devs, names(), "-n", "-d", "8086:"));
        assertEquals("00:03.0 00ff: 1b36:0005\n00:04.0 00ff: 1234:11e8 (rev 10)\n",
                run(devs, names(), "-n", "-s", "0000:00:*.0"));
    }

    @Test
    void badOptionsAreEinvalWithLspcisMessages() {
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> Lspci.parse("-x")).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> Lspci.parse("-s")).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> Lspci.parse("foo")).errno());
        DriverException e = assertThrows(DriverException.class, () -> Lspci.parse("-s", "0:0:0:0"));
        assertTrue(e.getMessage().contains("Invalid bus number"), e.getMessage());
        e = assertThrows(DriverException.class, () -> Lspci.parse("-s", "20"));
        assertTrue(e.getMessage().contains("Invalid slot number"), e.getMessage());
        e = assertThrows(DriverException.class, () -> Lspci.parse("-s", "1.8"));
        assertTrue(e.getMessage().contains("Invalid function number"), e.getMessage());
        e = assertThrows(DriverException.class, () -> Lspci.parse("-d", "zz:1"));
        assertTrue(e.getMessage().contains("Invalid vendor ID"), e.getMessage());
        e = assertThrows(DriverException.class, () -> Lspci.parse("-d", "1234"));
        assertTrue(e.getMessage().contains("vendor and device"), e.getMessage());
        e = assertThrows(DriverException.class, () -> Lspci.parse("-d", "1:10000"));
        assertTrue(e.getMessage().contains("Invalid device ID"), e.getMessage());
    }

    @Test
    void brokenAndLoopedCapabilityChains() {
        PciDeviceInfo e = edu(PciRegs.PCI_COMMAND_MEMORY, Optional.empty());
        byte[] c = e.config();
        put(c, 0x41, 1, 0x40);
        PciDeviceInfo looped = new PciDeviceInfo(new PciAddress(0, 0, 4, 0), e.ids(), c, e.regions(), Optional.empty(),
                Optional.empty());
        String out = run(List.of(looped), names(), "-v");
        assertTrue(out.contains("\tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+\n"
                + "\tCapabilities: [40] <chain looped>\n"), out);
        put(c, 0x41, 1, 0x50);
        put(c, 0x50, 1, 0xff);
        PciDeviceInfo broken = new PciDeviceInfo(new PciAddress(0, 0, 4, 0), e.ids(), c, e.regions(), Optional.empty(),
                Optional.empty());
        assertTrue(run(List.of(broken), names(), "-v").contains("\tCapabilities: [50] <chain broken>\n"));
    }

    @Test
    void namesDatabaseParsing() {
        PciNames n = names();
        assertEquals("Red Hat, Inc.", n.vendor(0x1af4));
        assertEquals("Virtio network device", n.device(0x1af4, 0x1000));
        assertEquals("Virtio network device", n.subsystem(0x1af4, 0x1000, 0x1af4, 0x0001));
        assertEquals(null, n.subsystem(0x1af4, 0x1000, 0x1af4, 0x0002));
        assertEquals("QEMU PCI Test Device", n.subsystem(0x1b36, 0x0005, 0x1b36, 0x0005), "subsystem == device");
        assertEquals("Display controller", n.baseClass(0x03));
        assertEquals("VGA compatible controller", n.subClass(0x0300));
        assertEquals("8514 controller", n.progIf(0x0300, 0x01));
        assertEquals(null, n.vendor(0x1234));
        assertTrue(PciNames.empty().isEmpty());
    }
}
