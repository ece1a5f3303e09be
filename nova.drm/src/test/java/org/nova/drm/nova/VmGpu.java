package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.drm.DrmClass;
import org.nova.drm.DrmDevice;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.GpuVms;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.sim.gpu.Bar0Mmio;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;

/**
 * A test harness: a simulated GA102 whose BAR0 the driver reaches through the model's register
 * decode, a buddy VRAM manager over its first {@link #MANAGED} bytes, nova.core's GPU VA spaces
 * over both ({@link GpuVms#open}, the exported API), and a nova-drm device using them.
 */
final class VmGpu {
    static final long MANAGED = 256L << 20;

    final NvidiaGpu gpu;
    final Bar bar0;
    final BuddyVramManager vram;
    final GpuVmManager vms;
    final DrmClass cls = new DrmClass();
    final DrmDevice dev;

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
        gpu = new NvidiaGpu(new GpuOptions(Chipset.GA102, 1024, GpuFault.NONE, List.of(firmwareDir)));
        bar0 = TestBars.map("sim-bar0", new Bar0Mmio(gpu)).bar();
        vram = BuddyVramManager.of("0000:00:05.0", 0, MANAGED);
        vms = GpuVms.open("0000:00:05.0", bar0, Chipset.GA102.architecture(), gpu.vram().byteSize(), vram);
        dev = cls.register(channels == null ? new NovaDriver(256L << 20, vms)
                : new NovaDriver(256L << 20, vms, channels, timer, jobTimeout), "NovaCore.nova-drm.0", vram,
                MemorySegment.NULL);
    }

    /** @return what the simulated MMU translates {@code va} to in {@code instBlock}'s space, or -1 */
    long sim(long instBlock, long va, boolean write) {
        return gpu.mmu().translate(instBlock, va, write);
    }
}
