package org.nova.bus.pci.internal;

import java.util.Arrays;

/**
 * The kernel's text parsers that PCI sysfs attributes use, reproduced exactly: {@code sscanf}
 * with {@code %x} conversions (lib/vsprintf.c vsscanf), {@code kstrtou16(buf, 0)} and
 * {@code kstrtobool} (lib/kstrtox.c).
 */
public final class SysfsInput {
    /** Radix of %x. */
    private static final int HEX = 16;
    /** Radix of a number without prefix. */
    private static final int DECIMAL = 10;
    /** Radix of a number with a leading 0 (C notation). */
    private static final int OCTAL = 8;
    /** The largest u16. */
    private static final int U16_MAX = 0xffff;

    private SysfsInput() {
    }

    /**
     * {@code sscanf(buf, "%x %x ... %x")} with {@code max} conversions: whitespace is skipped
     * before each field; a field must start with a hex digit (an optional "0x"/"0X" prefix is
     * consumed); scanning stops at the first field that does not. Values wrap modulo 2^64 like
     * {@code simple_strntoull}; the caller truncates to the C type of each field.
     *
     * @param buf the text (null counts as empty)
     * @param max the number of conversions in the format
     * @return the converted fields, as many as sscanf would count
     */
    public static long[] scanHex(String buf, int max) {
        long[] out = new long[max];
        if (buf == null) {
            return new long[0];
        }
        int n = 0;
        int i = 0;
        int len = buf.length();
        while (n < max) {
            while (i < len && isSpace(buf.charAt(i))) {
                i++;
            }
            if (i >= len || !isHexDigit(buf.charAt(i))) {
                break;
            }
            if (buf.charAt(i) == '0' && i + 1 < len && (buf.charAt(i + 1) == 'x' || buf.charAt(i + 1) == 'X')) {
                i += 2;
            }
            long v = 0;
            while (i < len && isHexDigit(buf.charAt(i))) {
                v = v * HEX + Character.digit(buf.charAt(i), HEX);
                i++;
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    /** What {@link #parseU16} returns where the kernel's kstrtou16 returns -EINVAL. */
    public static final int U16_INVALID = -1;
    /** What {@link #parseU16} returns where the kernel's kstrtou16 returns -ERANGE. */
    public static final int U16_RANGE = -2;

    /**
     * {@code kstrtou16(buf, 0, &v)}: an optional '+', then decimal, "0x" hex or "0" octal digits,
     * then at most one newline, then nothing. As in lib/kstrtox.c, every digit is read first: a
     * number that overflows 64 bits is -ERANGE even with junk after it; then junk is -EINVAL;
     * then a value above 0xffff is -ERANGE.
     *
     * @return the value, {@link #U16_INVALID} (-EINVAL) or {@link #U16_RANGE} (-ERANGE)
     */
    public static int parseU16(String buf) {
        if (buf == null) {
            return U16_INVALID;
        }
        int i = 0;
        int len = buf.length();
        if (i < len && buf.charAt(i) == '+') {
            i++;
        }
        int radix;
        if (i < len && buf.charAt(i) == '0') {
            if (i + 2 < len && (buf.charAt(i + 1) == 'x' || buf.charAt(i + 1) == 'X')
                    && isHexDigit(buf.charAt(i + 2))) {
                radix = HEX;
                i += 2;
            } else {
                radix = OCTAL;
            }
        } else {
            radix = DECIMAL;
        }
        long v = 0;
        boolean overflow = false;
        int digits = 0;
        while (i < len) {
            char c = buf.charAt(i);
            int d = isHexDigit(c) ? Character.digit(c, HEX) : -1;
            if (d < 0 || d >= radix) {
                break;
            }
            // _parse_integer: unsigned 64-bit overflow is remembered, the digits still consumed
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, radix)) > 0) {
                overflow = true;
            }
            v = v * radix + d;
            digits++;
            i++;
        }
        if (overflow) {
            return U16_RANGE;
        }
        if (digits == 0) {
            return U16_INVALID;
        }
        if (i < len && buf.charAt(i) == '\n') {
            i++;
        }
        if (i != len) {
            return U16_INVALID;
        }
        return Long.compareUnsigned(v, U16_MAX) > 0 ? U16_RANGE : (int) v;
    }

    /**
     * {@code kstrtobool} (lib/kstrtox.c), as sriov_drivers_autoprobe_store (drivers/pci/iov.c)
     * reads its value: only the first character counts, and for 'o' the second: y, Y, t, T, 1
     * and "on" (any case) are true; n, N, f, F, 0 and "off" are false; anything else, the empty
     * string included, is -EINVAL.
     *
     * @return the value, or null where the kernel returns -EINVAL
     */
    public static Boolean kstrtobool(String buf) {
        if (buf == null || buf.isEmpty()) {
            return null;
        }
        return switch (buf.charAt(0)) {
            case 'y', 'Y', 't', 'T', '1' -> Boolean.TRUE;
            case 'n', 'N', 'f', 'F', '0' -> Boolean.FALSE;
            case 'o', 'O' -> buf.length() < 2 ? null : switch (buf.charAt(1)) {
                case 'n', 'N' -> Boolean.TRUE;
                case 'f', 'F' -> Boolean.FALSE;
                default -> null;
            };
            default -> null;
        };
    }

    /** isspace() of the kernel's ctype for ASCII. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    /** isxdigit() for ASCII only (Character.digit accepts other scripts' digits). */
    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
