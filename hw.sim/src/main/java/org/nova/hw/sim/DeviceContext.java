package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Lock;
import org.nova.hw.pci.PciAddress;

/**
 * What a {@link DeviceModel} can do to the platform, like the PCIDevice helpers of QEMU
 * (pci_set_irq, msi_notify, msix_notify, pci_dma_read/pci_dma_write). Every method must be
 * called with {@link #lock()} held.
 */
interface DeviceContext {

    /** @return the function's address, for logging and thread names */
    PciAddress address();

    /** @return the function's lock, which guards config space and device state */
    Lock lock();

    /** @return the config space, for device-side reads */
    ConfigSpace config();

    /**
     * Drives the INTx pin (QEMU pci_set_irq): level-triggered; PCI_STATUS_INTERRUPT follows it,
     * and it reaches the interrupt handler only while PCI_COMMAND_INTX_DISABLE is clear.
     */
    void setIntx(boolean asserted);

    /** @return whether MSI Enable is set (QEMU msi_enabled) */
    boolean msiEnabled();

    /** @return whether MSI-X Enable is set (QEMU msix_enabled) */
    boolean msixEnabled();

    /** Sends MSI vector (QEMU msi_notify): pending if masked, dropped if not enabled. */
    void notifyMsi(int vector);

    /** Sends MSI-X vector (QEMU msix_notify): pending if masked, dropped if not enabled. */
    void notifyMsix(int vector);

    /**
     * Device reads host memory at iova into dst through the IOMMU (QEMU pci_dma_read). Nothing
     * is read unless the whole range is mapped readable and bus mastering is enabled; a refusal
     * is recorded as an IOMMU fault.
     *
     * @return whether the read happened
     */
    boolean dmaRead(long iova, MemorySegment dst);

    /**
     * Device writes src to host memory at iova through the IOMMU (QEMU pci_dma_write). Nothing
     * is written unless the whole range is mapped writable and bus mastering is enabled; a
     * refusal is recorded as an IOMMU fault.
     *
     * @return whether the write happened
     */
    boolean dmaWrite(long iova, MemorySegment src);
}
