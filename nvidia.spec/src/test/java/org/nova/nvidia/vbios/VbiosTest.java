package org.nova.nvidia.vbios;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecImageBuilder;
import org.nova.nvidia.fw.FwsecInterface;

class VbiosTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);

    private static byte[] sig(int fill) {
        byte[] s = new byte[384];
        Arrays.fill(s, (byte) fill);
        return s;
    }

    private static FwsecImageBuilder fwsec() {
        return new FwsecImageBuilder().imemSize(0x800).dmemSize(0x400).ids(0x0400, 0x9)
                .signature(1, sig(0xa1)).signature(3, sig(0xa3));
    }

    private static byte[] rom(boolean efi) {
        return new VbiosBuilder().pciIds(0x10de, 0x2684, 0x030000).biosVersion(0x9502_4100L)
                .efiImage(efi).fwsec(fwsec().build()).build();
    }

    private static FormatException fails(Kind kind, String needle, Executable e) {
        FormatException ex = assertThrows(FormatException.class, e);
        assertEquals(kind, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains(needle), ex.getMessage());
        return ex;
    }

    @Test
    void builtVbiosParsesBackToTheSameFields() {
        for (boolean efi : List.of(true, false)) {
            byte[] rom = rom(efi);
            Vbios v = Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
            assertEquals(efi ? 4 : 3, v.images().size());
            assertEquals(Pcir.CODE_TYPE_PCI_AT, v.images().get(0).codeType());
            if (efi) {
                assertEquals(Pcir.CODE_TYPE_EFI, v.images().get(1).codeType());
            }
            assertTrue(v.images().get(v.images().size() - 1).isLast());
            for (BiosImage img : v.images()) {
                assertEquals(RomHeader.SIGNATURE, img.header().signature());
                assertEquals("PCIR", img.pcir().signature());
                assertEquals(0x10de, img.pcir().vendorId());
                assertEquals(0x2684, img.pcir().deviceId());
                assertEquals(0x030000, img.pcir().classCode());
                assertTrue(img.npde().isPresent());
                assertEquals(img.pcir().imageSizeBytes(), img.sizeBytes());
                assertEquals(0, img.romOffset() % 512);
            }
            assertEquals(BitHeader.ID, v.bit().id());
            assertEquals(0x0100, v.bit().bcdVersion());
            assertEquals(2, v.tokens().size());
            assertEquals(VbiosBuilder.BIT_AT, v.bitOffset());
            int sum = 0;
            for (int i = 0; i < BitHeader.SIZE; i++) {
                sum += rom[VbiosBuilder.BIT_AT + i] & 0xff;
            }
            assertEquals(0, sum & 0xff, "BIT header checksum");
            assertEquals(0x9502_4100L, v.biosVersion().orElseThrow());
            assertEquals("95.02.41.00", Vbios.formatVersion(v.biosVersion().orElseThrow()));
            assertEquals(2, v.pmuTable().entries().size());
            assertEquals(fwsec().descriptor(), v.fwsecDesc());
            // the descriptor's offset counts in the FWSEC section, from the first FWSEC image
            assertEquals((efi ? 0x1800 : 0x1400) + VbiosBuilder.FWSEC_DESC_AT, v.fwsecDescRomOffset());
            assertEquals(0x400 + VbiosBuilder.FWSEC_DESC_AT, v.fwsecDescOffset());
            assertTrue(v.ifr().isEmpty());
            byte[] blob = fwsec().build();
            byte[] ucode = Arrays.copyOfRange(blob, v.fwsecDesc().size(), blob.length);
            assertArrayEquals(ucode, v.fwsecUcode().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(2, v.fwsecSignatures().size());
            assertArrayEquals(sig(0xa3), v.fwsecSignatures().get(v.fwsecDesc().signatureIndex(3))
                    .toArray(ValueLayout.JAVA_BYTE));
            // zero-copy: the ucode is a view of the ROM
            assertTrue(v.fwsecUcode().heapBase().orElseThrow() == rom);
            // the driver patches a copy: FRTS command and signature
            MemorySegment copy = MemorySegment.ofArray(v.fwsecUcode().toArray(
                    ValueLayout.JAVA_BYTE));
            FwsecInterface fi = FwsecInterface.locate("VBIOS FWSEC", copy, v.fwsecDesc());
            fi.writeFrts(copy, 0x3_ff00_0000L, 0x10_0000L);
            MemorySegment.copy(v.fwsecSignatures().get(1), 0, copy,
                    v.fwsecDesc().signaturePatchOffset(), FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE);
            assertEquals(new FwsecInterface.Command(FwsecInterface.CMD_FRTS, 0x3_ff00_0000L,
                    0x10_0000L, FwsecInterface.FRTS_REGION_TYPE_FB), fi.readCommand(copy));
            assertEquals((byte) 0xa3, copy.get(ValueLayout.JAVA_BYTE,
                    v.fwsecDesc().signaturePatchOffset()));
        }
    }

    @Test
    void corruptRomsGiveClearErrors() {
        byte[] ok = rom(true);
        byte[] sig = ok.clone();
        sig[0] = 0x00;
        FormatException e = fails(Kind.BAD_MAGIC, "image 0 ROM header at offset 0x0",
                () -> Vbios.parse("VBIOS", MemorySegment.ofArray(sig)));
        assertTrue(e.getMessage().contains("0xaa00"), e.getMessage());
        // second image's PCIR signature
        byte[] pcir = ok.clone();
        pcir[0x1000 + VbiosBuilder.PCIR_AT] = 'X';
        fails(Kind.BAD_MAGIC, "image 1 PCI data structure at offset 0x1040", () -> Vbios.parse(
                "VBIOS", MemorySegment.ofArray(pcir)));
        // truncated ROM: the last image runs past the end
        byte[] cut = Arrays.copyOf(ok, ok.length - 512);
        fails(Kind.OUT_OF_BOUNDS, "image 3", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(cut)));
        // zero image length
        byte[] zero = ok.clone();
        MemorySegment.ofArray(zero).set(ValueLayout.JAVA_SHORT_UNALIGNED,
                VbiosBuilder.PCIR_AT + 16, (short) 0);
        fails(Kind.BAD_VALUE, "image length is 0", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(zero)));
        // no FWSEC images: make the third and fourth EFI
        byte[] nofw = ok.clone();
        for (int at : new int[] {0x1400, 0x1800}) {
            nofw[at + VbiosBuilder.PCIR_AT + 20] = 0x03;
        }
        fails(Kind.MISSING, "an FWSEC image", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(nofw)));
        // BIT pattern gone
        byte[] nobit = ok.clone();
        nobit[VbiosBuilder.BIT_AT + 2] = 'X';
        fails(Kind.MISSING, "BIT", () -> Vbios.parse("VBIOS", MemorySegment.ofArray(nobit)));
        // falcon data pointer inside the PC-AT image
        byte[] ptr = ok.clone();
        MemorySegment.ofArray(ptr).set(U32, VbiosBuilder.FALCON_PTR_AT, 0x10);
        fails(Kind.OUT_OF_BOUNDS, "falcon data pointer at offset 0x1c0", () -> Vbios.parse(
                "VBIOS", MemorySegment.ofArray(ptr)));
        // falcon data pointer past the FWSEC images
        byte[] far = ok.clone();
        MemorySegment.ofArray(far).set(U32, VbiosBuilder.FALCON_PTR_AT, 0x0100_0000);
        fails(Kind.OUT_OF_BOUNDS, "PMU lookup table", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(far)));
        // no FWSEC_PROD entry
        byte[] noprod = ok.clone();
        noprod[0x1400 + VbiosBuilder.PMU_TABLE_AT + 4 + 6] = 0x45;
        fails(Kind.MISSING, "FWSEC_PROD", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(noprod)));
        // descriptor version neither 2 nor 3
        byte[] ver = ok.clone();
        ver[0x1800 + VbiosBuilder.FWSEC_DESC_AT + 1] = 4;
        fails(Kind.BAD_VALUE, "invalid FWSEC descriptor version 4", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(ver)));
        // empty ROM
        fails(Kind.TRUNCATED, "image 0 ROM header", () -> Vbios.parse("VBIOS",
                MemorySegment.ofArray(new byte[8])));
        assertThrows(IllegalStateException.class, () -> new VbiosBuilder().build());
    }
}
