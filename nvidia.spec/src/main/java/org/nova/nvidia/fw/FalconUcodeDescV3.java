package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * {@code FALCON_UCODE_DESC_V3}: the descriptor of a falcon ucode stored in the VBIOS (FWSEC),
 * 44 bytes, followed by {@code signature_count} RSA-3K signatures of 384 bytes; the ucode
 * (IMEM image then DMEM image) starts {@link #size()} bytes after the descriptor.
 * Source: nova-core firmware.rs ({@code FalconUCodeDescV3}), vbios.rs ({@code header},
 * {@code ucode}, {@code sigs}), firmware/fwsec.rs (signature selection and patching).
 *
 * @param hdr header word: bit 0 valid, bits 15:8 version (3), bits 31:16 size of descriptor
 *        plus signatures
 * @param storedSize stored size of the ucode after the header
 * @param pkcDataOffset offset in DMEM at which the signature is expected
 * @param interfaceOffset offset after the code segment of the application interface headers
 * @param imemPhysBase IMEM address to load the code at
 * @param imemLoadSize bytes of code
 * @param imemVirtBase virtual IMEM address (tag) the code starts at
 * @param dmemPhysBase DMEM address to load the data at
 * @param dmemLoadSize bytes of data
 * @param engineIdMask engines the ucode may run on
 * @param ucodeId ucode id selecting the fuse register
 * @param signatureCount number of signatures
 * @param signatureVersions one bit per included signature's fuse version
 */
public record FalconUcodeDescV3(long hdr, long storedSize, long pkcDataOffset,
        long interfaceOffset, long imemPhysBase, long imemLoadSize, long imemVirtBase,
        long dmemPhysBase, long dmemLoadSize, int engineIdMask, int ucodeId, int signatureCount,
        int signatureVersions) implements FalconUcodeDesc {

    /** Size of the descriptor in bytes. */
    public static final int SIZE = 44;
    /** The only descriptor version nova-core accepts. */
    public static final int VERSION = 3;
    /** Size of one RSA-3K signature ({@code BCRT30_RSA3K_SIG_SIZE}). */
    public static final int RSA3K_SIGNATURE_SIZE = 384;
    /** hdr bit 0: the descriptor is valid ({@code FALCON_UCODE_DESC_HEADER_VDESC_FLAGS_VDESC}). */
    public static final int HDR_FLAG_VALID = 0x1;

    /**
     * @return the hdr word for a version-3 descriptor followed by {@code signatures} signatures
     */
    public static long header(int signatures) {
        return HDR_FLAG_VALID | (VERSION << 8)
                | ((long) (SIZE + signatures * RSA3K_SIGNATURE_SIZE) << 16);
    }

    /** @return the descriptor version (hdr bits 15:8) */
    public int version() {
        return (int) ((hdr >>> 8) & 0xff);
    }

    /** @return descriptor plus signatures, in bytes (hdr bits 31:16): where the ucode starts */
    public int size() {
        return (int) ((hdr >>> 16) & 0xffff);
    }

    /**
     * Reads the descriptor at {@code at} and checks its version and that the signatures and
     * the ucode it announces lie inside the data.
     *
     * @param source the image name, for errors
     * @param data the image holding the descriptor
     * @param at offset of the descriptor
     * @return the descriptor
     * @throws FormatException naming the offset on any problem
     */
    public static FalconUcodeDescV3 parse(String source, MemorySegment data, long at) {
        Bytes b = new Bytes(source, data);
        String w = "FalconUCodeDescV3";
        b.require(at, SIZE, w);
        long[] f = new long[9];
        for (int i = 0; i < 9; i++) {
            f[i] = b.u32(at + 4L * i, w);
        }
        FalconUcodeDescV3 d = new FalconUcodeDescV3(f[0], f[1], f[2], f[3], f[4], f[5], f[6],
                f[7], f[8], b.u16(at + 36, w), b.u8(at + 38, w), b.u8(at + 39, w),
                b.u16(at + 40, w));
        if (d.version() != VERSION) {
            throw b.error(w, at, Kind.BAD_VALUE, "descriptor version " + d.version()
                    + " (hdr 0x" + Long.toHexString(d.hdr) + "), not 3");
        }
        if (d.size() < SIZE + d.signatureCount * RSA3K_SIGNATURE_SIZE) {
            throw b.error(w, at, Kind.BAD_VALUE, "header size " + d.size() + " is smaller than "
                    + "the descriptor and its " + d.signatureCount + " signatures");
        }
        b.requireRange(at + SIZE, (long) d.signatureCount * RSA3K_SIGNATURE_SIZE, w,
                "signatures");
        b.requireRange(at + d.size(), d.imemLoadSize + d.dmemLoadSize, w,
                "ucode (imem_load_size + dmem_load_size)");
        if (Integer.bitCount(d.signatureVersions) > d.signatureCount) {
            throw b.error(w, at + 40, Kind.BAD_VALUE, String.format("signature_versions 0x%x "
                    + "names %d fuse versions but only %d signatures follow",
                    d.signatureVersions, Integer.bitCount(d.signatureVersions),
                    d.signatureCount));
        }
        if (d.signatureCount > 0 && d.pkcDataOffset > d.dmemLoadSize - RSA3K_SIGNATURE_SIZE) {
            throw b.error(w, at + 8, Kind.OUT_OF_BOUNDS, String.format("the signature at "
                    + "pkc_data_offset 0x%x (%d bytes) ends past the DMEM image (0x%x bytes)",
                    d.pkcDataOffset, RSA3K_SIGNATURE_SIZE, d.dmemLoadSize));
        }
        return d;
    }

    /** The code, all of it secure, from the start of the ucode. */
    @Override
    public LoadTarget imemSecure() {
        return new LoadTarget(0, imemPhysBase, imemLoadSize);
    }

    /** V3 has no non-secure code. */
    @Override
    public Optional<LoadTarget> imemNonSecure() {
        return Optional.empty();
    }

    /** The data, right after the code. */
    @Override
    public LoadTarget dmem() {
        return new LoadTarget(imemLoadSize, dmemPhysBase, dmemLoadSize);
    }

    /** Writes the descriptor at {@code at}. */
    @Override
    public void write(MemorySegment out, long at) {
        long[] f = {hdr, storedSize, pkcDataOffset, interfaceOffset, imemPhysBase, imemLoadSize,
            imemVirtBase, dmemPhysBase, dmemLoadSize};
        for (int i = 0; i < f.length; i++) {
            Bytes.put32(out, at + 4L * i, f[i]);
        }
        Bytes.put16(out, at + 36, engineIdMask);
        Bytes.put8(out, at + 38, ucodeId);
        Bytes.put8(out, at + 39, signatureCount);
        Bytes.put16(out, at + 40, signatureVersions);
        Bytes.put16(out, at + 42, 0);
    }

    /** @return the ucode's total size: IMEM image then DMEM image */
    public long ucodeSize() {
        return imemLoadSize + dmemLoadSize;
    }

    /** @return where in the ucode the chosen signature is patched: IMEM size + PKC offset */
    public long signaturePatchOffset() {
        return imemLoadSize + pkcDataOffset;
    }

    /**
     * Picks the signature for a fuse version (fwsec.rs): the fuse version's bit must be set in
     * {@link #signatureVersions()}; the index is the number of set bits below it.
     *
     * @param fuseVersion the engine's fuse version (0..15)
     * @return the signature index
     * @throws IllegalArgumentException naming both values if no signature matches
     */
    public int signatureIndex(int fuseVersion) {
        if (fuseVersion < 0 || fuseVersion > 15) {
            throw new IllegalArgumentException("fuse version " + fuseVersion + " out of range");
        }
        int bit = 1 << fuseVersion;
        if ((signatureVersions & bit) == 0) {
            throw new IllegalArgumentException(String.format(
                    "no FWSEC signature for fuse version %d (bit 0x%x, signature_versions 0x%x)",
                    fuseVersion, bit, signatureVersions));
        }
        return Integer.bitCount(signatureVersions & (bit - 1));
    }
}
