package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;

/**
 * What the simulated GPU reaches of the platform: DMA to and from host memory through the
 * function's IOMMU (QEMU's pci_dma_read/pci_dma_write). The platform calls the GPU's register
 * accesses with the function's lock held, so the GPU calls these from within an access.
 */
public interface GpuHost {
    /**
     * Reads host memory at {@code iova} into {@code dst}.
     *
     * @return false if the IOMMU (or disabled bus mastering) refused the whole read; nothing was read
     */
    boolean dmaRead(long iova, MemorySegment dst);

    /**
     * Writes {@code src} to host memory at {@code iova}.
     *
     * @return false if refused; nothing was written
     */
    boolean dmaWrite(long iova, MemorySegment src);
}
