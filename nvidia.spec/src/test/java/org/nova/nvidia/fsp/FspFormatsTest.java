package org.nova.nvidia.fsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.Elf64Builder;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfsp;
import org.nova.nvidia.regs.RegisterMap;

/** The FSP boot path's formats (nova-core mctp.rs, fsp.rs, firmware/fsp.rs, gsp/fw.rs) and registers. */
class FspFormatsTest {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void mctpAndNvdmHeaders() {
        assertEquals(0xc000_0000, Mctp.singlePacket());
        assertTrue(Mctp.isSinglePacket(Mctp.singlePacket()));
        assertFalse(Mctp.isSinglePacket(Mctp.MCTP_SOM));
        assertFalse(Mctp.isSinglePacket(Mctp.MCTP_EOM));
        int cot = Mctp.nvdmHeader(Mctp.NVDM_TYPE_COT);
        assertEquals(0x1410_de7e, cot, "type 0x14 in 31:24, vendor 0x10de in 23:8, message type 0x7e in 6:0");
        assertTrue(Mctp.nvdmValid(cot, Mctp.NVDM_TYPE_COT));
        assertFalse(Mctp.nvdmValid(cot, Mctp.NVDM_TYPE_FSP_RESPONSE));
        assertFalse(Mctp.nvdmValid(cot ^ 0x100, Mctp.NVDM_TYPE_COT), "another vendor");
        assertFalse(Mctp.nvdmValid(cot ^ 1, Mctp.NVDM_TYPE_COT), "another MCTP message type");
        assertEquals(Mctp.NVDM_TYPE_FSP_RESPONSE, Mctp.nvdmType(Mctp.nvdmHeader(Mctp.NVDM_TYPE_FSP_RESPONSE)));
    }

    @Test
    void cotLayoutIsNvdmPayloadCotPacked() {
        assertEquals(36, FspCot.HASH_AT);
        assertEquals(84, FspCot.PUBLIC_KEY_AT);
        assertEquals(468, FspCot.SIGNATURE_AT);
        assertEquals(852, FspCot.GSP_BOOT_ARGS_SYSMEM_OFFSET_AT);
        assertEquals(860, FspCot.PAYLOAD_SIZE);
        assertEquals(868, FspCot.MESSAGE_SIZE);
        assertEquals(0, FspCot.MESSAGE_SIZE % Integer.BYTES, "EMEM takes whole words");
        assertEquals(20, FspCot.RESPONSE_SIZE);
        byte[] hash = new byte[FmcFirmware.HASH_SIZE];
        Arrays.fill(hash, (byte) 0x11);
        byte[] key = new byte[FmcFirmware.PUBLIC_KEY_SIZE];
        key[383] = 0x22;
        byte[] sig = new byte[FmcFirmware.SIGNATURE_SIZE];
        sig[0] = 0x33;
        FspCot.Cot c = new FspCot.Cot(1, FspCot.PAYLOAD_SIZE, 0x1_2345_6000L, 0, 0, 2L << 20, 1 << 20, hash, key, sig,
                0xabc_d000L);
        byte[] m = c.toMessage();
        MemorySegment s = MemorySegment.ofArray(m);
        assertEquals(Mctp.singlePacket(), s.get(LE32, 0));
        assertEquals(Mctp.nvdmHeader(Mctp.NVDM_TYPE_COT), s.get(LE32, 4));
        assertEquals(0x1_2345_6000L, s.get(LE64, 8 + FspCot.GSP_FMC_SYSMEM_OFFSET_AT));
        assertEquals(0xabc_d000L, s.get(LE64, 8 + FspCot.GSP_BOOT_ARGS_SYSMEM_OFFSET_AT));
        assertEquals(0x22, m[8 + FspCot.PUBLIC_KEY_AT + 383]);
        assertEquals(0x33, m[8 + FspCot.SIGNATURE_AT]);
        FspCot.Cot back = FspCot.Cot.parsePayload("t", Arrays.copyOfRange(m, 8, m.length));
        assertEquals(c.frtsVidmemSize(), back.frtsVidmemSize());
        assertArrayEquals(sig, back.signature());
        FormatException e = assertThrows(FormatException.class,
                () -> FspCot.Cot.parsePayload("short", new byte[FspCot.PAYLOAD_SIZE - 4]));
        assertEquals(FormatException.Kind.TRUNCATED, e.kind());
        assertThrows(IllegalArgumentException.class, () -> new FspCot.Cot(1, 0, 0, 0, 0, 0, 0, new byte[47], key, sig, 0));
    }

    @Test
    void responseParsesAndRejectsShortReplies() {
        FspCot.Response r = new FspCot.Response(Mctp.singlePacket(), Mctp.nvdmHeader(Mctp.NVDM_TYPE_FSP_RESPONSE), 3,
                Mctp.NVDM_TYPE_COT, 0x42);
        assertEquals(r, FspCot.Response.parse("r", r.toBytes()));
        byte[] longer = Arrays.copyOf(r.toBytes(), 32);
        assertEquals(r, FspCot.Response.parse("r", longer), "bytes past the response are ignored");
        assertEquals(FormatException.Kind.TRUNCATED, assertThrows(FormatException.class,
                () -> FspCot.Response.parse("r", new byte[16])).kind());
    }

    @Test
    void cotVersionAndFspChipsPerArchitecture() {
        assertEquals(1, FspCot.cotVersion(Architecture.HOPPER));
        assertEquals(2, FspCot.cotVersion(Architecture.BLACKWELL_GB10X));
        assertEquals(2, FspCot.cotVersion(Architecture.BLACKWELL_GB20X));
        assertThrows(IllegalArgumentException.class, () -> FspCot.cotVersion(Architecture.ADA));
        for (Architecture a : Architecture.values()) {
            assertEquals(a.compareTo(Architecture.HOPPER) >= 0 && a != Architecture.ADA, FspCot.bootsThroughFsp(a), a.name());
        }
        assertEquals(0x182_0000L, FspChipFacts.PMU_RESERVED_GB100, "align_up(8M + 16M + 4K, 128K)");
        assertEquals(2L << 20, FspChipFacts.frtsVidmemOffset(FspChipFacts.NON_WPR_HEAP_GH100,
                FspChipFacts.PMU_RESERVED_GH100));
        assertEquals(28L << 20, FspChipFacts.frtsVidmemOffset(FspChipFacts.NON_WPR_HEAP_GB202,
                FspChipFacts.PMU_RESERVED_GB100));
    }

    private static MemorySegment fmc(Arena a, byte[] hash, byte[] key, byte[] sig, boolean withImage) {
        Elf64Builder b = new Elf64Builder();
        if (withImage) {
            b.section(FmcFirmware.SECTION_IMAGE, new byte[] {1, 2, 3, 4});
        }
        if (hash != null) {
            b.section(FmcFirmware.SECTION_HASH, hash);
        }
        b.section(FmcFirmware.SECTION_PUBLIC_KEY, key);
        b.section(FmcFirmware.SECTION_SIGNATURE, sig);
        return b.build(a);
    }

    @Test
    void fmcSectionsAreExtractedAndPadded() {
        try (Arena a = Arena.ofConfined()) {
            byte[] key = new byte[97];
            key[96] = 9;
            FmcFirmware f = FmcFirmware.parse("fmc", fmc(a, new byte[48], key, new byte[96], true));
            assertEquals(4, f.image().byteSize());
            assertEquals(FmcFirmware.PUBLIC_KEY_SIZE, f.publicKey().length, "zero-padded to RSA-3072");
            assertEquals(9, f.publicKey()[96]);
            assertEquals(0, f.publicKey()[97]);
            assertEquals(FmcFirmware.SIGNATURE_SIZE, f.signature().length);
            assertEquals(FormatException.Kind.MISSING, assertThrows(FormatException.class,
                    () -> FmcFirmware.parse("fmc", fmc(a, null, key, new byte[96], true))).kind());
            assertEquals(FormatException.Kind.MISSING, assertThrows(FormatException.class,
                    () -> FmcFirmware.parse("fmc", fmc(a, new byte[48], key, new byte[96], false))).kind());
            FormatException big = assertThrows(FormatException.class,
                    () -> FmcFirmware.parse("fmc", fmc(a, new byte[48], new byte[385], new byte[96], true)));
            assertEquals(FormatException.Kind.BAD_VALUE, big.kind());
            assertTrue(big.getMessage().contains("publickey") && big.getMessage().contains("385"), big.getMessage());
            assertEquals(FormatException.Kind.BAD_VALUE, assertThrows(FormatException.class,
                    () -> FmcFirmware.parse("fmc", fmc(a, new byte[40], key, new byte[96], true))).kind());
            assertEquals(FormatException.Kind.BAD_MAGIC, assertThrows(FormatException.class,
                    () -> FmcFirmware.parse("fmc", MemorySegment.ofArray(new byte[128]))).kind());
        }
    }

    @Test
    void gspFmcBootParamsLayout() {
        MemorySegment p = MemorySegment.ofArray(new byte[GspFmcBootParams.SIZE]);
        p.fill((byte) 0x77);
        GspFmcBootParams.write(p, 0x1111_2000L, 256, 0x3333_4000L);
        assertEquals(0, p.get(LE32, GspFmcBootParams.REGKEYS_AT));
        assertEquals(GspFmcBootParams.DMA_TARGET_COHERENT_SYSTEM, p.get(LE32, 8));
        assertEquals(256, p.get(LE32, 12));
        assertEquals(0x1111_2000L, p.get(LE64, 16));
        assertEquals(0L, p.get(LE64, 24), "WPR carve-out left zero");
        assertTrue(GspFmcBootParams.isGspRmBoot(p));
        assertEquals(GspFmcBootParams.DMA_TARGET_NONCOHERENT_SYSTEM, p.get(LE32, 40));
        assertEquals(0x3333_4000L, p.get(LE64, 48));
        for (int i = GspFmcBootParams.SPDM_AT; i < GspFmcBootParams.SIZE; i++) {
            assertEquals(0, p.get(ValueLayout.JAVA_BYTE, i), "SPDM zero at " + i);
        }
    }

    @Test
    void fspRegisters() {
        assertEquals(0x8f2ac0, Pfsp.EMEMC.address());
        assertEquals(0x8f2ac4, Pfsp.EMEMD.address());
        assertEquals(0x8f2c00, Pfsp.QUEUE_HEAD.address(0));
        assertEquals(0x8f2c04, Pfsp.QUEUE_TAIL.address(0));
        assertEquals(0x8f2c08, Pfsp.QUEUE_HEAD.address(1), "channels 8 bytes apart");
        assertEquals(0x8f2c80, Pfsp.MSGQ_HEAD.address(0));
        assertEquals(0x8f2c84, Pfsp.MSGQ_TAIL.address(0));
        assertEquals(0x300 + 0x10, Pfsp.ememAddress(Pfsp.EMEMC_BLK.of(3) | Pfsp.EMEMC_OFFS.of(4) | Pfsp.EMEMC_AINCW.of(1)));
        assertEquals("NV_PFSP_QUEUE_HEAD[1]", RegisterMap.lookup(0x8f2c08).orElseThrow().toString());
        assertEquals(1 << 13, Pfalcon.HWCFG2_RISCV_BR_PRIV_LOCKDOWN.of(1));
    }
}
