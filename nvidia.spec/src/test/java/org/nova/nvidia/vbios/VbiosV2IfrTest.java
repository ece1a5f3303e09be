package org.nova.nvidia.vbios;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.FalconUcodeDescV2;
import org.nova.nvidia.fw.FwsecImageBuilder;
import org.nova.nvidia.fw.FwsecInterface;

/**
 * The Turing/GA100 VBIOS (nova-core vbios.rs): an IFR header in front of the PCI ROM, a V2 FWSEC
 * descriptor, the concatenated FWSEC section; built by {@link VbiosBuilder}, parsed back by
 * {@link Vbios#parse}, and each malformed variant refused with a {@link FormatException} naming it.
 */
class VbiosV2IfrTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    private static FwsecImageBuilder v2() {
        return new FwsecImageBuilder().imemSize(0x800).dmemSize(0x400).v2();
    }

    private static byte[] rom(int ifr) {
        return new VbiosBuilder().pciIds(0x10de, 0x1e04, 0x030000).ifr(ifr).fwsec(v2().build()).build();
    }

    private static Vbios parse(byte[] rom) {
        return Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
    }

    private static FormatException fails(Kind kind, String needle, Executable e) {
        FormatException ex = assertThrows(FormatException.class, e);
        assertEquals(kind, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains(needle), ex.getMessage());
        return ex;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void aV2RomBehindEachIfrVersionParsesBackToTheSameFields(int ifr) {
        byte[] rom = rom(ifr);
        Vbios v = parse(rom);
        long base = ifr == 0 ? 0 : VbiosBuilder.IFR_PCI_ROM_OFFSET;
        assertEquals(ifr == 0 ? Optional.empty() : Optional.of(ifr), v.ifr().map(IfrHeader::version));
        v.ifr().ifPresent(h -> assertEquals(VbiosBuilder.IFR_PCI_ROM_OFFSET, h.pciRomOffset()));
        assertEquals(base, v.images().getFirst().romOffset());
        assertEquals(v2().desc(), v.fwsecDesc());
        FalconUcodeDescV2 d = (FalconUcodeDescV2) v.fwsecDesc();
        assertEquals(2, d.version());
        assertEquals(FalconUcodeDescV2.SIZE, d.size());
        assertEquals(0, d.signatureCount());
        assertTrue(v.fwsecSignatures().isEmpty(), "a V2 image carries no signatures to choose from");
        // load targets as firmware.rs computes them for V2
        assertEquals(new FalconUcodeDesc.LoadTarget(0, 0, FwsecImageBuilder.V2_NON_SECURE_SIZE),
                d.imemNonSecure().orElseThrow());
        assertEquals(new FalconUcodeDesc.LoadTarget(FwsecImageBuilder.V2_NON_SECURE_SIZE,
                FwsecImageBuilder.V2_NON_SECURE_SIZE, 0x800 - FwsecImageBuilder.V2_NON_SECURE_SIZE), d.imemSecure());
        assertEquals(new FalconUcodeDesc.LoadTarget(0x800, 0, 0x400), d.dmem());
        byte[] blob = v2().build();
        assertArrayEquals(Arrays.copyOfRange(blob, FalconUcodeDescV2.SIZE, blob.length),
                v.fwsecUcode().toArray(ValueLayout.JAVA_BYTE));
        assertEquals(base + 0x1800 + VbiosBuilder.FWSEC_DESC_AT, v.fwsecDescRomOffset());
        // the driver patches the FRTS command of a V2 image as of a V3 one
        MemorySegment copy = MemorySegment.ofArray(v.fwsecUcode().toArray(ValueLayout.JAVA_BYTE));
        FwsecInterface fi = FwsecInterface.locate("FWSEC", copy, v.fwsecDesc());
        fi.writeFrts(copy, 0x3_ff00_0000L, 0x10_0000L);
        assertEquals(0x3_ff00_0000L, fi.readCommand(copy).frtsAddress());
    }

    @Test
    void everyImageFromTheFirstFwsecImageOnIsPartOfTheFwsecSection() {
        // the image holding the descriptor is not typed FWSEC: upstream counts it in the section anyway
        byte[] rom = rom(0);
        rom[0x1800 + VbiosBuilder.PCIR_AT + 20] = 0x03;
        Vbios v = parse(rom);
        assertEquals(v2().desc(), v.fwsecDesc());
        assertEquals(0x1400, v.fwsecFirst().romOffset());
        assertEquals(rom.length - 0x1400, v.fwsecSection().byteSize());
    }

    @Test
    void badIfrHeadersAreRefusedNamingWhatIsWrong() {
        byte[] version = rom(2);
        MemorySegment.ofArray(version).set(U32, IfrHeader.FIXED1_AT, 5 << IfrHeader.FIXED1_VERSION_SHIFT);
        fails(Kind.BAD_VALUE, "unsupported IFR header version 5", () -> parse(version));
        byte[] dir = rom(3);
        dir[IfrHeader.BUILT_FLASH_STATUS + IfrHeader.RFW_FLASH_STATUS_SIZE] = 'X';
        fails(Kind.MISSING, "IFR ROM directory", () -> parse(dir));
        byte[] past = rom(2);
        MemorySegment.ofArray(past).set(U32, IfrHeader.BUILT_FIXED_DATA_SIZE + IfrHeader.SW_EXT_ROM_ADDR_OFFSET,
                past.length + 0x200);
        fails(Kind.TRUNCATED, "image 0 ROM header", () -> parse(past));
        byte[] wrong = rom(2);
        MemorySegment.ofArray(wrong).set(U32, IfrHeader.BUILT_FIXED_DATA_SIZE + IfrHeader.SW_EXT_ROM_ADDR_OFFSET,
                0x1000);
        fails(Kind.BAD_MAGIC, "image 0 ROM header at offset 0x1000", () -> parse(wrong));
        // only the IFR header: its fixed part cut short
        fails(Kind.TRUNCATED, "IFR header", () -> parse(Arrays.copyOf(rom(2), 6)));
    }

    @Test
    void badV2DescriptorsAreRefused() {
        long desc = VbiosBuilder.IFR_PCI_ROM_OFFSET + 0x1800 + VbiosBuilder.FWSEC_DESC_AT;
        // the ucode runs past the ROM
        byte[] big = rom(2);
        MemorySegment.ofArray(big).set(U32, desc + 24, 0x10_0000);
        fails(Kind.OUT_OF_BOUNDS, "ucode", () -> parse(big));
        // the secure code lies outside the code
        byte[] sec = rom(2);
        MemorySegment.ofArray(sec).set(U32, desc + 36, 0x900);
        fails(Kind.OUT_OF_BOUNDS, "secure code", () -> parse(sec));
        // the DMEM image lies outside the ucode
        byte[] dmem = rom(2);
        MemorySegment.ofArray(dmem).set(U32, desc + 40, 0x900);
        fails(Kind.OUT_OF_BOUNDS, "DMEM image", () -> parse(dmem));
        // a header size below the descriptor
        byte[] hdr = rom(2);
        MemorySegment.ofArray(hdr).set(U32, desc, (int) ((FalconUcodeDescV2.header() & 0xffff) | 0x20 << 16));
        fails(Kind.BAD_VALUE, "header size 32", () -> parse(hdr));
        // an unknown version
        byte[] ver = rom(2);
        ver[(int) desc + 1] = 7;
        fails(Kind.BAD_VALUE, "invalid FWSEC descriptor version 7", () -> parse(ver));
        // a V2 descriptor cut short by the end of the data
        byte[] blob = v2().build();
        fails(Kind.TRUNCATED, "FalconUCodeDescV2", () -> FalconUcodeDesc.parse("fwsec",
                MemorySegment.ofArray(Arrays.copyOf(blob, FalconUcodeDescV2.SIZE - 4)), 0));
        // a V2 descriptor whose ucode is cut short
        fails(Kind.OUT_OF_BOUNDS, "ucode", () -> FalconUcodeDesc.parse("fwsec",
                MemorySegment.ofArray(Arrays.copyOf(blob, blob.length - 1)), 0));
    }

    @Test
    void theBuilderRefusesWhatNoRomHas() {
        assertThrows(IllegalArgumentException.class, () -> new VbiosBuilder().ifr(4));
        assertThrows(IllegalStateException.class, () -> v2().signature(0, new byte[384]));
        assertThrows(IllegalStateException.class, () -> v2().descriptor());
        assertThrows(IllegalStateException.class, () -> new FwsecImageBuilder().imemSize(0x100).v2().desc());
    }
}
