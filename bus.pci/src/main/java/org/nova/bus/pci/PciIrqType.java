package org.nova.bus.pci;

/**
 * Interrupt mechanisms a driver may ask {@link PciDevice#allocIrqVectors} for: the kernel's
 * PCI_IRQ_INTX, PCI_IRQ_MSI and PCI_IRQ_MSIX flags (include/linux/pci.h).
 */
public enum PciIrqType {
    /** The legacy pin interrupt (PCI_IRQ_INTX): one vector, needs an interrupt pin. */
    INTX,
    /** Message Signalled Interrupts (PCI_IRQ_MSI): up to 32 vectors, needs the MSI capability. */
    MSI,
    /** MSI-X (PCI_IRQ_MSIX): up to 2048 vectors, needs the MSI-X capability. */
    MSIX
}
