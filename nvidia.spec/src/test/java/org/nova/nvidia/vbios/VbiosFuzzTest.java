package org.nova.nvidia.vbios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FuzzLimits;
import org.nova.nvidia.fw.FwsecImageBuilder;
import org.nova.nvidia.fw.FwsecInterface;

/**
 * The VBIOS as nova-core reads it from the PROM: the image chain (ROM headers, PCIR, NPDE), the
 * BIT header and tokens, the PMU lookup table and the FWSEC descriptor, then the FWSEC DMEM
 * mapper. Contract: a value or {@link FormatException}; anything else is a finding. The round trip:
 * a ROM the simulated GPU's builder writes parses back to its ids and FWSEC.
 */
class VbiosFuzzTest {

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void vbios(byte[] rom) {
        try {
            Vbios v = Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
            v.biosVersion();
            v.fwsecSignatures();
            MemorySegment ucode = v.fwsecUcode();
            FwsecInterface.locate("FWSEC", ucode, v.fwsecDesc()).readCommand(ucode);
        } catch (FormatException e) {
            assertNotNull(e.structure(), "a refusal names the structure");
            assertNotNull(e.kind(), "a refusal says what was wrong");
        }
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void roundTrip(FuzzedDataProvider in) {
        int device = in.consumeInt(0, 0xffff);
        long version = in.consumeLong(0, 0xffff_ffffL);
        boolean efi = in.consumeBoolean();
        int imem = in.consumeInt(1, 8) * 0x400;
        int dmem = in.consumeInt(1, 4) * 0x400;
        FwsecImageBuilder fwsec = new FwsecImageBuilder().imemSize(imem).dmemSize(dmem)
                .ids(in.consumeInt(1, 0xffff), in.consumeInt(1, 0xff))
                .signature(in.consumeInt(0, Short.SIZE - 1), new byte[FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE]);
        byte[] rom = new VbiosBuilder().pciIds(0x10de, device, 0x030000).biosVersion(version).efiImage(efi)
                .fwsec(fwsec.build()).build();
        Vbios v = Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
        assertEquals(version, v.biosVersion().orElseThrow());
        assertEquals(fwsec.descriptor(), v.fwsecDesc());
        assertEquals(1, v.fwsecSignatures().size());
        MemorySegment ucode = v.fwsecUcode();
        FwsecInterface.locate("FWSEC", ucode, v.fwsecDesc()).readCommand(ucode);
    }

    /** A Turing/GA100 ROM the builder writes (IFR header of a fuzzed version, V2 FWSEC) parses back. */
    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void roundTripV2Ifr(FuzzedDataProvider in) {
        int ifr = in.consumeInt(0, 3);
        boolean efi = in.consumeBoolean();
        FwsecImageBuilder fwsec = new FwsecImageBuilder().imemSize(in.consumeInt(1, 8) * 0x400)
                .dmemSize(in.consumeInt(1, 4) * 0x400).v2();
        byte[] rom = new VbiosBuilder().efiImage(efi).ifr(ifr).fwsec(fwsec.build()).build();
        Vbios v = Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
        assertEquals(fwsec.desc(), v.fwsecDesc());
        assertEquals(ifr == 0, v.ifr().isEmpty());
        MemorySegment ucode = v.fwsecUcode();
        FwsecInterface.locate("FWSEC", ucode, v.fwsecDesc()).readCommand(ucode);
    }

    /**
     * The round trip's finding (corpus roundTrip/crash-f29f5be1…): the builder took fuse version 31,
     * whose bit the 16-bit signature_versions cannot hold, and wrote a descriptor other than the one
     * it reported. It refuses such a version now.
     */
    @Test
    void theBuilderRefusesAFuseVersionTheDescriptorCannotHold() {
        FwsecImageBuilder b = new FwsecImageBuilder();
        assertThrows(IllegalArgumentException.class, () -> b.signature(Short.SIZE, new byte[384]));
        assertThrows(IllegalArgumentException.class, () -> b.signature(-1, new byte[384]));
        b.signature(Short.SIZE - 1, new byte[384]);
        byte[] blob = b.build();
        assertEquals(b.descriptor(), FalconUcodeDescV3.parse("fwsec", MemorySegment.ofArray(blob), 0));
    }
}
