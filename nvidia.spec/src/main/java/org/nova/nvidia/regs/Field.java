package org.nova.nvidia.regs;

import java.util.Objects;

/**
 * A bit range {@code hi:lo} of a 32-bit register, declared once with its documentation.
 * Values are unsigned and right-aligned: {@link #get} extracts, {@link #set} inserts.
 */
public final class Field {
    private final Register register;
    private final String name;
    private final int hi;
    private final int lo;
    private final String doc;

    Field(Register register, String name, int hi, int lo, String doc) {
        if (lo < 0 || hi > 31 || hi < lo) {
            throw new IllegalArgumentException("bad bit range " + hi + ":" + lo + " for field "
                    + name + " of " + register.name());
        }
        this.register = register;
        this.name = Objects.requireNonNull(name);
        this.hi = hi;
        this.lo = lo;
        this.doc = Objects.requireNonNull(doc);
    }

    /** @return the register this field belongs to */
    public Register register() {
        return register;
    }

    /** @return the field's name as in nova-core/OpenRM ({@code "architecture_0"}) */
    public String name() {
        return name;
    }

    /** @return the highest bit, inclusive */
    public int hi() {
        return hi;
    }

    /** @return the lowest bit, inclusive */
    public int lo() {
        return lo;
    }

    /** @return the number of bits */
    public int width() {
        return hi - lo + 1;
    }

    /** @return the one line of documentation */
    public String doc() {
        return doc;
    }

    /** @return the mask of this field in place (e.g. 0x1f000000 for 28:24) */
    public int mask() {
        return (int) ((((1L << width()) - 1)) << lo);
    }

    /** @return the largest value the field can hold */
    public long maxValue() {
        return (1L << width()) - 1;
    }

    /**
     * @param raw a register value
     * @return the field's value, right-aligned, unsigned (fits an int for every field but a
     *         full 32-bit one, whose value is the raw int)
     */
    public int get(int raw) {
        return (raw & mask()) >>> lo;
    }

    /**
     * @param raw a register value
     * @return true if the field is non-zero (for single-bit flags)
     */
    public boolean isSet(int raw) {
        return (raw & mask()) != 0;
    }

    /**
     * @param raw a register value
     * @param value the new field value, unsigned
     * @return {@code raw} with this field replaced by {@code value}
     * @throws IllegalArgumentException naming the field if {@code value} does not fit
     */
    public int set(int raw, long value) {
        if (value < 0 || value > maxValue()) {
            throw new IllegalArgumentException(String.format(
                    "value 0x%x does not fit field %s (%d:%d) of %s", value, name, hi, lo,
                    register.name()));
        }
        return (raw & ~mask()) | (int) (value << lo);
    }

    /**
     * @param raw a register value
     * @param on the flag's new state
     * @return {@code raw} with this (single-bit or multi-bit) field all ones or all zeros
     */
    public int set(int raw, boolean on) {
        return on ? raw | mask() : raw & ~mask();
    }

    /** @return {@code set(0, value)}: a register value holding only this field */
    public int of(long value) {
        return set(0, value);
    }

    @Override
    public String toString() {
        return register.name() + "." + name + " [" + hi + ":" + lo + "]";
    }
}
