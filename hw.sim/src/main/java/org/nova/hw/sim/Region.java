package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The contents of one simulated BAR (or ROM), like QEMU's MemoryRegion with its
 * MemoryRegionOps: a device model implements {@link #read} and {@link #write} and sees every
 * access. The function has already checked bounds, alignment, access width (1, 2, 4 or 8) and
 * address decoding, and holds its lock during the call.
 */
interface Region {

    /** @return the size in bytes (the BAR size) */
    long size();

    /**
     * @param offset offset in the region, naturally aligned to size
     * @param size   access width in bytes: 1, 2, 4 or 8
     * @return the value, in the low size bytes
     */
    long read(long offset, int size);

    /**
     * @param offset offset in the region, naturally aligned to size
     * @param size   access width in bytes: 1, 2, 4 or 8
     * @param value  the value, in the low size bytes
     */
    void write(long offset, int size, long value);

    /** @return whether writes are refused with EROFS (the expansion ROM) */
    default boolean readOnly() {
        return false;
    }

    /** @return the backing memory if the region is plain memory (direct access allowed) */
    default Optional<MemorySegment> memory() {
        return Optional.empty();
    }

    /** Releases what the region holds; called when the function is removed. */
    default void release() {
    }

    /** @return all ones in the low size bytes: what an access the device ignores reads as */
    static long allOnes(int size) {
        return size == Long.BYTES ? -1L : (1L << (size * Byte.SIZE)) - 1;
    }
}
