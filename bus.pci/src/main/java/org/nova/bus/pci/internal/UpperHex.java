package org.nova.bus.pci.internal;

/**
 * Hex text as the kernel's {@code %0NX} prints it (upper case, zero-padded to at least N digits,
 * an int taken as unsigned), appended to a builder without a {@link java.util.Formatter}: every
 * uevent of a PCI function carries five such fields and its MODALIAS seven, and a Formatter cost
 * more than the rest of the uevent. (Lower-case ids, as lspci prints them, are {@code Hex}'s of
 * the API package.)
 *
 * <p>Stateless; safe from any thread.
 */
public final class UpperHex {
    /** Bits per hex digit. */
    private static final int DIGIT_BITS = 4;
    /** The low {@value #DIGIT_BITS} bits. */
    private static final int DIGIT_MASK = (1 << DIGIT_BITS) - 1;
    /** Hex digits of an int. */
    private static final int INT_DIGITS = Integer.SIZE / DIGIT_BITS;
    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    private UpperHex() {
    }

    /**
     * Appends {@code String.format("%0" + digits + "X", value)}.
     *
     * @param digits the least number of digits, 1..8
     * @return {@code sb}
     */
    public static StringBuilder append(StringBuilder sb, int value, int digits) {
        int needed = (Integer.SIZE - Integer.numberOfLeadingZeros(value) + DIGIT_BITS - 1) / DIGIT_BITS;
        int n = Math.min(INT_DIGITS, Math.max(digits, needed));
        for (int shift = (n - 1) * DIGIT_BITS; shift >= 0; shift -= DIGIT_BITS) {
            sb.append(DIGITS[(value >>> shift) & DIGIT_MASK]);
        }
        return sb;
    }
}
