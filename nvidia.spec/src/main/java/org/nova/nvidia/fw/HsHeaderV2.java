package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.internal.Bytes;

/**
 * Heavy-secure firmware header, version 2: where the signatures, the patch location, the
 * signature metadata and the load header are in the file (every offset is from the start of
 * the file). Nine u32 at {@code BinHdr.header_offset}. Source: nova-core firmware/booter.rs.
 *
 * @param sigProdOffset start of the production signatures
 * @param sigProdSize total size of the signatures
 * @param patchLocOffset offset of a u32: where in the ucode to patch the signature
 * @param patchSigOffset offset of a u32: index (byte offset) of the signature to patch
 * @param metaDataOffset start of the signature metadata ({@link HsSignatureParams})
 * @param metaDataSize size of the signature metadata
 * @param numSigOffset offset of a u32: the number of signatures
 * @param headerOffset offset of the load header ({@link HsLoadHeaderV2})
 * @param headerSize size of the load header with its app entries
 */
public record HsHeaderV2(long sigProdOffset, long sigProdSize, long patchLocOffset,
        long patchSigOffset, long metaDataOffset, long metaDataSize, long numSigOffset,
        long headerOffset, long headerSize) {

    /** Size in bytes. */
    public static final int SIZE = 36;

    static HsHeaderV2 read(Bytes b, long at) {
        String what = "HsHeaderV2";
        b.require(at, SIZE, what);
        return new HsHeaderV2(b.u32(at, what), b.u32(at + 4, what), b.u32(at + 8, what),
                b.u32(at + 12, what), b.u32(at + 16, what), b.u32(at + 20, what),
                b.u32(at + 24, what), b.u32(at + 28, what), b.u32(at + 32, what));
    }

    /** Writes this header at {@code at}. */
    public void write(MemorySegment out, long at) {
        long[] v = {sigProdOffset, sigProdSize, patchLocOffset, patchSigOffset, metaDataOffset,
            metaDataSize, numSigOffset, headerOffset, headerSize};
        for (int i = 0; i < v.length; i++) {
            Bytes.put32(out, at + 4L * i, v[i]);
        }
    }
}
