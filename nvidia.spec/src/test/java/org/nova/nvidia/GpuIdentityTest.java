package org.nova.nvidia;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GpuIdentityTest {

    @ParameterizedTest
    @EnumSource(Chipset.class)
    void everyChipsetRoundTripsThroughItsBootRegisters(Chipset chip) {
        GpuIdentity id = new GpuIdentity(chip, 0xa, 0x1);
        int[] regs = id.encode();
        assertFalse(GpuIdentity.isOlderThanFermi(regs[0]));
        GpuIdentity back = GpuIdentity.decode(regs[0], regs[1]);
        assertEquals(id, back);
        assertEquals(chip.architecture(), back.architecture());
        assertEquals("a.1", back.revision());
        assertEquals(chip.id() >> 4, chip.architecture().code());
    }

    @Test
    void realBootValuesDecodeAsNovaCoreDoes() {
        // An AD102 (RTX 4090) reports BOOT_42 = 0x192a0000: arch 0x19, impl 2.
        GpuIdentity id = GpuIdentity.decode(0x1920_00a1, 0x192a_0000);
        assertEquals(Chipset.AD102, id.chipset());
        assertEquals(Architecture.ADA, id.architecture());
        assertEquals("a.0", id.revision());
        assertEquals("Chipset: AD102, Architecture: Ada, Revision: a.0", id.toString());
    }

    @Test
    void preFermiIsRefusedNamingTheValue() {
        // NV40 era: architecture_0 = 0x4, architecture_1 = 0
        UnsupportedGpuException e = assertThrows(UnsupportedGpuException.class,
                () -> GpuIdentity.decode(0x0400_00a1, 0));
        assertTrue(e.getMessage().contains("0x040000a1"), e.getMessage());
        assertTrue(e.getMessage().contains("older than Fermi"), e.getMessage());
        // architecture_1 set: not pre-Fermi even with a small architecture_0
        assertFalse(GpuIdentity.isOlderThanFermi(0x0400_01a1));
    }

    @Test
    void unknownArchitectureAndChipsetAreRefused() {
        UnsupportedGpuException arch = assertThrows(UnsupportedGpuException.class,
                () -> GpuIdentity.decode(0x1400_00a1, 0x1400_0000)); // Volta GV100
        assertTrue(arch.getMessage().contains("architecture 0x14"), arch.getMessage());
        UnsupportedGpuException chip = assertThrows(UnsupportedGpuException.class,
                () -> GpuIdentity.decode(0x1650_00a1, 0x1650_0000)); // Turing impl 5: none
        assertTrue(chip.getMessage().contains("unknown chipset 0x165"), chip.getMessage());
        assertEquals(0x1650_0000, chip.boot42());
    }

    @Test
    void chipsetTableMatchesNovaCore() {
        assertEquals(24, Chipset.values().length);
        assertEquals(0x162, Chipset.TU102.id());
        assertEquals(0x167, Chipset.TU117.id());
        assertEquals(0x168, Chipset.TU116.id());
        assertEquals(0x180, Chipset.GH100.id());
        assertEquals(0x1a2, Chipset.GB102.id());
        assertEquals(0x1b7, Chipset.GB207.id());
        assertEquals(Architecture.BLACKWELL_GB10X, Chipset.GB100.architecture());
        assertEquals(Architecture.BLACKWELL_GB20X, Chipset.GB202.architecture());
        assertEquals(".fwsignature_tu11x", Chipset.TU116.gspSignatureSection());
        assertEquals(".fwsignature_tu10x", Chipset.GA100.gspSignatureSection());
        assertEquals(".fwsignature_ga10x", Chipset.GA107.gspSignatureSection());
        assertEquals(".fwsignature_ad10x", Chipset.AD104.gspSignatureSection());
        Set<Chipset> with = EnumSet.noneOf(Chipset.class);
        for (Chipset c : Chipset.values()) {
            if (c.hasGspFirmware535()) {
                with.add(c);
            }
        }
        assertEquals(EnumSet.of(Chipset.TU102, Chipset.TU104, Chipset.TU106, Chipset.TU116,
                Chipset.TU117, Chipset.GA100, Chipset.GA102, Chipset.GA103, Chipset.GA104,
                Chipset.GA106, Chipset.GA107, Chipset.AD102, Chipset.AD103, Chipset.AD104,
                Chipset.AD106, Chipset.AD107), with);
        assertEquals("nvidia/ga102/gsp/gsp-535.113.01.bin", FirmwareNames.path(Chipset.GA102,
                FirmwareNames.GSP, FirmwareNames.VERSION_535_113_01));
        assertEquals(Chipset.GB203, Chipset.fromName("gb203"));
        assertThrows(IllegalArgumentException.class, () -> Chipset.fromName("gv100"));
        assertTrue(Chipset.GA102.compareTo(Chipset.GA100) > 0);
    }
}
