package org.nova.gpu.internal.mm;

import java.nio.file.Path;
import java.util.List;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.sim.gpu.Bar0Mmio;
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
        bar0 = TestBars.map("sim-bar0", new Bar0Mmio(gpu)).bar();
        pramin = new Pramin(bar0, MmuHal.of(chip.architecture()), gpu.vram().byteSize());
        tlb = new TlbInvalidate(bar0);
        vram = BuddyVramManager.of("sim", 0, MANAGED);
    }

    MmGpu(Path firmwareDir) {
        this(firmwareDir, Chipset.GA102);
    }
}
