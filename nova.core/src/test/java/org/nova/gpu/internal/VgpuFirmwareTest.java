package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.PluginTask;
import org.nova.gpu.VgpuTypeInfo;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.hw.sim.gpu.SimVgpuManager;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS;

/**
 * vGPU through nova.core: the firmware's vGPU support decides sriov_configure, and the typed vGPU
 * manager controls ({@link VgpuMgr}) reach the simulated GSP-RM's vGPU manager in each release's
 * layout, addressed to the internal subdevice GSP-RM reported.
 */
class VgpuFirmwareTest {
    private static final long GIB = 1L << 30;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final PciAddress VF = PciAddress.parse("0000:00:06.1");
    @TempDir
    Path tmp;

    private Gpu boot(Chipset chip, String release, SimPciDevice[] dev, NvidiaGpu[] sim) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp.resolve(release), release);
        sim[0] = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        dev[0] = new SimPciDevice(sim[0], "0000:00:06.0");
        return Gpu.probe(dev[0], new DirFirmwareLoader(fw));
    }

    @Test
    void ad102ReportsVgpuOnBothReleasesAndTheTypedControlsBootAVgpu() {
        for (String release : List.of("570.144", "535.113.01")) {
            SimPciDevice[] dev = new SimPciDevice[1];
            NvidiaGpu[] sim = new NvidiaGpu[1];
            Gpu g = boot(Chipset.AD102, release, dev, sim);
            assertTrue(g.vgpuSupported(), release);
            BuddyVramManager vram = g.fbRegions().vramManager("0000:00:06.0", sim[0].vramAperture());
            try (VgpuMgr v = g.openVgpu("vgpu-test", vram)) {
                assertEquals(release, v.firmwareVersion());
                assertEquals(PciAddress.parse("0000:00:06.0"), v.device());
                List<VgpuTypeInfo> types = v.supportedTypes();
                assertEquals(sim[0].vgpu().types().size(), types.size(), release);
                VgpuTypeInfo t = types.get(0);
                assertEquals(new VgpuTypeInfo(0x3b1, "NVIDIA L40-1Q", "Quadro", GIB, 256L << 20, 4,
                        SimVgpuManager.GSP_HEAP), t, release);
                VramBlock fb = vram.allocate(t.fbLength(), "test");
                VramBlock heap = vram.allocateBelow(t.gspHeapSize(), "test/heap", vram.cpuVisibleSize());
                PluginTask task = new PluginTask(VF, 1, t.id(), 512, 512, fb, heap);
                v.bootloadPluginTask(task);
                assertTrue(v.pluginTaskBooted(heap), "the plugin reported");
                assertEquals(List.of(1), sim[0].vgpu().activeGfids());
                // the control buffer as the host set it up (the RFC's init_ctrl_buf_offsets)
                MemorySegment m = vram.map(heap);
                assertEquals(1, m.get(LE32, 0), "version");
                assertEquals(0x1000, m.get(LE64, 16), "response_buff_offset");
                assertEquals(0x2000, m.get(LE64, 24), "message_buff_offset");
                assertEquals(0x3000, m.get(LE64, 32), "migration_buff_offset");
                assertEquals(0x203000, m.get(LE64, 40), "error_buff_offset");
                DriverException busy = assertThrows(DriverException.class, () -> v.bootloadPluginTask(task));
                assertEquals(Errno.EBUSY, busy.errno(), "NV_ERR_IN_USE");
                assertTrue(busy.getMessage().contains("NV_STATUS 0x17"), busy.getMessage());
                v.shutdownPluginTask(1);
                assertEquals(Errno.EBUSY, assertThrows(DriverException.class, () -> v.shutdownPluginTask(1)).errno(),
                        "NV_ERR_INVALID_STATE: not running");
                v.cleanupPlugin(1);
                assertEquals(List.of(), sim[0].vgpu().activeGfids());
                assertFalse(v.pluginTaskBooted(heap), "cleanup scrubbed the heap");
                assertEquals(11, v.stats().calls());
            }
            g.unbind();
            dev[0].releaseAll();
        }
    }

    @Test
    void bootloadParametersAreTheRfcsInTheReleasesLayout() {
        SimPciDevice[] dev = new SimPciDevice[1];
        NvidiaGpu[] sim = new NvidiaGpu[1];
        Gpu g = boot(Chipset.AD102, "570.144", dev, sim);
        BuddyVramManager vram = g.fbRegions().vramManager("0000:00:06.0", sim[0].vramAperture());
        try (VgpuMgr v = g.openVgpu("vgpu-test", vram)) {
            VramBlock heap = vram.allocateBelow(SimVgpuManager.GSP_HEAP, "heap", vram.cpuVisibleSize());
            VramBlock fb = vram.allocate(GIB, "fb");
            long h = heap.offset();
            byte[] bp = v.bootParams(new PluginTask(VF, 1, 0x3b1, 512, 512, fb, heap), v.heapLayout());
            NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS l = GspBindings.of("570.144")
                    .orElseThrow().NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS();
            assertEquals(6616, bp.length);
            assertEquals(0x0000_0031, l.dbdf(bp, 0), "00:06.1");
            assertEquals(1, l.gfid(bp, 0));
            assertEquals(0x3b1, l.vgpuType(bp, 0));
            assertEquals(512, l.numChannels(bp, 0));
            assertEquals(1, l.numPluginChannels(bp, 0));
            assertEquals(512, l.chidOffsetU32(bp, 0, 0));
            assertEquals(512, l.chidOffsetU32(bp, 0, 0x53), "every engine's");
            assertEquals(1, l.numGuestFbSegments(bp, 0));
            assertEquals(fb.offset(), l.guestFbPhysAddrListU64(bp, 0, 0));
            assertEquals(GIB, l.guestFbLengthListU64(bp, 0, 0));
            assertEquals(h, l.pluginHeapMemoryPhysAddr(bp, 0));
            assertEquals(SimVgpuManager.GSP_HEAP, l.pluginHeapMemoryLength(bp, 0));
            assertEquals(0, l.ctrlBuffOffset(bp, 0));
            assertEquals(h + 0x204000, l.initTaskLogBuffOffset(bp, 0), "after ctrl, response, message, migration "
                    + "(2 MiB) and error");
            assertEquals(128 << 10, l.initTaskLogBuffSize(bp, 0));
            assertEquals(h + 0x224000, l.vgpuTaskLogBuffOffset(bp, 0));
            assertEquals(256 << 10, l.vgpuTaskLogBuffSize(bp, 0));
            assertEquals(h + 0x264000, l.kernelLogBuffOffset(bp, 0));
            assertEquals(64 << 10, l.kernelLogBuffSize(bp, 0));
            assertEquals(0x274000, v.pluginHeapMinimum());
            // a heap its regions do not fit: refused before any control
            VramBlock small = vram.allocateBelow(1 << 20, "small", vram.cpuVisibleSize());
            long calls = v.stats().calls();
            assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                    () -> v.bootloadPluginTask(new PluginTask(VF, 1, 0x3b1, 512, 512, fb, small))).errno());
            assertEquals(calls, v.stats().calls());
            // NV_STATUS to errno, the RFC's reading
            GspBindings abi = g.abi();
            assertEquals(Errno.EBUSY, v.errnoOf(abi.NV_ERR_IN_USE()));
            assertEquals(Errno.EBUSY, v.errnoOf(abi.NV_ERR_INVALID_STATE()));
            assertEquals(Errno.ENOSPC, v.errnoOf(abi.NV_ERR_INSUFFICIENT_RESOURCES()));
            assertEquals(Errno.ENODEV, v.errnoOf(abi.NV_ERR_NOT_SUPPORTED()));
            assertEquals(Errno.EIO, v.errnoOf(abi.NV_ERR_INVALID_ARGUMENT()));
        }
        g.unbind();
        dev[0].releaseAll();
    }

    @Test
    void rmControlsGoToTheInternalSubdeviceGspRmReported() {
        SimPciDevice[] dev = new SimPciDevice[1];
        NvidiaGpu[] sim = new NvidiaGpu[1];
        Gpu g = boot(Chipset.AD102, "535.113.01", dev, sim);
        var info = g.gspStatus().staticInfo();
        assertEquals(Integer.toUnsignedString(0xc1e0_0000), info.get("hInternalClient"));
        assertEquals(Integer.toUnsignedString(0xc1e0_0002), info.get("hInternalSubdevice"));
        // the simulated GSP-RM answers the vGPU manager's controls only on that subdevice
        GspBindings abi = g.abi();
        byte[] p = new byte[abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS().size()];
        assertEquals(abi.NV_OK(), g.control(abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES(), p, 2000)
                .result());
        g.unbind();
        dev[0].releaseAll();
    }

    @Test
    void sriovConfigureNeedsTheFirmwaresVgpuSupport() {
        SimPciDevice[] dev = new SimPciDevice[1];
        NvidiaGpu[] sim = new NvidiaGpu[1];
        Gpu ga = boot(Chipset.GA102, "535.113.01", dev, sim);
        assertFalse(ga.vgpuSupported());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class,
                () -> ga.openVgpu("vgpu-test", BuddyVramManager.of("ga", 0, GIB))).errno());
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
