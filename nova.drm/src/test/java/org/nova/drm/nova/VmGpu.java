package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.drm.DrmClass;
import org.nova.drm.DrmDevice;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.GpuVms;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.Mmio;
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
        gpu = new NvidiaGpu(new GpuOptions(Chipset.GA102, 1024, GpuFault.NONE, List.of(firmwareDir)));
        bar0 = TestBars.map("sim-bar0", new Mmio() {
            @Override
            public int index() {
                return 0;
            }

            @Override
            public long size() {
                return NvidiaGpu.BAR0_SIZE;
            }

            @Override
            public Optional<MemorySegment> segment() {
                return Optional.empty();
            }

            @Override
            public void close() {
            }

            @Override
            public int read8(long o) {
                return (int) gpu.read(o, 1);
            }

            @Override
            public int read16(long o) {
                return (int) gpu.read(o, 2);
            }

            @Override
            public int read32(long o) {
                return (int) gpu.read(o, 4);
            }

            @Override
            public long read64(long o) {
                return gpu.read(o, 8);
            }

            @Override
            public void write8(long o, int v) {
                gpu.write(o, 1, v);
            }

            @Override
            public void write16(long o, int v) {
                gpu.write(o, 2, v);
            }

            @Override
            public void write32(long o, int v) {
                gpu.write(o, 4, Integer.toUnsignedLong(v));
            }

            @Override
            public void write64(long o, long v) {
                gpu.write(o, 8, v);
            }
        }).bar();
        vram = BuddyVramManager.of("0000:00:05.0", 0, MANAGED);
        vms = GpuVms.open("0000:00:05.0", bar0, Chipset.GA102.architecture(), gpu.vram().byteSize(), vram);
        dev = cls.register(new NovaDriver(256L << 20, vms), "NovaCore.nova-drm.0", vram, MemorySegment.NULL);
    }

    /** @return what the simulated MMU translates {@code va} to in {@code instBlock}'s space, or -1 */
    long sim(long instBlock, long va, boolean write) {
        return gpu.mmu().translate(instBlock, va, write);
    }
}
