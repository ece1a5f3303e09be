package org.nova.nvidia.gsp;

import java.util.List;

/**
 * One firmware structure of one firmware version, as its generated binding describes it:
 * size, fields and their offsets, and access by field name for code that must not depend on
 * the version (fields a version lacks are reported by {@link #has}). Each generated binding also
 * has typed static accessors per field. Values are little-endian.
 */
public interface GspStruct {
    /** A field: name, type ({@code u8 u16 u32 u64 bytes}), offset and size in bytes. */
    record Field(String name, String type, int offset, int size) {
    }

    /** @return the C structure's name */
    String name();

    /** @return its size in bytes */
    int size();

    /** @return its fields in offset order */
    List<Field> fields();

    /** @return whether this version has the field */
    default boolean has(String field) {
        return fields().stream().anyMatch(f -> f.name().equals(field));
    }

    /**
     * @return the field
     * @throws IllegalArgumentException if this version lacks it
     */
    default Field field(String field) {
        return fields().stream().filter(f -> f.name().equals(field)).findFirst().orElseThrow(
                () -> new IllegalArgumentException(name() + " has no field " + field));
    }

    /** Writes an integer field (u8 to u64) into {@code b} at {@code base}. */
    default void put(byte[] b, int base, String field, long value) {
        Field f = field(field);
        for (int i = 0; i < f.size() && i < 8; i++) {
            b[base + f.offset() + i] = (byte) (value >>> (8 * i));
        }
    }

    /** @return an integer field (u8 to u64) of {@code b} at {@code base}, zero-extended */
    default long get(byte[] b, int base, String field) {
        Field f = field(field);
        long v = 0;
        for (int i = Math.min(f.size(), 8) - 1; i >= 0; i--) {
            v = v << 8 | (b[base + f.offset() + i] & 0xff);
        }
        return v;
    }

    /** @return a {@code bytes} field's contents up to the first NUL, as ASCII */
    default String getString(byte[] b, int base, String field) {
        Field f = field(field);
        int n = 0;
        while (n < f.size() && b[base + f.offset() + n] != 0) {
            n++;
        }
        return new String(b, base + f.offset(), n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Writes a {@code bytes} field from ASCII, NUL-padded (truncated to leave one NUL). */
    default void putString(byte[] b, int base, String field, String value) {
        Field f = field(field);
        byte[] s = value.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int n = Math.min(s.length, f.size() - 1);
        System.arraycopy(s, 0, b, base + f.offset(), n);
        java.util.Arrays.fill(b, base + f.offset() + n, base + f.offset() + f.size(), (byte) 0);
    }
}
