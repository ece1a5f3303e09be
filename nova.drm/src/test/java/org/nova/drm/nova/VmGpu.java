package org.nova.drm.nova;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.testing.TestBars;
import org.nova.drm.DrmClass;
import org.nova.drm.DrmDevice;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.GpuVms;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.hw.sim.gpu.Bar0Mmio;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuHost;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;

/**
 * A test harness: a simulated GA102 (or another chip) whose BAR0 the driver reaches through the model's register
 * decode, a buddy VRAM manager over its first {@link #MANAGED} bytes (or fewer), nova.core's GPU
 * VA spaces over both ({@link GpuVms#open}, the exported API), and a nova-drm device using them.
 * The placement variant adds GPU system memory ({@link GpuVms#openSysmem}) whose coherent buffers
 * live in a host the simulated GPU reaches through an IOMMU that maps only them, and the linear
 * VRAM aperture so objects can be mmapped.
 */
final class VmGpu {
    static final long MANAGED = 256L << 20;

    final NvidiaGpu gpu;
    final Bar bar0;
    final BuddyVramManager vram;
    final GpuVmManager vms;
    final GpuSysmem sysmem;
    final DrmClass cls = new DrmClass();
    final DrmDevice dev;
    private final TreeMap<Long, MemorySegment> dma = new TreeMap<>();
    private long nextIova = 1L << 32;

    VmGpu(Path firmwareDir) {
        this(firmwareDir, null, null, null);
    }

    /**
     * @param channels the test's channels (a test double), or null
     * @param timer the job-timeout executor, with channels
     * @param jobTimeout how long a job may run, with channels
     */
    VmGpu(Path firmwareDir, org.nova.gpu.channel.GpuChannels channels, java.util.concurrent.ScheduledExecutorService timer,
            java.time.Duration jobTimeout) {
        this(firmwareDir, Chipset.GA102, channels, timer, jobTimeout);
    }

    /** @param chip the simulated chip (its MMU format: version 3 on GH100 and the Blackwells) */
    VmGpu(Path firmwareDir, Chipset chip) {
        this(firmwareDir, chip, null, null, null);
    }

    private VmGpu(Path firmwareDir, Chipset chip, org.nova.gpu.channel.GpuChannels channels,
            java.util.concurrent.ScheduledExecutorService timer, java.time.Duration jobTimeout) {
        gpu = new NvidiaGpu(new GpuOptions(chip, 1024, GpuFault.NONE, List.of(firmwareDir)));
        bar0 = TestBars.map("sim-bar0", new Bar0Mmio(gpu)).bar();
        vram = BuddyVramManager.of("0000:00:05.0", 0, MANAGED);
        vms = GpuVms.open("0000:00:05.0", bar0, chip.architecture(), gpu.vram().byteSize(), vram);
        sysmem = null;
        dev = cls.register(channels == null ? new NovaDriver(256L << 20, vms)
                : new NovaDriver(256L << 20, vms, channels, timer, jobTimeout), "NovaCore.nova-drm.0", vram,
                MemorySegment.NULL);
    }

    /**
     * @param managed bytes of VRAM the buddy manages (small, so that it fills)
     * @param sysmemLimit bytes of GPU system memory
     */
    VmGpu(Path firmwareDir, long managed, long sysmemLimit) {
        this(firmwareDir, managed, sysmemLimit, NovaDriver.JOB_TIMEOUT);
    }

    /**
     * @param managed bytes of VRAM the buddy manages (small, so that it fills)
     * @param sysmemLimit bytes of GPU system memory
     * @param jobTimeout the driver's job timeout: also how long a move waits for a busy space's jobs
     */
    VmGpu(Path firmwareDir, long managed, long sysmemLimit, java.time.Duration jobTimeout) {
        this(firmwareDir, managed, sysmemLimit, jobTimeout, null, null);
    }

    /**
     * @param managed bytes of VRAM the buddy manages (small, so that it fills)
     * @param sysmemLimit bytes of GPU system memory
     * @param jobTimeout the driver's job timeout: also how long a move waits for its copy
     * @param channels the test's channels (a test double: the device's kernel channel opens there), or null
     * @param timer the job-timeout executor, with channels
     */
    VmGpu(Path firmwareDir, long managed, long sysmemLimit, java.time.Duration jobTimeout,
            org.nova.gpu.channel.GpuChannels channels, java.util.concurrent.ScheduledExecutorService timer) {
        gpu = new NvidiaGpu(new GpuOptions(Chipset.GA102, 1024, GpuFault.NONE, List.of(firmwareDir)));
        bar0 = TestBars.map("sim-bar0", new Bar0Mmio(gpu)).bar();
        MemorySegment aperture = gpu.vram().asSlice(0, managed);
        vram = BuddyVramManager.of("0000:00:05.0", 0, managed, aperture);
        vms = GpuVms.open("0000:00:05.0", bar0, Chipset.GA102.architecture(), gpu.vram().byteSize(), vram);
        gpu.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                MemorySegment m = find(iova, dst.byteSize());
                if (m == null) {
                    return false;
                }
                dst.copyFrom(m);
                return true;
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                MemorySegment m = find(iova, src.byteSize());
                if (m == null) {
                    return false;
                }
                m.copyFrom(src);
                return true;
            }
        });
        sysmem = GpuVms.openSysmem(vms, this::coherent, sysmemLimit);
        dev = cls.register(new NovaDriver(managed, vms, channels, timer, jobTimeout), "NovaCore.nova-drm.0", vram, aperture, sysmem,
                DrmClass.ANY_INDEX);
    }

    /** @return how many coherent buffers the IOMMU maps now */
    synchronized int dmaBuffers() {
        return dma.size();
    }

    private synchronized DmaCoherent coherent(long size) {
        long iova = nextIova;
        nextIova += size + (1L << 12); // a guard page between buffers
        Arena arena = Arena.ofShared();
        MemorySegment m = arena.allocate(size, 1L << 12);
        dma.put(iova, m);
        return new DmaCoherent() {
            private boolean closed;

            @Override
            public long iova() {
                return iova;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public MemorySegment memory() {
                return m;
            }

            @Override
            public void close() {
                synchronized (VmGpu.this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    dma.remove(iova);
                }
                arena.close();
            }
        };
    }

    private synchronized MemorySegment find(long iova, long size) {
        Map.Entry<Long, MemorySegment> e = dma.floorEntry(iova);
        if (e == null || iova + size > e.getKey() + e.getValue().byteSize()) {
            return null;
        }
        return e.getValue().asSlice(iova - e.getKey(), size);
    }

    /** @return what the simulated MMU translates {@code va} to in {@code instBlock}'s space, or -1 */
    long sim(long instBlock, long va, boolean write) {
        return gpu.mmu().translate(instBlock, va, write);
    }
}
