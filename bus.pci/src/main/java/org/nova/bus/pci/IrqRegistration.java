package org.nova.bus.pci;

import org.nova.driver.DriverException;
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

    /**
     * {@code disable_irq_nosync}: masks the vector at the device, so an interrupt it raises
     * meanwhile is held pending (the MSI-X Pending Bit Array) and arrives after {@link #enable()};
     * returns without waiting for a handler call already running. Nests as the kernel's does: each
     * disable needs its enable. MSI-X vectors only here (the kernel also lazily disables INTx and MSI
     * in software; the backends mask only what the device masks).
     *
     * @throws DriverException EINVAL for a vector that is not MSI-X; ENODEV once freed or the
     *     function removed; the backend's errno if masking fails (the depth is then unchanged)
     * @since 2.3
     */
    void disable();

    /**
     * {@code enable_irq}: undoes one {@link #disable()}; the last one unmasks the vector, and an
     * interrupt the device held pending arrives now.
     *
     * @throws DriverException EINVAL without a disable to undo (the kernel's "Unbalanced enable");
     *     otherwise as {@link #disable()}
     * @since 2.3
     */
    void enable();

    /**
     * @return how many {@link #disable()} calls no {@link #enable()} undid yet (the kernel's desc->depth
     *     for this requester); 0 = enabled
     * @since 2.3
     */
    int disableDepth();

    /** Removes the handler; later interrupts of the vector are dropped. Idempotent. */
    @Override
    void close();
}
