package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.r535_113_01.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS;
import org.nova.nvidia.gsp.r570_144.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS;
import org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS;
import org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_INFO;
import org.nova.nvidia.gsp.r570_144.VGPU_CPU_GSP_CTRL_BUFF_REGION;

/** The simulated GSP-RM's vGPU manager: types, boot, shutdown, cleanup and its rules. */
class SimVgpuManagerTest {
    private final NvidiaGpu ad102 = sriov(new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of())));
    private final SimVgpuManager m = ad102.vgpu();

    /** GSP-RM as nova-core boots it with vGPU on: SetRegistry's RMSetSriovMode accepted. */
    private static NvidiaGpu sriov(NvidiaGpu gpu) {
        gpu.sriovMode(true);
        return gpu;
    }

    /** Where the tests put the plugin heap of gfid g: 20 GiB + g * 4 MiB (above every test framebuffer). */
    private static long heapOf(int gfid) {
        return (20L << 30) + gfid * SimVgpuManager.GSP_HEAP;
    }

    /** The host's part of the plugin heap: the control buffer's version (VGPU_CPU_GSP_CTRL_BUFF_VERSION). */
    private void initHeap(long heap) {
        ad102.vramWrite(heap + VGPU_CPU_GSP_CTRL_BUFF_REGION.VERSION_AT, 4, 1);
        ad102.vramWrite(heap + VGPU_CPU_GSP_CTRL_BUFF_REGION.MESSAGE_SEQ_NUM_AT, 4, 0);
    }

    /**
     * NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS with one guest FB segment and
     * the plugin heap at {@link #heapOf}, initialised as the host does (the RFC's layout: control
     * buffer at offset 0, the log buffers after the communication regions, as absolute addresses).
     */
    private byte[] boot(int gfid, int type, long fbOff, long fbLen, int chid) {
        long heap = heapOf(gfid);
        initHeap(heap);
        byte[] p = bootAt(gfid, type, fbOff, fbLen, chid, heap, SimVgpuManager.GSP_HEAP);
        return p;
    }

    private static byte[] bootAt(int gfid, int type, long fbOff, long fbLen, int chid, long heap, long heapLen) {
        byte[] p = new byte[NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.SIZE];
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.pluginHeapMemoryPhysAddr(p, 0, heap);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.pluginHeapMemoryLength(p, 0, heapLen);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.ctrlBuffOffset(p, 0, 0);
        long logs = heap + 3 * 4096 + (2 << 20) + 4096;
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.initTaskLogBuffOffset(p, 0, logs);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.initTaskLogBuffSize(p, 0, 128 << 10);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.vgpuTaskLogBuffOffset(p, 0,
                logs + (128 << 10));
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.vgpuTaskLogBuffSize(p, 0, 256 << 10);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.gfid(p, 0, gfid);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.vgpuType(p, 0, type);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.numChannels(p, 0,
                SimVgpuManager.CHANNELS_PER_VGPU);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.numPluginChannels(p, 0, 1);
        GspMsgQueue.putLe(p, NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.CHID_OFFSET_AT, chid);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.numGuestFbSegments(p, 0, 1);
        GspMsgQueue.putLe64(p, NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS
                .GUEST_FB_PHYS_ADDR_LIST_AT, fbOff);
        GspMsgQueue.putLe64(p, NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS
                .GUEST_FB_LENGTH_LIST_AT, fbLen);
        return p;
    }

    /** The release these tests' GSP-RM runs (its parameter layouts are the r570_144 bindings'). */
    private static final GspBindings R570 = GspBindings.of("570.144").orElseThrow();
    private static final GspBindings R535 = GspBindings.of("535.113.01").orElseThrow();
    private static final int GET_TYPES = R570.NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES();
    private static final int GET_TYPE_INFO = R570.NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO();
    private static final int BOOTLOAD = R570.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK();
    private static final int SHUTDOWN = R570.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK();
    private static final int CLEANUP = R570.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP();

    private int control(int cmd, byte[] p) {
        return m.control(R570, cmd, new byte[][] {p});
    }

    /** @return the NV_STATUS code {@code name} */
    private static int nv(String name) {
        return R570.constant(name);
    }

    private static byte[] gfid(int g) {
        byte[] p = new byte[4];
        GspMsgQueue.putLe(p, 0, g);
        return p;
    }

    @Test
    void aGspRmBootedWithoutSriovModeOffersNoTypes() {
        NvidiaGpu bare = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of()));
        byte[][] p = {new byte[NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.SIZE]};
        assertEquals(nv("NV_ERR_NOT_SUPPORTED"), bare.vgpu().control(R570, GET_TYPES, p),
                "no RMSetSriovMode: GSP-RM's vGPU manager serves no VFs");
        assertTrue(bare.vgpu().types().isEmpty());
        bare.sriovMode(true);
        assertEquals(nv("NV_OK"), bare.vgpu().control(R570, GET_TYPES, p));
        bare.reset();
        assertFalse(bare.sriovMode(), "a reset ends SR-IOV mode");
    }

    @Test
    void ad102OffersTypesAndGa102None() {
        byte[][] p = {new byte[NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.SIZE]};
        assertEquals(nv("NV_OK"), m.control(R570, GET_TYPES, p));
        assertEquals(m.types().size(), NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.INSTANCE.numVgpuTypes(p[0], 0));
        assertEquals(0x3b1, GspMsgQueue.getLe(p[0], NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.VGPU_TYPES_AT));
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), m.control(R570, GET_TYPES,
                new byte[][] {new byte[12]}), "parameters of no release's size");
        assertTrue(ad102.vgpuCapable());
        assertEquals(4, ad102.totalVfs());
        NvidiaGpu ga102 = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of()));
        assertEquals(nv("NV_ERR_NOT_SUPPORTED"), ga102.vgpu().control(R570, GET_TYPES,
                new byte[][] {new byte[4]}));
        assertEquals(0, ga102.totalVfs());
        assertEquals(-1, m.control(R570, 0x20800101, new byte[][] {new byte[4]}), "not the vGPU manager's control");
    }

    @Test
    void typesOfOneProfileSizeRunSideBySideOthersWaitUntilTheLastIsGone() {
        long gib = 1L << 30;
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(1, 0x3b1, 0, gib, 512)));
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(2, 0x3c1, 2 * gib, gib, 1024)),
                "L40-1B has L40-1Q's 1 GiB profile");
        assertEquals(nv("NV_ERR_INVALID_STATE"), control(BOOTLOAD, boot(3, 0x3b2, 4 * gib, 2 * gib, 1536)),
                "a 2 GiB profile while 1 GiB ones run");
        for (int g = 1; g <= 2; g++) {
            assertEquals(nv("NV_OK"), control(SHUTDOWN, gfid(g)));
            assertEquals(nv("NV_OK"), control(CLEANUP, gfid(g)));
        }
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(3, 0x3b2, 4 * gib, 2 * gib, 1536)), "none runs now");
    }

    @Test
    void bootEnforcesTheRulesAndCleanupFrees() {
        long gib = 1L << 30;
        byte[] p = boot(1, 0x3b1, 0, gib, 512);
        assertEquals(nv("NV_OK"), control(BOOTLOAD, p));
        assertEquals(nv("NV_ERR_IN_USE"), control(BOOTLOAD, boot(1, 0x3b1, 2 * gib, gib,
                1024)), "gfid in use");
        assertEquals(nv("NV_ERR_INVALID_STATE"), control(BOOTLOAD, boot(2, 0x3b2,
                2 * gib, 2 * gib, 1024)), "homogeneous");
        assertEquals(nv("NV_ERR_IN_USE"), control(BOOTLOAD, boot(2, 0x3b1, gib / 2, gib,
                1024)), "framebuffer overlaps");
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD, boot(5, 0x3b1,
                2 * gib, gib, 1024)), "gfid beyond TotalVFs");
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD, boot(2, 0x999,
                2 * gib, gib, 1024)), "unknown type");
        for (int g = 2; g <= 4; g++) {
            assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(g, 0x3b1, g * gib, gib,
                    512 * g)));
        }
        assertEquals(List.of(1, 2, 3, 4), m.activeGfids());
        assertEquals(nv("NV_ERR_INVALID_STATE"), control(CLEANUP, gfid(1)),
                "cleanup before shutdown");
        assertEquals(nv("NV_OK"), control(SHUTDOWN, gfid(1)));
        assertEquals(nv("NV_OK"), control(CLEANUP, gfid(1)));
        assertEquals(List.of(2, 3, 4), m.activeGfids());
        ad102.reset();
        assertEquals(List.of(), m.activeGfids(), "a reset ends every vGPU");
    }

    @Test
    void typeInfoIsNvidiasVgpuInfoInEitherRelease() {
        // 570.144 (575.51.02 layout): NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS, 5232 bytes
        byte[] p = new byte[org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.SIZE];
        org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.INSTANCE.vgpuType(p, 0, 0x3b2);
        assertEquals(nv("NV_OK"), control(GET_TYPE_INFO, p));
        int base = org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.VGPU_TYPE_INFO_AT;
        assertEquals(0x3b2, NVA081_CTRL_VGPU_INFO.INSTANCE.vgpuType(p, base));
        assertEquals("NVIDIA L40-2Q", NVA081_CTRL_VGPU_INFO.INSTANCE.getString(p, base, "vgpuName"));
        assertEquals("Quadro", NVA081_CTRL_VGPU_INFO.INSTANCE.getString(p, base, "vgpuClass"));
        assertEquals(4, NVA081_CTRL_VGPU_INFO.INSTANCE.maxInstance(p, base));
        assertEquals(2L << 30, NVA081_CTRL_VGPU_INFO.INSTANCE.fbLength(p, base));
        assertEquals(256, NVA081_CTRL_VGPU_INFO.INSTANCE.bar1Length(p, base));
        // 535.113.01: 4960 bytes, the same leading fields
        byte[] q = new byte[NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.SIZE];
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.INSTANCE.vgpuType(q, 0, 0x3b4);
        // a release's GSP-RM takes only its own layout
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(GET_TYPE_INFO, q), "r535 layout, r570");
        int info = R535.NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO();
        assertEquals(nv("NV_OK"), m.control(R535, info, new byte[][] {q}));
        assertEquals(2, org.nova.nvidia.gsp.r535_113_01.NVA081_CTRL_VGPU_INFO.INSTANCE.maxInstance(q,
                NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.VGPU_TYPE_INFO_AT));
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.INSTANCE.vgpuType(q, 0, 0x999);
        assertEquals(nv("NV_ERR_OBJECT_NOT_FOUND"), m.control(R535, info, new byte[][] {q}));
    }

    private static final long GIB = 1L << 30;

    @Test
    void theBootedPluginReportsInItsControlBuffer() {
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(1, 0x3b1, 0, GIB, 512)));
        assertEquals(0x4E654A6FL, ad102.vramRead(heapOf(1) + VGPU_CPU_GSP_CTRL_BUFF_REGION.MESSAGE_SEQ_NUM_AT, 4));
    }

    @Test
    void thePluginHeapMustBeItsOwnAndWellFormed() {
        long heap = heapOf(1);
        initHeap(heap);
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD,
                bootAt(1, 0x3b1, 0, GIB, 512, heap, SimVgpuManager.GSP_HEAP / 2)), "smaller than gspHeapSize");
        initHeap(GIB / 2);
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD,
                bootAt(1, 0x3b1, 0, GIB, 512, GIB / 2, SimVgpuManager.GSP_HEAP)), "inside its own framebuffer");
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD,
                bootAt(1, 0x3b1, 0, GIB, 512, heap + 12, SimVgpuManager.GSP_HEAP)), "not page-aligned");
        long vramEnd = GpuOptions.defaultFbMiB(Chipset.AD102) << 20;
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD,
                bootAt(1, 0x3b1, 0, GIB, 512, vramEnd - SimVgpuManager.GSP_HEAP / 2, SimVgpuManager.GSP_HEAP)),
                "past the end of VRAM");
        byte[] logsOutside = bootAt(1, 0x3b1, 0, GIB, 512, heap, SimVgpuManager.GSP_HEAP);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.INSTANCE.vgpuTaskLogBuffOffset(logsOutside, 0,
                heap + SimVgpuManager.GSP_HEAP - 4096);
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD, logsOutside),
                "a log buffer past the heap");
        ad102.vramWrite(heap, 4, 0);
        assertEquals(nv("NV_ERR_INVALID_ARGUMENT"), control(BOOTLOAD,
                bootAt(1, 0x3b1, 0, GIB, 512, heap, SimVgpuManager.GSP_HEAP)), "control buffer not initialised");
        assertEquals(List.of(), m.activeGfids(), "nothing booted by a refused bootload");
        assertEquals(0, ad102.vramRead(heap + VGPU_CPU_GSP_CTRL_BUFF_REGION.MESSAGE_SEQ_NUM_AT, 4));
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(1, 0x3b1, 0, GIB, 512)));
        initHeap(heap + 4096);
        assertEquals(nv("NV_ERR_IN_USE"), control(BOOTLOAD,
                bootAt(2, 0x3b1, GIB, GIB, 1024, heap + 4096, SimVgpuManager.GSP_HEAP)), "another vGPU's heap");
        assertEquals(nv("NV_ERR_IN_USE"), control(BOOTLOAD,
                bootAt(2, 0x3b1, heap, GIB, 1024, heapOf(2), SimVgpuManager.GSP_HEAP)), "framebuffer over a heap");
    }

    @Test
    void aVfsBar1ReachesItsOwnFramebufferOnlyAndCleanupScrubsIt() {
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(1, 0x3b1, 0, GIB, 512)));
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(2, 0x3b1, GIB, GIB, 1024)));
        // VF0 (gfid 1) and VF1 (gfid 2) write the same BAR1 offset: each lands in its own framebuffer
        ad102.vfBar1Write(0, 0x1000, 4, 0x1111_1111);
        ad102.vfBar1Write(1, 0x1000, 4, 0x2222_2222);
        assertEquals(0x1111_1111L, ad102.vramRead(0x1000, 4));
        assertEquals(0x2222_2222L, ad102.vramRead(GIB + 0x1000, 4));
        assertEquals(0x1111_1111L, ad102.vfBar1Read(0, 0x1000, 4));
        assertEquals(0x2222_2222L, ad102.vfBar1Read(1, 0x1000, 4));
        // past the framebuffer, or a VF without a vGPU: the access faults, nothing is reached
        long faults = ad102.vfBar1Faults();
        assertEquals(0, ad102.vfBar1Read(0, GIB, 4));
        ad102.vfBar1Write(2, 0, 4, 0x3333_3333);
        assertEquals(faults + 2, ad102.vfBar1Faults());
        assertEquals(0, ad102.vramRead(2 * GIB, 4));
        // shutdown unmaps the VF's BAR1; cleanup scrubs what the vGPU wrote and its heap
        assertEquals(nv("NV_OK"), control(SHUTDOWN, gfid(1)));
        assertEquals(0, ad102.vfBar1Read(0, 0x1000, 4));
        assertEquals(nv("NV_OK"), control(CLEANUP, gfid(1)));
        assertEquals(0, ad102.vramRead(0x1000, 4));
        assertEquals(0, ad102.vramRead(heapOf(1) + VGPU_CPU_GSP_CTRL_BUFF_REGION.MESSAGE_SEQ_NUM_AT, 4));
        assertEquals(0x2222_2222L, ad102.vramRead(GIB + 0x1000, 4), "the other vGPU's memory stays");
    }

    @Test
    void aHungPluginNeverReports() {
        NvidiaGpu hung = sriov(new NvidiaGpu(new GpuOptions(Chipset.AD102, GpuOptions.defaultFbMiB(Chipset.AD102),
                GpuFault.VGPU_PLUGIN_HANG, List.of())));
        long heap = heapOf(1);
        hung.vramWrite(heap + VGPU_CPU_GSP_CTRL_BUFF_REGION.VERSION_AT, 4, 1);
        assertEquals(nv("NV_OK"), hung.vgpu().control(R570, BOOTLOAD,
                new byte[][] {bootAt(1, 0x3b1, 0, GIB, 512, heap, SimVgpuManager.GSP_HEAP)}));
        assertEquals(0, hung.vramRead(heap + VGPU_CPU_GSP_CTRL_BUFF_REGION.MESSAGE_SEQ_NUM_AT, 4));
    }

    @Test
    void maxInstancesIsInsufficientResources() {
        long gib = 1L << 30;
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(1, 0x3b4, 0, 8 * gib, 512)));
        assertEquals(nv("NV_OK"), control(BOOTLOAD, boot(2, 0x3b4, 8 * gib, 8 * gib,
                1024)));
        assertEquals(nv("NV_ERR_INSUFFICIENT_RESOURCES"), control(BOOTLOAD, boot(3,
                0x3b4, 16 * gib, 8 * gib, 1536)));
    }
}
