package org.nova.gpu.internal;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.devres.Devres;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.internal.mm.Pramin;
import org.nova.gpu.internal.mm.TlbInvalidate;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.mmu.MmuHal;

/**
 * One binding's memory-management hardware as the driver holds it: the PRAMIN window, the TLB
 * invalidate sequence and BAR1's page tables. {@link Pramin} owns the BAR0 window register and
 * caches where it left the window, and an invalidate's register writes must not interleave with
 * another's, so each exists once per binding and BAR1's tables and the GPU VA spaces share them.
 *
 * <p>Owned by its {@link Gpu}; made at first use. Everything is built on the binding's BAR0 mapping
 * and kept beyond its access guard: once devres revoked BAR0 at unbind, every access fails
 * ({@code RevokedException}), which is how a late user learns the GPU went.
 */
final class GpuMemory {
    /**
     * BAR1's kernel carve-out (at most a quarter of BAR1): the VAs for the buffers nova.core fills
     * for GSP-RM, the vGPU plugin heaps, kept apart from GEM mappings. The simulator's choice of
     * size (16 plugin heaps of the simulated types' 4 MiB; NVIDIA publishes no figure).
     */
    static final long BAR1_KERNEL_CARVE_OUT = 64L << 20;

    private final PciDevice dev;
    private final Devres<Bar> bar0;
    private final MmuHal mmu;
    private final long fbSize;
    private Pramin pramin;
    private TlbInvalidate tlb;

    /**
     * @param bar0 the binding's BAR0 mapping
     * @param arch the GPU's architecture (its MMU format)
     * @param fbSize bytes of VRAM (PRAMIN refuses addresses beyond)
     */
    GpuMemory(PciDevice dev, Devres<Bar> bar0, Architecture arch, long fbSize) {
        this.dev = dev;
        this.bar0 = bar0;
        this.mmu = MmuHal.of(arch);
        this.fbSize = fbSize;
    }

    /** @return the MMU HAL of the GPU's architecture */
    MmuHal mmu() {
        return mmu;
    }

    /** @return the binding's one PRAMIN window */
    synchronized Pramin pramin() {
        if (pramin == null) {
            try (var g = bar0.access()) {
                pramin = new Pramin(g.get(), mmu, fbSize);
            }
        }
        return pramin;
    }

    /** @return the binding's one TLB invalidate sequence */
    synchronized TlbInvalidate tlb() {
        if (tlb == null) {
            try (var g = bar0.access()) {
                tlb = new TlbInvalidate(g.get());
            }
        }
        return tlb;
    }

    /**
     * BAR1 as nouveau's r535_bar_bar1_init runs it once GSP-RM has booted: GSP-RM bound BAR1 to its
     * own instance block and reported its root directory; the driver's BAR1 tables go beneath that
     * root, from {@code vram}, with the kernel carve-out at BAR1's top. The caller owns the space.
     *
     * @param root the root directory GSP-RM reported (GspStaticConfigInfo.bar1PdeBase), not 0
     * @throws org.nova.driver.DriverException as {@link Bar1Space#underGspRm}: EIO when BAR1 is
     *     not bound as GSP-RM reported
     */
    Bar1Space bar1Space(VramManager vram, long root) {
        try (var g = bar0.access()) {
            Bar bar = g.get();
            long bar1 = dev.resourceLen(1);
            return Bar1Space.underGspRm(dev.slot(), bar, mmu, vram, pramin(), tlb(), bar1,
                    Math.min(BAR1_KERNEL_CARVE_OUT, bar1 / 4), root);
        }
    }
}
