package org.nova.gpu.internal.mm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.sim.gpu.Bar0Mmio;
import org.nova.hw.sim.gpu.GpuHost;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuHal;

/**
 * A test harness: a simulated GPU, its BAR0 as the driver maps it (every access through the
 * model's register decode, as the bus does), PRAMIN and the TLB invalidate over it, and a buddy
 * VRAM manager over the first {@link #MANAGED} bytes of VRAM, as nova.core would hand them out,
 * and a host whose IOMMU maps only the buffers {@link #dma} made (so a PTE naming any other DMA
 * address is refused, as a real IOMMU would).
 */
final class MmGpu {
    /** VRAM the buddy manager hands out to page tables and pages in these tests. */
    static final long MANAGED = 64L << 20;

    final NvidiaGpu gpu;
    /** The chip's page-table format. */
    final MmuFormat format;
    final Bar bar0;
    final Pramin pramin;
    final TlbInvalidate tlb;
    final BuddyVramManager vram;
    /** DMA buffers by IOVA. */
    private final TreeMap<Long, MemorySegment> dma = new TreeMap<>();
    private final Arena arena = Arena.ofAuto();
    private long nextIova = 1L << 32;

    MmGpu(Path firmwareDir, Chipset chip) {
        gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(firmwareDir)));
        format = MmuHal.of(chip.architecture()).format();
        bar0 = TestBars.map("sim-bar0", new Bar0Mmio(gpu)).bar();
        pramin = new Pramin(bar0, MmuHal.of(chip.architecture()), gpu.vram().byteSize());
        tlb = new TlbInvalidate(bar0);
        vram = BuddyVramManager.of("sim", 0, MANAGED);
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
    }

    /**
     * A zeroed host buffer the GPU reaches at the returned IOVA, aligned to {@code align}.
     *
     * @return {iova} and the CPU view through {@link #host}
     */
    synchronized long dma(long size, long align) {
        long iova = (nextIova + align - 1) & -align;
        dma.put(iova, arena.allocate(size, 8));
        nextIova = iova + size;
        return iova;
    }

    /** @return the CPU view of the buffer at {@code iova} */
    synchronized MemorySegment host(long iova) {
        return dma.get(iova);
    }

    /** The IOMMU unmaps the buffer: the GPU's accesses to it are refused from now on. */
    synchronized void unmapDma(long iova) {
        dma.remove(iova);
    }

    private synchronized MemorySegment find(long iova, long size) {
        Map.Entry<Long, MemorySegment> e = dma.floorEntry(iova);
        if (e == null || iova + size > e.getKey() + e.getValue().byteSize()) {
            return null;
        }
        return e.getValue().asSlice(iova - e.getKey(), size);
    }

    MmGpu(Path firmwareDir) {
        this(firmwareDir, Chipset.GA102);
    }
}
