package org.nova.vgpu.internal;

import java.nio.charset.StandardCharsets;
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
    /** NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES. */
    static final int CMD_GET_TYPES = 0xa0810104;
    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK. */
    static final int CMD_BOOTLOAD = 0x20804001;
    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK. */
    static final int CMD_SHUTDOWN = 0x20804002;
    /** NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP. */
    static final int CMD_CLEANUP = 0x20804008;
    /** The vGPU plugin task's success magic. */
    static final int SUCCESS_MAGIC = 0x4E654A6F;
    /** NV_STATUS codes the vGPU controls return (NVIDIA's kernel-open/common/inc/nvstatuscodes.h). */
    static final int NV_ERR_INSUFFICIENT_RESOURCES = 0x1a;
    /** NV_ERR_IN_USE (nvstatuscodes.h). */
    static final int NV_ERR_IN_USE = 0x17;
    /** NV_ERR_INVALID_STATE (nvstatuscodes.h). */
    static final int NV_ERR_INVALID_STATE = 0x40;
    /** NV_ERR_NOT_SUPPORTED (nvstatuscodes.h). */
    static final int NV_ERR_NOT_SUPPORTED = 0x56;
    /** Bytes per type record in the types reply. */
    static final int TYPE_RECORD = 80;
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
        final FbMemory memory = new FbMemory();
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

    VgpuCore(NovaGpus gpus, GspCommands commands, Function<String, Optional<VramManager>> vramOf) {
        this.gpus = gpus;
        this.commands = commands;
        this.vramOf = vramOf;
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

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static void put32(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void put64(byte[] b, int at, long v) {
        put32(b, at, v);
        put32(b, at + 4, v >>> 32);
    }

    private static String cstr(byte[] b, int at, int len) {
        int n = 0;
        while (n < len && b[at + n] != 0) {
            n++;
        }
        return new String(b, at, n, StandardCharsets.US_ASCII);
    }

    /** The firmware's supported types (NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES). */
    static List<VgpuType> readTypes(GspChannel ch) {
        GspReply r = ch.control(CMD_GET_TYPES, new byte[4], TIMEOUT);
        if (r.result() == NV_ERR_NOT_SUPPORTED) {
            throw new DriverException(Errno.ENODEV, ch.device() + ": the firmware offers no vGPU types");
        }
        if (r.result() != 0 || r.payload().length < 4) {
            throw new DriverException(Errno.EIO, ch.device() + ": GET_SUPPORTED_VGPU_TYPES failed: status 0x"
                    + Integer.toHexString(r.result()));
        }
        byte[] p = r.payload();
        int n = le32(p, 0);
        List<VgpuType> out = new ArrayList<>();
        for (int i = 0; i < n && 4 + (i + 1) * TYPE_RECORD <= p.length; i++) {
            int at = 4 + i * TYPE_RECORD;
            out.add(new VgpuType(le32(p, at), cstr(p, at + 24, 32), cstr(p, at + 56, 16),
                    (le32(p, at + 8) & 0xffff_ffffL) << 20, (le32(p, at + 12) & 0xffff_ffffL) << 20, le32(p, at + 4),
                    le32(p, at + 16)));
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
        VramBlock fb = p.vram.allocate(t.fbSize(), owner);
        p.channelBlocks.set(block);
        int chid = block * CHANNELS_PER_VGPU;
        try {
            byte[] params = new byte[36];
            put32(params, 0, gfid);
            put32(params, 4, t.id());
            put64(params, 8, fb.offset());
            put64(params, 16, fb.size());
            put32(params, 24, chid);
            put32(params, 28, CHANNELS_PER_VGPU);
            GspReply r = p.gsp.control(CMD_BOOTLOAD, params, TIMEOUT);
            if (r.result() != 0) {
                throw new DriverException(errnoOf(r.result()), "the firmware refused to boot the vGPU on "
                        + b.vf.slot() + ": status 0x" + Integer.toHexString(r.result()));
            }
            if (r.payload().length < 36 || le32(r.payload(), 32) != SUCCESS_MAGIC) {
                throw new DriverException(Errno.EIO, "the vGPU plugin task on " + b.vf.slot() + " did not report"
                        + " success");
            }
        } catch (RuntimeException e) {
            p.channelBlocks.clear(block);
            p.vram.free(fb);
            throw e;
        }
        VgpuInfo info = new VgpuInfo(b.vf.slot(), p.slot, gfid, t, fb.offset(), fb.size(), chid, CHANNELS_PER_VGPU);
        b.vgpu = new Vgpu(info, b.vf, fb, p.memory, b.vendorDevice);
        b.state = p;
        LOG.info("{}: vGPU {} created (gfid {}, FB 0x{}+{} MiB, channels {}+{})", b.vf.slot(), t.name(), gfid,
                Long.toHexString(fb.offset()), fb.size() >> 20, chid, CHANNELS_PER_VGPU);
        return b.vgpu;
    }

    static Errno errnoOf(int nvStatus) {
        return switch (nvStatus) {
            case NV_ERR_IN_USE, NV_ERR_INVALID_STATE -> Errno.EBUSY;
            case NV_ERR_INSUFFICIENT_RESOURCES -> Errno.ENOSPC;
            case NV_ERR_NOT_SUPPORTED -> Errno.ENODEV;
            default -> Errno.EIO;
        };
    }

    /** Shutdown and cleanup in the firmware (best effort: a dead GSP is no reason to keep memory), then frees. */
    private void teardown(Bound b) {
        Vgpu v = b.vgpu;
        b.vgpu = null;
        v.close();
        Pf p = b.state;
        b.state = null;
        VgpuInfo info = v.info();
        {
            for (int cmd : new int[] {CMD_SHUTDOWN, CMD_CLEANUP}) {
                try {
                    byte[] params = new byte[4];
                    put32(params, 0, info.gfid());
                    GspReply r = p.gsp.control(cmd, params, TIMEOUT);
                    if (r.result() != 0) {
                        LOG.warn("{}: vGPU control 0x{}: status 0x{}", info.vf(), Integer.toHexString(cmd),
                                Integer.toHexString(r.result()));
                    }
                } catch (DriverException e) {
                    LOG.warn("{}: vGPU control 0x{}: {}", info.vf(), Integer.toHexString(cmd), e.getMessage());
                }
            }
            p.memory.clear(v.fb().offset(), v.fb().size());
            p.channelBlocks.clear(info.chidOffset() / CHANNELS_PER_VGPU);
            p.vram.free(v.fb());
        }
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

    /** @return the bytes the GPU's vGPU apertures hold (for tests) */
    synchronized long apertureBytes(String pf) {
        Pf p = pfs.get(normalize(pf));
        return p == null ? 0 : p.memory.bytesHeld();
    }

    /** The vGPU on {@code vf} raises MSI {@code vector} (the simulated vGPU's interrupt path). */
    synchronized boolean signal(String vf, int vector) {
        Bound b = vfs.get(normalize(vf));
        return b != null && b.vgpu != null && b.vgpu.signal(vector);
    }
}
