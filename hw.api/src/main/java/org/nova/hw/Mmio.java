package org.nova.hw;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A mapping of one region of a function ({@link PciFunction#map(int)}). Accesses are
 * little-endian, like PCI. Offsets are relative to the start of the region.
 *
 * <p>Every access is checked: a closed mapping or a removed function throws ENODEV, an access
 * beyond the region ERANGE, a misaligned access (offset not a multiple of the access width)
 * EINVAL. A memory BAR accessed while the function does not decode memory space
 * (PCI_COMMAND_MEMORY clear) throws EIO, as VFIO's region read/write does; an I/O BAR accessed
 * while PCI_COMMAND_IO is clear reads all ones and drops writes (a master abort).
 *
 * <p>Ownership: the caller owns the mapping and closes it; closing twice is harmless. Thread
 * safety: accesses may come from any thread; each access is atomic with respect to the device.
 */
@ProviderType
public interface Mmio extends AutoCloseable {

    /** @return the region index this mapping covers */
    int index();

    /** @return the region size in bytes */
    long size();

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

    /**
     * The region's memory for direct access, present only when the region really is plain
     * memory (a RAM-like BAR, or a VFIO mmap). Register-level regions return empty: every access
     * must go through the methods above so the device sees it. The segment bypasses the checks
     * of this interface (decode enable included); it becomes inaccessible
     * (IllegalStateException) when the function is removed.
     *
     * @return the region memory, or empty
     */
    Optional<MemorySegment> segment();

    /** Unmaps; later accesses throw ENODEV. */
    @Override
    void close();
}
