package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.internal.Bytes;

/**
 * {@code RM_RISCV_UCODE_DESC}: the descriptor of a RISC-V ucode (the GSP bootloader), u32
 * fields at {@code BinHdr.header_offset}. nova-core reads the first 14 fields
 * (firmware/riscv.rs); OpenRM's structure has up to 21 — version 4 files (TU10x) carry 19,
 * version 5 files (GA10x, AD10x) 21. Fields a file does not carry read as 0; {@link
 * #fieldCount()} says how many were present. Offsets are relative to the payload.
 *
 * @param version structure version
 * @param bootloaderOffset offset of the bootloader code
 * @param bootloaderSize its size
 * @param bootloaderParamOffset offset of the bootloader parameters
 * @param bootloaderParamSize their size
 * @param riscvElfOffset offset of an embedded RISC-V ELF
 * @param riscvElfSize its size
 * @param appVersion changelist number of the image
 * @param manifestOffset offset of the manifest (input to the boot ROM)
 * @param manifestSize its size
 * @param monitorDataOffset offset of the monitor's data
 * @param monitorDataSize its size
 * @param monitorCodeOffset offset of the monitor's code
 * @param monitorCodeSize its size
 * @param isMonitorEnabled {@code bIsMonitorEnabled}
 * @param swbromCodeOffset offset of the software BROM code
 * @param swbromCodeSize its size
 * @param swbromDataOffset offset of the software BROM data
 * @param swbromDataSize its size
 * @param fbReservedSize total size of the FB carve-out (version 5)
 * @param signedAsCode {@code bSignedAsCode} (version 5)
 * @param fieldCount how many of these fields the file carried (14..21)
 */
public record RiscvUcodeDesc(long version, long bootloaderOffset, long bootloaderSize,
        long bootloaderParamOffset, long bootloaderParamSize, long riscvElfOffset,
        long riscvElfSize, long appVersion, long manifestOffset, long manifestSize,
        long monitorDataOffset, long monitorDataSize, long monitorCodeOffset,
        long monitorCodeSize, long isMonitorEnabled, long swbromCodeOffset, long swbromCodeSize,
        long swbromDataOffset, long swbromDataSize, long fbReservedSize, long signedAsCode,
        int fieldCount) {

    /** Fields nova-core requires (56 bytes). */
    public static final int MIN_FIELDS = 14;
    /** Fields of OpenRM's full structure (84 bytes). */
    public static final int MAX_FIELDS = 21;

    /**
     * Reads the descriptor at {@code at}, taking as many fields as fit before {@code limit}.
     */
    static RiscvUcodeDesc read(Bytes b, long at, long limit) {
        String what = "RM_RISCV_UCODE_DESC";
        b.require(at, MIN_FIELDS * 4L, what);
        long room = (limit > at ? limit - at : b.size() - at) / 4;
        int n = (int) Math.max(MIN_FIELDS, Math.min(MAX_FIELDS, room));
        n = (int) Math.min(n, (b.size() - at) / 4);
        long[] f = new long[MAX_FIELDS];
        for (int i = 0; i < n; i++) {
            f[i] = b.u32(at + 4L * i, what);
        }
        return new RiscvUcodeDesc(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
                f[10], f[11], f[12], f[13], f[14], f[15], f[16], f[17], f[18], f[19], f[20], n);
    }

    /** Writes the first {@code fieldCount} fields at {@code at}. */
    public void write(MemorySegment out, long at) {
        long[] f = {version, bootloaderOffset, bootloaderSize, bootloaderParamOffset,
            bootloaderParamSize, riscvElfOffset, riscvElfSize, appVersion, manifestOffset,
            manifestSize, monitorDataOffset, monitorDataSize, monitorCodeOffset, monitorCodeSize,
            isMonitorEnabled, swbromCodeOffset, swbromCodeSize, swbromDataOffset, swbromDataSize,
            fbReservedSize, signedAsCode};
        for (int i = 0; i < fieldCount; i++) {
            Bytes.put32(out, at + 4L * i, f[i]);
        }
    }
}
