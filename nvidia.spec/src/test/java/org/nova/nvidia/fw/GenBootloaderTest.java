package org.nova.nvidia.fw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;

/**
 * The generic bootloader file and the DMEM descriptor the driver gives it (nova-core
 * firmware/fwsec/bootloader.rs): built, parsed back, and every malformed file refused.
 */
class GenBootloaderTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;

    private static byte[] code(int n) {
        byte[] c = new byte[n];
        for (int i = 0; i < n; i++) {
            c[i] = (byte) (i * 7 + 1);
        }
        return c;
    }

    private static GenBootloader parse(byte[] file) {
        return GenBootloader.parse("gen_bootloader", MemorySegment.ofArray(file));
    }

    private static void fails(Kind kind, String needle, Executable e) {
        FormatException ex = assertThrows(FormatException.class, e);
        assertEquals(kind, ex.kind(), ex.getMessage());
        assertTrue(ex.getMessage().contains(needle), ex.getMessage());
    }

    @Test
    void aBuiltBootloaderParsesBackAndIsPlacedBelowTheLoadCeiling() {
        byte[] code = code(0x1e4);
        GenBootloader g = parse(GenBootloader.build(code, 0xfd));
        assertEquals(0xfd, g.startTag());
        assertEquals(0x1e4, g.codeSize());
        assertArrayEquals(code, g.code().toArray(ValueLayout.JAVA_BYTE));
        assertEquals(0x200, g.alignedCodeSize(), "padded to the 256-byte IMEM block");
        assertEquals(0x10000 - 0x200, g.imemDstStart(), "right below the first 64 KiB of IMEM");
        assertEquals(0xfd00, g.bootAddr(), "boot address = start tag << 8");
        // exactly one block
        assertEquals(0x100, parse(GenBootloader.build(code(0x100), 1)).alignedCodeSize());
    }

    @Test
    void malformedBootloadersAreRefused() {
        byte[] ok = GenBootloader.build(code(0x1e4), 0xfd);
        byte[] magic = ok.clone();
        magic[0] = 0;
        fails(Kind.BAD_MAGIC, "bin_magic", () -> parse(magic));
        fails(Kind.OUT_OF_BOUNDS, "data payload", () -> parse(Arrays.copyOf(ok, ok.length - 1)));
        byte[] empty = ok.clone();
        MemorySegment.ofArray(empty).set(U32, BinHeader.SIZE + 12, 0);
        fails(Kind.BAD_VALUE, "code_size is 0", () -> parse(empty));
        byte[] tag = ok.clone();
        MemorySegment.ofArray(tag).set(U32, BinHeader.SIZE, 0x1_0000);
        fails(Kind.BAD_VALUE, "start_tag 0x10000", () -> parse(tag));
        // a bootloader that does not fit below the ceiling
        fails(Kind.BAD_VALUE, "does not fit below the IMEM load ceiling", () -> parse(GenBootloader.build(
                code(GenBootloader.LOAD_CEILING + 1), 0)));
        byte[] desc = ok.clone();
        MemorySegment.ofArray(desc).set(U32, 12, ok.length - 8); // header_offset: the descriptor runs past the end
        fails(Kind.TRUNCATED, "BootloaderDesc", () -> parse(desc));
    }

    @Test
    void theDmemDescriptorRoundTripsInItsPackedLayout() {
        BootloaderDmemDescV2 d = new BootloaderDmemDescV2(BootloaderDmemDescV2.FALCON_DMAIDX_PHYS_SYS_NCOH,
                0x1_2345_6700L, 0, 0x100, 0x100, 0x700, 0, 0x1_2345_6f00L, 0x400, 0, 0);
        byte[] b = d.toBytes();
        assertEquals(BootloaderDmemDescV2.SIZE, b.length);
        MemorySegment s = MemorySegment.ofArray(b);
        assertEquals(4, s.get(U32, 32), "ctx_dma after reserved[4] and signature[4]");
        assertEquals(0x2345_6700, s.get(U32, 36), "code_dma_base, packed right after ctx_dma");
        assertEquals(1, s.get(U32, 40));
        assertEquals(0x400, s.get(U32, 72), "data_size");
        assertEquals(d, BootloaderDmemDescV2.parse("dmem", s, 0));
        assertThrows(FormatException.class, () -> BootloaderDmemDescV2.parse("dmem", s.asSlice(1), 0));
    }

    @Test
    void onlyTuringAndGa100NeedTheBootloaderAndRequestIt() {
        for (Chipset c : Chipset.values()) {
            boolean needs = c.architecture() == org.nova.nvidia.Architecture.TURING || c == Chipset.GA100;
            assertEquals(needs, c.needsFwsecBootloader(), c.name());
            assertEquals(needs, FirmwareNames.forChipset(c).contains(FirmwareNames.GEN_BOOTLOADER), c.name());
        }
        String p = FirmwareNames.path(Chipset.TU102, FirmwareNames.GEN_BOOTLOADER, "570.144");
        assertEquals("nvidia/tu102/gsp/gen_bootloader-570.144.bin", p);
        assertEquals(FirmwareNames.GEN_BOOTLOADER, FirmwareNames.parse(p).orElseThrow().file());
    }
}
