package org.nova.nvidia.mmu;

import java.util.Objects;

/**
 * A bit range of a page-table entry or instance-block word, declared once with its header's
 * numbering: bits {@code hi:lo} of an entry of one or two 64-bit little-endian words (a dual PDE's
 * small half is bits 127:64, e.g. {@code NV_MMU_VER2_DUAL_PDE_APERTURE_SMALL} 66:65). Values are
 * unsigned and right-aligned: {@link #get} extracts, {@link #set} inserts. Immutable.
 */
public final class EntryField {
    private static final int WORD_BITS = 64;

    private final String name;
    private final int hi;
    private final int lo;
    private final String doc;

    private EntryField(String name, int hi, int lo, String doc) {
        if (lo < 0 || hi < lo || hi / WORD_BITS != lo / WORD_BITS) {
            throw new IllegalArgumentException("bad bit range " + hi + ":" + lo + " for " + name
                    + " (a field lies in one 64-bit word)");
        }
        this.name = Objects.requireNonNull(name);
        this.hi = hi;
        this.lo = lo;
        this.doc = Objects.requireNonNull(doc);
    }

    /**
     * @param name the header's name ({@code "NV_MMU_VER2_PTE_VALID"})
     * @param hi highest bit, the header's numbering
     * @param lo lowest bit
     * @param doc one line of documentation
     * @return the field
     */
    public static EntryField of(String name, int hi, int lo, String doc) {
        return new EntryField(name, hi, lo, doc);
    }

    /** @return the header's name */
    public String name() {
        return name;
    }

    /** @return the highest bit in the header's numbering */
    public int hi() {
        return hi;
    }

    /** @return the lowest bit in the header's numbering */
    public int lo() {
        return lo;
    }

    /** @return the one line of documentation */
    public String doc() {
        return doc;
    }

    /** @return which 64-bit word of the entry holds the field (1 for a dual PDE's small half) */
    public int word() {
        return lo / WORD_BITS;
    }

    /** @return the number of bits */
    public int width() {
        return hi - lo + 1;
    }

    /** @return the mask of the field in its word */
    public long mask() {
        long ones = width() == WORD_BITS ? -1L : (1L << width()) - 1;
        return ones << (lo % WORD_BITS);
    }

    /** @return the largest value the field holds */
    public long maxValue() {
        return width() == WORD_BITS ? -1L : (1L << width()) - 1;
    }

    /**
     * @param word the entry's 64-bit word {@link #word()}
     * @return the field's value, right-aligned
     */
    public long get(long word) {
        return (word & mask()) >>> (lo % WORD_BITS);
    }

    /** @return whether the (flag) field is non-zero in {@code word} */
    public boolean isSet(long word) {
        return (word & mask()) != 0;
    }

    /**
     * @param word the entry's word
     * @param value the new value, unsigned
     * @return {@code word} with this field replaced
     * @throws IllegalArgumentException naming the field if the value does not fit
     */
    public long set(long word, long value) {
        if (width() < WORD_BITS && (value < 0 || value > maxValue())) {
            throw new IllegalArgumentException(String.format("value 0x%x does not fit %s (%d:%d)", value, name, hi, lo));
        }
        return (word & ~mask()) | (value << (lo % WORD_BITS));
    }

    /** @return a word holding only this field at {@code value} */
    public long of(long value) {
        return set(0, value);
    }

    @Override
    public String toString() {
        return name + " [" + hi + ":" + lo + "]";
    }
}
