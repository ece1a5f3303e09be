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
import org.nova.drm.IoctlDesc;
import org.nova.drm.NovaDrm;
import org.nova.drm.nova.NovaDriver;
import org.nova.drm.nova.NovaFile;
import org.nova.gpu.vram.BuddyVramManager;
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
 * Issue 7 and 16: the nova-drm ioctl path through the DRM core's dispatch ({@code drm_ioctl}: file
 * and device checks under the device's read side, number lookup, size handling, permission check,
 * kernel copy in and out) against a direct method call doing the same work: the handlers of the
 * driver's own ioctl table ({@link NovaDriver#ioctls()}), called on the same file with the same
 * argument segment, and {@link DrmDevice#gemClose} for GEM_CLOSE (the core's handler calls exactly
 * that). The difference is the dispatch overhead; report the ratio of the pairs from one run:
 *
 * <ul>
 * <li>{@link #createInfoClose} vs {@link #createInfoCloseDirect}: GEM_CREATE of {@link Created#objectSize}
 * bytes + GEM_INFO on the new handle + GEM_CLOSE (so that VRAM does not run out), on a render-node
 * file of a device over 1 GiB of VRAM;</li>
 * <li>{@link #info} vs {@link #infoDirect}: GEM_INFO alone on a handle held for the trial, where the
 * dispatch is most of the cost.</li>
 * </ul>
 * The arguments are the upstream structures in preallocated segments, as a program would pass them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DrmIoctlBench {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** VRAM of the benchmark's device. */
    static final long VRAM = 1L << 30;
    /** The VRAM BAR the driver reports (GETPARAM), unused by the measured ioctls. */
    static final long BAR = 256L << 20;
    /** Size of the GEM object held for the trial, which GEM_INFO asks about. */
    static final long HELD = 1 << 20;

    /** The size of the objects GEM_CREATE makes: a state of its own, so that only the create pair runs per size. */
    @State(Scope.Benchmark)
    public static class Created {
        /** Bytes of each GEM object created (a multiple of the driver's 4 KiB alignment). */
        @Param({"65536", "16777216"})
        public long objectSize;
    }

    private Arena arena;
    private DrmClass drm;
    private DrmDevice dev;
    private DrmFile file;
    private NovaFile fileData;
    private IoctlDesc.Handler<NovaFile> gemCreate;
    private IoctlDesc.Handler<NovaFile> gemInfo;
    private MemorySegment create;
    private MemorySegment info;
    private MemorySegment close;
    private int held;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        drm = new DrmClass();
        NovaDriver driver = new NovaDriver(BAR);
        dev = drm.register(driver, "bench", BuddyVramManager.of("bench", 0, VRAM), MemorySegment.NULL);
        file = dev.open(DrmFile.Node.RENDER);
        fileData = driver.open(file);
        for (IoctlDesc<NovaFile> d : driver.ioctls()) {
            if (d.cmd() == NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE) {
                gemCreate = d.handler();
            } else if (d.cmd() == NovaDrm.DRM_IOCTL_NOVA_GEM_INFO) {
                gemInfo = d.handler();
            }
        }
        if (gemCreate == null || gemInfo == null) {
            throw new IllegalStateException("nova-drm's table has no GEM_CREATE or GEM_INFO");
        }
        create = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_CREATE);
        info = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_INFO);
        close = arena.allocate(DrmIoctl.DRM_GEM_CLOSE_SIZE);
        held = NovaDrm.gemCreate(file, HELD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        file.close();
        drm.unregister(dev);
        arena.close();
    }

    /** One GEM_CREATE, one GEM_INFO on the new handle, one GEM_CLOSE, through the dispatch. */
    @Benchmark
    public long createInfoClose(Created c) {
        create.set(U64, 8, c.objectSize);
        check(file.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create));
        int h = create.get(U32, 0);
        info.set(U32, 0, h);
        check(file.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, info));
        close.set(U32, 0, h);
        check(file.ioctl(DrmIoctl.DRM_IOCTL_GEM_CLOSE, close));
        return info.get(U64, 8);
    }

    /** The same three operations as direct calls of the driver's handlers and the device. */
    @Benchmark
    public long createInfoCloseDirect(Created c) {
        create.set(U64, 8, c.objectSize);
        gemCreate.handle(file, fileData, create);
        int h = create.get(U32, 0);
        info.set(U32, 0, h);
        gemInfo.handle(file, fileData, info);
        dev.gemClose(file, h);
        return info.get(U64, 8);
    }

    /** GEM_INFO alone through the dispatch. */
    @Benchmark
    public long info() {
        info.set(U32, 0, held);
        check(file.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, info));
        return info.get(U64, 8);
    }

    /** GEM_INFO alone as a direct call of the driver's handler. */
    @Benchmark
    public long infoDirect() {
        info.set(U32, 0, held);
        gemInfo.handle(file, fileData, info);
        return info.get(U64, 8);
    }

    /** A failed ioctl would make the dispatch path look cheap: fail the benchmark instead. */
    private static void check(int ret) {
        if (ret != 0) {
            throw new IllegalStateException("ioctl returned " + ret);
        }
    }
}
