package org.nova.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.nova.drm.DrmClass;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmIoctl;
import org.nova.drm.NovaDrm;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vram.BuddyVramManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 7: the nova-drm ioctl path through the DRM core's dispatch (number lookup, size handling,
 * permission check, kernel copy in and out): GEM_CREATE + GEM_INFO (+ GEM_CLOSE so that VRAM does
 * not run out) on a render-node file of a device over 1 GiB of VRAM, and GEM_INFO alone. The
 * arguments are the upstream structures in preallocated segments, as a program would pass them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DrmIoctlBench {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Arena arena;
    private DrmClass drm;
    private DrmDevice dev;
    private DrmFile file;
    private MemorySegment create;
    private MemorySegment info;
    private MemorySegment close;
    private int held;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        drm = new DrmClass();
        dev = drm.register(new NovaDriver(256L << 20), "bench", BuddyVramManager.of("bench", 0, 1L << 30), MemorySegment.NULL);
        file = dev.open(DrmFile.Node.RENDER);
        create = arena.allocate(16);
        info = arena.allocate(16);
        close = arena.allocate(8);
        held = NovaDrm.gemCreate(file, 1 << 20);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        file.close();
        drm.unregister(dev);
        arena.close();
    }

    /** One GEM_CREATE, one GEM_INFO on the new handle, one GEM_CLOSE. */
    @Benchmark
    public long createInfoClose() {
        create.set(U64, 8, 64 * 1024);
        file.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create);
        int h = create.get(U32, 0);
        info.set(U32, 0, h);
        file.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, info);
        close.set(U32, 0, h);
        file.ioctl(DrmIoctl.DRM_IOCTL_GEM_CLOSE, close);
        return info.get(U64, 8);
    }

    /** GEM_INFO alone: the dispatch cost. */
    @Benchmark
    public long info() {
        info.set(U32, 0, held);
        file.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, info);
        return info.get(U64, 8);
    }
}
