package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.SimTestSupport.await;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.sim.gpu.GpuTestHooks;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;

/** The simulated GPU's interrupt on the platform: GSP-RM's message-queue signal as MSI or INTx. */
class GpuInterruptTest {
    private final SimulatedHostBridge bridge = new SimulatedHostBridge("gi", 0);
    private final List<Integer> vectors = new CopyOnWriteArrayList<>();
    private PciFunction fn;
    private NvidiaGpu gpu;
    private Mmio bar0;

    @BeforeEach
    void setUp() {
        GpuModel model = (GpuModel) SimModels.create(SimModels.NVIDIA_GPU,
                Map.of(SimModels.OPT_CHIP, "ga102"));
        gpu = model.gpu();
        fn = bridge.plug(PciAddress.parse("00:05.0"), model);
        fn.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        bar0 = fn.map(0);
    }

    @AfterEach
    void tearDown() {
        bar0.close();
        bridge.close();
    }

    private void clearSwgen0() {
        bar0.write32(Pfalcon.IRQSCLR.address(FalconEngine.GSP), Pfalcon.IRQSCLR_SWGEN0.of(1));
    }

    @Test
    void theGpuHasOneMsiVectorAndIntx() {
        assertEquals(1, fn.irqCount(IrqType.MSI));
        assertEquals(1, fn.irqCount(IrqType.INTX));
    }

    @Test
    void eachMessageRaisesMsiVectorZero() {
        try (IrqSet _ = fn.enableIrqs(IrqType.MSI, 1, vectors::add)) {
            GpuTestHooks.raiseMsgqInterrupt(gpu);
            await("MSI", () -> vectors.size() == 1);
            clearSwgen0();
            GpuTestHooks.raiseMsgqInterrupt(gpu);
            await("second MSI", () -> vectors.size() == 2);
            assertEquals(List.of(0, 0), vectors);
            clearSwgen0();
        }
    }

    @Test
    void withoutMsiTheGpuAssertsIntxUntilTheDriverClearsSwgen0() {
        try (IrqSet _ = fn.enableIrqs(IrqType.INTX, 1, vectors::add)) {
            GpuTestHooks.raiseMsgqInterrupt(gpu);
            await("INTx", () -> vectors.size() == 1);
            assertTrue((fn.readConfig(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT) != 0, "the line is asserted");
            clearSwgen0();
            assertEquals(0, fn.readConfig(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, "cleared SWGEN0 drops the line");
            GpuTestHooks.raiseMsgqInterrupt(gpu);
            await("INTx again", () -> vectors.size() == 2);
            clearSwgen0();
        }
    }
}
