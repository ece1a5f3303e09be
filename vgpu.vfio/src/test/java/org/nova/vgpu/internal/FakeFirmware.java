package org.nova.vgpu.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import org.nova.gpu.FbRegion;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.GspChannel;
import org.nova.gpu.GspCommands;
import org.nova.gpu.GspLogBuffer;
import org.nova.gpu.GspReply;
import org.nova.gpu.GspStatus;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.PluginTask;
import org.nova.gpu.RpcStats;
import org.nova.gpu.VgpuControl;
import org.nova.gpu.VgpuTypeInfo;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.pci.PciAddress;

/**
 * nova.core as vgpu.vfio sees it, for unit tests: one GPU ("0000:00:06.0") whose typed vGPU
 * controls ({@link VgpuControl}) answer like nova.core over GSP-RM (the simulated GPU's rules,
 * refusals as nova.core's errnos), and record them. It also plays the GPU's memory: VRAM below {@link #APERTURE} is the BAR1
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
    /** The errno nova.core reports for the next bootload (GSP-RM refused it), null for none. */
    Errno failNextBoot;
    /** The firmware release the fake answers as. */
    static final String VERSION = "570.144";
    /** The plugin heap the fake's firmware needs: the RFC's regions, kernel log included. */
    static final long HEAP_MINIMUM = 0x274000;
    /** The last bootload. */
    volatile PluginTask lastBoot;
    int openChannels;

    record T(int id, String name, int max, int fbMiB) {
    }

    static final List<T> TYPES = List.of(new T(0x3b1, "NVIDIA L40-1Q", 4, 1024), new T(0x3b2, "NVIDIA L40-2Q", 4, 2048),
            new T(0x3b4, "NVIDIA L40-8Q", 2, 8192));
    /** The types this fake's firmware offers. */
    final List<T> types;

    /** A fake offering {@link #TYPES}. */
    FakeFirmware() {
        this(TYPES);
    }

    /** A fake offering {@code types}. */
    FakeFirmware(List<T> types) {
        this.types = List.copyOf(types);
    }

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

    /** The fake runs no GSP, so it has no log to decode. */
    @Override
    public String log(String device, GspLogBuffer buffer) {
        return "";
    }

    /** The fake runs no GSP: nova.core's answer when no GSP is running. */
    @Override
    public byte[] logBytes(String device, GspLogBuffer buffer) {
        throw new DriverException(Errno.ENODEV, device + ": no GSP running, so no " + buffer + " buffer");
    }

    /** The fake's framebuffer as GSP-RM would report it: one region, the whole VRAM, usable. */
    @Override
    public List<FbRegion> fbRegions(String device) {
        return gpu(device).map(g -> List.of(new FbRegion(0, 0, g.fbSize(), 0, 0, true, true, false)))
                .orElse(List.of());
    }

    @Override
    public VgpuControl openVgpu(String device, String client) {
        if (gpu(device).isEmpty() || !vgpu) {
            throw new DriverException(Errno.ENODEV, "no GPU with vGPU support at " + device);
        }
        openChannels++;
        return new Control();
    }

    synchronized List<VgpuTypeInfo> supportedTypes() {
        log.add("types");
        if (!vgpu) {
            throw new DriverException(Errno.ENODEV, PF + ": the firmware offers no vGPU types");
        }
        return types.stream().map(t -> new VgpuTypeInfo(t.id(), t.name(), "Quadro", (long) t.fbMiB() << 20, 256L << 20,
                t.max(), HEAP)).toList();
    }

    synchronized void bootload(PluginTask t) {
        log.add("bootload");
        lastBoot = t;
        if (failNextBoot != null) {
            Errno e = failNextBoot;
            failNextBoot = null;
            throw new DriverException(e, "the firmware refused the bootload");
        }
        if (booted.containsKey(t.gfid())) {
            throw new DriverException(Errno.EBUSY, "gfid " + t.gfid() + " in use");
        }
        VramBlock heap = t.heap();
        if (heap.size() < HEAP_MINIMUM || heap.offset() + heap.size() > APERTURE) {
            throw new DriverException(Errno.EIO, "plugin heap refused");
        }
        // GSP-RM's rules of the simulated GPU: one profile size at a time, framebuffers apart
        int mib = types.stream().filter(x -> x.id() == t.vgpuType()).mapToInt(T::fbMiB).findFirst().orElseThrow();
        if (booted.values().stream().anyMatch(o -> types.stream().filter(x -> x.id() == o).mapToInt(T::fbMiB)
                .findFirst().orElseThrow() != mib)) {
            throw new DriverException(Errno.EBUSY, "NV_ERR_INVALID_STATE: another profile size runs");
        }
        long at = t.framebuffer().offset();
        if (fbs.values().stream().anyMatch(f -> at < f[0] + f[1] && f[0] < at + t.framebuffer().size())) {
            throw new DriverException(Errno.EBUSY, "NV_ERR_IN_USE: framebuffers overlap");
        }
        booted.put(t.gfid(), t.vgpuType());
        fbs.put(t.gfid(), new long[] {t.framebuffer().offset(), t.framebuffer().size(), heap.offset()});
    }

    synchronized boolean pluginBooted(VramBlock heap) {
        return pluginReports && fbs.values().stream().anyMatch(f -> f[2] == heap.offset());
    }

    synchronized void shutdown(int gfid) {
        log.add("shutdown");
        if (!booted.containsKey(gfid)) {
            throw new DriverException(Errno.EBUSY, "gfid " + gfid + " is not running");
        }
    }

    synchronized void cleanup(int gfid) {
        log.add("cleanup");
        long[] fb = fbs.remove(gfid);
        if (booted.remove(gfid) == null) {
            throw new DriverException(Errno.EIO, "gfid " + gfid + " was not booted");
        }
        // scrub: the framebuffer and the heap
        pages.keySet().removeIf(k -> k * PAGE >= fb[0] && k * PAGE < fb[0] + fb[1]);
        aperture.asSlice(fb[2], HEAP).fill((byte) 0);
    }

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
            throw new DriverException(Errno.EINVAL, "not used");
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

    /** The typed vGPU controls of the fake GPU. */
    final class Control implements VgpuControl {
        boolean closed;

        private void usable() {
            if (!bound) {
                throw new DriverException(Errno.ENODEV, "revoked");
            }
        }

        @Override
        public PciAddress device() {
            return PciAddress.parse(PF);
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
        public List<VgpuTypeInfo> supportedTypes() {
            usable();
            return FakeFirmware.this.supportedTypes();
        }

        @Override
        public long pluginHeapMinimum() {
            return HEAP_MINIMUM;
        }

        @Override
        public void bootloadPluginTask(PluginTask task) {
            usable();
            bootload(task);
        }

        @Override
        public boolean pluginTaskBooted(VramBlock heap) {
            return pluginBooted(heap);
        }

        @Override
        public void shutdownPluginTask(int gfid) {
            usable();
            shutdown(gfid);
        }

        @Override
        public void cleanupPlugin(int gfid) {
            usable();
            cleanup(gfid);
        }

        @Override
        public RpcStats stats() {
            return new RpcStats("vgpu.vfio", log.size(), 0, 0, 0, !closed);
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
