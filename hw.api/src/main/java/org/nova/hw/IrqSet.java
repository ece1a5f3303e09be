package org.nova.hw;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Enabled interrupts of one type ({@link PciFunction#enableIrqs}). Closing disables them the way
 * the kernel does (clears MSI enable / MSI-X enable, or sets PCI_COMMAND_INTX_DISABLE) and stops
 * delivery; interrupts already queued for the handler are dropped. Closing twice is harmless.
 * A function reset does not close the set: it only clears the enable bits in config space, and
 * delivery resumes if the consumer restores them.
 */
@ProviderType
public interface IrqSet extends AutoCloseable {

    /** @return the interrupt type */
    IrqType type();

    /** @return the number of vectors enabled */
    int count();

    /** @return false once closed or once the function was removed */
    boolean isActive();

    /** Disables the interrupts. */
    @Override
    void close();
}
