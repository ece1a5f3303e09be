package org.nova.nvidia.gsp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One firmware structure of one firmware version, as its generated binding describes it:
 * size, fields and their offsets, and access by field name for code that must not depend on
 * the version (fields a version lacks are reported by {@link #has}). Each generated binding also
 * implements its release-neutral interface ({@code org.nova.nvidia.gsp.bindings}), whose typed
 * accessors reach the fields through the {@link Field}-based methods here. Values are
 * little-endian.
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
        put(b, base, field(field), value);
    }

    /** Writes an integer field (u8 to u64) into {@code b} at {@code base}. */
    default void put(byte[] b, int base, Field f, long value) {
        for (int i = 0; i < f.size() && i < 8; i++) {
            b[base + f.offset() + i] = (byte) (value >>> (8 * i));
        }
    }

    /** @return an integer field (u8 to u64) of {@code b} at {@code base}, zero-extended */
    default long get(byte[] b, int base, String field) {
        return get(b, base, field(field));
    }

    /** @return an integer field (u8 to u64) of {@code b} at {@code base}, zero-extended */
    default long get(byte[] b, int base, Field f) {
        long v = 0;
        for (int i = Math.min(f.size(), 8) - 1; i >= 0; i--) {
            v = v << 8 | (b[base + f.offset() + i] & 0xff);
        }
        return v;
    }

    /** @return a {@code bytes} field's contents up to the first NUL, as ASCII */
    default String getString(byte[] b, int base, String field) {
        return getString(b, base, field(field));
    }

    /** @return a {@code bytes} field's contents up to the first NUL, as ASCII */
    default String getString(byte[] b, int base, Field f) {
        int n = 0;
        while (n < f.size() && b[base + f.offset() + n] != 0) {
            n++;
        }
        return new String(b, base + f.offset(), n, StandardCharsets.US_ASCII);
    }

    /** Writes a {@code bytes} field from ASCII, NUL-padded (truncated to leave one NUL). */
    default void putString(byte[] b, int base, String field, String value) {
        putString(b, base, field(field), value);
    }

    /** Writes a {@code bytes} field from ASCII, NUL-padded (truncated to leave one NUL). */
    default void putString(byte[] b, int base, Field f, String value) {
        byte[] s = value.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(s.length, f.size() - 1);
        System.arraycopy(s, 0, b, base + f.offset(), n);
        Arrays.fill(b, base + f.offset() + n, base + f.offset() + f.size(), (byte) 0);
    }

    /** @return an integer field (u8 to u64) of the structure at {@code base} of {@code m}, zero-extended */
    default long get(MemorySegment m, long base, Field f) {
        long v = 0;
        for (int i = Math.min(f.size(), 8) - 1; i >= 0; i--) {
            v = v << 8 | (m.get(ValueLayout.JAVA_BYTE, base + f.offset() + i) & 0xff);
        }
        return v;
    }

    /** Writes an integer field (u8 to u64) of the structure at {@code base} of {@code m}. */
    default void put(MemorySegment m, long base, Field f, long value) {
        for (int i = 0; i < f.size() && i < 8; i++) {
            m.set(ValueLayout.JAVA_BYTE, base + f.offset() + i, (byte) (value >>> (8 * i)));
        }
    }

    /**
     * @return element {@code i} of the {@code bytes} field {@code f} read as an array of
     *     {@code width}-byte little-endian integers, zero-extended
     * @throws IndexOutOfBoundsException if the element is not inside the field
     */
    default long element(byte[] b, int base, Field f, int width, int i) {
        int at = elementAt(f, width, i);
        long v = 0;
        for (int k = width - 1; k >= 0; k--) {
            v = v << 8 | (b[base + at + k] & 0xff);
        }
        return v;
    }

    /**
     * Sets element {@code i} of the {@code bytes} field {@code f} read as an array of
     * {@code width}-byte little-endian integers.
     *
     * @throws IndexOutOfBoundsException if the element is not inside the field
     */
    default void element(byte[] b, int base, Field f, int width, int i, long value) {
        int at = elementAt(f, width, i);
        for (int k = 0; k < width; k++) {
            b[base + at + k] = (byte) (value >>> (8 * k));
        }
    }

    private static int elementAt(Field f, int width, int i) {
        if (i < 0 || (long) (i + 1) * width > f.size()) {
            throw new IndexOutOfBoundsException(f.name() + "[" + i + "] of " + width + "-byte elements: the field has "
                    + f.size() / width);
        }
        return f.offset() + i * width;
    }
}
