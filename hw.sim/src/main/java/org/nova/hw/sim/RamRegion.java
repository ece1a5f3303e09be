package org.nova.hw.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * A BAR that is plain memory (like a framebuffer aperture): reads return what was written, and
 * the memory is exposed for direct access ({@link org.nova.hw.Mmio#segment()}). Backed by
 * off-heap memory that is freed, and becomes inaccessible, when the function is removed.
 */
final class RamRegion implements Region {
    /** Page size the memory is aligned to (x86 base page). */
    private static final long PAGE = 4096;
    /** Little-endian byte layout. */
    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    /** Little-endian 16-bit layout (PCI is little-endian). */
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian 32-bit layout. */
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian 64-bit layout. */
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Mask of an unsigned byte. */
    private static final long BYTE_MASK = 0xffL;
    /** Mask of an unsigned 16-bit value. */
    private static final long SHORT_MASK = 0xffffL;
    /** Mask of an unsigned 32-bit value. */
    private static final long INT_MASK = 0xffff_ffffL;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;

    /** @param size bytes, zeroed */
    RamRegion(long size) {
        this.memory = arena.allocate(size, PAGE);
    }

    @Override
    public long size() {
        return memory.byteSize();
    }

    @Override
    public long read(long offset, int size) {
        return switch (size) {
            case Byte.BYTES -> memory.get(U8, offset) & BYTE_MASK;
            case Short.BYTES -> memory.get(U16, offset) & SHORT_MASK;
            case Integer.BYTES -> memory.get(U32, offset) & INT_MASK;
            default -> memory.get(U64, offset);
        };
    }

    @Override
    public void write(long offset, int size, long value) {
        switch (size) {
            case Byte.BYTES -> memory.set(U8, offset, (byte) value);
            case Short.BYTES -> memory.set(U16, offset, (short) value);
            case Integer.BYTES -> memory.set(U32, offset, (int) value);
            default -> memory.set(U64, offset, value);
        }
    }

    @Override
    public Optional<MemorySegment> memory() {
        return Optional.of(memory);
    }

    @Override
    public void release() {
        arena.close();
    }
}
