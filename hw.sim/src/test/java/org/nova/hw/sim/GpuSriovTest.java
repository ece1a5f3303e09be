package org.nova.hw.sim;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.nova.nvidia.regs.VirtualFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SR-IOV on the simulated GPUs: the vGPU-capable AD102 has it, the GA102 does not. */
class GpuSriovTest {
    private final SimulatedHostBridge bridge = new SimulatedHostBridge("g0", 0);

    @AfterEach
    void tearDown() {
        bridge.close();
    }

    private PciFunction plug(String chip, String slot) {
        return bridge.plug(PciAddress.parse(slot), SimModels.create(SimModels.NVIDIA_GPU, Map.of(SimModels.OPT_CHIP,
                chip)));
    }

    @Test
    void ad102HasSriovWithFourVfsThatAre3dControllers() {
        PciFunction pf = plug("ad102", "00:06.0");
        SriovControl s = pf.sriov().orElseThrow();
        assertEquals(4, s.totalVfs());
        List<PciFunction> vfs = s.enableVfs(2);
        assertEquals(List.of("0000:00:06.1", "0000:00:06.2"), vfs.stream().map(f -> f.address().toString()).toList());
        for (PciFunction vf : vfs) {
            assertEquals(pf, vf.physfn().orElseThrow());
            assertEquals(0xffff, vf.readConfig(PciRegs.PCI_VENDOR_ID, 2), "a VF's Vendor ID reads FFFFh");
            assertEquals(0x030200, vf.readConfig(PciRegs.PCI_REVISION_ID, 4) >>> 8);
            RegionInfo bar0 = vf.region(0).orElseThrow();
            assertEquals(GpuVfModel.VF_BAR0_SIZE, bar0.size());
            assertEquals(GpuVfModel.VF_BAR1_SIZE, vf.region(1).orElseThrow().size());
        }
        s.disableVfs();
        assertEquals(0, s.numVfs());
        // what the model reports beyond its registers: no GSP-RM yet, no vGPUs, no VF BAR1 faults
        assertEquals(Map.of("gsp.running", "false", "vgpu.gfids", "", "vf.bar1.faults", "0"),
                pf.deviceState());
    }

    @Test
    void aVfsInterruptTreeSignalsItsMsi() throws Exception {
        PciFunction pf = plug("ad102", "00:06.0");
        PciFunction vf = pf.sriov().orElseThrow().enableVfs(1).get(0);
        vf.writeConfig(PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_MEMORY
                | PciRegs.PCI_COMMAND_MASTER);
        org.nova.hw.Mmio bar0 = vf.map(0);
        BlockingQueue<Integer> msis = new LinkedBlockingQueue<>();
        try (IrqSet irqs = vf.enableIrqs(IrqType.MSI, 1, msis::add)) {
            int vector = 33; // leaf 1, bit 1, subtree 0
            int leaf = VirtualFunction.leafOf(vector);
            // pending but not enabled: no interrupt, TOP shows nothing
            bar0.write32(VirtualFunction.CPU_INTR_LEAF_TRIGGER.address(), vector);
            assertEquals(1 << 1, bar0.read32(VirtualFunction.CPU_INTR_LEAF.address(leaf)));
            assertEquals(0, bar0.read32(VirtualFunction.CPU_INTR_TOP.address()));
            assertEquals(null, msis.poll(100, TimeUnit.MILLISECONDS));
            // enabling the leaf bit and the subtree uncovers it: one MSI
            bar0.write32(VirtualFunction.CPU_INTR_LEAF_EN_SET.address(leaf), 1 << 1);
            bar0.write32(VirtualFunction.CPU_INTR_TOP_EN_SET.address(), 1);
            assertEquals(0, msis.poll(5, TimeUnit.SECONDS));
            assertEquals(1, bar0.read32(VirtualFunction.CPU_INTR_TOP.address()));
            // write 1 to clear; a new trigger interrupts again
            bar0.write32(VirtualFunction.CPU_INTR_LEAF.address(leaf), 1 << 1);
            assertEquals(0, bar0.read32(VirtualFunction.CPU_INTR_TOP.address()));
            bar0.write32(VirtualFunction.CPU_INTR_LEAF_TRIGGER.address(), vector);
            assertEquals(0, msis.poll(5, TimeUnit.SECONDS));
            // disabled again: a trigger stays pending, silent
            bar0.write32(VirtualFunction.CPU_INTR_LEAF.address(leaf), 1 << 1);
            bar0.write32(VirtualFunction.CPU_INTR_LEAF_EN_CLEAR.address(leaf), 1 << 1);
            bar0.write32(VirtualFunction.CPU_INTR_LEAF_TRIGGER.address(), vector);
            assertEquals(null, msis.poll(100, TimeUnit.MILLISECONDS));
            assertEquals("2", vf.deviceState().get("vf.interrupts"));
            // other offsets are plain registers
            bar0.write32(0x100, 0x1234);
            assertEquals(0x1234, bar0.read32(0x100));
        }
    }

    @Test
    void ga102HasNoSriov() {
        PciFunction pf = plug("ga102", "00:05.0");
        assertTrue(pf.sriov().isEmpty());
    }
}
