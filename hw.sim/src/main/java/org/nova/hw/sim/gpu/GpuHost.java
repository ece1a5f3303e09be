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

    /**
     * Drives the GPU's interrupt (QEMU msi_notify / pci_set_irq): {@code true} signals it (MSI
     * vector 0 when MSI is enabled, else INTx asserted), {@code false} deasserts INTx once the
     * driver cleared the cause. Called from GSP-RM's thread or within a register access. The
     * default drops it (a platform without an interrupt line).
     */
    default void interrupt(boolean asserted) {
    }

    /**
     * @param bar a BAR index, 0..5
     * @return the bus address the platform's firmware assigned to BAR {@code bar} (what its BAR
     *     register holds), 0 for a BAR the function does not have. GSP-RM checks SetSystemInfo's
     *     addresses against it. The default: nothing assigned.
     */
    default long barAddress(int bar) {
        return 0;
    }

    /** @return the function's routing ID (bus << 8 | devfn), what SetSystemInfo's nvDomainBusDeviceFunc must hold */
    default int routingId() {
        return 0;
    }

    /**
     * Runs {@code work} with the function's lock held, as a register access runs: for a unit of
     * the GPU that works on its own thread (the host, {@link SimFifo}) and touches what register
     * accesses touch (VRAM, the MMU and its TLB). The default serialises on this object (a GPU
     * without a platform).
     */
    default <T> T locked(java.util.function.Supplier<T> work) {
        synchronized (this) {
            return work.get();
        }
    }
}
