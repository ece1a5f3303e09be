package org.nova.vgpu.internal;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.FwLayout;
import org.nova.gpu.GspChannel;
import org.nova.gpu.GspCommands;
import org.nova.gpu.GspReply;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vGPU manager's logic (vgpu_mgr.c / vgpu.c of the RFC), independent of OSGi: the VFs bound
 * to the driver, per GPU its firmware channel (nova.core's command service), its types, its
 * VRAM manager and channel IDs, and the vGPUs. Thread-safe (one lock).
 */
final class VgpuCore implements VgpuManager {
    private static final Logger LOG = LoggerFactory.getLogger(VgpuCore.class);
    /** The client name on nova.core's command service. */
    static final String CLIENT = "vgpu.vfio";
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** How long the plugin task may take to report GSP_PLUGIN_BOOTLOADED after its bootload (the RFC's 10 s). */
    static final Duration PLUGIN_BOOT_TIMEOUT = Duration.ofSeconds(10);
    /*
     * Command numbers and NV_STATUS codes are constants of the PF firmware release's ABI
     * description (nvidia.spec's .abi, through nova.core's FwLayout), named as in NVIDIA's headers.
     */
    static final String CMD_GET_TYPES = "NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES";
    static final String CMD_GET_TYPE_INFO = "NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO";
    static final String CMD_BOOTLOAD = "NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK";
    static final String CMD_SHUTDOWN = "NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK";
    static final String CMD_CLEANUP = "NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP";
    /*
     * Parameter layouts: NVIDIA's structures (ctrla081.h, ctrl2080vgpumgrinternal.h) as the PF's
     * firmware release lays them out, taken from nova.core (FwLayout, backed by nvidia.spec's ABI
     * descriptions) so that sizes and offsets are kept in one place, never here.
     */
    static final String TYPES = "NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS";
    static final String TYPE_INFO = "NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS";
    static final String INFO = "NVA081_CTRL_VGPU_INFO";
    static final String BOOT = "NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS";
    static final String SHUTDOWN = "NV2080_CTRL_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS";
    static final String CLEANUP = "NV2080_CTRL_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP_PARAMS";
    /** The plugin heap's control buffer (the RFC's vgpu.h, from nv_vgpu_gsp.h). */
    static final String CTRL = "VGPU_CPU_GSP_CTRL_BUFF_REGION";
    /** Channels per vGPU (the RFC's 512). */
    static final int CHANNELS_PER_VGPU = 512;
    /** Channel IDs of a GPU: block 0 stays the PF's. */
    static final int TOTAL_CHANNELS = 4096;

    /** A VF bound to the driver. */
    private static final class Bound {
        final String pf;
        final VfAccess vf;
        final int vendorDevice;
        Vgpu vgpu;
        Pf state;

        Bound(String pf, VfAccess vf, int vendorDevice) {
            this.pf = pf;
            this.vf = vf;
            this.vendorDevice = vendorDevice;
        }
    }

    /** One GPU's vGPU state. */
    private static final class Pf {
        final String slot;
        final GspChannel gsp;
        final List<VgpuType> types;
        final VramManager vram;
        final BitSet channelBlocks = new BitSet();

        Pf(String slot, GspChannel gsp, List<VgpuType> types, VramManager vram) {
            this.slot = slot;
            this.gsp = gsp;
            this.types = types;
            this.vram = vram;
            channelBlocks.set(0);
        }
    }

    private final NovaGpus gpus;
    private final GspCommands commands;
    private final Function<String, Optional<VramManager>> vramOf;
    private final Map<String, Bound> vfs = new TreeMap<>();
    private final Map<String, Pf> pfs = new TreeMap<>();
    private final Duration pluginBootTimeout;

    VgpuCore(NovaGpus gpus, GspCommands commands, Function<String, Optional<VramManager>> vramOf) {
        this(gpus, commands, vramOf, PLUGIN_BOOT_TIMEOUT);
    }

    /** @param pluginBootTimeout how long a plugin may take to report after its bootload */
    VgpuCore(NovaGpus gpus, GspCommands commands, Function<String, Optional<VramManager>> vramOf,
            Duration pluginBootTimeout) {
        this.gpus = gpus;
        this.commands = commands;
        this.vramOf = vramOf;
        this.pluginBootTimeout = pluginBootTimeout;
    }

    static String normalize(String slot) {
        String s = slot.trim();
        return s.length() == 7 ? "0000:" + s : s;
    }

    // ---- VF binding ------------------------------------------------------------------------------

    /** A VF of {@code pf} probed. */
    synchronized void vfBound(String pf, VfAccess vf, int vendorDevice) {
        vfs.put(vf.slot(), new Bound(pf, vf, vendorDevice));
    }

    /** A VF unbinds: its vGPU is destroyed; the GPU's state goes with its last VF. */
    synchronized void vfUnbound(String vf) {
        Bound b = vfs.remove(normalize(vf));
        if (b == null) {
            return;
        }
        if (b.vgpu != null) {
            teardown(b);
        }
        if (vfs.values().stream().noneMatch(o -> o.pf.equals(b.pf))) {
            Pf p = pfs.remove(b.pf);
            if (p != null) {
                p.gsp.close();
            }
        }
    }

    /** Destroys every vGPU and forgets every VF (the driver goes). */
    synchronized void closeAll() {
        for (String vf : new ArrayList<>(vfs.keySet())) {
            vfUnbound(vf);
        }
        pfs.values().forEach(p -> p.gsp.close());
        pfs.clear();
    }

    // ---- per GPU -------------------------------------------------------------------------------

    private Pf pf(String device) {
        String d = normalize(device);
        Bound asVf = vfs.get(d);
        String pfSlot = asVf != null ? asVf.pf : d;
        Pf p = pfs.get(pfSlot);
        if (p != null && !p.gsp.revoked()) {
            return p;
        }
        if (p != null) { // the GPU rebound: start over
            pfs.remove(pfSlot);
            p.gsp.close();
        }
        if (gpus.gpu(pfSlot).isEmpty()) {
            throw new DriverException(Errno.ENODEV, "no GPU bound to NovaCore at " + device);
        }
        pfSlot = gpus.gpu(pfSlot).get().device();
        if (!gpus.vgpuSupported(pfSlot)) {
            throw new DriverException(Errno.ENODEV, pfSlot + ": the firmware reports no vGPU support");
        }
        VramManager vram = vramOf.apply(pfSlot).orElseThrow(
                () -> new DriverException(Errno.ENODEV, "no VRAM manager for " + device));
        GspChannel ch = commands.open(pfSlot, CLIENT);
        try {
            p = new Pf(pfSlot, ch, readTypes(ch), vram);
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
        pfs.put(pfSlot, p);
        return p;
    }

    /** @return the layout of {@code struct} in the firmware behind {@code ch} */
    static FwLayout layout(GspChannel ch, String struct) {
        try {
            return FwLayout.of(ch.firmwareVersion(), struct);
        } catch (IllegalArgumentException e) {
            throw new DriverException(Errno.ENODEV, ch.device() + ": " + e.getMessage());
        }
    }

    /** @return the constant {@code name} (a command number, an NV_STATUS) of the firmware behind {@code ch} */
    static int constant(GspChannel ch, String name) {
        try {
            return FwLayout.constant(ch.firmwareVersion(), name);
        } catch (IllegalArgumentException e) {
            throw new DriverException(Errno.ENODEV, ch.device() + ": " + e.getMessage());
        }
    }

    /**
     * The firmware's supported types: NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES for the
     * IDs, then NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO for each type's NVA081_CTRL_VGPU_INFO.
     */
    static List<VgpuType> readTypes(GspChannel ch) {
        FwLayout tl = layout(ch, TYPES);
        GspReply r = ch.control(constant(ch, CMD_GET_TYPES), tl.allocate(), TIMEOUT);
        if (r.result() == constant(ch, "NV_ERR_NOT_SUPPORTED")) {
            throw new DriverException(Errno.ENODEV, ch.device() + ": the firmware offers no vGPU types");
        }
        if (r.result() != 0 || r.payload().length < tl.size()) {
            throw new DriverException(Errno.EIO, ch.device() + ": GET_SUPPORTED_VGPU_TYPES failed: status 0x"
                    + Integer.toHexString(r.result()));
        }
        byte[] p = r.payload();
        int n = (int) Math.min(tl.get(p, 0, "numVgpuTypes"), tl.sizeOf("vgpuTypes") / 4);
        FwLayout il = layout(ch, TYPE_INFO);
        FwLayout vi = layout(ch, INFO);
        int base = il.at("vgpuTypeInfo");
        List<VgpuType> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = (int) tl.element(p, 0, "vgpuTypes", 4, i);
            byte[] q = il.allocate();
            il.put(q, 0, "vgpuType", id);
            GspReply t = ch.control(constant(ch, CMD_GET_TYPE_INFO), q, TIMEOUT);
            if (t.result() != 0 || t.payload().length < il.size()) {
                throw new DriverException(Errno.EIO, ch.device() + ": GET_VGPU_TYPE_INFO 0x" + Integer.toHexString(id)
                        + " failed: status 0x" + Integer.toHexString(t.result()));
            }
            byte[] v = t.payload();
            // bar1Length is in MiB (the RFC sizes the VF's BAR1 as bar1Length MiB); fbLength and
            // gspHeapSize in bytes
            out.add(new VgpuType((int) vi.get(v, base, "vgpuType"), vi.string(v, base, "vgpuName"),
                    vi.string(v, base, "vgpuClass"), vi.get(v, base, "fbLength"), vi.get(v, base, "bar1Length") << 20,
                    (int) vi.get(v, base, "maxInstance"), CHANNELS_PER_VGPU, vi.get(v, base, "gspHeapSize")));
        }
        return List.copyOf(out);
    }

    private static List<Vgpu> active(Map<String, Bound> vfs, String pf) {
        return vfs.values().stream().filter(b -> b.pf.equals(pf) && b.vgpu != null).map(b -> b.vgpu).toList();
    }

    // ---- VgpuManager ---------------------------------------------------------------------------

    @Override
    public synchronized List<VgpuType> types(String device) {
        return pf(device).types;
    }

    @Override
    public synchronized List<VgpuType> creatableTypes(String device) {
        Pf p = pf(device);
        List<Vgpu> running = active(vfs, p.slot);
        if (running.isEmpty()) {
            return p.types;
        }
        VgpuType t = running.get(0).info().type();
        return running.size() < t.maxInstances() ? List.of(t) : List.of();
    }

    private static Optional<VgpuType> findType(Pf p, String type) {
        String t = type.trim();
        for (VgpuType v : p.types) {
            if (v.name().equalsIgnoreCase(t) || v.name().equalsIgnoreCase("NVIDIA " + t)) {
                return Optional.of(v);
            }
        }
        try {
            int id = t.startsWith("0x") ? Integer.parseUnsignedInt(t.substring(2), 16) : Integer.parseInt(t);
            return p.types.stream().filter(v -> v.id() == id).findFirst();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized VfioDevice create(String vf, String type) {
        Bound b = vfs.get(normalize(vf));
        if (b == null) {
            throw new DriverException(Errno.ENODEV, vf + " is not a GPU VF bound to vgpu.vfio");
        }
        if (b.vgpu != null) {
            throw new DriverException(Errno.EBUSY, b.vf.slot() + " already has a vGPU (" + b.vgpu.info().type().name()
                    + ")");
        }
        Pf p = pf(b.pf);
        VgpuType t = findType(p, type).orElseThrow(() -> new DriverException(Errno.ENODEV, "no vGPU type '" + type
                + "' on " + p.slot + " (types: " + p.types.stream().map(VgpuType::name).toList() + ")"));
        List<Vgpu> running = active(vfs, p.slot);
        if (!running.isEmpty() && running.get(0).info().type().id() != t.id()) {
            throw new DriverException(Errno.ENODEV, t.name() + " is not creatable on " + p.slot + ": it runs "
                    + running.get(0).info().type().name() + " vGPUs (one type at a time)");
        }
        if (running.size() >= t.maxInstances()) {
            throw new DriverException(Errno.ENOSPC, p.slot + " runs " + running.size() + " " + t.name()
                    + " vGPUs, the most it can");
        }
        int block = p.channelBlocks.nextClearBit(1);
        if ((block + 1) * CHANNELS_PER_VGPU > TOTAL_CHANNELS) {
            throw new DriverException(Errno.ENOSPC, p.slot + ": no channels left");
        }
        int gfid = b.vf.vfIndex() + 1;
        String owner = CLIENT + ":" + b.vf.slot();
        // The RFC's order is FB, channels, management heap; the heap is carved first here because it
        // must lie in the CPU-visible part of VRAM (BAR1) and the buddy places blocks lowest first: a
        // framebuffer carved first would take the aperture.
        VramBlock heap = null;
        VramBlock fb = null;
        boolean booted = false;
        try {
            heap = carveHeap(p, t, owner);
            fb = p.vram.allocate(t.fbSize(), owner);
            p.channelBlocks.set(block);
            int chid = block * CHANNELS_PER_VGPU;
            GspReply r = p.gsp.control(constant(p.gsp, CMD_BOOTLOAD), bootParams(layout(p.gsp, BOOT), dbdf(b.vf.slot()),
                    gfid, t.id(), chid, fb.offset(), fb.size(), heap.offset(), heap.size(), heapLayout(p.gsp)),
                    TIMEOUT);
            if (r.result() != 0) {
                throw new DriverException(errnoOf(p.gsp, r.result()), "the firmware refused to boot the vGPU on "
                        + b.vf.slot() + ": status 0x" + Integer.toHexString(r.result()));
            }
            booted = true;
            awaitPlugin(p, heap, b.vf.slot());
            // the RFC's open_device: the VF masters the bus (its MSI and DMA) while the vGPU lives
            b.vf.setBusMaster(true);
            VgpuInfo info = new VgpuInfo(b.vf.slot(), p.slot, gfid, t, fb.offset(), fb.size(), chid, CHANNELS_PER_VGPU,
                    heap.offset(), heap.size());
            b.vgpu = new Vgpu(info, b.vf, fb, heap, b.vendorDevice);
            b.state = p;
            LOG.info("{}: vGPU {} created (gfid {}, FB 0x{}+{} MiB, plugin heap 0x{}+{} KiB, channels {}+{})",
                    b.vf.slot(), t.name(), gfid, Long.toHexString(fb.offset()), fb.size() >> 20,
                    Long.toHexString(heap.offset()), heap.size() >> 10, chid, CHANNELS_PER_VGPU);
            return b.vgpu;
        } catch (RuntimeException e) {
            if (booted) {
                stopPlugin(p, gfid, b.vf.slot());
            }
            p.channelBlocks.clear(block);
            if (fb != null) {
                p.vram.free(fb);
            }
            if (heap != null) {
                p.vram.free(heap);
            }
            throw e;
        }
    }

    /**
     * The plugin's management heap (the RFC's setup_mgmt_heap): gspHeapSize bytes of VRAM the CPU
     * reaches through BAR1, its control buffer initialised as the RFC's init_ctrl_buf_offsets does
     * (version, then the response, message, migration and error regions back to back) with
     * message_seq_num cleared, so that only this boot's GSP_PLUGIN_BOOTLOADED counts.
     */
    private static VramBlock carveHeap(Pf p, VgpuType t, String owner) {
        FwLayout c = layout(p.gsp, CTRL);
        long need = heapLayout(p.gsp).end();
        if (t.gspHeapSize() < need) {
            throw new DriverException(Errno.EIO, String.format("%s: type %s has a %d KiB plugin heap, its regions need "
                    + "%d KiB", p.slot, t.name(), t.gspHeapSize() >> 10, need >> 10));
        }
        VramBlock heap = p.vram.allocateBelow(t.gspHeapSize(), owner + "/plugin-heap", p.vram.cpuVisibleSize());
        try {
            MemorySegment m = p.vram.map(heap);
            m.asSlice(0, c.size()).fill((byte) 0);
            putLe(m, c, "version", constant(p.gsp, "VGPU_CPU_GSP_CTRL_BUFF_VERSION"));
            long at = constant(p.gsp, "VGPU_CPU_GSP_CTRL_BUFF_REGION_SIZE");
            putLe(m, c, "response_buff_offset", at);
            at += constant(p.gsp, "VGPU_CPU_GSP_RESPONSE_BUFF_REGION_SIZE");
            putLe(m, c, "message_buff_offset", at);
            at += constant(p.gsp, "VGPU_CPU_GSP_MESSAGE_BUFF_REGION_SIZE");
            putLe(m, c, "migration_buff_offset", at);
            at += constant(p.gsp, "VGPU_CPU_GSP_MIGRATION_BUFF_REGION_SIZE");
            putLe(m, c, "error_buff_offset", at);
            return heap;
        } catch (RuntimeException e) {
            p.vram.free(heap);
            throw e;
        }
    }

    private static void putLe(MemorySegment m, FwLayout c, String field, long value) {
        byte[] b = new byte[c.sizeOf(field)];
        FwLayout.put(b, 0, b.length, value);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, m, c.at(field), b.length);
    }

    /**
     * Where the plugin heap's regions lie, from its start (the RFC's heap layout: control,
     * response, message, migration, error, then the init task, vGPU task and kernel logs).
     */
    record HeapLayout(long initLog, long initLogSize, long vgpuLog, long vgpuLogSize, long kernelLog,
            long kernelLogSize) {
        long end() {
            return kernelLog + kernelLogSize;
        }
    }

    static HeapLayout heapLayout(GspChannel ch) {
        long initLog = 0;
        for (String r : new String[] {"CTRL", "RESPONSE", "MESSAGE", "MIGRATION", "ERROR"}) {
            initLog += constant(ch, "VGPU_CPU_GSP_" + r + "_BUFF_REGION_SIZE");
        }
        long initSize = constant(ch, "VGPU_CPU_GSP_INIT_TASK_LOG_BUFF_REGION_SIZE");
        long vgpuSize = constant(ch, "VGPU_CPU_GSP_VGPU_TASK_LOG_BUFF_REGION_SIZE");
        long kernelSize = constant(ch, "VGPU_CPU_GSP_KERNEL_TASK_LOG_BUFF_REGION_SIZE");
        return new HeapLayout(initLog, initSize, initLog + initSize, vgpuSize, initLog + initSize + vgpuSize,
                kernelSize);
    }

    /**
     * Waits for the plugin task to write GSP_PLUGIN_BOOTLOADED into the control buffer's
     * message_seq_num (the RFC's wait_vgpu_plugin_task_bootloaded).
     *
     * @throws DriverException ETIMEDOUT after the plugin boot timeout
     */
    private void awaitPlugin(Pf p, VramBlock heap, String vf) {
        FwLayout c = layout(p.gsp, CTRL);
        int magic = constant(p.gsp, "NV_VGPU_PLUGIN_SUCCESS_MAGIC");
        MemorySegment seq = p.vram.map(heap).asSlice(c.at("message_seq_num"), 4);
        long deadline = System.nanoTime() + pluginBootTimeout.toNanos();
        while (seq.get(LE32, 0) != magic) {
            if (System.nanoTime() - deadline > 0) {
                throw new DriverException(Errno.ETIMEDOUT, String.format("%s: the vGPU plugin did not report "
                        + "GSP_PLUGIN_BOOTLOADED within %d ms (control buffer message_seq_num 0x%x)", vf,
                        pluginBootTimeout.toMillis(), seq.get(LE32, 0)));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(PLUGIN_POLL_NANOS);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfInt LE32 = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
            .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    /** How often the plugin's report is looked for. */
    private static final long PLUGIN_POLL_NANOS = 100_000;

    /** Shutdown and cleanup of a booted plugin (best effort: a dead GSP is no reason to keep memory). */
    private static void stopPlugin(Pf p, int gfid, String vf) {
        for (String cmd : new String[] {CMD_SHUTDOWN, CMD_CLEANUP}) {
            try {
                FwLayout l = layout(p.gsp, cmd.equals(CMD_SHUTDOWN) ? SHUTDOWN : CLEANUP);
                byte[] params = l.allocate();
                l.put(params, 0, "gfid", gfid);
                GspReply r = p.gsp.control(constant(p.gsp, cmd), params, TIMEOUT);
                if (r.result() != 0) {
                    LOG.warn("{}: {}: status 0x{}", vf, cmd, Integer.toHexString(r.result()));
                }
            } catch (DriverException e) {
                LOG.warn("{}: {}: {}", vf, cmd, e.getMessage());
            }
        }
    }

    /**
     * NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS as the RFC fills it: the
     * VF's dbdf, gfid, type, its channels (every engine's chidOffset is the vGPU's first channel;
     * one plugin channel), the framebuffer as one guest FB segment, and the plugin heap: its VRAM
     * address and length, the control buffer at its start, the log buffers as VRAM addresses
     * (heap + their offset, as NVIDIA's RM hands them to GSP-RM).
     */
    static byte[] bootParams(FwLayout l, int dbdf, int gfid, int type, int chid, long fbOffset, long fbSize,
            long heapOffset, long heapSize, HeapLayout h) {
        byte[] params = l.allocate();
        l.put(params, 0, "dbdf", dbdf);
        l.put(params, 0, "gfid", gfid);
        l.put(params, 0, "vgpuType", type);
        l.put(params, 0, "numChannels", CHANNELS_PER_VGPU);
        l.put(params, 0, "numPluginChannels", 1);
        for (int e = 0; e < l.sizeOf("chidOffset") / 4; e++) {
            l.element(params, 0, "chidOffset", 4, e, chid);
        }
        l.put(params, 0, "numGuestFbSegments", 1);
        l.element(params, 0, "guestFbPhysAddrList", 8, 0, fbOffset);
        l.element(params, 0, "guestFbLengthList", 8, 0, fbSize);
        l.put(params, 0, "pluginHeapMemoryPhysAddr", heapOffset);
        l.put(params, 0, "pluginHeapMemoryLength", heapSize);
        l.put(params, 0, "ctrlBuffOffset", 0);
        l.put(params, 0, "initTaskLogBuffOffset", heapOffset + h.initLog());
        l.put(params, 0, "initTaskLogBuffSize", h.initLogSize());
        l.put(params, 0, "vgpuTaskLogBuffOffset", heapOffset + h.vgpuLog());
        l.put(params, 0, "vgpuTaskLogBuffSize", h.vgpuLogSize());
        l.put(params, 0, "kernelLogBuffOffset", heapOffset + h.kernelLog());
        l.put(params, 0, "kernelLogBuffSize", h.kernelLogSize());
        return params;
    }

    /** @return domain (31:16), bus (15:8), device (7:3), function (2:0) of a PCI address "dddd:bb:dd.f" */
    static int dbdf(String slot) {
        try {
            String[] a = slot.split("[:.]");
            int n = a.length;
            int domain = n == 4 ? Integer.parseInt(a[0], 16) : 0;
            return domain << 16 | Integer.parseInt(a[n - 3], 16) << 8 | Integer.parseInt(a[n - 2], 16) << 3
                    | Integer.parseInt(a[n - 1], 16);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** @return the errno for an NV_STATUS of the firmware behind {@code ch} (the RFC's: busy, no space, no device) */
    static Errno errnoOf(GspChannel ch, int nvStatus) {
        if (nvStatus == constant(ch, "NV_ERR_IN_USE") || nvStatus == constant(ch, "NV_ERR_INVALID_STATE")) {
            return Errno.EBUSY;
        }
        if (nvStatus == constant(ch, "NV_ERR_INSUFFICIENT_RESOURCES")) {
            return Errno.ENOSPC;
        }
        if (nvStatus == constant(ch, "NV_ERR_NOT_SUPPORTED")) {
            return Errno.ENODEV;
        }
        return Errno.EIO;
    }

    /**
     * The RFC's destroy: the plugin's shutdown and cleanup in the firmware (which unmaps the VF's
     * BAR1 and scrubs the vGPU's memory), then the channels, the framebuffer and the heap go back.
     */
    private void teardown(Bound b) {
        Vgpu v = b.vgpu;
        b.vgpu = null;
        v.close();
        Pf p = b.state;
        b.state = null;
        VgpuInfo info = v.info();
        try {
            b.vf.setBusMaster(false);
        } catch (RuntimeException e) { // a VF going away: nothing left to quiesce
            LOG.debug("{}: bus mastering not cleared: {}", info.vf(), e.getMessage());
        }
        stopPlugin(p, info.gfid(), info.vf());
        p.channelBlocks.clear(info.chidOffset() / CHANNELS_PER_VGPU);
        p.vram.free(v.fb());
        p.vram.free(v.heap());
        LOG.info("{}: vGPU {} destroyed", info.vf(), info.type().name());
    }

    @Override
    public synchronized void destroy(String vf) {
        Bound b = vfs.get(normalize(vf));
        if (b == null || b.vgpu == null) {
            throw new DriverException(Errno.ENODEV, vf + " has no vGPU");
        }
        teardown(b);
    }

    @Override
    public synchronized List<VgpuInfo> list() {
        return vfs.values().stream().filter(b -> b.vgpu != null).map(b -> b.vgpu.info())
                .sorted(Comparator.comparing(VgpuInfo::vf)).toList();
    }

    @Override
    public synchronized Optional<VfioDevice> device(String vf) {
        Bound b = vfs.get(normalize(vf));
        return Optional.ofNullable(b == null ? null : b.vgpu);
    }

    /** @return the VFs bound, in order */
    synchronized List<String> boundVfs() {
        return List.copyOf(vfs.keySet());
    }

}
