package org.nova.vgpu.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.FwLayout;
import org.nova.gpu.GspChannel;
import org.nova.gpu.GspCommands;
import org.nova.gpu.GspReply;
import org.nova.gpu.GspStatus;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.RpcStats;

/**
 * nova.core as vgpu.vfio sees it, for unit tests: one GPU ("0000:00:06.0") whose command
 * service answers the vGPU manager's controls like GSP-RM (the simulated GPU's rules), and
 * records them. It also plays the GPU's memory: VRAM below {@link #APERTURE} is the BAR1
 * aperture the VRAM manager maps (where the plugin reports GSP_PLUGIN_BOOTLOADED), the rest a
 * sparse page store; a VF's BAR1 reaches its booted vGPU's framebuffer ({@link #vfBar1Read}),
 * and cleanup scrubs it.
 */
final class FakeFirmware implements NovaGpus, GspCommands {
    /** The CPU-visible VRAM (BAR1) of the fake GPU. */
    static final long APERTURE = 32L << 20;
    /** gspHeapSize of the fake's types. */
    static final long HEAP = 4L << 20;
    private static final int PAGE = 4096;
    final MemorySegment aperture = Arena.ofAuto().allocate(APERTURE, PAGE);
    private final Map<Long, byte[]> pages = new HashMap<>();
    /** gfid -> [fb offset, fb length] of the booted vGPUs. */
    private final Map<Integer, long[]> fbs = new TreeMap<>();
    /** Whether a booted plugin reports in its control buffer (false: it hangs). */
    boolean pluginReports = true;
    static final String PF = "0000:00:06.0";
    /** gfid -> type of the booted vGPUs. */
    final Map<Integer, Integer> booted = new TreeMap<>();
    final List<String> log = new ArrayList<>();
    boolean vgpu = true;
    boolean bound = true;
    /** A status to answer the next bootload with, 0 for none. */
    int failNextBoot;
    /** The firmware release the fake answers as (its layouts are that release's). */
    static final String VERSION = "570.144";
    /** The last bootload parameters. */
    volatile byte[] lastBoot;
    int openChannels;

    record T(int id, String name, int max, int fbMiB) {
    }

    static final List<T> TYPES = List.of(new T(0x3b1, "NVIDIA L40-1Q", 4, 1024), new T(0x3b2, "NVIDIA L40-2Q", 4, 2048),
            new T(0x3b4, "NVIDIA L40-8Q", 2, 8192));

    @Override
    public List<GpuInfo> gpus() {
        return gpu(PF).stream().toList();
    }

    @Override
    public Optional<GpuInfo> gpu(String device) {
        if (!bound || !(PF.equals(device) || PF.endsWith(device))) {
            return Optional.empty();
        }
        return Optional.of(new GpuInfo(PF, "AD102", "Ada", "a.1", "", "570.144", 24L << 30, 16L << 20, 256L << 20,
                GpuInfo.BootState.GSP_STARTED));
    }

    @Override
    public boolean vgpuSupported(String device) {
        return vgpu && gpu(device).isPresent();
    }

    @Override
    public GspChannel open(String device, String client) {
        if (gpu(device).isEmpty()) {
            throw new DriverException(Errno.ENODEV, "no GPU at " + device);
        }
        openChannels++;
        return new Channel();
    }

    @Override
    public Optional<GspStatus> status(String device) {
        return Optional.empty();
    }

    @Override
    public List<GspStatus> statuses() {
        return List.of();
    }

    @Override
    public List<RpcStats> stats(String device) {
        return List.of();
    }

    @Override
    public String log(String device) {
        return "";
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int constant(String name) {
        return FwLayout.constant(VERSION, name);
    }

    private static GspReply reply(int status, byte[] params) {
        return new GspReply("GSP_RM_CONTROL", status, params);
    }

    synchronized GspReply control(int cmd, byte[] params) {
        log.add(Integer.toHexString(cmd));
        ByteBuffer p = le(params);
        if (cmd == constant(VgpuCore.CMD_GET_TYPES)) {
            if (!vgpu) {
                return reply(constant("NV_ERR_NOT_SUPPORTED"), new byte[0]);
            }
            FwLayout l = FwLayout.of(VERSION, VgpuCore.TYPES);
            if (params.length != l.size()) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            l.put(params, 0, "numVgpuTypes", TYPES.size());
            for (int i = 0; i < TYPES.size(); i++) {
                l.element(params, 0, "vgpuTypes", 4, i, TYPES.get(i).id());
            }
            return reply(0, params);
        }
        if (cmd == constant(VgpuCore.CMD_GET_TYPE_INFO)) {
            FwLayout l = FwLayout.of(VERSION, VgpuCore.TYPE_INFO);
            FwLayout vi = FwLayout.of(VERSION, VgpuCore.INFO);
            if (params.length != l.size()) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            int id = (int) l.get(params, 0, "vgpuType");
            T t = TYPES.stream().filter(x -> x.id() == id).findFirst().orElse(null);
            if (t == null) {
                return reply(constant("NV_ERR_OBJECT_NOT_FOUND"), params);
            }
            int base = l.at("vgpuTypeInfo");
            vi.put(params, base, "vgpuType", id);
            byte[] n = t.name().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(n, 0, params, base + vi.at("vgpuName"), n.length);
            System.arraycopy("Quadro".getBytes(StandardCharsets.US_ASCII), 0, params, base + vi.at("vgpuClass"), 6);
            vi.put(params, base, "maxInstance", t.max());
            vi.put(params, base, "fbLength", (long) t.fbMiB() << 20);
            vi.put(params, base, "bar1Length", 256);
            vi.put(params, base, "gspHeapSize", HEAP);
            return reply(0, params);
        }
        if (cmd == constant(VgpuCore.CMD_BOOTLOAD)) {
            FwLayout l = FwLayout.of(VERSION, VgpuCore.BOOT);
            if (params.length != l.size()) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            lastBoot = params.clone();
            if (failNextBoot != 0) {
                int s = failNextBoot;
                failNextBoot = 0;
                return reply(s, params);
            }
            int gfid = (int) l.get(params, 0, "gfid");
            if (booted.containsKey(gfid)) {
                return reply(constant("NV_ERR_IN_USE"), params);
            }
            long heap = l.get(params, 0, "pluginHeapMemoryPhysAddr");
            FwLayout c = FwLayout.of(VERSION, VgpuCore.CTRL);
            if (heap + HEAP > APERTURE || aperture.get(LE32, heap + c.at("version"))
                    != constant("VGPU_CPU_GSP_CTRL_BUFF_VERSION")) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            booted.put(gfid, (int) l.get(params, 0, "vgpuType"));
            fbs.put(gfid, new long[] {l.element(params, 0, "guestFbPhysAddrList", 8, 0),
                l.element(params, 0, "guestFbLengthList", 8, 0), heap});
            if (pluginReports) {
                aperture.set(LE32, heap + c.at("message_seq_num"), constant("NV_VGPU_PLUGIN_SUCCESS_MAGIC"));
            }
            return reply(0, params);
        }
        if (cmd == constant(VgpuCore.CMD_SHUTDOWN)) {
            if (params.length != FwLayout.of(VERSION, VgpuCore.SHUTDOWN).size()) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            return reply(booted.containsKey(p.getInt(0)) ? 0 : constant("NV_ERR_INVALID_STATE"), params);
        }
        if (cmd == constant(VgpuCore.CMD_CLEANUP)) {
            if (params.length != FwLayout.of(VERSION, VgpuCore.CLEANUP).size()) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            int gfid = p.getInt(0);
            long[] fb = fbs.remove(gfid);
            if (booted.remove(gfid) == null) {
                return reply(constant("NV_ERR_INVALID_ARGUMENT"), params);
            }
            // scrub: the framebuffer and the heap
            pages.keySet().removeIf(k -> k * PAGE >= fb[0] && k * PAGE < fb[0] + fb[1]);
            aperture.asSlice(fb[2], HEAP).fill((byte) 0);
            return reply(0, params);
        }
        return reply(constant("NV_ERR_NOT_SUPPORTED"), params);
    }

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** @return the VRAM address VF BAR1 offset {@code off} of gfid reaches, or -1 (no vGPU, past its FB) */
    private synchronized long translate(int gfid, long off, int width) {
        long[] fb = fbs.get(gfid);
        return fb == null || off < 0 || off + width > fb[1] ? -1 : fb[0] + off;
    }

    /** A read through the BAR1 of the VF with {@code gfid}; 0 when it reaches nothing. */
    synchronized long vfBar1Read(int gfid, long off, int width) {
        long a = translate(gfid, off, width);
        long v = 0;
        for (int i = width - 1; a >= 0 && i >= 0; i--) {
            byte[] pg = pages.get((a + i) / PAGE);
            v = v << 8 | (pg == null ? 0 : pg[(int) ((a + i) % PAGE)] & 0xff);
        }
        return v;
    }

    /** A write through the BAR1 of the VF with {@code gfid}; dropped when it reaches nothing. */
    synchronized void vfBar1Write(int gfid, long off, int width, long value) {
        long a = translate(gfid, off, width);
        for (int i = 0; a >= 0 && i < width; i++) {
            pages.computeIfAbsent((a + i) / PAGE, k -> new byte[PAGE])[(int) ((a + i) % PAGE)] = (byte) (value >>> (8 * i));
        }
    }

    /** @return the bytes of framebuffer memory holding data written through a VF's BAR1 */
    synchronized long fbBytesHeld() {
        return (long) pages.size() * PAGE;
    }

    final class Channel implements GspChannel {
        boolean closed;

        @Override
        public String device() {
            return PF;
        }

        @Override
        public String firmwareVersion() {
            return VERSION;
        }

        @Override
        public boolean revoked() {
            return !bound;
        }

        @Override
        public GspReply call(String function, byte[] payload, Duration timeout) {
            throw new DriverException(Errno.EINVAL, "not used");
        }

        @Override
        public GspReply control(int cmd, byte[] params, Duration timeout) {
            if (!bound) {
                throw new DriverException(Errno.ENODEV, "revoked");
            }
            return FakeFirmware.this.control(cmd, params.clone());
        }

        @Override
        public CompletableFuture<GspReply> submit(String function, byte[] payload, Duration timeout) {
            return CompletableFuture.failedFuture(new DriverException(Errno.EINVAL, "not used"));
        }

        @Override
        public RpcStats stats() {
            return new RpcStats("vgpu.vfio", 0, 0, 0, 0, !closed);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                openChannels--;
            }
        }
    }
}
