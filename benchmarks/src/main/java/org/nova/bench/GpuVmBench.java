package org.nova.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.drm.DrmClass;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmFile;
import org.nova.drm.NovaDrm.VmBindOp;
import org.nova.drm.NovaDrm;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.GpuVms;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.sim.gpu.Bar0Mmio;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
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
 * Issue 19: GPU VA spaces through the exported API ({@link GpuVms}, {@link GpuVm}) and nova-drm's
 * VM_BIND, on a simulated GA102 with 4 GiB of VRAM whose page tables are written through PRAMIN
 * on its BAR0 (every write decoded by the model, as the driver's path on the simulator is) and
 * flushed with the TLB invalidate register sequence.
 * <ul>
 *   <li>{@code mapUnmap}: {@link GpuVm#map} then {@link GpuVm#unmap} of one page of
 *       {@code pageSize} (4 KiB, 64 KiB, 2 MiB: VA and PA aligned so that one page of that size
 *       is written); a neighbouring page of the same size stays mapped so that the tables stay
 *       (the figure is the entries and the two invalidates, not table allocation);</li>
 *   <li>{@code vmBind1GiB}: one VM_BIND MAP of a whole 1 GiB GEM object (512 2 MiB pages); the
 *       UNMAP runs after each operation, outside the timed region.</li>
 * </ul>
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GpuVmBench {
    private static final long VA = 1L << 32;
    private static final long VRAM_MIB = 4096;

    /** A simulated GA102 with {@code VRAM_MIB} of VRAM and its BAR0 as the driver maps it. */
    static NvidiaGpu gpu() {
        try {
            Path fw = Files.createTempDirectory("gpuvm-bench");
            return new NvidiaGpu(new GpuOptions(Chipset.GA102, VRAM_MIB, GpuFault.NONE, List.of(fw)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Bar bar0(NvidiaGpu gpu) {
        return TestBars.map("sim-bar0", new Bar0Mmio(gpu)).bar();
    }

    /** A space with one page of {@link #pageSize} mapped next to the one the benchmark maps. */
    @State(Scope.Thread)
    public static class Space {
        /** The page size mapped and unmapped. */
        @Param({"4096", "65536", "2097152"})
        public long pageSize;

        private GpuVmManager vms;
        private GpuVm vm;
        private VramBlock block;

        @Setup(Level.Trial)
        public void setUp() {
            NvidiaGpu gpu = gpu();
            BuddyVramManager vram = BuddyVramManager.of("bench", 0, 1L << 30);
            vms = GpuVms.open("bench", bar0(gpu), Chipset.GA102.architecture(), gpu.vram().byteSize(), vram);
            vm = vms.create("bench:vm", 1L << 40);
            // two pages, naturally aligned (a buddy block is aligned to its size): one stays mapped
            block = vram.allocate(2 * pageSize, "bench:pages");
            vm.map(VA + pageSize, block, pageSize, pageSize, true);
            vm.map(VA, block, 0, pageSize, true);
            vm.unmap(VA, pageSize);
            if (vm.walk(VA + pageSize).pageShift() != Long.numberOfTrailingZeros(pageSize)) {
                throw new IllegalStateException("not mapped with " + pageSize + "-byte pages");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            vms.revoke();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long mapUnmap(Space s) {
        s.vm.map(VA, s.block, 0, s.pageSize, true);
        return s.vm.unmap(VA, s.pageSize);
    }

    /** A nova-drm device over the same kind of GPU, a file with a VA space and a 1 GiB object. */
    @State(Scope.Thread)
    public static class Bind {
        private static final long GIB = 1L << 30;
        private GpuVmManager vms;
        private DrmClass cls;
        private DrmDevice dev;
        private DrmFile file;
        private int handle;

        @Setup(Level.Trial)
        public void setUp() {
            NvidiaGpu gpu = gpu();
            BuddyVramManager vram = BuddyVramManager.of("0000:00:05.0", 0, 2 * GIB);
            vms = GpuVms.open("0000:00:05.0", bar0(gpu), Chipset.GA102.architecture(), gpu.vram().byteSize(), vram);
            cls = new DrmClass();
            dev = cls.register(new NovaDriver(256L << 20, vms), "NovaCore.nova-drm.0", vram, MemorySegment.NULL);
            file = dev.open(DrmFile.Node.RENDER);
            NovaDrm.vmInit(file, 0, 0);
            handle = NovaDrm.gemCreate(file, GIB);
        }

        @TearDown(Level.Invocation)
        public void unmap() {
            NovaDrm.vmBindOrThrow(file, List.of(VmBindOp.unmap(GIB, GIB)));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            file.close();
            cls.unregister(dev);
            vms.revoke();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void vmBind1GiB(Bind b) {
        NovaDrm.vmBindOrThrow(b.file, List.of(VmBindOp.map(b.handle, Bind.GIB, 0, Bind.GIB)));
    }
}
