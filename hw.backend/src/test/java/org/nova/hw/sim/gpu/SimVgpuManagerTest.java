package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspMsgQueue;

/** The simulated GSP-RM's vGPU manager: types, boot, shutdown, cleanup and its rules. */
class SimVgpuManagerTest {
    private final NvidiaGpu ad102 = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of()));
    private final SimVgpuManager m = ad102.vgpu();

    private static byte[] boot(int gfid, int type, long fbOff, long fbLen, int chid) {
        byte[] p = new byte[SimVgpuManager.BOOT_PARAMS];
        GspMsgQueue.putLe(p, 0, gfid);
        GspMsgQueue.putLe(p, 4, type);
        GspMsgQueue.putLe64(p, 8, fbOff);
        GspMsgQueue.putLe64(p, 16, fbLen);
        GspMsgQueue.putLe(p, 24, chid);
        GspMsgQueue.putLe(p, 28, SimVgpuManager.CHANNELS_PER_VGPU);
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
        byte[][] p = {new byte[4]};
        assertEquals(SimVgpuManager.NV_OK, m.control(SimVgpuManager.CMD_GET_TYPES, p));
        assertEquals(m.types().size(), GspMsgQueue.getLe(p[0], 0));
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
        assertEquals(SimVgpuManager.SUCCESS_MAGIC, GspMsgQueue.getLe(p, 32));
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
    void maxInstancesIsInsufficientResources() {
        long gib = 1L << 30;
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_BOOTLOAD, boot(1, 0x3b4, 0, 8 * gib, 512)));
        assertEquals(SimVgpuManager.NV_OK, control(SimVgpuManager.CMD_BOOTLOAD, boot(2, 0x3b4, 8 * gib, 8 * gib,
                1024)));
        assertEquals(SimVgpuManager.NV_ERR_INSUFFICIENT_RESOURCES, control(SimVgpuManager.CMD_BOOTLOAD, boot(3,
                0x3b4, 16 * gib, 8 * gib, 1536)));
    }
}
