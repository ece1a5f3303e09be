package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;

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
            assertEquals(SimModels.VF_BAR0_SIZE, bar0.size());
            assertEquals(SimModels.VF_BAR1_SIZE, vf.region(1).orElseThrow().size());
        }
        s.disableVfs();
        assertEquals(0, s.numVfs());
        // what the model reports beyond its registers: no GSP-RM yet, no vGPUs, no VF BAR1 faults
        assertEquals(java.util.Map.of("gsp.running", "false", "vgpu.gfids", "", "vf.bar1.faults", "0"),
                pf.deviceState());
    }

    @Test
    void ga102HasNoSriov() {
        PciFunction pf = plug("ga102", "00:05.0");
        assertTrue(pf.sriov().isEmpty());
    }
}
