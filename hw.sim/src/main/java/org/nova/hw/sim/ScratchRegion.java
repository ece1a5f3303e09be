package org.nova.hw.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * A BAR of scratch registers: every naturally aligned access reads back what was last written
 * there, zero until then. Sparse (only written 64-bit words take memory), so a generic device can
 * declare a BAR of any size a window holds without the host backing it. {@link #clear} is the
 * power-on state.
 *
 * <p>Accesses come with the function's lock held ({@link Region}).
 */
final class ScratchRegion implements Region {
    /** Mask of the offset within one 64-bit word. */
    private static final long WORD_OFFSET_MASK = Long.BYTES - 1;

    private final long size;
    /** Written words by word-aligned offset; a word absent reads zero. */
    private final Map<Long, Long> words = new HashMap<>();

    /** @param size the BAR size in bytes */
    ScratchRegion(long size) {
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public long read(long offset, int width) {
        long word = words.getOrDefault(offset & ~WORD_OFFSET_MASK, 0L);
        return (word >>> shift(offset)) & Region.allOnes(width);
    }

    @Override
    public void write(long offset, int width, long value) {
        long key = offset & ~WORD_OFFSET_MASK;
        long mask = Region.allOnes(width) << shift(offset);
        long word = (words.getOrDefault(key, 0L) & ~mask) | ((value << shift(offset)) & mask);
        if (word == 0) {
            words.remove(key);
        } else {
            words.put(key, word);
        }
    }

    /** Back to power-on: every register reads zero. */
    void clear() {
        words.clear();
    }

    @Override
    public void release() {
        words.clear();
    }

    private static int shift(long offset) {
        return (int) (offset & WORD_OFFSET_MASK) * Byte.SIZE;
    }
}
