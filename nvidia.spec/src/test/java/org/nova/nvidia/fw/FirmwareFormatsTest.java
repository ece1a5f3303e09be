package org.nova.nvidia.fw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;

/** The parsers on images made by the builders, and on corrupted copies of them. */
class FirmwareFormatsTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);

    private static byte[] gspElf(boolean withSignature) {
        Elf64Builder b = new Elf64Builder()
                .section(".fwimage", MemorySegment.ofArray(new byte[3 * 4096 + 17]), 3)
                .section(".fwversion", "570.144".getBytes(StandardCharsets.US_ASCII));
        if (withSignature) {
            b.section(".fwsignature_ga10x", new byte[4096]);
        }
        try (Arena a = Arena.ofConfined()) {
            return b.build(a).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private static FormatException fails(Kind kind, String needle, Executable e) {
        FormatException ex = assertThrows(FormatException.class, e);
        assertEquals(kind, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains(needle), ex.getMessage());
        return ex;
    }

    @Test
    void builtGspElfParsesBack() {
        byte[] f = gspElf(true);
        GspFirmware g = GspFirmware.parse("gsp.bin", MemorySegment.ofArray(f));
        assertEquals("570.144", g.version());
        assertEquals(3 * 4096 + 17, g.imageSize());
        assertEquals(0x40, g.elf().section(".fwimage").orElseThrow().offset());
        assertEquals(Elf64.EM_RISCV, g.elf().machine());
        assertEquals(java.util.List.of(".fwsignature_ga10x"), g.signatureSections());
        assertEquals(4096, g.signatures(Chipset.GA104).byteSize());
        assertEquals(5, g.elf().sections().size()); // null, 3 data, .shstrtab
        assertEquals(new Elf64Builder().section(".fwimage", MemorySegment.ofArray(
                new byte[3 * 4096 + 17]), 3).section(".fwversion", "570.144".getBytes(
                        StandardCharsets.US_ASCII)).section(".fwsignature_ga10x",
                                new byte[4096]).size(), f.length);
    }

    @Test
    void elfErrorsNameTheFileStructureAndOffset() {
        byte[] ok = gspElf(true);
        fails(Kind.TRUNCATED, "gsp.bin: ELF64 file header at offset 0x0", () -> GspFirmware.parse(
                "gsp.bin", MemorySegment.ofArray(new byte[10])));
        byte[] magic = ok.clone();
        magic[1] = 'X';
        fails(Kind.BAD_MAGIC, "7f 58 4c 46", () -> Elf64.parse("gsp.bin",
                MemorySegment.ofArray(magic)));
        byte[] cls = ok.clone();
        cls[4] = 1;
        fails(Kind.BAD_VALUE, "ELF64", () -> Elf64.parse("x", MemorySegment.ofArray(cls)));
        // section table past the end
        byte[] shoff = ok.clone();
        MemorySegment.ofArray(shoff).set(U64, 0x28, (long) ok.length);
        fails(Kind.OUT_OF_BOUNDS, "section header table", () -> Elf64.parse("gsp.bin",
                MemorySegment.ofArray(shoff)));
        // a section whose data runs past the end
        byte[] size = ok.clone();
        long sh = MemorySegment.ofArray(ok).get(U64, 0x28);
        MemorySegment.ofArray(size).set(U64, sh + 64 + 32, (long) ok.length);
        FormatException e = fails(Kind.OUT_OF_BOUNDS, "(.fwimage)", () -> Elf64.parse("gsp.bin",
                MemorySegment.ofArray(size)));
        assertEquals(0x40, e.offset());
        // truncated file: the section table is cut off
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 10);
        fails(Kind.OUT_OF_BOUNDS, "section header table", () -> Elf64.parse("gsp.bin",
                MemorySegment.ofArray(cut)));
        // no signature section at all: not a GSP image
        fails(Kind.MISSING, "no .fwsignature_<family> section", () -> GspFirmware.parse("gsp.bin",
                MemorySegment.ofArray(gspElf(false))));
        // the chip's family's signature section absent
        GspFirmware g = GspFirmware.parse("gsp.bin", MemorySegment.ofArray(ok));
        fails(Kind.MISSING, "no section named .fwsignature_ad10x", () -> g.signatures(
                Chipset.AD102));
        // name index past the string table
        byte[] name = ok.clone();
        MemorySegment.ofArray(name).set(U32, sh + 64, 0x7fff);
        fails(Kind.OUT_OF_BOUNDS, "sh_name", () -> Elf64.parse("gsp.bin",
                MemorySegment.ofArray(name)));
    }

    @Test
    void booterBuiltParsesBackAndPatchesTheRightSignature() {
        byte[] code = new byte[0x300];
        byte[] data = new byte[0x400];
        byte[][] sigs = new byte[3][];
        BooterImageBuilder b = new BooterImageBuilder().payload(code, data).patchOffsetInData(0x80)
                .params(5, 0x0004, 0x2);
        for (int i = 0; i < 3; i++) {
            sigs[i] = new byte[384];
            java.util.Arrays.fill(sigs[i], (byte) (0x10 + i));
            b.signature(sigs[i]);
        }
        byte[] f = b.build();
        BooterFirmware bf = BooterFirmware.parse("booter_load.bin", MemorySegment.ofArray(f));
        assertEquals(BinHeader.MAGIC, bf.bin().header().magic());
        assertEquals(f.length, bf.bin().header().dataOffset() + bf.bin().header().dataSize());
        assertEquals(3, bf.signatures().size());
        assertEquals(384, bf.signatureSize());
        assertEquals(0x300 + 0x80, bf.patchLocation());
        assertEquals(0x80, bf.pkcDataOffset());
        assertEquals(0x300, bf.load().osDataOffset());
        assertEquals(0x400, bf.load().osDataSize());
        assertEquals(new HsLoadHeaderV2.App(0, 0x300), bf.imemSecLoad());
        assertEquals(new HsSignatureParams(5, 4, 2), bf.params());
        // fuse 0 -> last; fuse 5 -> index 0; fuse 3 -> index 2; fuse 6 -> none
        assertArrayEquals(sigs[2], bf.signatureFor(0).toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(sigs[0], bf.signatureFor(5).toArray(ValueLayout.JAVA_BYTE));
        assertArrayEquals(sigs[2], bf.signatureFor(3).toArray(ValueLayout.JAVA_BYTE));
        fails(Kind.MISSING, "fuse version 6", () -> bf.signatureFor(6));
        fails(Kind.MISSING, "fuse version 2", () -> bf.signatureFor(2));
        byte[] copy = bf.ucode().toArray(ValueLayout.JAVA_BYTE);
        bf.patchSignature(MemorySegment.ofArray(copy), bf.signatureFor(4));
        assertEquals(0x11, copy[0x380]);
        assertEquals(0x11, copy[0x380 + 383]);
        assertEquals(0, copy[0x380 + 384]);
        fails(Kind.OUT_OF_BOUNDS, "does not fit", () -> bf.patchSignature(
                MemorySegment.ofArray(new byte[0x390]), bf.signatureFor(4)));
        // unsigned booter
        byte[] unsigned = new BooterImageBuilder().build();
        BooterFirmware u = BooterFirmware.parse("b", MemorySegment.ofArray(unsigned));
        assertEquals(0, u.signatures().size());
        fails(Kind.MISSING, "no signatures", () -> u.signatureFor(0));
    }

    @Test
    void binaryHeaderErrors() {
        byte[] f = new BooterImageBuilder().signature(new byte[16]).build();
        MemorySegment s = MemorySegment.ofArray(f);
        fails(Kind.TRUNCATED, "BinHdr at offset 0x0", () -> BinFirmware.parse("booter_load",
                MemorySegment.ofArray(new byte[20])));
        byte[] magic = f.clone();
        magic[0] = 0x11;
        fails(Kind.BAD_MAGIC, "bin_magic is 0x1011, not 0x10de", () -> BinFirmware.parse(
                "booter_load", MemorySegment.ofArray(magic)));
        byte[] data = f.clone();
        MemorySegment.ofArray(data).set(U32, 20, s.get(U32, 20) + 1);
        fails(Kind.OUT_OF_BOUNDS, "data payload", () -> BinFirmware.parse("booter_load",
                MemorySegment.ofArray(data)));
        // HS header pointing past the end
        byte[] hs = f.clone();
        MemorySegment.ofArray(hs).set(U32, 12, f.length - 8);
        fails(Kind.TRUNCATED, "HsHeaderV2", () -> BooterFirmware.parse("booter_load",
                MemorySegment.ofArray(hs)));
        // num_sig not dividing the size
        byte[] num = f.clone();
        long numSigOff = s.get(U32, 24 + 24);
        MemorySegment.ofArray(num).set(U32, numSigOff, 3);
        fails(Kind.BAD_VALUE, "not a multiple of num_sig", () -> BooterFirmware.parse("b",
                MemorySegment.ofArray(num)));
        // app code beyond the payload
        byte[] app = f.clone();
        long load = s.get(U32, 24 + 28);
        MemorySegment.ofArray(app).set(U32, load + 24, 0x7fff_0000);
        fails(Kind.OUT_OF_BOUNDS, "app code", () -> BooterFirmware.parse("b",
                MemorySegment.ofArray(app)));
    }

    @Test
    void riscvBuiltParsesBack() {
        byte[] f = new RiscvImageBuilder().build();
        RiscvFirmware r = RiscvFirmware.parse("bootloader.bin", MemorySegment.ofArray(f));
        RiscvUcodeDesc d = new RiscvImageBuilder().descriptor();
        assertEquals(d, r.desc());
        assertEquals(21, r.desc().fieldCount());
        assertEquals(d.monitorCodeOffset(), r.codeOffset());
        assertEquals(d.monitorDataOffset(), r.dataOffset());
        byte[] bad = f.clone();
        MemorySegment.ofArray(bad).set(U32, 24 + 48, 0x7fff_fff0); // monitor code offset
        fails(Kind.OUT_OF_BOUNDS, "monitor code", () -> RiscvFirmware.parse("bootloader.bin",
                MemorySegment.ofArray(bad)));
        byte[] cut = java.util.Arrays.copyOf(f, 40);
        MemorySegment.ofArray(cut).set(U32, 16, 24); // data_offset
        MemorySegment.ofArray(cut).set(U32, 20, 16); // data_size
        fails(Kind.TRUNCATED, "RM_RISCV_UCODE_DESC at offset 0x18", () -> RiscvFirmware.parse(
                "bl", MemorySegment.ofArray(cut)));
    }

    @Test
    void radix3TablesTranslateEveryPage() {
        long size = 600L * 4096 + 5; // 601 pages: two level-2 pages
        Radix3.Layout l = Radix3.layout(size);
        assertEquals(601, l.imagePages());
        assertEquals(601 * 8, l.level2Bytes());
        assertEquals(2, l.level2Pages());
        assertEquals(16, l.level1Bytes());
        assertEquals(1, l.level1Pages());
        assertEquals(4, l.tablePages());
        // fake physical memory: image pages at 0x1000_0000 + 2*page*4K (sparse), tables elsewhere
        Map<Long, Long> mem = new HashMap<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment l2 = a.allocate(l.level2Pages() * 4096);
            MemorySegment l1 = a.allocate(4096);
            MemorySegment l0 = a.allocate(4096);
            long l2Base = 0x2000_0000L;
            long l1Base = 0x3000_0000L;
            long l0Base = 0x4000_0000L;
            Radix3.writeLevel2(l2, l, p -> 0x1000_0000L + p * 2 * 4096);
            Radix3.writeLevel1(l1, l, p -> l2Base + p * 4096);
            Radix3.writeLevel0(l0, l1Base);
            for (long i = 0; i < l2.byteSize(); i += 8) {
                mem.put(l2Base + i, l2.get(U64, i));
            }
            for (long i = 0; i < 4096; i += 8) {
                mem.put(l1Base + i, l1.get(U64, i));
                mem.put(l0Base + i, l0.get(U64, i));
            }
        }
        for (long page = 0; page < l.imagePages(); page++) {
            long va = page * 4096 + 123;
            assertEquals(0x1000_0000L + page * 2 * 4096 + 123, Radix3.translate(
                    mem::get, 0x4000_0000L, va));
        }
        // the real GA102 .fwimage (0x2448000 bytes, per readelf): 9288 pages, 19 level-2 pages
        Radix3.Layout ga = Radix3.layout(0x2448000);
        assertEquals(9288, ga.imagePages());
        assertEquals(19, ga.level2Pages());
        assertEquals(1, ga.level1Pages());
        assertThrows(IllegalArgumentException.class, () -> Radix3.layout(0));
    }

    @Test
    void fwsecDescriptorSelectsSignaturesLikeNovaCore() {
        FwsecImageBuilder b = new FwsecImageBuilder();
        b.signature(2, new byte[384]).signature(4, new byte[384]).signature(7, new byte[384]);
        FalconUcodeDescV3 d = b.descriptor();
        assertEquals(0b1001_0100, d.signatureVersions());
        assertEquals(0, d.signatureIndex(2));
        assertEquals(1, d.signatureIndex(4));
        assertEquals(2, d.signatureIndex(7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.signatureIndex(3));
        assertTrue(e.getMessage().contains("fuse version 3"), e.getMessage());
        byte[] blob = b.build();
        FalconUcodeDescV3 back = FalconUcodeDescV3.parse("fwsec", MemorySegment.ofArray(blob), 0);
        assertEquals(d, back);
        assertEquals(3, back.version());
        assertEquals(44 + 3 * 384, back.size());
        MemorySegment ucode = MemorySegment.ofArray(java.util.Arrays.copyOfRange(blob,
                back.size(), blob.length));
        FwsecInterface fi = FwsecInterface.locate("fwsec", ucode, back);
        fi.writeFrts(ucode, 0x7_ffe0_0000L, 0x10_0000L);
        FwsecInterface.Command c = fi.readCommand(ucode);
        assertEquals(FwsecInterface.CMD_FRTS, c.initCmd());
        assertEquals(0x7_ffe0_0000L, c.frtsAddress());
        assertEquals(0x10_0000L, c.frtsSize());
        assertEquals(FwsecInterface.FRTS_REGION_TYPE_FB, c.regionType());
        assertThrows(IllegalArgumentException.class, () -> fi.writeFrts(ucode, 0x1001, 0x1000));
        // a wrong version / mapper signature is refused
        byte[] v2 = blob.clone();
        v2[1] = 2;
        fails(Kind.BAD_VALUE, "version 2", () -> FalconUcodeDescV3.parse("fwsec",
                MemorySegment.ofArray(v2), 0));
        byte[] dmap = java.util.Arrays.copyOfRange(blob, back.size(), blob.length);
        dmap[(int) back.imemLoadSize() + FwsecImageBuilder.MAPPER_DMEM_OFFSET] = 'X';
        fails(Kind.BAD_MAGIC, "DMAP", () -> FwsecInterface.locate("fwsec",
                MemorySegment.ofArray(dmap), back));
        fails(Kind.OUT_OF_BOUNDS, "ucode", () -> FalconUcodeDescV3.parse("fwsec",
                MemorySegment.ofArray(java.util.Arrays.copyOf(blob, blob.length - 1)), 0));
    }
}
