package org.nova.nvidia.fw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.vbios.Vbios;
import org.nova.nvidia.vbios.VbiosBuilder;

/**
 * Files the parsers used to accept and must refuse (issue 14 items 4 and 10), each crafted from
 * a real firmware file of fw-fetch.sh or from the builders the simulated GPU uses: the refusal
 * is a {@link FormatException} naming the file, the field and why.
 */
class FirmwareRefusalsTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Offset of e_shstrndx in the ELF64 file header. */
    private static final int E_SHSTRNDX = 0x3e;
    /** Offset of e_shoff in the ELF64 file header. */
    private static final int E_SHOFF = 0x28;

    private static FormatException refused(Kind kind, Executable e, String... fragments) {
        FormatException ex = assertThrows(FormatException.class, e);
        assertEquals(kind, ex.kind(), ex.getMessage());
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "'" + ex.getMessage() + "' should name " + f);
        }
        return ex;
    }

    private static byte[] real(Chipset chip, String file) throws IOException {
        return Files.readAllBytes(RealFirmwareTest.firmwareDir().resolve(FirmwareNames.path(chip,
                file, FirmwareNames.VERSION_535_113_01)));
    }

    private static MemorySegment seg(byte[] b) {
        return MemorySegment.ofArray(b);
    }

    @Test
    void elfWhoseShstrndxNamesADataSectionIsRefusedNotListedWithOtherBytesAsNames()
            throws IOException {
        byte[] gsp = real(Chipset.GA102, FirmwareNames.GSP);
        Elf64 ok = Elf64.parse("gsp", seg(gsp));
        int version = ok.section(GspFirmware.SECTION_VERSION).orElseThrow().index();
        // readelf -S lists "535.113.01" and "<corrupt>" as the names of this file's sections
        byte[] b = gsp.clone();
        seg(b).set(U16, E_SHSTRNDX, (short) version);
        refused(Kind.BAD_VALUE, () -> Elf64.parse("gsp-bad.bin", seg(b)), "gsp-bad.bin",
                "e_shstrndx " + version, "not SHT_STRTAB");
        // index 0, the null section: readelf lists "<no-strings>", nova:fw used to list (null)
        byte[] z = gsp.clone();
        seg(z).set(U16, E_SHSTRNDX, (short) 0);
        refused(Kind.BAD_VALUE, () -> GspFirmware.parse("gsp-null.bin", seg(z)), "e_shstrndx 0",
                "not SHT_STRTAB");
    }

    @Test
    void anElfForAnotherMachineIsNotGspFirmware() throws IOException {
        Path ls = Path.of("/bin/ls");
        assertTrue(Files.isRegularFile(ls), "the test reads /bin/ls, an ELF that is no firmware");
        byte[] b = Files.readAllBytes(ls);
        Elf64 elf = Elf64.parse("/bin/ls", seg(b)); // a well-formed ELF64 ...
        assertTrue(elf.machine() != Elf64.EM_RISCV);
        // ... that is no GSP image
        refused(Kind.BAD_VALUE, () -> GspFirmware.parse("/bin/ls", seg(b)), "/bin/ls",
                "e_machine is " + elf.machine(), "not a GSP firmware image");
        byte[] gsp = real(Chipset.TU102, FirmwareNames.GSP);
        seg(gsp).set(U16, Elf64.E_MACHINE_OFFSET, (short) 62);
        refused(Kind.BAD_VALUE, () -> GspFirmware.parse("gsp", seg(gsp)), "e_machine is 62");
    }

    @Test
    void bytesThatAreNoFirmwareAreRefusedByEveryParser() {
        byte[] text = "#!/bin/sh\n# a shell script, not firmware: longer than any header a parser reads first\n"
                .getBytes(StandardCharsets.US_ASCII);
        refused(Kind.BAD_MAGIC, () -> GspFirmware.parse("x.sh", seg(text)), "e_ident magic");
        refused(Kind.BAD_MAGIC, () -> BooterFirmware.parse("x.sh", seg(text)), "bin_magic");
        refused(Kind.BAD_MAGIC, () -> RiscvFirmware.parse("x.sh", seg(text)), "bin_magic");
        refused(Kind.TRUNCATED, () -> BooterFirmware.parse("empty", seg(new byte[0])), "BinHdr");
    }

    /** Rewrites one section header field of a GSP ELF. */
    private static byte[] withSectionField(byte[] elfBytes, String section, int field, long v) {
        byte[] b = elfBytes.clone();
        Elf64 elf = Elf64.parse("gsp", seg(b));
        long shoff = seg(b).get(U64, E_SHOFF);
        long h = shoff + (long) elf.section(section).orElseThrow().index() * Elf64.SHDR_SIZE;
        if (field == 4) {
            seg(b).set(U32, h + field, (int) v);
        } else {
            seg(b).set(U64, h + field, v);
        }
        return b;
    }

    @Test
    void aGspImageWhoseSectionsHoldNoDataIsRefused() throws IOException {
        byte[] gsp = real(Chipset.AD102, FirmwareNames.GSP);
        byte[] nobits = withSectionField(gsp, ".fwimage", 4, Elf64.SHT_NOBITS);
        refused(Kind.BAD_VALUE, () -> GspFirmware.parse("gsp", seg(nobits)), "(.fwimage)",
                "not SHT_PROGBITS");
        byte[] empty = withSectionField(gsp, ".fwimage", 32, 0);
        refused(Kind.BAD_VALUE, () -> GspFirmware.parse("gsp", seg(empty)), "(.fwimage)",
                "sh_size is 0");
        byte[] emptySig = withSectionField(gsp, ".fwsignature_ad10x", 32, 0);
        refused(Kind.BAD_VALUE, () -> GspFirmware.parse("gsp", seg(emptySig)),
                "(.fwsignature_ad10x)", "sh_size is 0");
    }

    /** The real GA102 booter_load with its signature metadata word {@code word} set to v. */
    private static byte[] booterWithParam(int word, long v) throws IOException {
        byte[] b = real(Chipset.GA102, FirmwareNames.BOOTER_LOAD);
        BooterFirmware ok = BooterFirmware.parse("booter_load", seg(b));
        seg(b).set(U32, ok.hs().metaDataOffset() + 4L * word, (int) v);
        return b;
    }

    @Test
    void aBooterWhoseUcodeIdSelectsNoFuseRegisterIsRefused() throws IOException {
        byte[] zero = booterWithParam(2, 0);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("booter_load-bad.bin", seg(zero)),
                "booter_load-bad.bin", "HsSignatureParams", "ucode_id 0 is not in 1..16");
        byte[] seventeen = booterWithParam(2, 17);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("b", seg(seventeen)), "ucode_id 17");
        byte[] wide = booterWithParam(2, 0x100);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("b", seg(wide)), "does not fit 8 bits");
    }

    @Test
    void aBooterWhoseEngineMaskNamesNoFusedEngineIsRefused() throws IOException {
        byte[] b = booterWithParam(1, 0x0002);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("b", seg(b)), "engine_id_mask 0x2",
                "names none of SEC2");
        byte[] wide = booterWithParam(1, 0x10001);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("b", seg(wide)), "does not fit 16 bits");
    }

    @Test
    void aBooterWhoseFuseVersionNoBitmapHoldsIsRefused() throws IOException {
        byte[] b = booterWithParam(0, 17);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("b", seg(b)), "fuse_ver 17");
        byte[] neg = booterWithParam(0, 0xffff_ffffL);
        refused(Kind.BAD_VALUE, () -> BooterFirmware.parse("b", seg(neg)), "fuse_ver 4294967295");
    }

    @Test
    void aBooterWithMoreAppsThanItsFileHoldsIsRefusedBeforeReadingThem() throws IOException {
        byte[] b = real(Chipset.AD102, FirmwareNames.BOOTER_UNLOAD);
        BooterFirmware ok = BooterFirmware.parse("booter_unload", seg(b));
        long hsAt = ok.bin().header().headerOffset();
        seg(b).set(U32, hsAt + 32, -1); // header_size: room for 2^29 apps
        seg(b).set(U32, ok.hs().headerOffset() + 16, 0x1fff_fffd); // num_apps
        refused(Kind.OUT_OF_BOUNDS, () -> BooterFirmware.parse("b", seg(b)),
                "load header with 536870909 app entries");
    }

    @Test
    void aBooterWhoseSignatureIsPatchedOutsideItsDataSegmentIsRefused() {
        byte[] b = new BooterImageBuilder().payload(new byte[0x200], new byte[0x400])
                .patchOffsetInData(0x100).signature(new byte[0x100]).build();
        BooterFirmware ok = BooterFirmware.parse("b", seg(b));
        seg(b).set(U32, ok.hs().headerOffset() + 12, 0x100); // os_data_size: ends at the patch
        refused(Kind.OUT_OF_BOUNDS, () -> BooterFirmware.parse("b", seg(b)), "patch_loc",
                "ends past the data segment");
    }

    @Test
    void aFwsecDescriptorNamingMoreVersionsThanSignaturesIsRefused() {
        byte[] rom = new VbiosBuilder().fwsec(new FwsecImageBuilder().imemSize(0x200)
                .signature(0, new byte[FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE]).build()).build();
        Vbios ok = Vbios.parse("VBIOS", seg(rom));
        long desc = ok.fwsecDescRomOffset();
        byte[] versions = rom.clone();
        seg(versions).set(U16, desc + 40, (short) 0x0003); // two versions, one signature
        refused(Kind.BAD_VALUE, () -> Vbios.parse("VBIOS", seg(versions)),
                "signature_versions 0x3", "only 1 signatures");
        byte[] pkc = rom.clone();
        seg(pkc).set(U32, desc + 8, (int) ok.fwsecDesc().dmemLoadSize());
        refused(Kind.OUT_OF_BOUNDS, () -> Vbios.parse("VBIOS", seg(pkc)), "pkc_data_offset",
                "past the DMEM image");
    }

    @Test
    void everyRealFileStillParses() throws IOException {
        for (Chipset chip : Chipset.values()) {
            if (!chip.hasGspFirmware535()) {
                continue;
            }
            BooterFirmware.parse("l", seg(real(chip, FirmwareNames.BOOTER_LOAD)));
            BooterFirmware.parse("u", seg(real(chip, FirmwareNames.BOOTER_UNLOAD)));
            RiscvFirmware.parse("bl", seg(real(chip, FirmwareNames.BOOTLOADER)));
            GspFirmware.parse("gsp", seg(real(chip, FirmwareNames.GSP))).signatures(chip);
        }
    }
}
