package org.nova.hw.sim;

import static org.nova.hw.sim.X86Msi.MSI_ADDR_BASE_LO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.sim.EduDevice.*;
import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.SimTestSupport.assertHw;
import static org.nova.hw.sim.SimTestSupport.await;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IommuFault;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;

/** edu as docs/specs/edu.rst and ../shared/vfio-qemu/VfioEdu.java use it. */
class EduDeviceTest {
    private static final int MSI_CAP = 0x40;
    private static final long FACT_10 = 3628800;
    private static final long FACT_12 = 479001600;
    private static final int XFER = 2048;

    private SimulatedHostBridge bridge;
    private PciFunction edu;
    private Mmio bar;
    private final List<Integer> vectors = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        bridge = new SimulatedHostBridge("t0", 0);
        edu = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
        edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        bar = edu.map(EDU_BAR);
    }

    @AfterEach
    void tearDown() {
        bar.close();
        bridge.close();
    }

    private IrqSet enable(IrqType type) {
        return edu.enableIrqs(type, 1, v -> {
            threads.add(Thread.currentThread());
            vectors.add(v);
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void identificationAndLiveness() {
        assertEquals(EDU_IDENT, bar.read32(REG_IDENT));
        bar.write32(REG_LIVENESS, 0x12345678);
        assertEquals(~0x12345678, bar.read32(REG_LIVENESS));
        bar.write32(REG_IDENT, 0);
        assertEquals(EDU_IDENT, bar.read32(REG_IDENT), "identification is read-only");
        assertEquals(0xff, bar.read8(REG_IDENT), "sub-dword accesses below 0x80 are invalid: all ones");
        assertEquals(-1L, bar.read64(REG_IDENT), "8-byte accesses below 0x80 are invalid");
        assertEquals(-1, bar.read32(REG_IRQ_RAISE), "write-only register reads all ones");
        assertEquals(-1, bar.read32(0x40000), "the DMA buffer is not visible through MMIO");
        assertEquals(256, edu.configSize());
        assertEquals(1 << 20, edu.region(0).orElseThrow().size());
        assertEquals(1, edu.irqCount(IrqType.INTX));
        assertEquals(1, edu.irqCount(IrqType.MSI));
        assertEquals(0, edu.irqCount(IrqType.MSIX));
    }

    @Test
    void factorialOnTheDeviceThread() {
        bar.write32(REG_FACTORIAL, 10);
        await("factorial", () -> (bar.read32(REG_STATUS) & EDU_STATUS_COMPUTING) == 0);
        assertEquals(FACT_10, Integer.toUnsignedLong(bar.read32(REG_FACTORIAL)));
        assertEquals(0, bar.read32(REG_IRQ_STATUS), "no interrupt without status bit 0x80");
        bar.write32(REG_STATUS, 0xffffffff);
        assertEquals(EDU_STATUS_IRQFACT, bar.read32(REG_STATUS), "only 0x80 is writable");
    }

    @Test
    void factorialCompletionRaisesMsi() {
        try (IrqSet _ = enable(IrqType.MSI)) {
            assertEquals(PCI_MSI_FLAGS_ENABLE, edu.readConfig(MSI_CAP + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE,
                    "enableIrqs programs MSI Enable");
            assertEquals(MSI_ADDR_BASE_LO, edu.readConfig(MSI_CAP + PCI_MSI_ADDRESS_LO, 4));
            assertTrue((edu.readConfig(PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE) != 0, "INTx disabled for MSI");
            bar.write32(REG_STATUS, EDU_STATUS_IRQFACT);
            bar.write32(REG_FACTORIAL, 12);
            await("MSI", () -> vectors.size() == 1);
            assertEquals(0, vectors.get(0));
            assertNotSame(Thread.currentThread(), threads.get(0), "delivered on the backend's thread");
            assertEquals(FACT_12, Integer.toUnsignedLong(bar.read32(REG_FACTORIAL)));
            assertEquals(FACT_IRQ, bar.read32(REG_IRQ_STATUS));
            bar.write32(REG_IRQ_ACK, FACT_IRQ);
            assertEquals(0, bar.read32(REG_IRQ_STATUS));
            bar.write32(REG_IRQ_RAISE, 0x1);
            await("second MSI", () -> vectors.size() == 2);
            assertHw(HwException.EBUSY, () -> enable(IrqType.INTX));
        }
        assertEquals(0, edu.readConfig(MSI_CAP + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE, "close clears MSI Enable");
        bar.write32(REG_IRQ_RAISE, 0x1);
        sleep(50);
        assertEquals(2, vectors.size(), "closed: nothing delivered");
    }

    @Test
    void msiNeedsBusMastering() {
        try (IrqSet _ = enable(IrqType.MSI)) {
            edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
            bar.write32(REG_IRQ_RAISE, 0x1);
            sleep(50);
            assertTrue(vectors.isEmpty(), "an MSI is a memory write: dropped without bus mastering");
            edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
            bar.write32(REG_IRQ_RAISE, 0x1);
            await("MSI", () -> vectors.size() == 1);
        }
    }

    @Test
    void intxIsLevelTriggeredAndRespectsTheDisableBit() {
        try (IrqSet _ = enable(IrqType.INTX)) {
            assertEquals(0, edu.readConfig(PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE);
            bar.write32(REG_IRQ_RAISE, 0x1);
            await("INTx", () -> vectors.size() == 1);
            assertTrue((edu.readConfig(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT) != 0, "status shows the line");
            bar.write32(REG_IRQ_RAISE, 0x2);
            sleep(50);
            assertEquals(1, vectors.size(), "the line is already asserted: no new edge");
            bar.write32(REG_IRQ_ACK, 0x1);
            assertTrue((edu.readConfig(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT) != 0, "still asserted for 0x2");
            bar.write32(REG_IRQ_ACK, 0x2);
            assertEquals(0, edu.readConfig(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);

            edu.writeConfig(PCI_COMMAND, 2, edu.readConfig(PCI_COMMAND, 2) | PCI_COMMAND_INTX_DISABLE);
            bar.write32(REG_IRQ_RAISE, 0x4);
            sleep(50);
            assertEquals(1, vectors.size(), "PCI_COMMAND_INTX_DISABLE keeps the interrupt off the line");
            assertTrue((edu.readConfig(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT) != 0,
                    "the status bit still reports the device's request");
            edu.writeConfig(PCI_COMMAND, 2, edu.readConfig(PCI_COMMAND, 2) & ~PCI_COMMAND_INTX_DISABLE);
            await("INTx after re-enable", () -> vectors.size() == 2);
            assertEquals(List.of(0, 0), vectors);
            bar.write32(REG_IRQ_ACK, 0x4);
        }
        assertTrue((edu.readConfig(PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE) != 0, "close disables INTx");
    }

    @Test
    void enableIrqsValidates() {
        assertHw(HwException.EINVAL, () -> edu.enableIrqs(IrqType.MSI, 2, v -> { }));
        assertHw(HwException.EINVAL, () -> edu.enableIrqs(IrqType.MSI, 0, v -> { }));
        assertHw(HwException.EINVAL, () -> edu.enableIrqs(IrqType.MSIX, 1, v -> { }));
        assertHw(HwException.EINVAL, () -> edu.enableIrqs(IrqType.INTX, 1, null));
        assertEquals(0, edu.readConfig(MSI_CAP + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE, "nothing changed");
    }

    private void dma(long src, long dst, long count, long cmd) {
        bar.write64(REG_DMA_SRC, src);
        bar.write64(REG_DMA_DST, dst);
        bar.write64(REG_DMA_COUNT, count);
        bar.write64(REG_DMA_CMD, cmd);
        await("DMA", () -> (bar.read64(REG_DMA_CMD) & EDU_DMA_RUN) == 0);
    }

    @Test
    void dmaRoundTripThroughTheIommu() {
        try (DmaBuffer buf = edu.allocateDma(8192, EnumSet.allOf(DmaDirection.class));
             IrqSet _ = enable(IrqType.MSI)) {
            MemorySegment mem = buf.memory();
            assertEquals(8192, mem.byteSize());
            for (int i = 0; i < XFER; i += 4) {
                mem.set(ValueLayout.JAVA_INT_UNALIGNED, i, 0xc0de0000 | i);
            }
            dma(buf.iova(), DMA_START, XFER, EDU_DMA_RUN);
            assertEquals(0, bar.read32(REG_IRQ_STATUS));
            bar.write64(REG_DMA_SRC, DMA_START);
            bar.write64(REG_DMA_DST, buf.iova() + 4096);
            bar.write64(REG_DMA_COUNT, XFER);
            bar.write64(REG_DMA_CMD, EDU_DMA_RUN | EDU_DMA_DIR | EDU_DMA_IRQ);
            assertEquals(EDU_DMA_RUN | EDU_DMA_DIR | EDU_DMA_IRQ, bar.read64(REG_DMA_CMD), "running");
            bar.write64(REG_DMA_COUNT, 1);
            assertEquals(XFER, bar.read64(REG_DMA_COUNT), "registers are locked while the DMA runs");
            await("DMA interrupt", () -> vectors.size() == 1);
            assertEquals(DMA_IRQ, bar.read32(REG_IRQ_STATUS));
            bar.write32(REG_IRQ_ACK, DMA_IRQ);
            assertEquals(-1, mem.asSlice(0, XFER).mismatch(mem.asSlice(4096, XFER)));
            assertEquals(0xc0de0100, mem.get(ValueLayout.JAVA_INT_UNALIGNED, 4096 + 0x100));
            assertTrue(edu.iommuFaults().isEmpty());
        }
        assertEquals(0, ((SimulatedFunction) edu).iommuMappings(), "closing unmapped the buffer");
    }

    @Test
    void dmaToAnUnmappedIovaFaultsAndTransfersNothing() {
        DmaBuffer gone = edu.allocateDma(4096, Set.of(DmaDirection.FROM_DEVICE));
        try (DmaBuffer readOnly = edu.allocateDma(4096, Set.of(DmaDirection.TO_DEVICE))) {
            long unmapped = gone.iova();
            gone.close();
            dma(DMA_START, unmapped, 64, EDU_DMA_RUN | EDU_DMA_DIR);
            List<IommuFault> faults = edu.iommuFaults();
            assertEquals(1, faults.size());
            IommuFault f = faults.get(0);
            assertEquals(edu.address(), f.address());
            assertEquals(unmapped, f.iova());
            assertTrue(f.write());
            assertTrue(f.reason().startsWith(IommuDomain.WRITE_NOT_SET), f.reason());

            // A buffer the device may only read: a device write to it is refused, contents untouched.
            readOnly.memory().fill((byte) 0x5a);
            dma(DMA_START, readOnly.iova(), 64, EDU_DMA_RUN | EDU_DMA_DIR);
            assertEquals(2, edu.iommuFaults().size());
            assertTrue(edu.iommuFaults().get(1).reason().contains("read-only"));
            for (int i = 0; i < 64; i++) {
                assertEquals(0x5a, readOnly.memory().get(ValueLayout.JAVA_BYTE, i));
            }
            // A range running past the end of a mapping is refused as a whole.
            dma(readOnly.iova() + 4000, DMA_START, 200, EDU_DMA_RUN);
            assertEquals(3, edu.iommuFaults().size());
            assertEquals(readOnly.iova() + 4096, edu.iommuFaults().get(2).iova());
            assertFalse(edu.iommuFaults().get(2).write());
        }
    }

    @Test
    void dmaWithBusMasteringOffFaults() {
        try (DmaBuffer buf = edu.allocateDma(4096, EnumSet.allOf(DmaDirection.class))) {
            buf.memory().fill((byte) 0x11);
            dma(buf.iova(), DMA_START, 16, EDU_DMA_RUN);
            edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
            buf.memory().fill((byte) 0x22);
            dma(buf.iova(), DMA_START, 16, EDU_DMA_RUN);
            assertEquals(1, edu.iommuFaults().size());
            assertTrue(edu.iommuFaults().get(0).reason().contains("PCI_COMMAND_MASTER"));
            edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
            dma(DMA_START, buf.iova() + 1024, 16, EDU_DMA_RUN | EDU_DMA_DIR);
            assertEquals(0x11, buf.memory().get(ValueLayout.JAVA_BYTE, 1024),
                    "the device buffer still holds the first transfer: the second never happened");
        }
    }

    @Test
    void dmaRangeCheckIsQemu72s() {
        assertTrue(inRange(DMA_START, 4095, DMA_START, DMA_SIZE));
        assertFalse(inRange(DMA_START, 4096, DMA_START, DMA_SIZE), "QEMU 7.2 excludes the buffer end");
        assertFalse(inRange(DMA_START, 0, DMA_START, DMA_SIZE));
        assertFalse(inRange(DMA_START - 1, 2, DMA_START, DMA_SIZE));
        assertFalse(inRange(DMA_START + 8, -1, DMA_START, DMA_SIZE), "wrap-around");
        try (DmaBuffer buf = edu.allocateDma(8192, EnumSet.allOf(DmaDirection.class))) {
            buf.memory().fill((byte) 0x33);
            dma(buf.iova(), DMA_START, 4096, EDU_DMA_RUN | EDU_DMA_IRQ);
            assertEquals(0, bar.read32(REG_IRQ_STATUS), "refused: no completion interrupt");
            dma(DMA_START, buf.iova() + 4096, 16, EDU_DMA_RUN | EDU_DMA_DIR);
            assertEquals(0, buf.memory().get(ValueLayout.JAVA_BYTE, 4096), "nothing was copied in");
            assertTrue(edu.iommuFaults().isEmpty());
        }
    }

    @Test
    void allocateDmaValidates() {
        assertHw(HwException.EINVAL, () -> edu.allocateDma(0, Set.of(DmaDirection.TO_DEVICE)));
        assertHw(HwException.EINVAL, () -> edu.allocateDma(4096, Set.of()));
        assertHw(HwException.ENOMEM, () -> edu.allocateDma(1L << 40, Set.of(DmaDirection.TO_DEVICE)));
        try (DmaBuffer a = edu.allocateDma(100, Set.of(DmaDirection.TO_DEVICE));
             DmaBuffer b = edu.allocateDma(100, Set.of(DmaDirection.TO_DEVICE))) {
            assertEquals(IommuDomain.IOVA_BASE, a.iova());
            assertEquals(IommuDomain.IOVA_BASE + IommuDomain.PAGE_SIZE, b.iova(), "page granular");
            assertEquals(100, a.size());
            assertEquals(0, a.memory().get(ValueLayout.JAVA_BYTE, 99), "zeroed");
        }
    }

    @Test
    void resetRestoresConfigDefaultsButEduKeepsItsRegisters() {
        int bar0 = edu.readConfig(PCI_BASE_ADDRESS_0, 4);
        int line = edu.readConfig(PCI_INTERRUPT_LINE, 1);
        edu.writeConfig(PCI_CACHE_LINE_SIZE, 1, 0x10);
        bar.write32(REG_LIVENESS, 0x0f0f0f0f);
        IrqSet set = enable(IrqType.MSI);
        edu.reset();
        assertEquals(0, edu.readConfig(PCI_COMMAND, 2));
        assertEquals(0, edu.readConfig(MSI_CAP + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
        assertEquals(0, edu.readConfig(MSI_CAP + PCI_MSI_ADDRESS_LO, 4));
        assertEquals(0, edu.readConfig(PCI_CACHE_LINE_SIZE, 1));
        assertEquals(bar0, edu.readConfig(PCI_BASE_ADDRESS_0, 4), "BAR assignment kept");
        assertEquals(line, edu.readConfig(PCI_INTERRUPT_LINE, 1), "interrupt line kept");
        assertTrue(set.isActive(), "the IRQ set survives; its enable bit is cleared");
        edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        assertEquals(~0x0f0f0f0f, bar.read32(REG_LIVENESS), "edu.c has no reset handler");
        bar.write32(REG_IRQ_RAISE, 1);
        sleep(50);
        assertTrue(vectors.isEmpty(), "MSI disabled by the reset: nothing delivered");
        set.close();
    }
}
