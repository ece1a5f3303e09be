package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GspChannel;
import org.nova.gpu.GspReply;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.hw.sim.gpu.SimVgpuManager;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspMsgQueue;

/**
 * vGPU through nova.core: the firmware's vGPU support decides sriov_configure, and RM controls
 * (GSP_RM_CONTROL with the header nova.core lays out) reach the simulated GSP-RM's vGPU manager.
 */
class VgpuFirmwareTest {
    private static final Duration T = Duration.ofSeconds(5);
    @TempDir
    Path tmp;

    private Gpu boot(Chipset chip, String release, SimPciDevice[] dev, NvidiaGpu[] sim) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp.resolve(release), release);
        sim[0] = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        dev[0] = new SimPciDevice(sim[0], "0000:00:06.0");
        return Gpu.probe(dev[0], new DirFirmwareLoader(fw));
    }

    @Test
    void ad102ReportsVgpuOnBothReleasesAndControlsBootAVgpu() {
        for (String release : List.of("570.144", "535.113.01")) {
            SimPciDevice[] dev = new SimPciDevice[1];
            NvidiaGpu[] sim = new NvidiaGpu[1];
            Gpu g = boot(Chipset.AD102, release, dev, sim);
            assertTrue(g.vgpuSupported(), release);
            try (GspChannel ch = g.open("vgpu-test")) {
                org.nova.gpu.FwLayout tl = org.nova.gpu.FwLayout.of(release,
                        "NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS");
                GspReply types = ch.control(org.nova.gpu.FwLayout.constant(release, SimVgpuManager.CMD_GET_TYPES), tl.allocate(), T);
                assertEquals(0, types.result());
                assertEquals(sim[0].vgpu().types().size(), tl.get(types.payload(), 0, "numVgpuTypes"), release);
                org.nova.gpu.FwLayout il = org.nova.gpu.FwLayout.of(release,
                        "NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS");
                byte[] q = il.allocate();
                il.put(q, 0, "vgpuType", 0x3b1);
                GspReply info = ch.control(org.nova.gpu.FwLayout.constant(release, SimVgpuManager.CMD_GET_TYPE_INFO), q, T);
                assertEquals(0, info.result(), release);
                org.nova.gpu.FwLayout vi = org.nova.gpu.FwLayout.of(release, "NVA081_CTRL_VGPU_INFO");
                assertEquals("NVIDIA L40-1Q", vi.string(info.payload(), il.at("vgpuTypeInfo"), "vgpuName"));
                org.nova.gpu.FwLayout bl = org.nova.gpu.FwLayout.of(release,
                        "NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS");
                byte[] p = bl.allocate();
                bl.put(p, 0, "gfid", 1);
                bl.put(p, 0, "vgpuType", 0x3b1);
                bl.put(p, 0, "numChannels", 512);
                bl.element(p, 0, "chidOffset", 4, 0, 512);
                bl.put(p, 0, "numGuestFbSegments", 1);
                bl.element(p, 0, "guestFbPhysAddrList", 8, 0, 0);
                bl.element(p, 0, "guestFbLengthList", 8, 0, 1L << 30);
                // the plugin heap above the framebuffer, its control buffer's version set by the host
                long heap = 2L << 30;
                org.nova.gpu.FwLayout cl = org.nova.gpu.FwLayout.of(release, "VGPU_CPU_GSP_CTRL_BUFF_REGION");
                sim[0].vramWrite(heap + cl.at("version"), 4,
                        org.nova.gpu.FwLayout.constant(release, "VGPU_CPU_GSP_CTRL_BUFF_VERSION"));
                bl.put(p, 0, "pluginHeapMemoryPhysAddr", heap);
                bl.put(p, 0, "pluginHeapMemoryLength", SimVgpuManager.GSP_HEAP);
                GspReply r = ch.control(org.nova.gpu.FwLayout.constant(release, SimVgpuManager.CMD_BOOTLOAD), p, T);
                assertEquals(0, r.result());
                assertEquals(org.nova.gpu.FwLayout.constant(release, "NV_VGPU_PLUGIN_SUCCESS_MAGIC"),
                        (int) sim[0].vramRead(heap + cl.at("message_seq_num"), 4), "the plugin reported");
                assertEquals(List.of(1), sim[0].vgpu().activeGfids());
                assertEquals(org.nova.gpu.FwLayout.constant(release, "NV_ERR_IN_USE"), ch.control(org.nova.gpu.FwLayout.constant(release, SimVgpuManager.CMD_BOOTLOAD), p, T).result());
                byte[] gfid = new byte[4];
                GspMsgQueue.putLe(gfid, 0, 1);
                assertEquals(0, ch.control(org.nova.gpu.FwLayout.constant(release, SimVgpuManager.CMD_SHUTDOWN), gfid, T).result());
                assertEquals(0, ch.control(org.nova.gpu.FwLayout.constant(release, SimVgpuManager.CMD_CLEANUP), gfid, T).result());
                assertEquals(List.of(), sim[0].vgpu().activeGfids());
                assertEquals(6, ch.stats().calls());
            }
            g.unbind();
            dev[0].releaseAll();
        }
    }

    @Test
    void sriovConfigureNeedsTheFirmwaresVgpuSupport() {
        SimPciDevice[] dev = new SimPciDevice[1];
        NvidiaGpu[] sim = new NvidiaGpu[1];
        Gpu ga = boot(Chipset.GA102, "535.113.01", dev, sim);
        assertFalse(ga.vgpuSupported());
        DriverException e = assertThrows(DriverException.class, () -> NovaCoreDriver.sriovConfigure(ga, dev[0], 2));
        assertEquals(Errno.EOPNOTSUPP, e.errno());
        assertTrue(e.getMessage().contains("no vGPU support"), e.getMessage());
        assertEquals(0, NovaCoreDriver.sriovConfigure(ga, dev[0], 0), "0 disables, always allowed");
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class,
                () -> NovaCoreDriver.sriovConfigure(null, dev[0], 1)).errno());
        ga.unbind();
        dev[0].releaseAll();

        Gpu ad = boot(Chipset.AD102, "570.144", dev, sim);
        // vGPU supported: the gate opens and the PF's enableSriov is reached (the test PF has none)
        assertThrows(UnsupportedOperationException.class, () -> NovaCoreDriver.sriovConfigure(ad, dev[0], 2));
        ad.unbind();
        dev[0].releaseAll();
    }
}
