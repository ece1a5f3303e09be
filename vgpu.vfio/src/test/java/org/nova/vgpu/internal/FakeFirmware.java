package org.nova.vgpu.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
 * records them.
 */
final class FakeFirmware implements NovaGpus, GspCommands {
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
        return Optional.of(new GpuInfo(PF, "AD102", "Ada", "a.1", "", "570.144", 24L << 30,
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

    synchronized GspReply control(int cmd, byte[] params) {
        log.add(Integer.toHexString(cmd));
        ByteBuffer p = le(params);
        switch (cmd) {
            case VgpuCore.CMD_GET_TYPES -> {
                if (!vgpu) {
                    return new GspReply("GSP_RM_CONTROL", VgpuCore.NV_ERR_NOT_SUPPORTED, new byte[0]);
                }
                FwLayout l = FwLayout.of(VERSION, VgpuCore.TYPES);
                if (params.length != l.size()) {
                    return new GspReply("GSP_RM_CONTROL", 0x1f, params);
                }
                l.put(params, 0, "numVgpuTypes", TYPES.size());
                for (int i = 0; i < TYPES.size(); i++) {
                    l.element(params, 0, "vgpuTypes", 4, i, TYPES.get(i).id());
                }
                return new GspReply("GSP_RM_CONTROL", 0, params);
            }
            case VgpuCore.CMD_GET_TYPE_INFO -> {
                FwLayout l = FwLayout.of(VERSION, VgpuCore.TYPE_INFO);
                FwLayout vi = FwLayout.of(VERSION, VgpuCore.INFO);
                if (params.length != l.size()) {
                    return new GspReply("GSP_RM_CONTROL", 0x1f, params);
                }
                int id = (int) l.get(params, 0, "vgpuType");
                T t = TYPES.stream().filter(x -> x.id() == id).findFirst().orElse(null);
                if (t == null) {
                    return new GspReply("GSP_RM_CONTROL", 0x57, params);
                }
                int base = l.at("vgpuTypeInfo");
                vi.put(params, base, "vgpuType", id);
                byte[] n = t.name().getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(n, 0, params, base + vi.at("vgpuName"), n.length);
                System.arraycopy("Quadro".getBytes(StandardCharsets.US_ASCII), 0, params, base + vi.at("vgpuClass"), 6);
                vi.put(params, base, "maxInstance", t.max());
                vi.put(params, base, "fbLength", (long) t.fbMiB() << 20);
                vi.put(params, base, "bar1Length", 256);
                return new GspReply("GSP_RM_CONTROL", 0, params);
            }
            case VgpuCore.CMD_BOOTLOAD -> {
                FwLayout l = FwLayout.of(VERSION, VgpuCore.BOOT);
                if (params.length != l.size()) {
                    return new GspReply("GSP_RM_CONTROL", 0x1f, params);
                }
                lastBoot = params.clone();
                if (failNextBoot != 0) {
                    int s = failNextBoot;
                    failNextBoot = 0;
                    return new GspReply("GSP_RM_CONTROL", s, params);
                }
                int gfid = (int) l.get(params, 0, "gfid");
                if (booted.containsKey(gfid)) {
                    return new GspReply("GSP_RM_CONTROL", VgpuCore.NV_ERR_IN_USE, params);
                }
                booted.put(gfid, (int) l.get(params, 0, "vgpuType"));
                return new GspReply("GSP_RM_CONTROL", 0, params);
            }
            case VgpuCore.CMD_SHUTDOWN -> {
                if (params.length != FwLayout.of(VERSION, VgpuCore.SHUTDOWN).size()) {
                    return new GspReply("GSP_RM_CONTROL", 0x1f, params);
                }
                return new GspReply("GSP_RM_CONTROL", booted.containsKey(p.getInt(0)) ? 0 : 0x40, params);
            }
            case VgpuCore.CMD_CLEANUP -> {
                if (params.length != FwLayout.of(VERSION, VgpuCore.CLEANUP).size()) {
                    return new GspReply("GSP_RM_CONTROL", 0x1f, params);
                }
                return new GspReply("GSP_RM_CONTROL", booted.remove(p.getInt(0)) != null ? 0 : 0x1f, params);
            }
            default -> {
                return new GspReply("GSP_RM_CONTROL", 0x56, params);
            }
        }
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
