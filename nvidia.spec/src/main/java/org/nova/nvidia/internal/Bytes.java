package org.nova.nvidia.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;

/**
 * Bounds-checked little-endian reads over a segment, for the parsers of this bundle. Every
 * failure is a {@link FormatException} naming the source, the structure and the offset; no
 * {@link IndexOutOfBoundsException} escapes. Offsets are relative to the segment's start, which
 * is the start of the file or image the parser was given.
 */
public final class Bytes {
    /** Unaligned little-endian layouts. */
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String source;
    private final MemorySegment data;

    public Bytes(String source, MemorySegment data) {
        this.source = source;
        this.data = data;
    }

    public String source() {
        return source;
    }

    public MemorySegment data() {
        return data;
    }

    public long size() {
        return data.byteSize();
    }

    /** Checks that {@code [offset, offset+len)} lies inside the data. */
    public void require(long offset, long len, String structure) {
        if (offset < 0 || len < 0 || offset > data.byteSize() - len) {
            throw new FormatException(source, structure, offset, Kind.TRUNCATED, String.format(
                    "needs %d bytes at 0x%x but the data is %d (0x%x) bytes long", len, offset,
                    data.byteSize(), data.byteSize()));
        }
    }

    /** Checks that a range described by fields of a structure lies inside the data. */
    public void requireRange(long offset, long len, String structure, String what) {
        if (offset < 0 || len < 0 || offset > data.byteSize() - len) {
            throw new FormatException(source, structure, offset, Kind.OUT_OF_BOUNDS,
                    String.format("%s [0x%x, 0x%x) lies past the end of the data (%d bytes)",
                            what, offset, offset + len, data.byteSize()));
        }
    }

    public int u8(long offset, String structure) {
        require(offset, 1, structure);
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, offset));
    }

    public int u16(long offset, String structure) {
        require(offset, 2, structure);
        return Short.toUnsignedInt(data.get(U16, offset));
    }

    /** @return the 32-bit value as an unsigned long */
    public long u32(long offset, String structure) {
        require(offset, 4, structure);
        return Integer.toUnsignedLong(data.get(U32, offset));
    }

    /** @return the raw 32-bit value */
    public int i32(long offset, String structure) {
        require(offset, 4, structure);
        return data.get(U32, offset);
    }

    public long u64(long offset, String structure) {
        require(offset, 8, structure);
        return data.get(U64, offset);
    }

    /** @return a zero-copy slice, bounds-checked */
    public MemorySegment slice(long offset, long len, String structure, String what) {
        requireRange(offset, len, structure, what);
        return data.asSlice(offset, len);
    }

    /** @return the NUL-terminated ASCII string at {@code offset}, at most {@code max} bytes */
    public String cstring(long offset, long max, String structure) {
        if (offset < 0 || offset >= data.byteSize()) {
            throw new FormatException(source, structure, offset, Kind.OUT_OF_BOUNDS,
                    "string offset past the end of the data (" + data.byteSize() + " bytes)");
        }
        long end = Math.min(data.byteSize(), offset + max);
        for (long i = offset; i < end; i++) {
            if (data.get(ValueLayout.JAVA_BYTE, i) == 0) {
                byte[] b = data.asSlice(offset, i - offset).toArray(ValueLayout.JAVA_BYTE);
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        }
        throw new FormatException(source, structure, offset, Kind.TRUNCATED,
                "string is not NUL-terminated within " + (end - offset) + " bytes");
    }

    /** @return the 4 bytes at {@code offset} as ASCII (for signatures like "PCIR") */
    public String ascii(long offset, int len, String structure) {
        require(offset, len, structure);
        byte[] b = data.asSlice(offset, len).toArray(ValueLayout.JAVA_BYTE);
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
        }
        return sb.toString();
    }

    /** Builds a FormatException for this source. */
    public FormatException error(String structure, long offset, Kind kind, String detail) {
        return new FormatException(source, structure, offset, kind, detail);
    }

    /** Little-endian writes for the builders. */
    public static void put16(MemorySegment seg, long offset, int v) {
        seg.set(U16, offset, (short) v);
    }

    public static void put32(MemorySegment seg, long offset, long v) {
        seg.set(U32, offset, (int) v);
    }

    public static void put64(MemorySegment seg, long offset, long v) {
        seg.set(U64, offset, v);
    }

    public static void put8(MemorySegment seg, long offset, int v) {
        seg.set(ValueLayout.JAVA_BYTE, offset, (byte) v);
    }
}
