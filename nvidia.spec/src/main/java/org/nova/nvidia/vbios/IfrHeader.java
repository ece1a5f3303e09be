package org.nova.nvidia.vbios;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * The Init-From-ROM (IFR) header some GPU ROMs begin with, in front of the PCI expansion ROM
 * images. Where the IFR microcode does not already hide it from PROM reads (GA100), the VBIOS
 * parser must skip it: versions 1 and 2 give the PCI ROM's offset in the IFR extended section
 * (a u32 at {@code fixed_data_size + 4}, NV_PMGR_ROM_ADDR_OFFSET); version 3 gives it in the ROM
 * directory ("RFRD"), which starts 4 KiB (the redundant-firmware flash status) after the offset
 * stored at {@code total_data_size}, at directory offset 8. Sources: nova-core vbios.rs
 * ({@code VbiosIterator::rom_offset}, commit 1a5a3f20 "skip the IFR header if present");
 * open-gpu-kernel-modules dev_bus.h of tu102 ({@code NV_PBUS_IFR_FMT_FIXED0/1/2}) and
 * {@code s_romImgFindPciHeader_TU102}.
 *
 * @param version {@code NV_PBUS_IFR_FMT_FIXED1_VERSIONSW} (bits 15:8 of FIXED1)
 * @param fixedDataSize {@code NV_PBUS_IFR_FMT_FIXED1_FIXED_DATA_SIZE} (bits 30:16 of FIXED1)
 * @param totalDataSize {@code NV_PBUS_IFR_FMT_FIXED2_TOTAL_DATA_SIZE} (bits 19:0 of FIXED2)
 * @param pciRomOffset where the PCI expansion ROM images begin, from the start of the ROM
 */
public record IfrHeader(int version, long fixedDataSize, long totalDataSize, long pciRomOffset) {

    /** {@code NV_PBUS_IFR_FMT_FIXED0_SIGNATURE_VALUE}: "NVGI" little-endian, the u32 at ROM offset 0. */
    public static final int SIGNATURE = 0x4947_564e;
    /** ROM offset of FIXED1. */
    public static final int FIXED1_AT = 4;
    /** ROM offset of FIXED2. */
    public static final int FIXED2_AT = 8;
    /** FIXED1 bits 15:8: the IFR version. */
    public static final int FIXED1_VERSION_SHIFT = 8;
    /** FIXED1 version mask (8 bits). */
    public static final int FIXED1_VERSION_MASK = 0xff;
    /** FIXED1 bits 30:16: the fixed data size. */
    public static final int FIXED1_FIXED_DATA_SIZE_SHIFT = 16;
    /** FIXED1 fixed data size mask (15 bits). */
    public static final int FIXED1_FIXED_DATA_SIZE_MASK = 0x7fff;
    /** FIXED2 bits 19:0: the total data size. */
    public static final int FIXED2_TOTAL_DATA_SIZE_MASK = 0xf_ffff;
    /** Offset of NV_PMGR_ROM_ADDR_OFFSET in the IFR extended section ({@code IFR_SW_EXT_ROM_ADDR_OFFSET}). */
    public static final int SW_EXT_ROM_ADDR_OFFSET = 4;
    /** Size of the redundant-firmware flash status section before the ROM directory ({@code RFW_FLASH_STATUS_SIZE}). */
    public static final int RFW_FLASH_STATUS_SIZE = 0x1000;
    /** {@code NV_ROM_DIRECTORY_IDENTIFIER}: "RFRD" little-endian. */
    public static final int ROM_DIRECTORY_IDENTIFIER = 0x4452_4652;
    /** Offset in the ROM directory of the PCI option ROM's offset ({@code PCI_OPTION_ROM_OFFSET}). */
    public static final int DIRECTORY_PCI_OPTION_ROM_OFFSET = 8;

    /**
     * Looks for an IFR header at ROM offset 0.
     *
     * @param source name for errors
     * @param rom the ROM from offset 0
     * @return the header, empty if the ROM does not start with {@link #SIGNATURE}
     * @throws FormatException BAD_VALUE for a version other than 1, 2, 3; MISSING if a version-3
     *         header's ROM directory lacks "RFRD"; TRUNCATED/OUT_OF_BOUNDS if an offset it gives
     *         lies past the ROM read so far
     */
    public static Optional<IfrHeader> find(String source, MemorySegment rom) {
        Bytes b = new Bytes(source, rom);
        String w = "IFR header";
        if (b.size() < Integer.BYTES || b.i32(0, w) != SIGNATURE) {
            return Optional.empty();
        }
        b.require(0, FIXED2_AT + Integer.BYTES, w);
        long fixed1 = b.u32(FIXED1_AT, w);
        long fixed2 = b.u32(FIXED2_AT, w);
        int version = (int) (fixed1 >>> FIXED1_VERSION_SHIFT) & FIXED1_VERSION_MASK;
        long fixedDataSize = (fixed1 >>> FIXED1_FIXED_DATA_SIZE_SHIFT) & FIXED1_FIXED_DATA_SIZE_MASK;
        long totalDataSize = fixed2 & FIXED2_TOTAL_DATA_SIZE_MASK;
        long offset;
        switch (version) {
            case 1, 2 -> offset = b.u32(fixedDataSize + SW_EXT_ROM_ADDR_OFFSET, "IFR extended section");
            case 3 -> {
                long flashStatus = b.u32(totalDataSize, "IFR flash status offset");
                long dir = flashStatus + RFW_FLASH_STATUS_SIZE;
                b.require(dir, DIRECTORY_PCI_OPTION_ROM_OFFSET + Integer.BYTES, "IFR ROM directory");
                if (b.i32(dir, "IFR ROM directory") != ROM_DIRECTORY_IDENTIFIER) {
                    throw b.error("IFR ROM directory", dir, Kind.MISSING, String.format(
                            "could not find the IFR ROM directory: 0x%08x at 0x%x, not \"RFRD\"",
                            b.i32(dir, "IFR ROM directory"), dir));
                }
                offset = b.u32(dir + DIRECTORY_PCI_OPTION_ROM_OFFSET, "IFR ROM directory");
            }
            default -> throw b.error(w, FIXED1_AT, Kind.BAD_VALUE, "unsupported IFR header version " + version
                    + " (versions 1, 2 and 3 are known)");
        }
        return Optional.of(new IfrHeader(version, fixedDataSize, totalDataSize, offset));
    }

    /**
     * Writes an IFR header of {@code version} at ROM offset 0 that points at {@code pciRomOffset}
     * (for the simulated GPU's ROM): version 1/2 with a fixed data size of
     * {@link #BUILT_FIXED_DATA_SIZE}, version 3 with its flash status offset at
     * {@link #BUILT_TOTAL_DATA_SIZE} and the ROM directory after it.
     *
     * @throws IllegalArgumentException for an unknown version, or a ROM offset too small to hold the header
     */
    public static void write(MemorySegment rom, int version, long pciRomOffset) {
        if (pciRomOffset < BUILT_MIN_ROM_OFFSET) {
            throw new IllegalArgumentException("an IFR header needs 0x" + Long.toHexString(BUILT_MIN_ROM_OFFSET)
                    + " bytes before the PCI ROM, not 0x" + Long.toHexString(pciRomOffset));
        }
        Bytes.put32(rom, 0, Integer.toUnsignedLong(SIGNATURE));
        switch (version) {
            case 1, 2 -> {
                Bytes.put32(rom, FIXED1_AT, (long) BUILT_FIXED_DATA_SIZE << FIXED1_FIXED_DATA_SIZE_SHIFT
                        | (long) version << FIXED1_VERSION_SHIFT);
                Bytes.put32(rom, BUILT_FIXED_DATA_SIZE + SW_EXT_ROM_ADDR_OFFSET, pciRomOffset);
            }
            case 3 -> {
                Bytes.put32(rom, FIXED1_AT, (long) BUILT_FIXED_DATA_SIZE << FIXED1_FIXED_DATA_SIZE_SHIFT
                        | (long) version << FIXED1_VERSION_SHIFT);
                Bytes.put32(rom, FIXED2_AT, BUILT_TOTAL_DATA_SIZE);
                Bytes.put32(rom, BUILT_TOTAL_DATA_SIZE, BUILT_FLASH_STATUS);
                long dir = BUILT_FLASH_STATUS + RFW_FLASH_STATUS_SIZE;
                Bytes.put32(rom, dir, ROM_DIRECTORY_IDENTIFIER);
                Bytes.put32(rom, dir + DIRECTORY_PCI_OPTION_ROM_OFFSET, pciRomOffset);
            }
            default -> throw new IllegalArgumentException("unknown IFR version " + version);
        }
    }

    /** Fixed data size of a built header (the extended section follows it). */
    public static final int BUILT_FIXED_DATA_SIZE = 0x40;
    /** Total data size of a built version-3 header: where its flash status offset is stored. */
    public static final int BUILT_TOTAL_DATA_SIZE = 0x100;
    /** Flash status offset of a built version-3 header (the ROM directory is 4 KiB after it). */
    public static final int BUILT_FLASH_STATUS = 0x400;
    /** The least PCI ROM offset a built header leaves room for (past a version-3 ROM directory). */
    public static final int BUILT_MIN_ROM_OFFSET = BUILT_FLASH_STATUS + RFW_FLASH_STATUS_SIZE + 0x10;
}
