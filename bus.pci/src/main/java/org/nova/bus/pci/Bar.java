package org.nova.bus.pci;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.nova.devres.Devres;
import org.nova.devres.RevokedException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A mapped PCI BAR (Rust's {@code pci::Bar}, the C {@code pci_iomap}): typed, little-endian,
 * bounds- and alignment-checked access to one region of a function. Offsets are relative to the
 * start of the BAR.
 *
 * <p><b>Who makes Bars.</b> Only the PCI bus: {@link PciDevice#iomapRegion} claims and maps a BAR
 * of the driver's own function and hands it out inside a {@link Devres} of the binding. There is
 * no other way to get one, so a Bar is always a region of a function the driver is bound to.
 * (Tests build Bars over their own memory or register models with
 * {@code org.nova.bus.pci.testing.TestBars}.)
 *
 * <p><b>Checks.</b> An access of width w at offset o needs {@code 0 <= o <= size - w} and
 * {@code o % w == 0}; otherwise it throws {@link DriverException} {@link Errno#EINVAL} naming the
 * offset, the width and the size, and touches nothing.
 *
 * <p><b>Two paths.</b> When the backend gives the region as plain memory, accesses go straight to
 * that memory (as cheap as a raw {@link MemorySegment} access plus the alignment test);
 * otherwise through the backend's register model, so the device sees every access. A register
 * access the backend refuses throws {@link DriverException} with the backend's errno (EIO for a
 * memory BAR whose decoding is off).
 *
 * <p><b>Ownership and lifetime.</b> The driver reaches the Bar through its Devres's guard. When
 * the Devres is revoked (driver unbind, device removal, or the driver closing it), the mapping is
 * taken away: access through a guard is impossible, and a Bar reference kept beyond its guard
 * fails every later access with {@link RevokedException}. An access racing with the revocation
 * may still complete against the region, never against unmapped memory: the backend's segment
 * is scoped, and an access after the backend unmapped it fails with {@link RevokedException} as
 * well, as does one after the function was removed.
 *
 * <p><b>Direct memory.</b> {@link #memory()} hands a driver the region itself (a VRAM aperture
 * to slice for user mappings, say), as a view with its own lifetime: the Bar revokes the view
 * before the backend unmaps, so a view kept beyond the Bar fails every access with
 * {@link IllegalStateException} and never touches unmapped memory.
 */
@ProviderType
public interface Bar {
    /** @return the name given at mapping time, e.g. "pci:bar0 of 0000:00:03.0 (edu)" */
    String name();

    /** @return the size of the BAR in bytes */
    long size();

    /** @return true once the mapping has been taken away */
    boolean isRevoked();

    /**
     * The region as memory, for a driver that hands parts of it out (a VRAM aperture sliced for
     * user mappings): present only for a BAR the backend gives as plain native memory (a RAM-like
     * simulated BAR, a VFIO mmap); empty for a register-level BAR (every access must reach the
     * device model). Its size is {@link #size()}; accesses are raw: no alignment rule, byte order
     * as the layout used says.
     *
     * <p><b>Lifetime.</b> The segment is a view whose scope the Bar owns: when the Bar is revoked
     * (its Devres released: unbind, removal) the view is closed before the backend unmaps, and from
     * then on every access through it, or through any slice of it, throws
     * {@link IllegalStateException}; it never touches unmapped memory. An access racing with the
     * revocation completes before the unmap.
     *
     * @return the view, or empty (always empty once revoked)
     */
    Optional<MemorySegment> memory();

    /** @return the byte at offset, 0..0xff */
    int read8(long offset);

    /** @return the 16-bit value at offset, 0..0xffff */
    int read16(long offset);

    /** @return the 32-bit value at offset */
    int read32(long offset);

    /** @return the 64-bit value at offset */
    long read64(long offset);

    /** Writes the low 8 bits of value at offset. */
    void write8(long offset, int value);

    /** Writes the low 16 bits of value at offset. */
    void write16(long offset, int value);

    /** Writes value at offset. */
    void write32(long offset, int value);

    /** Writes value at offset. */
    void write64(long offset, long value);
}
