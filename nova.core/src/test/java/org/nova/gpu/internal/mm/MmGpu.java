package org.nova.gpu.internal.mm;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.Mmio;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuHal;

/**
 * A test harness: a simulated GPU, its BAR0 as the driver maps it (every access through the
 * model's register decode, as the bus does), PRAMIN and the TLB invalidate over it, and a buddy
 * VRAM manager over the first {@link #MANAGED} bytes of VRAM, as nova.core would hand them out.
 */
final class MmGpu {
    /** VRAM the buddy manager hands out to page tables and pages in these tests. */
    static final long MANAGED = 64L << 20;

    final NvidiaGpu gpu;
    final Bar bar0;
    final Pramin pramin;
    final TlbInvalidate tlb;
    final BuddyVramManager vram;

    MmGpu(Path firmwareDir, Chipset chip) {
        gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(firmwareDir)));
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
        pramin = new Pramin(bar0, MmuHal.of(chip.architecture()), gpu.vram().byteSize());
        tlb = new TlbInvalidate(bar0);
        vram = BuddyVramManager.of("sim", 0, MANAGED);
    }

    MmGpu(Path firmwareDir) {
        this(firmwareDir, Chipset.GA102);
    }
}
