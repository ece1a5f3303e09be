package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** sscanf %x and kstrtou16 exactly as lib/vsprintf.c and lib/kstrtox.c parse. */
class SysfsInputTest {
    @Test
    void hexFieldsSeparatedByAnyWhitespace() {
        assertArrayEquals(new long[] {0x8086, 0x10f5}, SysfsInput.scanHex("8086 10f5", 7));
        assertArrayEquals(new long[] {0x8086, 0x10f5, 0xffffffffL}, SysfsInput.scanHex("  8086\t10f5\n  ffffffff\n", 7));
        assertArrayEquals(new long[] {0x8086, 0x10f5}, SysfsInput.scanHex("0x8086 0X10F5", 7));
    }

    @Test
    void scanningStopsAtTheFirstNonHexField() {
        assertArrayEquals(new long[] {0x8086}, SysfsInput.scanHex("8086 zz 1", 7));
        assertArrayEquals(new long[] {}, SysfsInput.scanHex("", 7));
        assertArrayEquals(new long[] {}, SysfsInput.scanHex("-1 2", 7), "%x takes no sign");
        assertArrayEquals(new long[] {}, SysfsInput.scanHex(null, 7));
        assertArrayEquals(new long[] {0x12}, SysfsInput.scanHex("12g 4", 7), "digits end at g; 'g' is no field");
    }

    @Test
    void atMostMaxFieldsAndTrailingTextIgnored() {
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6, 7}, SysfsInput.scanHex("1 2 3 4 5 6 7 8 9", 7));
    }

    @Test
    void valuesWrapLikeSimpleStrtoull() {
        assertEquals(0x1L, SysfsInput.scanHex("10000000000000001", 1)[0]);
        assertEquals(0xffffffffffffffffL, SysfsInput.scanHex("ffffffffffffffff", 1)[0]);
    }

    @ParameterizedTest
    @CsvSource({"'0',0", "'7',7", "'7\n',7", "'+7',7", "'0x10',16", "'010',8", "'65535',65535", "'0X1f',31"})
    void u16Accepted(String in, int expected) {
        assertEquals(expected, SysfsInput.parseU16(in));
    }

    @ParameterizedTest
    @CsvSource({"''", "'-1'", "' 1'", "'1 '", "'1\n\n'", "'abc'", "'08'", "'0x'", "'1x'", "'+'", "'65536x'"})
    void u16InvalidIsEinval(String in) {
        assertEquals(SysfsInput.U16_INVALID, SysfsInput.parseU16(in), "'" + in + "'");
    }

    /** kstrtou16: a number that does not fit is -ERANGE; 64-bit overflow wins even over trailing junk. */
    @ParameterizedTest
    @CsvSource({"'65536'", "'0x10000'", "'0200000'", "'65536\n'", "'18446744073709551616'",
        "'18446744073709551616x'", "'0xfffffffffffffffff'"})
    void u16TooLargeIsErange(String in) {
        assertEquals(SysfsInput.U16_RANGE, SysfsInput.parseU16(in), "'" + in + "'");
    }
}
