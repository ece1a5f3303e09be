package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * {@code FALCON_UCODE_DESC_V2}: the descriptor of FWSEC in Turing and GA100 VBIOSes, fifteen
 * little-endian u32 (60 bytes). Unlike V3 it carries no signatures for the driver to choose from
 * (the heavy-secure code is signed in the image) and it splits the code into a non-secure part at
 * the start of the IMEM image and a secure part at {@code imem_sec_base}. The ucode starts
 * {@link #size()} bytes after the descriptor. Source: nova-core firmware.rs
 * ({@code FalconUCodeDescV2} and its {@code FalconUCodeDescriptor} impl: load targets), the
 * version with FalconUCodeDescV2 (series "gpu: nova-core: add FalconUCodeDescV2 support", merged
 * with the Turing support); OpenRM's {@code NV_BIT_FALCON_UCODE_DESC_HEADER_VDESC*} for hdr.
 *
 * @param hdr header word: bit 0 valid, bits 15:8 version (2), bits 31:16 descriptor size
 * @param storedSize stored size of the ucode after the header
 * @param uncompressedSize uncompressed size of the ucode (equal to storedSize: not compressed)
 * @param virtualEntry code entry point
 * @param interfaceOffset offset after the code segment of the application interface table
 * @param imemPhysBase IMEM address the code is loaded at
 * @param imemLoadSize bytes of code, secure and non-secure
 * @param imemVirtBase virtual IMEM address (tag) the code starts at
 * @param imemSecBase virtual address of the secure code
 * @param imemSecSize bytes of secure code
 * @param dmemOffset offset in the ucode of the DMEM image
 * @param dmemPhysBase DMEM address the data is loaded at
 * @param dmemLoadSize bytes of data
 * @param altImemLoadSize "alternate" IMEM size (unused by nova-core)
 * @param altDmemLoadSize "alternate" DMEM size (unused by nova-core)
 */
public record FalconUcodeDescV2(long hdr, long storedSize, long uncompressedSize, long virtualEntry,
        long interfaceOffset, long imemPhysBase, long imemLoadSize, long imemVirtBase, long imemSecBase,
        long imemSecSize, long dmemOffset, long dmemPhysBase, long dmemLoadSize, long altImemLoadSize,
        long altDmemLoadSize) implements FalconUcodeDesc {

    /** Size of the descriptor in bytes (15 u32). */
    public static final int SIZE = 60;
    /** The descriptor version (hdr bits 15:8). */
    public static final int VERSION = 2;
    /** Number of u32 fields. */
    private static final int FIELDS = SIZE / Integer.BYTES;

    /** @return the hdr word of a valid version-2 descriptor of {@link #SIZE} bytes */
    public static long header() {
        return FalconUcodeDescV3.HDR_FLAG_VALID | (VERSION << 8) | ((long) SIZE << 16);
    }

    /**
     * Reads the descriptor at {@code at} and checks what nova-core relies on: version 2, a header
     * size that covers the descriptor, the ucode inside the data, the secure code inside the
     * IMEM image and the DMEM image inside the ucode.
     *
     * @param source the image name, for errors
     * @param data the image holding the descriptor
     * @param at offset of the descriptor
     * @return the descriptor
     * @throws FormatException naming the field and offset on any problem
     */
    public static FalconUcodeDescV2 parse(String source, MemorySegment data, long at) {
        Bytes b = new Bytes(source, data);
        String w = "FalconUCodeDescV2";
        b.require(at, SIZE, w);
        long[] f = new long[FIELDS];
        for (int i = 0; i < FIELDS; i++) {
            f[i] = b.u32(at + (long) Integer.BYTES * i, w);
        }
        FalconUcodeDescV2 d = new FalconUcodeDescV2(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
                f[10], f[11], f[12], f[13], f[14]);
        if (d.version() != VERSION) {
            throw b.error(w, at, Kind.BAD_VALUE, "descriptor version " + d.version() + " (hdr 0x"
                    + Long.toHexString(d.hdr) + "), not 2");
        }
        if (d.size() < SIZE) {
            throw b.error(w, at, Kind.BAD_VALUE, "header size " + d.size() + " is smaller than the descriptor ("
                    + SIZE + ")");
        }
        b.requireRange(at + d.size(), d.ucodeSize(), w, "ucode (imem_load_size + dmem_load_size)");
        LoadTarget sec = d.imemSecure();
        if (d.imemSecBase < d.imemVirtBase || sec.srcStart() + sec.len() > d.imemLoadSize) {
            throw b.error(w, at + 32, Kind.OUT_OF_BOUNDS, String.format("secure code at virtual 0x%x (+0x%x bytes) "
                    + "is not inside the code from virtual 0x%x (0x%x bytes)", d.imemSecBase, d.imemSecSize,
                    d.imemVirtBase, d.imemLoadSize));
        }
        if (d.dmemOffset + d.dmemLoadSize > d.ucodeSize()) {
            throw b.error(w, at + 40, Kind.OUT_OF_BOUNDS, String.format("DMEM image at 0x%x (0x%x bytes) ends past "
                    + "the ucode (0x%x bytes)", d.dmemOffset, d.dmemLoadSize, d.ucodeSize()));
        }
        return d;
    }

    @Override
    public void write(MemorySegment out, long at) {
        long[] f = {hdr, storedSize, uncompressedSize, virtualEntry, interfaceOffset, imemPhysBase, imemLoadSize,
            imemVirtBase, imemSecBase, imemSecSize, dmemOffset, dmemPhysBase, dmemLoadSize, altImemLoadSize,
            altDmemLoadSize};
        for (int i = 0; i < f.length; i++) {
            Bytes.put32(out, at + (long) Integer.BYTES * i, f[i]);
        }
    }

    @Override
    public long pkcDataOffset() {
        return 0;
    }

    @Override
    public int engineIdMask() {
        return 0;
    }

    @Override
    public int ucodeId() {
        return 0;
    }

    @Override
    public int signatureCount() {
        return 0;
    }

    @Override
    public int signatureVersions() {
        return 0;
    }

    /** The secure code: {@code imem_sec_base} is virtual, so its offset is taken from the virtual base. */
    @Override
    public LoadTarget imemSecure() {
        long start = Math.max(0, imemSecBase - imemVirtBase);
        return new LoadTarget(start, imemPhysBase + start, imemSecSize);
    }

    /** The non-secure code: from the start of the image, what is not secure ({@code imem_load_size} counts both). */
    @Override
    public Optional<LoadTarget> imemNonSecure() {
        return Optional.of(new LoadTarget(0, imemPhysBase, Math.max(0, imemLoadSize - imemSecSize)));
    }

    @Override
    public LoadTarget dmem() {
        return new LoadTarget(dmemOffset, dmemPhysBase, dmemLoadSize);
    }
}
