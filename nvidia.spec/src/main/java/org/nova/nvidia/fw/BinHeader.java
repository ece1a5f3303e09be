package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * {@code BinHdr}: the header common to NVIDIA's binary firmware files (booter, bootloader),
 * six little-endian u32 at offset 0. Source: nova-core firmware.rs ({@code struct BinHdr}).
 *
 * @param magic {@code bin_magic}, must be {@link #MAGIC}
 * @param version {@code bin_ver}, version of the header
 * @param binSize {@code bin_size}, size of the binary (nova-core ignores it)
 * @param headerOffset {@code header_offset}, start of the application-specific header
 * @param dataOffset {@code data_offset}, start of the data payload
 * @param dataSize {@code data_size}, size of the data payload
 */
public record BinHeader(long magic, long version, long binSize, long headerOffset,
        long dataOffset, long dataSize) {

    /** {@code BIN_MAGIC}: NVIDIA's PCI vendor id. */
    public static final int MAGIC = 0x10de;
    /** Size of the header in bytes. */
    public static final int SIZE = 24;

    /** Reads and checks the header at offset 0. */
    static BinHeader read(Bytes b) {
        String what = "BinHdr";
        b.require(0, SIZE, what);
        long magic = b.u32(0, what);
        if (magic != MAGIC) {
            throw b.error(what, 0, Kind.BAD_MAGIC, String.format(
                    "bin_magic is 0x%x, not 0x10de", magic));
        }
        return new BinHeader(magic, b.u32(4, what), b.u32(8, what), b.u32(12, what),
                b.u32(16, what), b.u32(20, what));
    }

    /** Writes this header at offset 0 of {@code out}. */
    public void write(MemorySegment out) {
        Bytes.put32(out, 0, magic);
        Bytes.put32(out, 4, version);
        Bytes.put32(out, 8, binSize);
        Bytes.put32(out, 12, headerOffset);
        Bytes.put32(out, 16, dataOffset);
        Bytes.put32(out, 20, dataSize);
    }
}
