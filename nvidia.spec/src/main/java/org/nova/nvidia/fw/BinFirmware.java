package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.internal.Bytes;

/**
 * A firmware file starting with a {@link BinHeader}, read in place. Source: nova-core
 * firmware.rs ({@code BinFirmware}).
 *
 * @param source the file name, for errors
 * @param file the whole file
 * @param header its header
 */
public record BinFirmware(String source, MemorySegment file, BinHeader header) {

    /**
     * @param source the file name, for errors
     * @param file the whole file (not copied)
     * @return the parsed container
     * @throws org.nova.nvidia.FormatException if the file is shorter than the header, the
     *         magic is not 0x10de, or the payload or application header lies past the end
     */
    public static BinFirmware parse(String source, MemorySegment file) {
        Bytes b = new Bytes(source, file);
        BinHeader h = BinHeader.read(b);
        b.requireRange(h.dataOffset(), h.dataSize(), "BinHdr", "data payload (data_offset, "
                + "data_size)");
        b.requireRange(h.headerOffset(), 0, "BinHdr", "application header (header_offset)");
        return new BinFirmware(source, file, h);
    }

    /** @return a zero-copy slice of the data payload ({@code data_offset}, {@code data_size}) */
    public MemorySegment data() {
        return file.asSlice(header.dataOffset(), header.dataSize());
    }

    Bytes bytes() {
        return new Bytes(source, file);
    }
}
