package org.nova.hw.sim.gpu;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.GspStruct;

/**
 * GSP-RM's vGPU manager as the simulated GPU runs it: the vGPU types a vGPU-capable chip offers
 * and the vGPUs (by GFID = VF index + 1) whose plugin task was booted. It enforces what GSP-RM
 * enforces: GFID in range and not in use, a known type, one type at a time per GPU (homogeneous),
 * at most the type's maximum instances, the guest framebuffer segments inside VRAM and not
 * overlapping another vGPU's, and shutdown before cleanup.
 *
 * <p>Control parameters are NVIDIA's layouts as the generated bindings of the firmware's ABI
 * description give them (nvidia.spec's {@code .abi}: {@code NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS},
 * {@code NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS} with its {@code NVA081_CTRL_VGPU_INFO},
 * {@code NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS}, and the shutdown and
 * cleanup parameters). Like GSP-RM, a control whose parameter size is not its structure's size
 * fails; the release is the one whose structure has that size (the type structures differ between
 * 535.113.01 and 570.144, the plugin task's do not).
 */
public final class SimVgpuManager {
    /** NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES. */
    public static final int CMD_GET_TYPES = 0xa0810104;
    /** NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO. */
    public static final int CMD_GET_TYPE_INFO = 0xa0810103;
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
    /** NV_ERR_OBJECT_NOT_FOUND. */
    public static final int NV_ERR_OBJECT_NOT_FOUND = 0x57;
    /** NVA081_CTRL_VGPU_CONFIG_STATE_READY. */
    static final int CONFIG_STATE_READY = 2;
    /** Parameter structures (names in NVIDIA's headers and the ABI descriptions). */
    static final String TYPES = "NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS";
    static final String TYPE_INFO = "NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS";
    static final String INFO = "NVA081_CTRL_VGPU_INFO";
    static final String BOOT = "NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS";
    static final String SHUTDOWN = "NV2080_CTRL_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS";
    static final String CLEANUP = "NV2080_CTRL_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP_PARAMS";
    /** Channels per vGPU. */
    public static final int CHANNELS_PER_VGPU = 512;
    /** gspHeapSize the types report (the plugin's management heap). */
    public static final long GSP_HEAP = 4L << 20;
    /** VFs of a vGPU-capable chip. */
    public static final int TOTAL_VFS = 4;

    /** One vGPU type. */
    public record Type(int id, String name, String vgpuClass, int maxInstances, int fbMiB, int bar1MiB) {
    }

    /** A booted vGPU. */
    record Active(int gfid, int type, long[] fbOffsets, long[] fbLengths, int chidOffset, int channels,
            boolean running) {
        Active stopped() {
            return new Active(gfid, type, fbOffsets, fbLengths, chidOffset, channels, false);
        }

        boolean overlaps(long offset, long length) {
            for (int i = 0; i < fbOffsets.length; i++) {
                if (offset < fbOffsets[i] + fbLengths[i] && fbOffsets[i] < offset + length) {
                    return true;
                }
            }
            return false;
        }
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

    /** @return the structure {@code name} of the release whose layout is {@code length} bytes, or null */
    static GspStruct layout(String name, int length) {
        for (GspAbi abi : GspAbi.all()) {
            GspStruct s = abi.structs().get(name);
            if (s != null && s.size() == length) {
                return s;
            }
        }
        return null;
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
                GspStruct l = layout(TYPES, p.length);
                if (l == null) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                l.put(p, 0, "vgpuConfigState", CONFIG_STATE_READY);
                l.put(p, 0, "numVgpuTypes", types.size());
                int at = l.field("vgpuTypes").offset();
                for (int i = 0; i < types.size(); i++) {
                    GspMsgQueue.putLe(p, at + 4 * i, types.get(i).id());
                }
                return NV_OK;
            }
            case CMD_GET_TYPE_INFO -> {
                if (types.isEmpty()) {
                    return NV_ERR_NOT_SUPPORTED;
                }
                GspStruct l = layout(TYPE_INFO, p.length);
                if (l == null) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                int id = (int) l.get(p, 0, "vgpuType");
                Type t = types.stream().filter(x -> x.id() == id).findFirst().orElse(null);
                if (t == null) {
                    return NV_ERR_OBJECT_NOT_FOUND;
                }
                int base = l.field("vgpuTypeInfo").offset();
                GspStruct info = layout(INFO, l.field("vgpuTypeInfo").size());
                java.util.Arrays.fill(p, base, p.length, (byte) 0);
                info.put(p, base, "vgpuType", t.id());
                info.putString(p, base, "vgpuName", t.name());
                info.putString(p, base, "vgpuClass", t.vgpuClass());
                info.put(p, base, "maxInstance", t.maxInstances());
                info.put(p, base, "numHeads", 1);
                info.put(p, base, "fbLength", (long) t.fbMiB() << 20);
                info.put(p, base, "profileSize", (long) t.fbMiB() << 20);
                info.put(p, base, "bar1Length", t.bar1MiB());
                info.put(p, base, "gspHeapSize", GSP_HEAP);
                return NV_OK;
            }
            case CMD_BOOTLOAD -> {
                if (types.isEmpty()) {
                    return NV_ERR_NOT_SUPPORTED;
                }
                GspStruct l = layout(BOOT, p.length);
                if (l == null) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                int gfid = (int) l.get(p, 0, "gfid");
                int typeId = (int) l.get(p, 0, "vgpuType");
                int channels = (int) l.get(p, 0, "numChannels");
                int chid = GspMsgQueue.getLe(p, l.field("chidOffset").offset());
                int segments = (int) l.get(p, 0, "numGuestFbSegments");
                Type type = types.stream().filter(t -> t.id() == typeId).findFirst().orElse(null);
                if (gfid < 1 || gfid > TOTAL_VFS || type == null || channels != CHANNELS_PER_VGPU || segments < 1
                        || segments > l.field("guestFbPhysAddrList").size() / 8) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                long[] offs = new long[segments];
                long[] lens = new long[segments];
                long total = 0;
                long vram = gpu.options().fbSizeMiB() << 20;
                for (int i = 0; i < segments; i++) {
                    offs[i] = GspMsgQueue.getLe64(p, l.field("guestFbPhysAddrList").offset() + 8 * i);
                    lens[i] = GspMsgQueue.getLe64(p, l.field("guestFbLengthList").offset() + 8 * i);
                    if (offs[i] < 0 || lens[i] <= 0 || offs[i] + lens[i] > vram) {
                        return NV_ERR_INVALID_ARGUMENT;
                    }
                    total += lens[i];
                }
                if (total < (long) type.fbMiB() << 20) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                if (active.containsKey(gfid)) {
                    return NV_ERR_IN_USE;
                }
                for (Active a : active.values()) {
                    if (a.type() != typeId) {
                        return NV_ERR_INVALID_STATE; // homogeneous: one type at a time
                    }
                    for (int i = 0; i < segments; i++) {
                        if (a.overlaps(offs[i], lens[i])) {
                            return NV_ERR_IN_USE;
                        }
                    }
                    if (chid < a.chidOffset() + a.channels() && a.chidOffset() < chid + channels) {
                        return NV_ERR_IN_USE;
                    }
                }
                if (active.values().stream().filter(a -> a.type() == typeId).count() >= type.maxInstances()) {
                    return NV_ERR_INSUFFICIENT_RESOURCES;
                }
                active.put(gfid, new Active(gfid, typeId, offs, lens, chid, channels, true));
                return NV_OK;
            }
            case CMD_SHUTDOWN -> {
                GspStruct l = layout(SHUTDOWN, p.length);
                if (l == null) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                Active a = active.get((int) l.get(p, 0, "gfid"));
                if (a == null || !a.running()) {
                    return NV_ERR_INVALID_STATE;
                }
                active.put(a.gfid(), a.stopped());
                return NV_OK;
            }
            case CMD_CLEANUP -> {
                GspStruct l = layout(CLEANUP, p.length);
                if (l == null) {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                Active a = active.get((int) l.get(p, 0, "gfid"));
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
