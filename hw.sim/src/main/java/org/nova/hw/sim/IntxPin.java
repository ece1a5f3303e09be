package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.PCI_COMMAND;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_INTX_DISABLE;
import static org.nova.hw.pci.PciRegs.PCI_INTERRUPT_PIN;
import static org.nova.hw.pci.PciRegs.PCI_STATUS;
import static org.nova.hw.pci.PciRegs.PCI_STATUS_INTERRUPT;

import org.nova.hw.IrqType;

/**
 * A function's INTx pin, level-triggered (PCI Local Bus Spec 3.0, 2.2.6): the level the device
 * drives shows in PCI_STATUS_INTERRUPT, and reaches the interrupt controller as the line only while
 * PCI_COMMAND_INTX_DISABLE is clear and the function has a pin (QEMU hw/pci/pci.c pci_irq_handler,
 * pci_update_irq_disabled). A rising line is one INTx interrupt.
 *
 * <p>Owns the level and the line; guarded by the function's lock.
 */
final class IntxPin {
    private final ConfigSpace config;
    private final FunctionIrqs irqs;
    /** The device drives its INTx pin. */
    private boolean level;
    /** The INTx line as the interrupt controller sees it (level and not disabled). */
    private boolean line;

    IntxPin(ConfigSpace config, FunctionIrqs irqs) {
        this.config = config;
        this.irqs = irqs;
    }

    /** @return 1 if the function has an interrupt pin, else 0 */
    int count() {
        return config.get8(PCI_INTERRUPT_PIN) != 0 ? 1 : 0;
    }

    /** The device drives the pin (QEMU pci_set_irq). */
    void set(boolean asserted) {
        level = asserted;
        update();
    }

    /** Recomputes PCI_STATUS_INTERRUPT and the line, after the level or the command register changed. */
    void update() {
        int status = config.get16(PCI_STATUS);
        config.set16(PCI_STATUS, level ? status | PCI_STATUS_INTERRUPT : status & ~PCI_STATUS_INTERRUPT);
        boolean now = level && count() != 0 && (config.command() & PCI_COMMAND_INTX_DISABLE) == 0;
        if (now && !line) {
            irqs.deliver(IrqType.INTX, 0);
        }
        line = now;
    }

    /** MSI or MSI-X was enabled: the function stops driving INTx (PCI Local Bus Spec 3.0, 6.8.3.3). */
    void deassert() {
        set(false);
    }

    /** Function-level reset: not driven, no line. */
    void reset() {
        level = false;
        line = false;
    }

    /** Software enables or disables INTx through the command register, as drivers/pci/pci.c pci_intx does. */
    void program(boolean enable, ConfigSpace.Writer w) {
        int cmd = config.command();
        w.write(PCI_COMMAND, Short.BYTES, enable ? cmd & ~PCI_COMMAND_INTX_DISABLE : cmd | PCI_COMMAND_INTX_DISABLE);
    }
}
