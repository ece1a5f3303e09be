package org.nova.hw.sim;

import org.nova.hw.pci.PciRegs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.sim.gpu.NvidiaGpu;

/** The simulated GPU's BAR1: plain memory, a window onto the model's VRAM, never freed under a holder. */
class GpuApertureTest {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final SimulatedHostBridge bridge = new SimulatedHostBridge("g0", 0);

    @AfterEach
    void tearDown() {
        bridge.close();
    }

    @Test
    void bar1IsTheVramAndDiesWithTheFunction() {
        PciAddress at = PciAddress.parse("00:05.0");
        PciFunction gpu = bridge.plug(at, SimModels.create(SimModels.NVIDIA_GPU, Map.of(SimModels.OPT_CHIP, "ga102")));
        assertTrue(gpu.region(1).orElseThrow().flags().contains(RegionFlag.MAPPABLE));
        gpu.writeConfig(PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_MEMORY);
        Mmio bar1 = gpu.map(1);
        MemorySegment m = bar1.segment().orElseThrow();
        assertEquals(NvidiaGpu.BAR1_SIZE, m.byteSize());
        assertEquals(0, m.get(LE32, NvidiaGpu.BAR1_SIZE - 4), "zero until written");
        m.set(LE32, 0x10_0000, 0xcafef00d);
        assertEquals(0xcafef00d, bar1.read32(0x10_0000), "the register path sees the same VRAM");
        bar1.write32(NvidiaGpu.BAR1_SIZE - 4, 0x1234_5678);
        assertEquals(0x78, m.get(ValueLayout.JAVA_BYTE, NvidiaGpu.BAR1_SIZE - 4), "little-endian");
        bridge.unplug(at);
        // like a real BAR, still mapped for whoever holds it (never freed under a holder), but the
        // function's mappings and the model are done with it
        assertEquals(0xcafef00d, m.get(LE32, 0x10_0000));
        assertThrows(RuntimeException.class, () -> bar1.read32(0));
        assertThrows(RuntimeException.class, bar1::segment);
    }
}
