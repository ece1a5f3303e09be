package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.r535_113_01.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS;
import org.nova.nvidia.gsp.r570_144.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS;
import org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS;
import org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_INFO;

/** The simulated GSP-RM's vGPU manager: types, boot, shutdown, cleanup and its rules. */
class SimVgpuManagerTest {
    private final NvidiaGpu ad102 = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of()));
    private final SimVgpuManager m = ad102.vgpu();

    /** NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS with one guest FB segment. */
    private static byte[] boot(int gfid, int type, long fbOff, long fbLen, int chid) {
        byte[] p = new byte[NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.SIZE];
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.gfid(p, 0, gfid);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.vgpuType(p, 0, type);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.numChannels(p, 0,
                SimVgpuManager.CHANNELS_PER_VGPU);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.numPluginChannels(p, 0, 1);
        GspMsgQueue.putLe(p, NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.CHID_OFFSET_AT, chid);
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS.numGuestFbSegments(p, 0, 1);
        GspMsgQueue.putLe64(p, NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS
                .GUEST_FB_PHYS_ADDR_LIST_AT, fbOff);
        GspMsgQueue.putLe64(p, NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS
                .GUEST_FB_LENGTH_LIST_AT, fbLen);
        return p;
    }

    private int control(int cmd, byte[] p) {
        return m.control(cmd, new byte[][] {p});
    }

    private static byte[] gfid(int g) {
        byte[] p = new byte[4];
        GspMsgQueue.putLe(p, 0, g);
        return p;
    }

    @Test
    void ad102OffersTypesAndGa102None() {
        byte[][] p = {new byte[NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.SIZE]};
        assertEquals(SimVgpuManager.NV_OK, m.control(SimVgpuManager.CMD_GET_TYPES, p));
        assertEquals(m.types().size(), NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.numVgpuTypes(p[0], 0));
        assertEquals(0x3b1, GspMsgQueue.getLe(p[0], NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS.VGPU_TYPES_AT));
        assertEquals(SimVgpuManager.NV_ERR_INVALID_ARGUMENT, m.control(SimVgpuManager.CMD_GET_TYPES,
                new byte[][] {new byte[12]}), "parameters of no release's size");
        assertTrue(ad102.vgpuCapable());
        assertEquals(4, ad102.totalVfs());
        NvidiaGpu ga102 = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of()));
        assertEquals(SimVgpuManager.NV_ERR_NOT_SUPPORTED, ga102.vgpu().control(SimVgpuManager.CMD_GET_TYPES,
                new byte[][] {new byte[4]}));
        assertEquals(0, ga102.totalVfs());
        assertEquals(-1, m.control(0x20800101, new byte[][] {new byte[4]}), "not the vGPU manager's control");
    }

    @Test
    void bootEnforcesTheRulesAndCleanupFrees() {
        long gib = 1L << 30;
        byte[] p = boot(1, 0x3b1, 0, gib, 512);
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_BOOTLOAD, p));
        assertEquals(SimVgpuManager.NV_ERR_IN_USE, control(SimVgpuManager.CMD_BOOTLOAD, boot(1, 0x3b1, 2 * gib, gib,
                1024)), "gfid in use");
        assertEquals(SimVgpuManager.NV_ERR_INVALID_STATE, control(SimVgpuManager.CMD_BOOTLOAD, boot(2, 0x3b2,
                2 * gib, 2 * gib, 1024)), "homogeneous");
        assertEquals(SimVgpuManager.NV_ERR_IN_USE, control(SimVgpuManager.CMD_BOOTLOAD, boot(2, 0x3b1, gib / 2, gib,
                1024)), "framebuffer overlaps");
        assertEquals(SimVgpuManager.NV_ERR_INVALID_ARGUMENT, control(SimVgpuManager.CMD_BOOTLOAD, boot(5, 0x3b1,
                2 * gib, gib, 1024)), "gfid beyond TotalVFs");
        assertEquals(SimVgpuManager.NV_ERR_INVALID_ARGUMENT, control(SimVgpuManager.CMD_BOOTLOAD, boot(2, 0x999,
                2 * gib, gib, 1024)), "unknown type");
        for (int g = 2; g <= 4; g++) {
            assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_BOOTLOAD, boot(g, 0x3b1, g * gib, gib,
                    512 * g)));
        }
        assertEquals(List.of(1, 2, 3, 4), m.activeGfids());
        assertEquals(SimVgpuManager.NV_ERR_INVALID_STATE, control(SimVgpuManager.CMD_CLEANUP, gfid(1)),
                "cleanup before shutdown");
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_SHUTDOWN, gfid(1)));
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_CLEANUP, gfid(1)));
        assertEquals(List.of(2, 3, 4), m.activeGfids());
        ad102.reset();
        assertEquals(List.of(), m.activeGfids(), "a reset ends every vGPU");
    }

    @Test
    void typeInfoIsNvidiasVgpuInfoInEitherRelease() {
        // 570.144 (575.51.02 layout): NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS, 5232 bytes
        byte[] p = new byte[org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.SIZE];
        org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.vgpuType(p, 0, 0x3b2);
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_GET_TYPE_INFO, p));
        int base = org.nova.nvidia.gsp.r570_144.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.VGPU_TYPE_INFO_AT;
        assertEquals(0x3b2, NVA081_CTRL_VGPU_INFO.vgpuType(p, base));
        assertEquals("NVIDIA L40-2Q", NVA081_CTRL_VGPU_INFO.INSTANCE.getString(p, base, "vgpuName"));
        assertEquals("Quadro", NVA081_CTRL_VGPU_INFO.INSTANCE.getString(p, base, "vgpuClass"));
        assertEquals(4, NVA081_CTRL_VGPU_INFO.maxInstance(p, base));
        assertEquals(2L << 30, NVA081_CTRL_VGPU_INFO.fbLength(p, base));
        assertEquals(256, NVA081_CTRL_VGPU_INFO.bar1Length(p, base));
        // 535.113.01: 4960 bytes, the same leading fields
        byte[] q = new byte[NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.SIZE];
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.vgpuType(q, 0, 0x3b4);
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_GET_TYPE_INFO, q));
        assertEquals(2, org.nova.nvidia.gsp.r535_113_01.NVA081_CTRL_VGPU_INFO.maxInstance(q,
                NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.VGPU_TYPE_INFO_AT));
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS.vgpuType(q, 0, 0x999);
        assertEquals(SimVgpuManager.NV_ERR_OBJECT_NOT_FOUND, control(SimVgpuManager.CMD_GET_TYPE_INFO, q));
    }

    @Test
    void maxInstancesIsInsufficientResources() {
        long gib = 1L << 30;
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_BOOTLOAD, boot(1, 0x3b4, 0, 8 * gib, 512)));
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_BOOTLOAD, boot(2, 0x3b4, 8 * gib, 8 * gib,
                1024)));
        assertEquals(SimVgpuManager.NV_ERR_INSUFFICIENT_RESOURCES, control(SimVgpuManager.CMD_BOOTLOAD, boot(3,
                0x3b4, 16 * gib, 8 * gib, 1536)));
    }
}
