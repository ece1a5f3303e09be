package org.nova.hw;

/**
 * Interrupt mechanisms of a PCI function (VFIO_PCI_{INTX,MSI,MSIX}_IRQ_INDEX in
 * include/uapi/linux/vfio.h). At most one is enabled at a time.
 */
public enum IrqType {
    /** Legacy level-triggered pin interrupt (PCI_INTERRUPT_PIN). */
    INTX,
    /** Message Signalled Interrupts (PCI_CAP_ID_MSI). */
    MSI,
    /** MSI-X, with a vector table in a BAR (PCI_CAP_ID_MSIX). */
    MSIX
}
