package org.nova.hw.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;

/** Discovery from a fake sysfs and /dev in a temporary directory, and the error paths needing no kernel. */
class SysfsPciTest {
    @TempDir
    Path root;
    Path sys;
    Path dev;

    @BeforeEach
    void tree() throws IOException {
        sys = root.resolve("sys");
        dev = root.resolve("dev");
        Files.createDirectories(sys.resolve("bus/pci/drivers/vfio-pci"));
        Files.createDirectories(sys.resolve("bus/pci/drivers/edu"));
        Files.createDirectories(sys.resolve("kernel/iommu_groups"));
        Files.createDirectories(dev.resolve("vfio"));
        Files.writeString(dev.resolve("vfio/vfio"), "");
        function("0000:00:03.0", "0x1234", "0x11e8", "vfio-pci", 5, false);
        function("0000:00:02.0", "0x1b36", "0x0005", "vfio-pci", 4, true);
        function("0000:00:04.0", "0x1234", "0x11e8", "edu", 6, false);
        function("0000:00:05.0", "0x8086", "0x10d3", null, -1, false);
    }

    private void function(String bdf, String vendor, String device, String driver, int group, boolean noiommu) throws IOException {
        Path d = Files.createDirectories(sys.resolve("devices/pci0000:00").resolve(bdf));
        Files.createDirectories(sys.resolve("bus/pci/devices"));
        Files.createSymbolicLink(sys.resolve("bus/pci/devices").resolve(bdf), d);
        Files.writeString(d.resolve("vendor"), vendor + "\n");
        Files.writeString(d.resolve("device"), device + "\n");
        Files.writeString(d.resolve("class"), "0x00ff00\n");
        if (driver != null) {
            Path drv = sys.resolve("bus/pci/drivers").resolve(driver);
            Files.createSymbolicLink(d.resolve("driver"), drv);
            Files.createSymbolicLink(drv.resolve(bdf), d);
        }
        if (group >= 0) {
            Path g = Files.createDirectories(sys.resolve("kernel/iommu_groups").resolve(Integer.toString(group)));
            Files.createSymbolicLink(d.resolve("iommu_group"), g);
            Files.writeString(dev.resolve("vfio").resolve((noiommu ? "noiommu-" : "") + group), "");
        }
    }

    @Test
    void listsFunctionsBoundToVfioPciInAddressOrder() {
        SysfsPci s = new SysfsPci(sys, dev);
        assertEquals(List.of(PciAddress.parse("0000:00:02.0"), PciAddress.parse("0000:00:03.0")), s.boundToVfio());
        assertEquals(4, s.allFunctions().size());
    }

    @Test
    void describesGroupNodeAndNoIommuMode() {
        SysfsPci s = new SysfsPci(sys, dev);
        SysfsPci.Candidate edu = s.describe(PciAddress.parse("0000:00:03.0"));
        assertEquals(0x1234, edu.vendor());
        assertEquals(0x11e8, edu.device());
        assertEquals(5, edu.group());
        assertEquals(dev.resolve("vfio/5"), edu.groupNode());
        assertFalse(edu.noiommu());
        SysfsPci.Candidate testdev = s.describe(PciAddress.parse("0000:00:02.0"));
        assertTrue(testdev.noiommu());
        assertEquals(dev.resolve("vfio/noiommu-4"), testdev.groupNode());
    }

    @Test
    void clearErrorsNameTheFunctionAndTheReason() {
        SysfsPci s = new SysfsPci(sys, dev);
        HwException other = assertThrows(HwException.class, () -> s.describe(PciAddress.parse("0000:00:04.0")));
        assertEquals(HwException.EBUSY, other.errno());
        assertTrue(other.getMessage().contains("0000:00:04.0 is bound to edu, not vfio-pci"), other.getMessage());
        HwException none = assertThrows(HwException.class, () -> s.describe(PciAddress.parse("0000:00:05.0")));
        assertTrue(none.getMessage().contains("bound to no driver"), none.getMessage());
        HwException missing = assertThrows(HwException.class, () -> s.describe(PciAddress.parse("0000:00:09.0")));
        assertEquals(HwException.ENODEV, missing.errno());
    }

    @Test
    void missingGroupNodeAndMissingIommuGroup() throws IOException {
        Files.delete(dev.resolve("vfio/5"));
        SysfsPci s = new SysfsPci(sys, dev);
        HwException e = assertThrows(HwException.class, () -> s.describe(PciAddress.parse("0000:00:03.0")));
        assertEquals(HwException.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("IOMMU group 5 has no node"), e.getMessage());
        Files.delete(sys.resolve("devices/pci0000:00/0000:00:03.0/iommu_group"));
        HwException g = assertThrows(HwException.class, () -> s.describe(PciAddress.parse("0000:00:03.0")));
        assertTrue(g.getMessage().contains("has no IOMMU group"), g.getMessage());
    }

    @Test
    void bridgeWithoutDevVfioFailsNamingTheNodeAndLeavesNothingOpen() throws IOException {
        Files.delete(dev.resolve("vfio/vfio"));
        SysfsPci s = new SysfsPci(sys, dev);
        HwException e = assertThrows(HwException.class, () -> VfioBridge.open("t0", s, List.of()));
        assertEquals(HwException.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("vfio/vfio does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("0000:00:03.0"), e.getMessage());
        assertEquals(0, FdCensus.take().vfio());
    }

    @Test
    void bridgeRejectsFunctionsOfTwoDomains() {
        SysfsPci s = new SysfsPci(sys, dev);
        HwException e = assertThrows(HwException.class, () -> VfioBridge.open("t0", s,
                List.of(PciAddress.parse("0000:00:03.0"), PciAddress.parse("0001:00:03.0"))));
        assertEquals(HwException.EINVAL, e.errno());
    }

    @Test
    void openingAFunctionBoundElsewhereFailsBeforeTouchingTheKernel() {
        SysfsPci s = new SysfsPci(sys, dev);
        FdCensus before = FdCensus.take();
        HwException e = assertThrows(HwException.class, () -> VfioBridge.open("t0", s, List.of(PciAddress.parse("0000:00:04.0"))));
        assertEquals(HwException.EBUSY, e.errno());
        FdCensus after = FdCensus.take();
        assertEquals(before.eventfd(), after.eventfd(), "the poller's eventfd was closed again");
    }
}
