package org.nova.hw.sim;

import static org.nova.hw.sim.X86Msi.MSI_ADDR_BASE_LO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.SimTestSupport.await;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.pci.PciAddress;

/** MSI-X and maskable MSI on the synthetic test device. */
class MsixTest {
    private static final int MSI_CAP = 0x48;
    private static final int MSIX_CAP = 0x60;

    private SimulatedHostBridge bridge;
    private TestPfDevice model;
    private PciFunction pf;
    private final List<Integer> vectors = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        bridge = new SimulatedHostBridge("t0", 0);
        model = new TestPfDevice();
        pf = bridge.plug(PciAddress.parse("00:04.0"), model);
        pf.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    }

    @AfterEach
    void tearDown() {
        bridge.close();
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void msixTableIsProgrammedAndMasksHoldVectorsPending() {
        assertEquals(TestPfDevice.MSIX_VECTORS, pf.irqCount(IrqType.MSIX));
        assertTrue(!pf.region(2).orElseThrow().has(RegionFlag.MAPPABLE), "the table BAR must be intercepted");
        try (IrqSet _ = pf.enableIrqs(IrqType.MSIX, 3, vectors::add); Mmio bar2 = pf.map(2)) {
            int flags = pf.readConfig(MSIX_CAP + PCI_MSIX_FLAGS, 2);
            assertEquals(PCI_MSIX_FLAGS_ENABLE, flags & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
            assertEquals(MSI_ADDR_BASE_LO, bar2.read32(16 + PCI_MSIX_ENTRY_LOWER_ADDR));
            assertEquals(1, bar2.read32(16 + PCI_MSIX_ENTRY_DATA));
            assertEquals(0, bar2.read32(16 + PCI_MSIX_ENTRY_VECTOR_CTRL), "used vectors unmasked");
            assertEquals(1, bar2.read32(3 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL), "unused vectors stay masked");

            model.raiseMsix(1);
            await("MSI-X 1", () -> vectors.equals(List.of(1)));

            bar2.write32(2 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
            model.raiseMsix(2);
            sleep();
            assertEquals(List.of(1), vectors, "masked vector is held");
            assertEquals(1L << 2, bar2.read64(TestPfDevice.MSIX_PBA_OFFSET), "pending bit in the PBA");
            bar2.write32(2 * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
            await("MSI-X 2 after unmask", () -> vectors.equals(List.of(1, 2)));
            assertEquals(0L, bar2.read64(TestPfDevice.MSIX_PBA_OFFSET));

            pf.writeConfig(MSIX_CAP + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
            model.raiseMsix(0);
            sleep();
            assertEquals(2, vectors.size(), "function mask holds everything");
            pf.writeConfig(MSIX_CAP + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
            await("MSI-X 0 after function unmask", () -> vectors.equals(List.of(1, 2, 0)));
        }
        assertEquals(0, pf.readConfig(MSIX_CAP + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
    }

    /** IrqSet.mask is the kernel's pci_msix_mask: the table's Mask bit, the PBA holding what comes meanwhile. */
    @Test
    void irqSetMaskSetsTheVectorControlBitAndUnmaskSendsWhatIsPending() {
        try (IrqSet set = pf.enableIrqs(IrqType.MSIX, 3, vectors::add); Mmio bar2 = pf.map(2)) {
            set.mask(1);
            set.mask(1); // masking a masked vector changes nothing
            assertTrue(set.isMasked(1));
            assertEquals(PCI_MSIX_ENTRY_CTRL_MASKBIT, bar2.read32(16 + PCI_MSIX_ENTRY_VECTOR_CTRL));
            model.raiseMsix(1);
            model.raiseMsix(0);
            await("MSI-X 0 while 1 is masked", () -> vectors.equals(List.of(0)));
            sleep();
            assertEquals(List.of(0), vectors, "masked vector is held");
            assertEquals(1L << 1, bar2.read64(TestPfDevice.MSIX_PBA_OFFSET), "pending bit in the PBA");
            set.unmask(1);
            await("MSI-X 1 after unmask", () -> vectors.equals(List.of(0, 1)));
            assertTrue(!set.isMasked(1));
            assertEquals(0, bar2.read32(16 + PCI_MSIX_ENTRY_VECTOR_CTRL));
            SimTestSupport.assertHw(HwException.EINVAL, () -> set.mask(3));
        }
        try (IrqSet msi = pf.enableIrqs(IrqType.MSI, 1, vectors::add)) {
            SimTestSupport.assertHw(HwException.EINVAL, () -> msi.mask(0));
        }
    }

    @Test
    void maskableMsiHoldsAndReleases() {
        assertEquals(TestPfDevice.MSI_VECTORS, pf.irqCount(IrqType.MSI));
        try (IrqSet _ = pf.enableIrqs(IrqType.MSI, 3, vectors::add)) {
            int flags = pf.readConfig(MSI_CAP + PCI_MSI_FLAGS, 2);
            assertEquals(2 << PCI_MSI_FLAGS_QSIZE_SHIFT, flags & PCI_MSI_FLAGS_QSIZE, "3 vectors round up to 4");
            assertEquals(0b1000, pf.readConfig(MSI_CAP + PCI_MSI_MASK_64, 4), "the unused 4th vector is masked");
            model.raiseMsi(2);
            await("MSI 2", () -> vectors.equals(List.of(2)));
            pf.writeConfig(MSI_CAP + PCI_MSI_MASK_64, 4, 0b10);
            model.raiseMsi(1);
            sleep();
            assertEquals(List.of(2), vectors);
            assertEquals(0b10, pf.readConfig(MSI_CAP + PCI_MSI_PENDING_64, 4));
            pf.writeConfig(MSI_CAP + PCI_MSI_MASK_64, 4, 0);
            await("MSI 1 after unmask", () -> vectors.equals(List.of(2, 1)));
            assertEquals(0, pf.readConfig(MSI_CAP + PCI_MSI_PENDING_64, 4));
            model.raiseMsi(3);
            sleep();
            assertEquals(List.of(2, 1), vectors, "vector 3 has no handler in a 3-vector set");
        }
    }

    @Test
    void romAndRamRegions() {
        var rom = pf.region(6).orElseThrow();
        assertEquals(TestPfDevice.ROM_SIZE, rom.size());
        assertTrue(rom.has(RegionFlag.READ) && !rom.has(RegionFlag.WRITE));
        try (Mmio m = pf.map(6)) {
            assertEquals(0xaa55, m.read16(0), "ROM signature, little-endian");
            SimTestSupport.assertHw(HwException.EROFS, () -> m.write8(0, 0));
        }
        var ram = pf.region(0).orElseThrow();
        assertTrue(ram.has(RegionFlag.MAPPABLE) && ram.has(RegionFlag.WRITE));
        try (Mmio m = pf.map(0)) {
            m.write32(0x10, 0xcafef00d);
            assertEquals(0xcafef00d, m.segment().orElseThrow().get(ValueLayout.JAVA_INT_UNALIGNED, 0x10));
            assertEquals(0xf00d, m.read16(0x10));
            assertEquals(0x0d, m.read8(0x10));
        }
    }

    @Test
    void flrThroughTheExpressCapability() {
        int exp = 0x6c;
        try (Mmio m = pf.map(0)) {
            m.write32(0, 0x12345678);
            pf.writeConfig(exp + PCI_EXP_DEVCTL, 2, pf.readConfig(exp + PCI_EXP_DEVCTL, 2) | PCI_EXP_DEVCTL_BCR_FLR);
            assertEquals(1, model.resets);
            assertEquals(0, pf.readConfig(exp + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_BCR_FLR, "reads as zero");
            assertEquals(0, pf.readConfig(PCI_COMMAND, 2));
            pf.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
            assertEquals(0, m.read32(0), "device state back to power-on");
        }
    }
}
