package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * A falcon ucode descriptor as the VBIOS stores one in front of FWSEC, in either of the two
 * versions nova-core reads: {@link FalconUcodeDescV2} (Turing, GA100) and
 * {@link FalconUcodeDescV3} (GA102 and later). Fields a version does not have read 0, as in
 * upstream. Source: nova-core firmware.rs ({@code FalconUCodeDesc}, {@code FalconUCodeDescriptor},
 * the version with {@code FalconUCodeDescV2}, after commit 506bb874 "parse FalconUCodeDescV2 via
 * zerocopy"), vbios.rs ({@code FwSecBiosImage::header}: the version byte picks the layout).
 */
public sealed interface FalconUcodeDesc permits FalconUcodeDescV2, FalconUcodeDescV3 {
    /** Offset of the version byte in the hdr word (hdr bits 15:8), where vbios.rs reads it. */
    int VERSION_BYTE_AT = 1;

    /**
     * Where one part of the ucode goes (falcon.rs {@code FalconDmaLoadTarget}).
     *
     * @param srcStart offset in the ucode (IMEM image then DMEM image)
     * @param dstStart offset in IMEM or DMEM
     * @param len bytes
     */
    record LoadTarget(long srcStart, long dstStart, long len) {
    }

    /** @return the hdr word: bit 0 valid, bits 15:8 version, bits 31:16 header size */
    long hdr();

    /** @return the descriptor version (hdr bits 15:8) */
    default int version() {
        return (int) ((hdr() >>> 8) & 0xff);
    }

    /** @return descriptor plus signatures in bytes (hdr bits 31:16): where the ucode starts */
    default int size() {
        return (int) ((hdr() >>> 16) & 0xffff);
    }

    /** @return bytes of code (secure and non-secure) */
    long imemLoadSize();

    /** @return bytes of data */
    long dmemLoadSize();

    /** @return offset after the code segment of the application interface table */
    long interfaceOffset();

    /** @return DMEM offset of the signature (0 for V2: its signature is part of the image) */
    long pkcDataOffset();

    /** @return engines the ucode may run on (0 for V2) */
    int engineIdMask();

    /** @return ucode id selecting the fuse register (0 for V2) */
    int ucodeId();

    /** @return number of signatures the driver chooses from (0 for V2) */
    int signatureCount();

    /** @return one bit per included signature's fuse version (0 for V2) */
    int signatureVersions();

    /** @return where the secure code goes */
    LoadTarget imemSecure();

    /** @return where the non-secure code goes; empty for V3, which has none */
    Optional<LoadTarget> imemNonSecure();

    /** @return where the data goes */
    LoadTarget dmem();

    /** @return the ucode's size: IMEM image then DMEM image */
    default long ucodeSize() {
        return imemLoadSize() + dmemLoadSize();
    }

    /** @return where in the ucode the chosen signature is patched: IMEM size + PKC offset */
    default long signaturePatchOffset() {
        return imemLoadSize() + pkcDataOffset();
    }

    /**
     * Picks the signature for a fuse version (fwsec.rs): the fuse version's bit must be set in
     * {@link #signatureVersions()}; the index is the number of set bits below it.
     *
     * @param fuseVersion the engine's fuse version (0..15)
     * @return the signature index
     * @throws IllegalArgumentException naming both values if no signature matches
     */
    default int signatureIndex(int fuseVersion) {
        if (fuseVersion < 0 || fuseVersion > 15) {
            throw new IllegalArgumentException("fuse version " + fuseVersion + " out of range");
        }
        int bit = 1 << fuseVersion;
        if ((signatureVersions() & bit) == 0) {
            throw new IllegalArgumentException(String.format(
                    "no FWSEC signature for fuse version %d (bit 0x%x, signature_versions 0x%x)",
                    fuseVersion, bit, signatureVersions()));
        }
        return Integer.bitCount(signatureVersions() & (bit - 1));
    }

    /** Writes the descriptor at {@code at}. */
    void write(MemorySegment out, long at);

    /**
     * Reads the descriptor at {@code at}, its layout chosen by the version byte (vbios.rs
     * {@code header}), and checks it as that version's {@code parse} does.
     *
     * @param source the image name, for errors
     * @param data the image holding the descriptor
     * @param at offset of the descriptor
     * @return the descriptor
     * @throws FormatException TRUNCATED if not even the version byte is there, BAD_VALUE for a
     *         version other than 2 or 3, else as {@link FalconUcodeDescV2#parse} or
     *         {@link FalconUcodeDescV3#parse}
     */
    static FalconUcodeDesc parse(String source, MemorySegment data, long at) {
        Bytes b = new Bytes(source, data);
        b.require(at, VERSION_BYTE_AT + 1, "FalconUCodeDesc");
        int version = b.u8(at + VERSION_BYTE_AT, "FalconUCodeDesc");
        return switch (version) {
            case FalconUcodeDescV2.VERSION -> FalconUcodeDescV2.parse(source, data, at);
            case FalconUcodeDescV3.VERSION -> FalconUcodeDescV3.parse(source, data, at);
            default -> throw b.error("FalconUCodeDesc", at, Kind.BAD_VALUE, "invalid FWSEC descriptor version "
                    + version + " (nova-core reads versions 2 and 3)");
        };
    }
}
