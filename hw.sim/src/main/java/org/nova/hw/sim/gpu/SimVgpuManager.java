package org.nova.hw.sim.gpu;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.nvidia.Chipset;
import java.util.Arrays;
import org.nova.nvidia.gsp.GspStruct;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS;
import org.nova.nvidia.gsp.bindings.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS;
import org.nova.nvidia.gsp.bindings.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS;
import org.nova.nvidia.gsp.bindings.NVA081_CTRL_VGPU_INFO;
import org.nova.nvidia.gsp.bindings.VGPU_CPU_GSP_CTRL_BUFF_REGION;

/**
 * GSP-RM's vGPU manager as the simulated GPU runs it: the vGPU types a vGPU-capable chip offers
 * and the vGPUs (by GFID = VF index + 1) whose plugin task was booted. It enforces what GSP-RM
 * enforces: GFID in range and not in use, a known type, one profile size at a time per GPU (RM's
 * homogeneous placement mode, kernel_vgpu_mgr.c kvgpumgrSetVgpuType: the types of the running
 * vGPUs' profile size stay creatable, so L40-1Q and L40-1B may run side by side), at most the
 * type's maximum instances, the guest framebuffer segments inside VRAM and not
 * overlapping another vGPU's, the plugin's management heap (gspHeapSize) inside VRAM, apart from
 * every framebuffer and heap, with its control buffer and log buffers inside it, and shutdown
 * before cleanup. A booted plugin writes NV_VGPU_PLUGIN_SUCCESS_MAGIC into the control buffer's
 * {@code message_seq_num} (the host polls for it, as the RFC does); while a vGPU runs, its VF's
 * BAR1 reaches its framebuffer ({@link #translateVfBar1}); cleanup scrubs the framebuffer and heap.
 *
 * <p>Control parameters are NVIDIA's layouts as the typed bindings of the running release give
 * them (nvidia.spec's generated {@code org.nova.nvidia.gsp.bindings}:
 * {@code NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS},
 * {@code NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS} with its {@code NVA081_CTRL_VGPU_INFO},
 * {@code NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS}, the shutdown and
 * cleanup parameters, the plugin heap's control buffer), and so are the command numbers and
 * NV_STATUS codes. Like GSP-RM, a control whose parameter size is not its structure's size in that
 * release fails.
 */
public final class SimVgpuManager {
    /** NVA081_CTRL_VGPU_CONFIG_STATE_READY. */
    static final int CONFIG_STATE_READY = 2;
    /** Channels per vGPU. */
    public static final int CHANNELS_PER_VGPU = 512;
    /** gspHeapSize the types report (the plugin's management heap). */
    public static final long GSP_HEAP = 4L << 20;
    /** VRAM page the plugin heap is aligned to. */
    static final long PAGE = 4096;
    /** VFs of a vGPU-capable chip. */
    public static final int TOTAL_VFS = 4;

    /** One vGPU type. */
    public record Type(int id, String name, String vgpuClass, int maxInstances, int fbMiB, int bar1MiB) {
    }

    /** A booted vGPU: its framebuffer segments, channels and the plugin's heap. */
    record Active(int gfid, int type, long[] fbOffsets, long[] fbLengths, int chidOffset, int channels,
            long heapAddr, long heapLength, boolean running) {
        Active stopped() {
            return new Active(gfid, type, fbOffsets, fbLengths, chidOffset, channels, heapAddr, heapLength, false);
        }

        boolean overlaps(long offset, long length) {
            for (int i = 0; i < fbOffsets.length; i++) {
                if (offset < fbOffsets[i] + fbLengths[i] && fbOffsets[i] < offset + length) {
                    return true;
                }
            }
            return offset < heapAddr + heapLength && heapAddr < offset + length;
        }

        /** @return the VRAM address of framebuffer offset {@code at} (segments in order), or -1 */
        long fbAddress(long at, int size) {
            long base = 0;
            for (int i = 0; i < fbOffsets.length; i++) {
                if (at >= base && at + size <= base + fbLengths[i]) {
                    return fbOffsets[i] + (at - base);
                }
                base += fbLengths[i];
            }
            return -1;
        }
    }

    /**
     * VF BAR1 offset {@code offset} of the vGPU with {@code gfid}: the VRAM address it reaches,
     * or -1 when no running vGPU has that gfid or the access leaves its framebuffer.
     */
    synchronized long translateVfBar1(int gfid, long offset, int size) {
        Active a = active.get(gfid);
        if (a == null || !a.running() || offset < 0) {
            return -1;
        }
        return a.fbAddress(offset, size);
    }

    /** @return whether a bootload's log buffer (absolute address + size) lies inside the heap */
    private static boolean inside(long at, long size, long heap, long heapLen) {
        return size == 0 || at >= heap && size > 0 && at - heap + size <= heapLen;
    }

    private final NvidiaGpu gpu;
    /** The types the chip's GSP-RM knows; offered only in SR-IOV mode ({@link #types}). */
    private final List<Type> allTypes;
    private final Map<Integer, Active> active = new TreeMap<>();

    SimVgpuManager(NvidiaGpu gpu) {
        this.gpu = gpu;
        this.allTypes = supported(gpu.options().chipset()) ? List.of(
                new Type(0x3b1, "NVIDIA L40-1Q", "Quadro", 4, 1024, 256),
                new Type(0x3b2, "NVIDIA L40-2Q", "Quadro", 4, 2048, 256),
                new Type(0x3b3, "NVIDIA L40-4Q", "Quadro", 4, 4096, 256),
                new Type(0x3b4, "NVIDIA L40-8Q", "Quadro", 2, 8192, 256),
                new Type(0x3c1, "NVIDIA L40-1B", "NVS", 4, 1024, 256))
                : List.of();
    }

    /** @return the profile size, in MiB, of a type offered */
    private int profileMiB(int typeId) {
        return types().stream().filter(t -> t.id() == typeId).mapToInt(Type::fbMiB).findFirst().orElse(-1);
    }

    /** @return whether the chip's GSP-RM supports vGPU (the simulator models it on AD102) */
    public static boolean supported(Chipset c) {
        return c == Chipset.AD102;
    }

    /**
     * @return the types offered: none without vGPU support, and none unless GSP-RM runs in SR-IOV
     *     mode (RMSetSriovMode, {@link NvidiaGpu#sriovMode}), as a GSP-RM booted bare-metal has no
     *     vGPU manager serving VFs
     */
    public List<Type> types() {
        return gpu.sriovMode() ? allTypes : List.of();
    }

    /** @return the GFIDs booted now */
    public synchronized List<Integer> activeGfids() {
        return List.copyOf(active.keySet());
    }

    synchronized void reset() {
        active.clear();
    }

    /**
     * Runs a control as GSP-RM of the firmware release {@code abi} does: the command numbers,
     * parameter layouts and NV_STATUS codes are that release's (a parameter block of another size
     * is NV_ERR_INVALID_ARGUMENT).
     *
     * @param abi the running GSP-RM's bindings
     * @param cmd the control command
     * @param params the parameters (updated in place for the reply)
     * @return the NV_STATUS, or -1 if the command is not the vGPU manager's
     */
    synchronized int control(GspBindings abi, int cmd, byte[][] params) {
        byte[] p = params[0];
        if (cmd == abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES()) {
            return getTypes(abi, p);
        }
        if (cmd == abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO()) {
            return typeInfo(abi, p);
        }
        if (cmd == abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK()) {
            return bootload(abi, p);
        }
        if (cmd == abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK()) {
            return shutdown(abi, p);
        }
        if (cmd == abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP()) {
            return cleanup(abi, p);
        }
        return -1;
    }

    /** @return the release's structure {@code s} if {@code p} is its size, else null */
    private static <S extends GspStruct> S sized(S s, byte[] p) {
        return s.size() == p.length ? s : null;
    }

    /** NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES: the type IDs. */
    private int getTypes(GspBindings abi, byte[] p) {
        if (types().isEmpty()) {
            return abi.NV_ERR_NOT_SUPPORTED();
        }
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS l = sized(abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS(), p);
        if (l == null) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        l.vgpuConfigState(p, 0, CONFIG_STATE_READY);
        l.numVgpuTypes(p, 0, types().size());
        for (int i = 0; i < types().size(); i++) {
            l.vgpuTypesU32(p, 0, i, types().get(i).id());
        }
        return abi.NV_OK();
    }

    /** NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO: one type's NVA081_CTRL_VGPU_INFO. */
    private int typeInfo(GspBindings abi, byte[] p) {
        if (types().isEmpty()) {
            return abi.NV_ERR_NOT_SUPPORTED();
        }
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS l =
                sized(abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS(), p);
        if (l == null) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        int id = l.vgpuType(p, 0);
        Type t = types().stream().filter(x -> x.id() == id).findFirst().orElse(null);
        if (t == null) {
            return abi.NV_ERR_OBJECT_NOT_FOUND();
        }
        int base = l.vgpuTypeInfoOffset();
        NVA081_CTRL_VGPU_INFO info = abi.NVA081_CTRL_VGPU_INFO();
        Arrays.fill(p, base, p.length, (byte) 0);
        info.vgpuType(p, base, t.id());
        info.vgpuNameString(p, base, t.name());
        info.vgpuClassString(p, base, t.vgpuClass());
        info.maxInstance(p, base, t.maxInstances());
        info.numHeads(p, base, 1);
        info.fbLength(p, base, (long) t.fbMiB() << 20);
        info.profileSize(p, base, (long) t.fbMiB() << 20);
        info.bar1Length(p, base, t.bar1MiB());
        info.gspHeapSize(p, base, GSP_HEAP);
        return abi.NV_OK();
    }

    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK: boot a vGPU's plugin task. */
    private int bootload(GspBindings abi, byte[] p) {
        if (types().isEmpty()) {
            return abi.NV_ERR_NOT_SUPPORTED();
        }
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS l =
                sized(abi.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS(), p);
        if (l == null) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        int gfid = l.gfid(p, 0);
        int typeId = l.vgpuType(p, 0);
        int channels = l.numChannels(p, 0);
        int chid = l.chidOffsetU32(p, 0, 0);
        int segments = l.numGuestFbSegments(p, 0);
        Type type = types().stream().filter(t -> t.id() == typeId).findFirst().orElse(null);
        if (gfid < 1 || gfid > gpu.totalVfs() || type == null || channels != CHANNELS_PER_VGPU || segments < 1
                || segments > l.guestFbPhysAddrListLength() / Long.BYTES) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        long[] offs = new long[segments];
        long[] lens = new long[segments];
        long total = 0;
        long vram = gpu.options().fbSizeMiB() << 20;
        for (int i = 0; i < segments; i++) {
            offs[i] = l.guestFbPhysAddrListU64(p, 0, i);
            lens[i] = l.guestFbLengthListU64(p, 0, i);
            if (offs[i] < 0 || lens[i] <= 0 || offs[i] + lens[i] > vram) {
                return abi.NV_ERR_INVALID_ARGUMENT();
            }
            total += lens[i];
        }
        if (total < (long) type.fbMiB() << 20) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        if (active.containsKey(gfid)) {
            return abi.NV_ERR_IN_USE();
        }
        if (active.values().stream().anyMatch(a -> profileMiB(a.type()) != type.fbMiB())) {
            return abi.NV_ERR_INVALID_STATE(); // homogeneous: one placement (profile) size at a time
        }
        if (active.size() >= type.maxInstances()) {
            return abi.NV_ERR_INSUFFICIENT_RESOURCES();
        }
        for (Active a : active.values()) {
            for (int i = 0; i < segments; i++) {
                if (a.overlaps(offs[i], lens[i])) {
                    return abi.NV_ERR_IN_USE();
                }
            }
            if (chid < a.chidOffset() + a.channels() && a.chidOffset() < chid + channels) {
                return abi.NV_ERR_IN_USE();
            }
        }
        // the plugin's management heap: inside VRAM, apart from every framebuffer and heap,
        // large enough, its control buffer and (absolute) log buffers inside it
        long heap = l.pluginHeapMemoryPhysAddr(p, 0);
        long heapLen = l.pluginHeapMemoryLength(p, 0);
        long ctrlOff = l.ctrlBuffOffset(p, 0);
        VGPU_CPU_GSP_CTRL_BUFF_REGION ctrl = abi.VGPU_CPU_GSP_CTRL_BUFF_REGION();
        int ctrlVersion = abi.VGPU_CPU_GSP_CTRL_BUFF_VERSION();
        if (heapLen < GSP_HEAP || heap < 0 || heap % PAGE != 0 || heap + heapLen > vram
                || ctrlOff < 0 || ctrlOff + ctrl.size() > heapLen
                || !inside(l.initTaskLogBuffOffset(p, 0), l.initTaskLogBuffSize(p, 0), heap, heapLen)
                || !inside(l.vgpuTaskLogBuffOffset(p, 0), l.vgpuTaskLogBuffSize(p, 0), heap, heapLen)
                || l.hasKernelLogBuffOffset()
                        && !inside(l.kernelLogBuffOffset(p, 0), l.kernelLogBuffSize(p, 0), heap, heapLen)) {
            gpu.log("vGPU {}: plugin heap 0x{}+0x{} (control buffer at +0x{}) refused", gfid,
                    Long.toHexString(heap), Long.toHexString(heapLen), Long.toHexString(ctrlOff));
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        for (int i = 0; i < segments; i++) {
            if (offs[i] < heap + heapLen && heap < offs[i] + lens[i]) {
                return abi.NV_ERR_INVALID_ARGUMENT();
            }
        }
        for (Active a : active.values()) {
            if (a.overlaps(heap, heapLen)) {
                return abi.NV_ERR_IN_USE();
            }
        }
        long ctrlAt = heap + ctrlOff;
        int version = ctrl.version(gpu.vram(), ctrlAt);
        if (version != ctrlVersion) {
            gpu.log("vGPU {}: control buffer version {} (expected {})", gfid, version, ctrlVersion);
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        active.put(gfid, new Active(gfid, typeId, offs, lens, chid, channels, heap, heapLen, true));
        if (gpu.options().fault() == GpuFault.VGPU_PLUGIN_HANG) {
            gpu.log("vGPU {}: the plugin task hangs before it reports (fault)", gfid);
        } else {
            // the plugin task booted: it says so in the control buffer
            ctrl.message_seq_num(gpu.vram(), ctrlAt, abi.NV_VGPU_PLUGIN_SUCCESS_MAGIC());
        }
        return abi.NV_OK();
    }

    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK: stop a plugin task. */
    private int shutdown(GspBindings abi, byte[] p) {
        var l = sized(abi.NV2080_CTRL_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS(), p);
        if (l == null) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        Active a = active.get(l.gfid(p, 0));
        if (a == null || !a.running()) {
            return abi.NV_ERR_INVALID_STATE();
        }
        active.put(a.gfid(), a.stopped());
        return abi.NV_OK();
    }

    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP: forget a stopped vGPU, scrub its memory. */
    private int cleanup(GspBindings abi, byte[] p) {
        var l = sized(abi.NV2080_CTRL_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP_PARAMS(), p);
        if (l == null) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        Active a = active.get(l.gfid(p, 0));
        if (a == null) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        if (a.running()) {
            return abi.NV_ERR_INVALID_STATE();
        }
        active.remove(a.gfid());
        // the next vGPU on this memory must not see this one's data
        for (int i = 0; i < a.fbOffsets().length; i++) {
            gpu.scrubVram(a.fbOffsets()[i], a.fbLengths()[i]);
        }
        gpu.vram().asSlice(a.heapAddr(), a.heapLength()).fill((byte) 0);
        return abi.NV_OK();
    }
}
