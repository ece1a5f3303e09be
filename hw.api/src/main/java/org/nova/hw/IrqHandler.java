package org.nova.hw;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the interrupts of an {@link IrqSet}. Implemented by consumers.
 *
 * <p>Called on the backend's interrupt-delivery thread, never on the thread whose access made
 * the device raise the interrupt, one call at a time per bridge. A handler should be quick; an
 * exception it throws is logged and otherwise ignored.
 */
@ConsumerType
@FunctionalInterface
public interface IrqHandler {

    /**
     * @param vector the vector within the set: 0 for INTx, 0..count-1 for MSI and MSI-X
     */
    void interrupt(int vector);
}
