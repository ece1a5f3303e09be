package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

/**
 * Builds a RISC-V ucode file (a GSP bootloader) in the real layout, for the simulated GPU:
 * {@link BinHeader}, a version-5 {@link RiscvUcodeDesc} (21 fields), then the payload:
 * manifest, monitor data, monitor code, bootloader code and parameters.
 */
public final class RiscvImageBuilder {
    private int manifestSize = 0x800;
    private int monitorDataSize = 0x1000;
    private int monitorCodeSize = 0x2000;
    private int bootloaderSize = 0x400;
    private int paramSize = 0x10;
    private long appVersion = 33_000_001L;

    /** Sets the region sizes. */
    public RiscvImageBuilder sizes(int manifest, int monitorData, int monitorCode,
            int bootloader) {
        this.manifestSize = manifest;
        this.monitorDataSize = monitorData;
        this.monitorCodeSize = monitorCode;
        this.bootloaderSize = bootloader;
        return this;
    }

    /** Sets the application version. */
    public RiscvImageBuilder appVersion(long v) {
        this.appVersion = v;
        return this;
    }

    /** @return the descriptor the built file carries */
    public RiscvUcodeDesc descriptor() {
        long manifest = 0;
        long monData = manifest + manifestSize;
        long monCode = monData + monitorDataSize;
        long bl = (monCode + monitorCodeSize + 0xfff) & ~0xfffL;
        long param = bl + bootloaderSize;
        long total = param + paramSize;
        return new RiscvUcodeDesc(5, bl, bootloaderSize, param, paramSize, 0, 0, appVersion,
                manifest, manifestSize, monData, monitorDataSize, monCode, monitorCodeSize, 1, 0,
                0, 0, 0, total, 0, RiscvUcodeDesc.MAX_FIELDS);
    }

    /** @return the file's bytes */
    public byte[] build() {
        RiscvUcodeDesc d = descriptor();
        long headerOff = BinHeader.SIZE;
        long dataOff = headerOff + RiscvUcodeDesc.MAX_FIELDS * 4L;
        long payload = (d.bootloaderParamOffset() + d.bootloaderParamSize() + 0xfff) & ~0xfffL;
        byte[] out = new byte[(int) (dataOff + payload)];
        MemorySegment s = MemorySegment.ofArray(out);
        new BinHeader(BinHeader.MAGIC, 1, out.length, headerOff, dataOff, payload).write(s);
        d.write(s, headerOff);
        for (long i = 0; i < payload; i++) {
            s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, dataOff + i, (byte) (i * 31 + 7));
        }
        return out;
    }
}
