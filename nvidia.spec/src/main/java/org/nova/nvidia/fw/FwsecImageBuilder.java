package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.nova.nvidia.internal.Bytes;

/**
 * Builds an FWSEC falcon ucode as the VBIOS stores it: a {@link FalconUcodeDescV3} and its RSA-3K
 * signatures (GA102 and later) or, after {@link #v2()}, a {@link FalconUcodeDescV2} (Turing, GA100), then the ucode (IMEM image, DMEM image) whose DMEM holds the application
 * interface table with a DMEM mapper and a command-in buffer, laid out as {@link FwsecInterface}
 * finds them. For the simulated GPU; the IMEM content is a recognisable filler.
 *
 * <p>DMEM layout: interface header at 0, its one entry at 4, the DMEM mapper at
 * {@link #MAPPER_DMEM_OFFSET}, the command-in buffer at {@link #CMD_IN_DMEM_OFFSET}, the
 * signature slot (PKC data) at {@link #PKC_DMEM_OFFSET}.
 */
public final class FwsecImageBuilder {
    /** DMEM offset of the DMEM mapper. */
    public static final int MAPPER_DMEM_OFFSET = 0x40;
    /** DMEM offset of the command-in buffer. */
    public static final int CMD_IN_DMEM_OFFSET = 0x100;
    /** Size of the command-in buffer. */
    public static final int CMD_IN_SIZE = 0x100;
    /** DMEM offset of the signature slot. */
    public static final int PKC_DMEM_OFFSET = 0x200;

    private int imemSize = 0x1000;
    private int dmemSize = 0x400;
    private int engineIdMask = 0x0400;
    private int ucodeId = 0x9;
    private final List<byte[]> signatures = new ArrayList<>();
    private int signatureVersions;
    /** The highest fuse version a signature can be for: signature_versions is a 16-bit bitmap. */
    private static final int MAX_FUSE_VERSION = Short.SIZE - 1;
    /** Bytes of non-secure code at the start of a V2 image (one IMEM block). */
    public static final int V2_NON_SECURE_SIZE = 0x100;
    private boolean v2;

    /** @param bytes IMEM image size, a multiple of 256 */
    public FwsecImageBuilder imemSize(int bytes) {
        this.imemSize = bytes;
        return this;
    }

    /** @param bytes DMEM image size, a multiple of 256, at least 0x400 */
    public FwsecImageBuilder dmemSize(int bytes) {
        if (bytes < PKC_DMEM_OFFSET + FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE) {
            throw new IllegalArgumentException("DMEM of " + bytes + " bytes cannot hold the "
                    + "signature slot at 0x200");
        }
        this.dmemSize = bytes;
        return this;
    }

    /** Sets the engine mask and ucode id of the descriptor. */
    public FwsecImageBuilder ids(int engineIdMask, int ucodeId) {
        this.engineIdMask = engineIdMask;
        this.ucodeId = ucodeId;
        return this;
    }

    /**
     * Adds a signature valid for a fuse version; add them in increasing fuse version.
     *
     * @param fuseVersion 0..15
     * @param signature 384 bytes
     */
    public FwsecImageBuilder signature(int fuseVersion, byte[] signature) {
        if (v2) {
            throw new IllegalStateException("a V2 descriptor carries no signatures to choose from");
        }
        if (fuseVersion < 0 || fuseVersion > MAX_FUSE_VERSION) {
            throw new IllegalArgumentException("fuse version " + fuseVersion + " does not fit the descriptor's "
                    + "16-bit signature_versions (0.." + MAX_FUSE_VERSION + ")");
        }
        if (signature.length != FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE) {
            throw new IllegalArgumentException("an RSA-3K signature has 384 bytes, not "
                    + signature.length);
        }
        signatureVersions |= 1 << fuseVersion;
        signatures.add(signature.clone());
        return this;
    }

    /**
     * Builds a version-2 descriptor (Turing, GA100) instead of version 3: no signatures for the
     * driver to choose (a V2 image is signed as it is), the first {@link #V2_NON_SECURE_SIZE}
     * bytes of code non-secure, the rest secure.
     */
    public FwsecImageBuilder v2() {
        if (!signatures.isEmpty()) {
            throw new IllegalStateException("a V2 descriptor carries no signatures to choose from");
        }
        this.v2 = true;
        return this;
    }

    /** @return the descriptor the built image carries, V2 or V3 */
    public FalconUcodeDesc desc() {
        if (v2) {
            if (imemSize <= V2_NON_SECURE_SIZE) {
                throw new IllegalStateException("IMEM of " + imemSize + " bytes leaves no secure code after the "
                        + V2_NON_SECURE_SIZE + " non-secure bytes");
            }
            return new FalconUcodeDescV2(FalconUcodeDescV2.header(), imemSize + dmemSize, imemSize + dmemSize, 0, 0,
                    0, imemSize, 0, V2_NON_SECURE_SIZE, imemSize - V2_NON_SECURE_SIZE, imemSize, 0, dmemSize, 0, 0);
        }
        return descriptor();
    }

    /**
     * @return the V3 descriptor the built image carries
     * @throws IllegalStateException after {@link #v2()}
     */
    public FalconUcodeDescV3 descriptor() {
        if (v2) {
            throw new IllegalStateException("the builder makes a V2 descriptor: use desc()");
        }
        return new FalconUcodeDescV3(FalconUcodeDescV3.header(signatures.size()),
                imemSize + dmemSize, PKC_DMEM_OFFSET, 0, 0, imemSize, 0, 0, dmemSize,
                engineIdMask, ucodeId, signatures.size(), signatureVersions);
    }

    /** @return descriptor, signatures and ucode, contiguous */
    public byte[] build() {
        FalconUcodeDesc d = desc();
        byte[] out = new byte[d.size() + imemSize + dmemSize];
        MemorySegment s = MemorySegment.ofArray(out);
        d.write(s, 0);
        for (int i = 0; i < signatures.size(); i++) {
            MemorySegment.copy(MemorySegment.ofArray(signatures.get(i)), 0, s,
                    FalconUcodeDescV3.SIZE + (long) i * FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE,
                    FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE);
        }
        long ucode = d.size();
        for (int i = 0; i < imemSize; i += 4) {
            Bytes.put32(s, ucode + i, 0xf5ec_0000L | (i >>> 2 & 0xffff));
        }
        long dmem = ucode + imemSize;
        Bytes.put8(s, dmem, FwsecInterface.APPIF_HEADER_VERSION);
        Bytes.put8(s, dmem + 1, FwsecInterface.APPIF_HEADER_SIZE);
        Bytes.put8(s, dmem + 2, FwsecInterface.APPIF_ENTRY_SIZE);
        Bytes.put8(s, dmem + 3, 1);
        Bytes.put32(s, dmem + 4, FwsecInterface.APPIF_ID_DMEMMAPPER);
        Bytes.put32(s, dmem + 8, MAPPER_DMEM_OFFSET);
        long m = dmem + MAPPER_DMEM_OFFSET;
        Bytes.put32(s, m, FwsecInterface.DMEMMAPPER_SIGNATURE);
        Bytes.put16(s, m + 4, FwsecInterface.DMEMMAPPER_VERSION);
        Bytes.put16(s, m + 6, FwsecInterface.DMEMMAPPER_SIZE);
        Bytes.put32(s, m + FwsecInterface.DMEMMAPPER_CMD_IN_BUFFER_OFFSET, CMD_IN_DMEM_OFFSET);
        Bytes.put32(s, m + FwsecInterface.DMEMMAPPER_CMD_IN_BUFFER_SIZE, CMD_IN_SIZE);
        return out;
    }
}
