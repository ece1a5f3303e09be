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

    /**
     * Masks one MSI-X vector, as the kernel's MSI-X irq chip does (pci_msix_mask: the Mask bit of
     * the vector's Vector Control word, PCI_MSIX_ENTRY_CTRL_MASKBIT): while it is masked the device
     * does not send the vector's message but latches it in its Pending Bit Array, and sends it when
     * the vector is unmasked, so an interrupt raised meanwhile arrives once, late, not never.
     * Masking a masked vector changes nothing. INTx and MSI have no per-vector mask every device
     * implements (MSI's is optional, PCI_MSI_FLAGS_MASKBIT), so they are refused.
     *
     * @param vector 0..{@link #count()}-1
     * @throws HwException EINVAL for a vector outside the set or a set that is not MSI-X; ENODEV once
     *                     the set is closed or the function removed; the backend's errno if it fails
     *                     (the vector's state is then unchanged)
     * @since 3.2
     */
    void mask(int vector);

    /**
     * Unmasks one MSI-X vector ({@link #mask}); a message the device latched meanwhile is sent now.
     * Unmasking an unmasked vector changes nothing.
     *
     * @param vector 0..{@link #count()}-1
     * @throws HwException as {@link #mask}
     * @since 3.2
     */
    void unmask(int vector);

    /**
     * @param vector 0..{@link #count()}-1
     * @return whether {@link #mask} masked the vector (false for a vector outside the set)
     * @since 3.2
     */
    boolean isMasked(int vector);

    /** Disables the interrupts. */
    @Override
    void close();
}
