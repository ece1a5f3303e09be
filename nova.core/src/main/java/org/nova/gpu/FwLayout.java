package org.nova.gpu;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspStruct;

/**
 * The layout of one firmware structure (an RM control's parameters, say) as a firmware release
 * lays it out, for clients of the command service that build raw parameter bytes without the
 * firmware bindings: the sizes and offsets come from the release's ABI description
 * (nvidia.spec), the one place they are kept. Values are little endian.
 *
 * @param firmware the firmware release
 * @param name the structure's name in NVIDIA's headers
 * @param size its size in bytes
 * @param fields offset and size of each field, by name
 */
public record FwLayout(String firmware, String name, int size, Map<String, Field> fields) {
    /** One field: offset and size in bytes (arrays and nested structures are byte ranges). */
    public record Field(int offset, int size) {
    }

    /** Copies the field map. */
    public FwLayout {
        fields = Map.copyOf(fields);
    }

    /**
     * @param firmwareVersion the release a {@link GspChannel} reports
     * @param struct the structure's name
     * @return its layout in that release
     * @throws IllegalArgumentException if the release or the structure is unknown
     */
    public static FwLayout of(String firmwareVersion, String struct) {
        GspAbi abi = GspAbi.forVersion(firmwareVersion).orElseThrow(
                () -> new IllegalArgumentException("no ABI bindings for firmware " + firmwareVersion));
        GspStruct s = abi.struct(struct);
        Map<String, Field> f = new LinkedHashMap<>();
        for (GspStruct.Field x : s.fields()) {
            f.put(x.name(), new Field(x.offset(), x.size()));
        }
        return new FwLayout(abi.version(), s.name(), s.size(), f);
    }

    /**
     * @param firmwareVersion the release
     * @param constant a constant's name (a command number, an array bound)
     * @return its value in that release
     */
    public static int constant(String firmwareVersion, String constant) {
        return GspAbi.forVersion(firmwareVersion).orElseThrow(
                () -> new IllegalArgumentException("no ABI bindings for firmware " + firmwareVersion))
                .constant(constant);
    }

    private Field f(String field) {
        Field f = fields.get(field);
        if (f == null) {
            throw new IllegalArgumentException(name + " (" + firmware + ") has no field " + field);
        }
        return f;
    }

    /** @return the offset of {@code field} */
    public int at(String field) {
        return f(field).offset();
    }

    /** @return the size of {@code field} in bytes */
    public int sizeOf(String field) {
        return f(field).size();
    }

    /** @return a zeroed buffer of the structure's size */
    public byte[] allocate() {
        return new byte[size];
    }

    /** @return the {@code width}-byte little-endian value at {@code at}, 0 past the end of {@code b} */
    public static long get(byte[] b, int at, int width) {
        if (at < 0 || at + width > b.length) {
            return 0;
        }
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }

    /** Writes the {@code width}-byte little-endian value at {@code at}. */
    public static void put(byte[] b, int at, int width, long value) {
        for (int i = 0; i < width; i++) {
            b[at + i] = (byte) (value >>> (8 * i));
        }
    }

    /** @return the scalar {@code field} of the structure at {@code base} (0 past the end of {@code b}) */
    public long get(byte[] b, int base, String field) {
        Field f = f(field);
        return get(b, base + f.offset(), Math.min(8, f.size()));
    }

    /** Sets the scalar {@code field} of the structure at {@code base}. */
    public void put(byte[] b, int base, String field, long value) {
        Field f = f(field);
        put(b, base + f.offset(), Math.min(8, f.size()), value);
    }

    /** @return element {@code i} ({@code width} bytes) of the array {@code field} at {@code base} */
    public long element(byte[] b, int base, String field, int width, int i) {
        Field f = f(field);
        if (i < 0 || (i + 1) * width > f.size()) {
            throw new IndexOutOfBoundsException(field + "[" + i + "]");
        }
        return get(b, base + f.offset() + i * width, width);
    }

    /** Sets element {@code i} ({@code width} bytes) of the array {@code field} at {@code base}. */
    public void element(byte[] b, int base, String field, int width, int i, long value) {
        Field f = f(field);
        if (i < 0 || (i + 1) * width > f.size()) {
            throw new IndexOutOfBoundsException(field + "[" + i + "]");
        }
        put(b, base + f.offset() + i * width, width, value);
    }

    /** @return the NUL-terminated ASCII string in {@code field} at {@code base} */
    public String string(byte[] b, int base, String field) {
        Field f = f(field);
        int at = base + f.offset();
        int n = 0;
        while (n < f.size() && at + n < b.length && b[at + n] != 0) {
            n++;
        }
        return new String(b, Math.min(at, b.length), n, StandardCharsets.US_ASCII);
    }
}
