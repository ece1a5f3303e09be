package org.nova.hw.sim.gpu;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspMsgQueue;

/**
 * GSP-RM's vGPU manager as the simulated GPU runs it: the vGPU types a vGPU-capable chip offers
 * and the vGPUs (by GFID = VF index + 1) whose plugin task was booted. It enforces what GSP-RM
 * enforces: GFID in range and not in use, a known type, one type at a time per GPU (homogeneous),
 * at most the type's maximum instances, the framebuffer inside VRAM and not overlapping another
 * vGPU's, and shutdown before cleanup.
 *
 * <p>Control parameter layouts (little endian). Types ({@link #CMD_GET_TYPES}, the simulated
 * subset of {@code NVA081_CTRL_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES_PARAMS} with an inline
 * {@code NVA081_CTRL_VGPU_INFO} per type): u32 numTypes, then per type a {@value #TYPE_RECORD}-byte
 * record: u32 vgpuType, u32 maxInstance, u32 fbLengthMiB, u32 bar1LengthMiB, u32 numChannels,
 * u32 reserved, char vgpuName[32], char vgpuClass[16], 8 bytes reserved. Bootload: u32 gfid,
 * u32 vgpuType, u64 fbOffset, u64 fbLength, u32 chidOffset, u32 numChannels, u32 pluginStatus
 * (out: the success magic). Shutdown and cleanup: u32 gfid.
 */
public final class SimVgpuManager {
    /** NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES. */
    public static final int CMD_GET_TYPES = 0xa0810104;
    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK. */
    public static final int CMD_BOOTLOAD = 0x20804001;
    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK. */
    public static final int CMD_SHUTDOWN = 0x20804002;
    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP. */
    public static final int CMD_CLEANUP = 0x20804008;
    /** The plugin task's success magic. */
    public static final int SUCCESS_MAGIC = 0x4E654A6F;
    /** NV_OK. */
    public static final int NV_OK = 0;
    /** NV_ERR_INSUFFICIENT_RESOURCES. */
    public static final int NV_ERR_INSUFFICIENT_RESOURCES = 0x1a;
    /** NV_ERR_INVALID_ARGUMENT. */
    public static final int NV_ERR_INVALID_ARGUMENT = 0x1f;
    /** NV_ERR_IN_USE. */
    public static final int NV_ERR_IN_USE = 0x17;
    /** NV_ERR_INVALID_STATE. */
    public static final int NV_ERR_INVALID_STATE = 0x40;
    /** NV_ERR_NOT_SUPPORTED. */
    public static final int NV_ERR_NOT_SUPPORTED = 0x56;
    /** Bytes per type record. */
    public static final int TYPE_RECORD = 80;
    /** Bytes of the bootload parameters. */
    public static final int BOOT_PARAMS = 36;
    /** Channels per vGPU. */
    public static final int CHANNELS_PER_VGPU = 512;
    /** VFs of a vGPU-capable chip. */
    public static final int TOTAL_VFS = 4;

    /** One vGPU type. */
    public record Type(int id, String name, String vgpuClass, int maxInstances, int fbMiB, int bar1MiB) {
    }

    /** A booted vGPU. */
    record Active(int gfid, int type, long fbOffset, long fbLength, int chidOffset, int channels, boolean running) {
    }

    private final NvidiaGpu gpu;
    private final List<Type> types;
    private final Map<Integer, Active> active = new TreeMap<>();

    SimVgpuManager(NvidiaGpu gpu) {
        this.gpu = gpu;
        this.types = supported(gpu.options().chipset()) ? List.of(
                new Type(0x3b1, "NVIDIA L40-1Q", "Quadro", 4, 1024, 256),
                new Type(0x3b2, "NVIDIA L40-2Q", "Quadro", 4, 2048, 256),
                new Type(0x3b3, "NVIDIA L40-4Q", "Quadro", 4, 4096, 256),
                new Type(0x3b4, "NVIDIA L40-8Q", "Quadro", 2, 8192, 256),
                new Type(0x3c1, "NVIDIA L40-1B", "NVS", 4, 1024, 256))
                : List.of();
    }

    /** @return whether the chip's GSP-RM supports vGPU (the simulator models it on AD102) */
    public static boolean supported(Chipset c) {
        return c == Chipset.AD102;
    }

    /** @return the types offered (empty without vGPU support) */
    public List<Type> types() {
        return types;
    }

    /** @return the GFIDs booted now */
    public synchronized List<Integer> activeGfids() {
        return List.copyOf(active.keySet());
    }

    synchronized void reset() {
        active.clear();
    }

    private static int u32(byte[] p, int at) {
        return at + 4 <= p.length ? GspMsgQueue.getLe(p, at) : 0;
    }

    private static long u64(byte[] p, int at) {
        return at + 8 <= p.length ? GspMsgQueue.getLe64(p, at) : 0;
    }

    /**
     * Runs a control.
     *
     * @param cmd the control command
     * @param params the parameters (updated in place for the reply)
     * @return the NV_STATUS, or -1 if the command is not the vGPU manager's
     */
    synchronized int control(int cmd, byte[][] params) {
        byte[] p = params[0];
        switch (cmd) {
            case CMD_GET_TYPES -> {
                if (types.isEmpty()) {
                    return NV_ERR_NOT_SUPPORTED;
                }
                byte[] r = new byte[4 + TYPE_RECORD * types.size()];
                GspMsgQueue.putLe(r, 0, types.size());
                for (int i = 0; i < types.size(); i++) {
                    Type t = types.get(i);
                    int at = 4 + i * TYPE_RECORD;
                    GspMsgQueue.putLe(r, at, t.id());
                    GspMsgQueue.putLe(r, at + 4, t.maxInstances());
                    GspMsgQueue.putLe(r, at + 8, t.fbMiB());
                    GspMsgQueue.putLe(r, at + 12, t.bar1MiB());
                    GspMsgQueue.putLe(r, at + 16, CHANNELS_PER_VGPU);
                    byte[] n = t.name().getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(n, 0, r, at + 24, Math.min(31, n.length));
                    byte[] c = t.vgpuClass().getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(c, 0, r, at + 56, Math.min(15, c.length));
                }
                params[0] = r;
                return NV_OK;
            }
            case CMD_BOOTLOAD -> {
                if (types.isEmpty()) {
                    return NV_ERR_NOT_SUPPORTED;
                }
                if (p.length < BOOT_PARAMS) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                int gfid = u32(p, 0);
                int typeId = u32(p, 4);
                long fbOffset = u64(p, 8);
                long fbLength = u64(p, 16);
                int chid = u32(p, 24);
                int channels = u32(p, 28);
                Type type = types.stream().filter(t -> t.id() == typeId).findFirst().orElse(null);
                if (gfid < 1 || gfid > TOTAL_VFS || type == null || fbLength < (long) type.fbMiB() << 20
                        || fbOffset < 0 || fbOffset + fbLength > gpu.options().fbSizeMiB() << 20
                        || channels != CHANNELS_PER_VGPU) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                if (active.containsKey(gfid)) {
                    return NV_ERR_IN_USE;
                }
                for (Active a : active.values()) {
                    if (a.type() != typeId) {
                        return NV_ERR_INVALID_STATE; // homogeneous: one type at a time
                    }
                    if (fbOffset < a.fbOffset() + a.fbLength() && a.fbOffset() < fbOffset + fbLength
                            || chid < a.chidOffset() + a.channels() && a.chidOffset() < chid + channels) {
                        return NV_ERR_IN_USE;
                    }
                }
                if (active.values().stream().filter(a -> a.type() == typeId).count() >= type.maxInstances()) {
                    return NV_ERR_INSUFFICIENT_RESOURCES;
                }
                active.put(gfid, new Active(gfid, typeId, fbOffset, fbLength, chid, channels, true));
                GspMsgQueue.putLe(p, 32, SUCCESS_MAGIC);
                return NV_OK;
            }
            case CMD_SHUTDOWN -> {
                Active a = active.get(u32(p, 0));
                if (a == null || !a.running()) {
                    return NV_ERR_INVALID_STATE;
                }
                active.put(a.gfid(), new Active(a.gfid(), a.type(), a.fbOffset(), a.fbLength(), a.chidOffset(),
                        a.channels(), false));
                return NV_OK;
            }
            case CMD_CLEANUP -> {
                Active a = active.get(u32(p, 0));
                if (a == null) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                if (a.running()) {
                    return NV_ERR_INVALID_STATE;
                }
                active.remove(a.gfid());
                return NV_OK;
            }
            default -> {
                return -1;
            }
        }
    }
}
