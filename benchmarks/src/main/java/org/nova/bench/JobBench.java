package org.nova.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.nova.dma.fence.DmaFence;
import org.nova.drm.DrmClass;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmSyncobj;
import org.nova.drm.NovaDrm;
import org.nova.drm.NovaDrm.ExecPush;
import org.nova.drm.NovaDrm.Sync;
import org.nova.drm.NovaDrm.VmBindOp;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.testing.BootedGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.HostMethods;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 20's figure through the real path: one EXEC ioctl (nova-drm's NovaExec: checks, the
 * JobQueue, its NovaChannel) over nova.core's channel through GSP-RM over the simulated GA102's
 * host and copy engine, until the job's done fence in the signal sync object has signalled. Jobs
 * are {@code empty} (one push of a host NOP) or {@code copy4k} (the copy engine moving 4 KiB from
 * one VRAM object to another). AverageTime is the submit → done-fence latency, Throughput the jobs
 * per second of one thread; run with {@code -t 1} and {@code -t 8} for 1 and 8 submitting threads
 * (each thread has its own file, VA space and channel; the GPU, its host thread and the job-timeout
 * timer are shared). Set-up (GPU boot, files, channels, objects, pushbuffers) is outside the timed
 * region. Compare with {@link JobQueueBench}, the queue alone over an ideal ring.
 */
@BenchmarkMode({Mode.AverageTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JobBench {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    /** NVK's kernel-managed range, [2^39, 2^40): where CHANNEL_ALLOC puts the channel's objects. */
    private static final long KM_ADDR = 1L << 39;
    private static final long KM_SIZE = 1L << 39;
    private static final long PB_VA = 0x10_0000;
    private static final long SRC_VA = 0x100_0000;
    private static final long DST_VA = 0x200_0000;
    /** The copy class's subchannel (nouveau's NvSubCopy); the simulated host does not route by it. */
    private static final int COPY_SUBCHANNEL = 4;
    private static final long FENCE_S = 10;

    /** The booted GPU and its nova-drm device, shared by the threads. */
    @State(Scope.Benchmark)
    public static class Gpu {
        Path firmware;
        BootedGpu gpu;
        ScheduledExecutorService timer;
        DrmClass cls;
        DrmDevice dev;

        @Setup(Level.Trial)
        public void boot() throws IOException {
            firmware = Files.createTempDirectory("nova-bench-fw");
            gpu = BootedGpu.boot(Chipset.GA102, firmware);
            timer = Executors.newSingleThreadScheduledExecutor();
            cls = new DrmClass();
            dev = cls.register(new NovaDriver(gpu.bar1Size(), gpu.vms(), gpu.channels(), timer, NovaDriver.JOB_TIMEOUT),
                    "NovaCore.nova-drm.0", gpu.vram(), MemorySegment.NULL);
        }

        @TearDown(Level.Trial)
        public void shutDown() {
            cls.unregister(dev);
            gpu.close();
            timer.shutdownNow();
            try (Stream<Path> s = Files.walk(firmware)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One submitting thread's file: a VA space, a channel, a pushbuffer, two 4 KiB objects, a sync object. */
    @State(Scope.Thread)
    public static class Client {
        @Param({"empty", "copy4k"})
        public String job;

        DrmFile f;
        int channel;
        int syncobj;
        List<ExecPush> push;
        List<Sync> signal;

        @Setup(Level.Trial)
        public void open(Gpu g) {
            f = g.dev.open(DrmFile.Node.RENDER);
            NovaDrm.vmInit(f, KM_ADDR, KM_SIZE);
            int pb = NovaDrm.gemCreate(f, K64);
            int src = NovaDrm.gemCreate(f, K4);
            int dst = NovaDrm.gemCreate(f, K4);
            NovaDrm.vmBindOrThrow(f, List.of(VmBindOp.map(pb, PB_VA, 0, K64), VmBindOp.map(src, SRC_VA, 0, K4),
                    VmBindOp.map(dst, DST_VA, 0, K4)));
            MemorySegment cpu = g.gpu.vram().map(g.dev.lookup(f, pb).vramBlock());
            int[] w = switch (job) {
                case "empty" -> new int[] {HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, HostMethods.NOP, 1), 0};
                case "copy4k" -> new int[] {
                    HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.OFFSET_IN_UPPER, 4),
                    (int) CopyMethods.OFFSET_UPPER.of(SRC_VA >>> 32), (int) SRC_VA,
                    (int) CopyMethods.OFFSET_UPPER.of(DST_VA >>> 32), (int) DST_VA,
                    HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.LINE_LENGTH_IN, 1),
                    (int) K4,
                    HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.LAUNCH_DMA, 1),
                    CopyMethods.launch(true, false, false),
                };
                default -> throw new IllegalArgumentException("job " + job);
            };
            for (int i = 0; i < w.length; i++) {
                cpu.set(LE32, 4L * i, w[i]);
            }
            push = List.of(new ExecPush(PB_VA, 4 * w.length, 0));
            channel = NovaDrm.channelAlloc(f);
            syncobj = DrmSyncobj.create(f, false);
            signal = List.of(Sync.syncobj(syncobj));
        }

        @TearDown(Level.Trial)
        public void close() {
            f.close();
        }
    }

    /** One EXEC, awaited until its done fence signalled without error. */
    @Benchmark
    public DmaFence execToSignalled(Client c) throws InterruptedException {
        int r = NovaDrm.exec(c.f, c.channel, c.push, List.of(), c.signal);
        if (r != 0) {
            throw new IllegalStateException("EXEC: " + r);
        }
        DmaFence fe = c.f.syncobjFence(c.syncobj);
        if (!fe.await(FENCE_S, TimeUnit.SECONDS) || fe.error() != null) {
            throw new IllegalStateException(fe.toString());
        }
        return fe;
    }
}
