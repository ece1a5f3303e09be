package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * The generic falcon bootloader ({@code nvidia/<chip>/gsp/gen_bootloader-<version>.bin}) that
 * loads FWSEC on Turing and GA100: a {@link BinHeader} file whose application header is a
 * {@code BootloaderDesc} (six u32: start tag, DMEM load offset, code offset, code size, data
 * offset, data size) and whose payload is the bootloader's code. The driver PIO-loads the code,
 * padded to the falcon's 256-byte block, right below the first 64 KiB of IMEM, puts a
 * {@link BootloaderDmemDescV2} at DMEM 0 and boots at {@code start_tag << 8}; the bootloader then
 * DMAs FWSEC in and runs it. Most descriptor fields besides the start tag and the code size are
 * legacy and unused, as upstream leaves them. Source: nova-core firmware/fwsec/bootloader.rs
 * (commit 1f9283af: {@code BootloaderDesc}, {@code FwsecFirmwareWithBl::new}, {@code boot_addr}),
 * firmware.rs ({@code ModInfoBuilder}: the file is requested only where
 * {@code needs_fwsec_bootloader}).
 *
 * @param source the file name, for errors
 * @param file the file
 * @param startTag {@code start_tag}: IMEM tag of the code, the boot address over 256
 * @param dmemLoadOff {@code dmem_load_off} (unused: the descriptor always goes to DMEM 0)
 * @param codeOff {@code code_off} (unused: the code is the payload)
 * @param codeSize {@code code_size}: bytes of code at the payload's start
 * @param dataOff {@code data_off} (unused: the driver builds the data)
 * @param dataSize {@code data_size} (unused)
 */
public record GenBootloader(String source, BinFirmware file, long startTag, long dmemLoadOff, long codeOff,
        long codeSize, long dataOff, long dataSize) {

    /** Size of {@code BootloaderDesc}. */
    public static final int DESC_SIZE = 24;
    /** Falcon IMEM block: the code is padded to it ({@code falcon::MEM_BLOCK_ALIGNMENT}). */
    public static final int MEM_BLOCK_ALIGNMENT = 256;
    /** The code is loaded right below this IMEM offset ({@code BOOTLOADER_LOAD_CEILING}, 64 KiB). */
    public static final int LOAD_CEILING = 0x1_0000;
    /** The start tag must fit the u16 the falcon's IMEM tags are. */
    public static final int MAX_START_TAG = 0xffff;
    /** The boot address is the start tag times the block size. */
    public static final int BOOT_ADDR_SHIFT = 8;

    /**
     * @param source the file name, for errors
     * @param file the whole file (not copied)
     * @return the parsed bootloader
     * @throws FormatException if the BinHdr is bad, the descriptor or the code lies past the end,
     *         the code is empty or does not fit below {@link #LOAD_CEILING}, or the start tag is
     *         not a u16
     */
    public static GenBootloader parse(String source, MemorySegment file) {
        BinFirmware bin = BinFirmware.parse(source, file);
        Bytes b = bin.bytes();
        long at = bin.header().headerOffset();
        String w = "BootloaderDesc";
        b.require(at, DESC_SIZE, w);
        GenBootloader g = new GenBootloader(source, bin, b.u32(at, w), b.u32(at + 4, w), b.u32(at + 8, w),
                b.u32(at + 12, w), b.u32(at + 16, w), b.u32(at + 20, w));
        if (g.codeSize == 0) {
            throw b.error(w, at + 12, Kind.BAD_VALUE, "code_size is 0: no bootloader code");
        }
        b.requireRange(bin.header().dataOffset(), g.codeSize, w, "code (data_offset, code_size)");
        if (g.alignedCodeSize() > LOAD_CEILING) {
            throw b.error(w, at + 12, Kind.BAD_VALUE, String.format("code of 0x%x bytes (0x%x padded) does not "
                    + "fit below the IMEM load ceiling 0x%x", g.codeSize, g.alignedCodeSize(), LOAD_CEILING));
        }
        if (g.startTag > MAX_START_TAG) {
            throw b.error(w, at, Kind.BAD_VALUE, String.format("start_tag 0x%x is not a 16-bit IMEM tag",
                    g.startTag));
        }
        return g;
    }

    /** @return the code, a zero-copy slice of the file */
    public MemorySegment code() {
        return file.file().asSlice(file.header().dataOffset(), codeSize);
    }

    /** @return the code size padded to {@link #MEM_BLOCK_ALIGNMENT} */
    public long alignedCodeSize() {
        return (codeSize + MEM_BLOCK_ALIGNMENT - 1) / MEM_BLOCK_ALIGNMENT * MEM_BLOCK_ALIGNMENT;
    }

    /** @return the IMEM offset the padded code is loaded at: right below {@link #LOAD_CEILING} */
    public long imemDstStart() {
        return LOAD_CEILING - alignedCodeSize();
    }

    /** @return the boot vector: {@code start_tag << 8} */
    public long bootAddr() {
        return startTag << BOOT_ADDR_SHIFT;
    }

    /**
     * Builds a gen_bootloader file: BinHdr at 0, the descriptor right after it, the code at
     * the next 256-byte boundary.
     *
     * @param code the bootloader code
     * @param startTag its IMEM tag
     * @return the file bytes
     */
    public static byte[] build(byte[] code, int startTag) {
        long descAt = BinHeader.SIZE;
        long codeAt = MEM_BLOCK_ALIGNMENT;
        byte[] out = new byte[(int) codeAt + code.length];
        MemorySegment s = MemorySegment.ofArray(out);
        new BinHeader(BinHeader.MAGIC, 1, out.length, descAt, codeAt, code.length).write(s);
        Bytes.put32(s, descAt, startTag);
        Bytes.put32(s, descAt + 4, 0);
        Bytes.put32(s, descAt + 8, 0);
        Bytes.put32(s, descAt + 12, code.length);
        Bytes.put32(s, descAt + 16, 0);
        Bytes.put32(s, descAt + 20, 0);
        MemorySegment.copy(MemorySegment.ofArray(code), 0, s, codeAt, code.length);
        return out;
    }
}
