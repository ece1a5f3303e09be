package org.nova.bus.pci;

/**
 * Hex text as {@code %0Nx} prints it, without a {@link java.util.Formatter}: the ids print in
 * every match reason the core keeps, once per candidate driver of every device, where a
 * Formatter costs more than the match itself.
 */
final class Hex {
    /** Digits of a 16-bit id, a 24-bit class code and an 8-bit field, as lspci prints them. */
    static final int ID_DIGITS = 4;
    static final int CLASS_DIGITS = 6;
    static final int BYTE_DIGITS = 2;

    private Hex() {
    }

    /** @return {@code String.format("%0" + digits + "x", value)} */
    static String of(int value, int digits) {
        return pad(Integer.toHexString(value), digits);
    }

    /** @return {@code String.format("%x", value)} */
    static String of(long value) {
        return Long.toHexString(value);
    }

    private static String pad(String hex, int digits) {
        return hex.length() >= digits ? hex : "0".repeat(digits - hex.length()) + hex;
    }
}
