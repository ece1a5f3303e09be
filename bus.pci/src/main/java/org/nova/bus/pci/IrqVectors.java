package org.nova.bus.pci;

import org.nova.driver.DriverException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The interrupt vectors of a function, from {@link PciDevice#allocIrqVectors} (the kernel's
 * {@code pci_alloc_irq_vectors}). A device resource of the binding: freed at unbind at the latest,
 * after every handler requested on it ({@code pci_free_irq_vectors}). {@link #close()} frees them
 * earlier; it fails with EBUSY while a handler is still requested, as freeing vectors under a
 * live {@code request_irq} is a bug in the kernel.
 */
@ProviderType
public interface IrqVectors extends AutoCloseable {
    /** @return the mechanism that was enabled */
    PciIrqType type();

    /** @return the number of vectors; valid vector numbers are 0..count-1 */
    int count();

    /** @return false once freed (closed, unbound, or the function removed) */
    boolean isActive();

    /**
     * Frees the vectors now ({@code pci_free_irq_vectors}); a second close does nothing.
     *
     * @throws DriverException EBUSY while a handler is requested on a vector
     */
    @Override
    void close();
}
