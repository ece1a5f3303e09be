package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.nova.nvidia.internal.Bytes;

/**
 * Builds a booter file in the real layout, for the simulated GPU: {@link BinHeader},
 * {@link HsHeaderV2}, the signatures, the patch location, patch-signature index, signature
 * metadata, signature count, the load header with its apps, then the payload (code, then data
 * with the signature slot). {@link BooterFirmware#parse} reads it back.
 */
public final class BooterImageBuilder {
    private byte[] code = new byte[0x1000];
    private byte[] data = new byte[0x800];
    private long patchInData = 0x100;
    private final List<byte[]> signatures = new ArrayList<>();
    private long fuseVersion = 1;
    private int engineIdMask = 0x0001;
    private int ucodeId = 0x1;

    /** Sets the code (all of app 0) and the data segment of the payload. */
    public BooterImageBuilder payload(byte[] code, byte[] data) {
        this.code = code.clone();
        this.data = data.clone();
        return this;
    }

    /** @param offset where in the data segment the signature is patched */
    public BooterImageBuilder patchOffsetInData(long offset) {
        this.patchInData = offset;
        return this;
    }

    /** Adds a signature; all must have the same size. The first is for the newest fuse. */
    public BooterImageBuilder signature(byte[] sig) {
        if (!signatures.isEmpty() && signatures.get(0).length != sig.length) {
            throw new IllegalArgumentException("signatures must all have the same size");
        }
        signatures.add(sig.clone());
        return this;
    }

    /** Sets the signature metadata. */
    public BooterImageBuilder params(long fuseVersion, int engineIdMask, int ucodeId) {
        this.fuseVersion = fuseVersion;
        this.engineIdMask = engineIdMask;
        this.ucodeId = ucodeId;
        return this;
    }

    /** @return the file's bytes */
    public byte[] build() {
        int sigSize = signatures.isEmpty() ? 0 : signatures.get(0).length;
        int sigTotal = sigSize * signatures.size();
        long hsOff = BinHeader.SIZE;
        long sigOff = hsOff + HsHeaderV2.SIZE;
        long patchLocOff = sigOff + sigTotal;
        long patchSigOff = patchLocOff + 4;
        long metaOff = patchSigOff + 4;
        long numSigOff = metaOff + HsSignatureParams.SIZE;
        long loadOff = numSigOff + 4;
        long loadSize = HsLoadHeaderV2.SIZE + 2 * HsLoadHeaderV2.APP_SIZE; // code pair, data pair
        long dataOff = (loadOff + loadSize + 0xff) & ~0xffL;
        long codeSize = (code.length + 0xff) & ~0xffL;
        long payload = codeSize + data.length;
        byte[] out = new byte[(int) (dataOff + payload)];
        MemorySegment s = MemorySegment.ofArray(out);
        new BinHeader(BinHeader.MAGIC, 1, out.length, hsOff, dataOff, payload).write(s);
        new HsHeaderV2(sigOff, sigTotal, patchLocOff, patchSigOff, metaOff,
                HsSignatureParams.SIZE, numSigOff, loadOff, loadSize).write(s, hsOff);
        for (int i = 0; i < signatures.size(); i++) {
            MemorySegment.copy(MemorySegment.ofArray(signatures.get(i)), 0, s,
                    sigOff + (long) i * sigSize, sigSize);
        }
        Bytes.put32(s, patchLocOff, codeSize + patchInData);
        Bytes.put32(s, patchSigOff, 0);
        Bytes.put32(s, metaOff, fuseVersion);
        Bytes.put32(s, metaOff + 4, engineIdMask);
        Bytes.put32(s, metaOff + 8, ucodeId);
        Bytes.put32(s, numSigOff, signatures.size());
        Bytes.put32(s, loadOff, 0);
        Bytes.put32(s, loadOff + 4, codeSize);
        Bytes.put32(s, loadOff + 8, codeSize);
        Bytes.put32(s, loadOff + 12, data.length);
        Bytes.put32(s, loadOff + 16, 1);
        Bytes.put32(s, loadOff + 20, 0);
        Bytes.put32(s, loadOff + 24, codeSize);
        Bytes.put32(s, loadOff + 28, codeSize); // app 0 data: none beyond the os data
        Bytes.put32(s, loadOff + 32, 0);
        MemorySegment.copy(MemorySegment.ofArray(code), 0, s, dataOff, code.length);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, s, dataOff + codeSize, data.length);
        return out;
    }
}
