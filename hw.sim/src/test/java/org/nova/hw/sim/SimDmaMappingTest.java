package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MASTER;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MEMORY;
import static org.nova.hw.sim.EduDevice.DMA_START;
import static org.nova.hw.sim.EduDevice.EDU_BAR;
import static org.nova.hw.sim.EduDevice.EDU_DMA_DIR;
import static org.nova.hw.sim.EduDevice.EDU_DMA_RUN;
import static org.nova.hw.sim.EduDevice.REG_DMA_CMD;
import static org.nova.hw.sim.EduDevice.REG_DMA_COUNT;
import static org.nova.hw.sim.EduDevice.REG_DMA_DST;
import static org.nova.hw.sim.EduDevice.REG_DMA_SRC;
import static org.nova.hw.sim.SimTestSupport.assertHw;
import static org.nova.hw.sim.SimTestSupport.await;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaDirection;
import org.nova.hw.DmaMapping;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;

/** {@link PciFunction#mapDma} on the simulator: memory the caller owns, in one IOVA range, through edu's DMA engine. */
class SimDmaMappingTest {
    private static final long PAGE = IommuDomain.PAGE_SIZE;

    private SimulatedHostBridge bridge;
    private PciFunction edu;
    private Mmio bar;
    private Arena arena;

    @BeforeEach
    void setUp() {
        bridge = new SimulatedHostBridge("t0", 0);
        edu = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
        edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        bar = edu.map(EDU_BAR);
        arena = Arena.ofShared();
    }

    @AfterEach
    void tearDown() {
        bar.close();
        bridge.close();
        arena.close();
    }

    private void dma(long src, long dst, long count, long cmd) {
        bar.write64(REG_DMA_SRC, src);
        bar.write64(REG_DMA_DST, dst);
        bar.write64(REG_DMA_COUNT, count);
        bar.write64(REG_DMA_CMD, cmd);
        await("DMA", () -> (bar.read64(REG_DMA_CMD) & EDU_DMA_RUN) == 0);
    }

    private MemorySegment pages(int n) {
        return arena.allocate(n * PAGE, PAGE);
    }

    @Test
    void chunksLandAtTheirOffsetsAndTheHoleBetweenThemFaults() {
        MemorySegment a = pages(1);
        MemorySegment b = pages(2);
        a.fill((byte) 0x11);
        b.fill((byte) 0x22);
        // a at 0, a one-page hole, b at 2 pages: 4 pages of IOVA, aligned to 16 KiB
        try (DmaMapping m = edu.mapDma(List.of(new DmaChunk(0, a), new DmaChunk(2 * PAGE, b)), 4 * PAGE, 4 * PAGE,
                EnumSet.allOf(DmaDirection.class))) {
            assertEquals(0, m.iova() % (4 * PAGE), "aligned as asked");
            assertEquals(4 * PAGE, m.length());
            dma(m.iova() + 2 * PAGE + 100, DMA_START, 16, EDU_DMA_RUN);
            dma(DMA_START, m.iova() + 16, 16, EDU_DMA_RUN | EDU_DMA_DIR);
            assertEquals(0x22, a.get(ValueLayout.JAVA_BYTE, 16), "edu read b and wrote it into a");
            assertEquals(0x11, a.get(ValueLayout.JAVA_BYTE, 15));
            assertTrue(edu.iommuFaults().isEmpty());

            dma(DMA_START, m.iova() + PAGE + 8, 16, EDU_DMA_RUN | EDU_DMA_DIR);
            assertEquals(1, edu.iommuFaults().size(), "the hole is not mapped");
            assertEquals(m.iova() + PAGE + 8, edu.iommuFaults().get(0).iova());

            // A transfer that crosses from a into the hole is refused as a whole.
            dma(DMA_START, m.iova() + PAGE - 8, 16, EDU_DMA_RUN | EDU_DMA_DIR);
            assertEquals(2, edu.iommuFaults().size());
            assertEquals(0x11, a.get(ValueLayout.JAVA_BYTE, (int) PAGE - 8), "nothing of it landed");
            assertEquals(m.iova() + PAGE, edu.iommuFaults().get(1).iova(), "the first unmapped byte");

            // Nothing else is placed in the hole while the mapping lives.
            try (DmaBuffer other = edu.allocateDma(PAGE, Set.of(DmaDirection.TO_DEVICE))) {
                assertTrue(other.iova() >= m.iova() + m.length() || other.iova() + PAGE <= m.iova(),
                        "buffer at 0x" + Long.toHexString(other.iova()));
            }
        }
        assertEquals(0, ((SimulatedFunction) edu).iommuMappings(), "closing unmapped the range");
    }

    @Test
    void directionsAreEnforcedAndUnmapRevokes() {
        MemorySegment a = pages(1);
        a.fill((byte) 0x5a);
        DmaMapping ro = edu.mapDma(List.of(new DmaChunk(0, a)), PAGE, PAGE, Set.of(DmaDirection.TO_DEVICE));
        dma(DMA_START, ro.iova(), 16, EDU_DMA_RUN | EDU_DMA_DIR);
        assertEquals(1, edu.iommuFaults().size());
        assertTrue(edu.iommuFaults().get(0).reason().contains("read-only"), edu.iommuFaults().get(0).reason());
        assertEquals(0x5a, a.get(ValueLayout.JAVA_BYTE, 0));
        long iova = ro.iova();
        ro.close();
        ro.close();
        dma(iova, DMA_START, 16, EDU_DMA_RUN);
        assertEquals(2, edu.iommuFaults().size(), "unmapped: the read faults");
        assertFalse(edu.iommuFaults().get(1).write());
        assertEquals(0x5a, a.get(ValueLayout.JAVA_BYTE, 0), "the caller's memory is still the caller's");
    }

    @Test
    void badRequestsAreRefusedAndMapNothing() {
        MemorySegment a = pages(2);
        Set<DmaDirection> both = EnumSet.allOf(DmaDirection.class);
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(), PAGE, PAGE, both));
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(0, a)), 2 * PAGE, PAGE, Set.of()));
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(0, a.asSlice(8, PAGE))), PAGE, PAGE, both));
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(0, a.asSlice(0, 100))), PAGE, PAGE, both));
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(0, MemorySegment.ofArray(new byte[4096]))),
                PAGE, PAGE, both));
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(PAGE, a)), 2 * PAGE, PAGE, both)); // past the range
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(0, a), new DmaChunk(PAGE, a.asSlice(0, PAGE))),
                3 * PAGE, PAGE, both)); // overlapping
        assertHw(HwException.EINVAL, () -> edu.mapDma(List.of(new DmaChunk(0, a)), 2 * PAGE, 3 * PAGE, both));
        assertHw(HwException.ENOMEM, () -> edu.mapDma(List.of(new DmaChunk(0, a)), 1L << 33, PAGE, both));
        assertEquals(0, ((SimulatedFunction) edu).iommuMappings());
    }
}
