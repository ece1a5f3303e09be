package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * A RISC-V ucode file (the GSP {@code bootloader}): a {@link BinFirmware} whose application
 * header is a {@link RiscvUcodeDesc}. Parsing checks that every region the descriptor names
 * lies inside the payload. Source: nova-core firmware/riscv.rs.
 *
 * @param bin the container
 * @param desc the descriptor
 */
public record RiscvFirmware(BinFirmware bin, RiscvUcodeDesc desc) {

    /**
     * @param source the file name, for errors
     * @param file the whole file (not copied)
     * @return the parsed firmware
     * @throws org.nova.nvidia.FormatException naming the structure and offset on any problem
     */
    public static RiscvFirmware parse(String source, MemorySegment file) {
        BinFirmware bin = BinFirmware.parse(source, file);
        Bytes b = bin.bytes();
        long at = bin.header().headerOffset();
        long limit = bin.header().dataOffset() > at ? bin.header().dataOffset() : b.size();
        RiscvUcodeDesc d = RiscvUcodeDesc.read(b, at, limit);
        long payload = bin.header().dataSize();
        String w = "RM_RISCV_UCODE_DESC";
        check(b, w, at + 4, d.bootloaderOffset(), d.bootloaderSize(), payload, "bootloader");
        check(b, w, at + 12, d.bootloaderParamOffset(), d.bootloaderParamSize(), payload,
                "bootloader parameters");
        check(b, w, at + 20, d.riscvElfOffset(), d.riscvElfSize(), payload, "RISC-V ELF");
        check(b, w, at + 32, d.manifestOffset(), d.manifestSize(), payload, "manifest");
        check(b, w, at + 40, d.monitorDataOffset(), d.monitorDataSize(), payload,
                "monitor data");
        check(b, w, at + 48, d.monitorCodeOffset(), d.monitorCodeSize(), payload,
                "monitor code");
        return new RiscvFirmware(bin, d);
    }

    private static void check(Bytes b, String w, long at, long off, long len, long payload,
            String what) {
        if (len == 0) {
            return;
        }
        if (off > payload - len || len > payload) {
            throw b.error(w, at, Kind.OUT_OF_BOUNDS, String.format(
                    "%s [0x%x, 0x%x) lies past the end of the payload (data_size 0x%x)", what,
                    off, off + len, payload));
        }
    }

    /** @return the payload (zero-copy) */
    public MemorySegment ucode() {
        return bin.data();
    }

    /** @return where the code starts in the payload (nova-core: {@code monitor_code_offset}) */
    public long codeOffset() {
        return desc.monitorCodeOffset();
    }

    /** @return where the data starts in the payload ({@code monitor_data_offset}) */
    public long dataOffset() {
        return desc.monitorDataOffset();
    }

    /** @return where the manifest starts in the payload */
    public long manifestOffset() {
        return desc.manifestOffset();
    }

    /** @return the application version */
    public long appVersion() {
        return desc.appVersion();
    }
}
