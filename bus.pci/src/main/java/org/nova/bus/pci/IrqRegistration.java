package org.nova.bus.pci;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A handler installed on one vector by {@link PciDevice#requestIrq} ({@code devm_request_irq}).
 * A device resource of the binding: removed at unbind at the latest. {@link #close()} is
 * {@code free_irq}: it waits until a call of the handler in flight has returned, so it must not be
 * called from the handler itself.
 */
@ProviderType
public interface IrqRegistration extends AutoCloseable {
    /** @return the vector the handler is installed on */
    int vector();

    /** @return the name given at request time ("pci:irq3" style names are used in devres) */
    String name();

    /** @return false once freed */
    boolean isActive();

    /** Removes the handler; later interrupts of the vector are dropped. Idempotent. */
    @Override
    void close();
}
