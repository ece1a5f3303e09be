package org.nova.bus.pci;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An interrupt handler registered with {@link PciDevice#requestIrq}: the kernel's
 * {@code irq_handler_t}. Called on the backend's interrupt-delivery thread, one call at a time
 * per host bridge; keep it short. An exception it throws is logged and otherwise ignored.
 */
@ConsumerType
@FunctionalInterface
public interface PciIrqHandler {
    /** @param vector the vector that fired, 0..{@link IrqVectors#count()}-1 */
    void handle(int vector);
}
