package org.nova.gpu.vm;

import java.util.function.LongFunction;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.gpu.internal.mm.CoherentSysmem;
import org.nova.gpu.internal.mm.GpuVmSpaces;
import org.nova.gpu.internal.mm.Pramin;
import org.nova.gpu.internal.mm.TlbInvalidate;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.mmu.MmuHal;

/**
 * Makes the {@link GpuVmManager} of a GPU whose BAR0 the caller holds: what nova.core does at
 * probe, for code that drives a GPU without nova.core's probe (tests and benchmarks over the
 * simulated GPU). Page tables are written through PRAMIN on that BAR0 and flushed with the
 * Turing+ TLB invalidate register sequence.
 */
public final class GpuVms {
    private GpuVms() {
    }

    /**
     * @param gpu the GPU's name, for messages
     * @param bar0 the GPU's BAR0, valid for as long as the manager is used; no other PRAMIN user
     *     may move the BAR0 window meanwhile
     * @param arch the GPU's architecture (its MMU format)
     * @param vramSize bytes of VRAM (PRAMIN refuses addresses beyond)
     * @param vram the VRAM manager tables come from and mapped blocks belong to
     * @return the manager, owned by the caller, who {@link GpuVmManager#revoke revokes} it
     */
    public static GpuVmManager open(String gpu, Bar bar0, Architecture arch, long vramSize, VramManager vram) {
        MmuHal hal = MmuHal.of(arch);
        return new GpuVmSpaces(gpu, hal, vram, new Pramin(bar0, hal, vramSize), new TlbInvalidate(bar0));
    }

    /**
     * Makes the {@link GpuSysmem} of the same GPU, copying through the PRAMIN window of
     * {@code vms} (one window per GPU: two users would move it under each other).
     *
     * @param vms a manager {@link #open} returned
     * @param dma the GPU's coherent DMA allocator ({@code PciDevice::allocCoherent})
     * @param limit the most bytes the buffers may hold together
     * @return the manager, owned by the caller, who {@link GpuSysmem#revoke revokes} it
     * @throws IllegalArgumentException if {@code vms} is not one {@link #open} made
     */
    public static GpuSysmem openSysmem(GpuVmManager vms, LongFunction<DmaCoherent> dma, long limit) {
        if (!(vms instanceof GpuVmSpaces s)) {
            throw new IllegalArgumentException(vms + " was not made by GpuVms.open");
        }
        return new CoherentSysmem(s.gpu(), dma, s.pramin(), limit);
    }
}
