package org.nova.nvidia.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Architecture;

/** Version 3 entries against hopper/gh100/dev_mmu.h and nouveau vmmgh100.c, and the format HAL. */
class MmuV3FormatTest {

    @Test
    void levelsCoverThe57BitVaAndChainDown() {
        int dirBits = MmuV3.DIRECTORIES.stream().mapToInt(MmuLevel::bits).sum();
        assertEquals(MmuV3.VA_BITS, dirBits + MmuV3.SPT.bits() + MmuV3.SPT.shift());
        assertEquals(MmuV3.VA_BITS, dirBits + MmuV3.LPT.bits() + MmuV3.LPT.shift());
        List<MmuLevel> walk = List.of(MmuV3.PD4, MmuV3.PD3, MmuV3.PD2, MmuV3.PD1, MmuV3.PD0, MmuV3.SPT);
        for (int i = 0; i + 1 < walk.size(); i++) {
            assertEquals(walk.get(i).shift(), walk.get(i + 1).shift() + walk.get(i + 1).bits(), walk.get(i).name());
        }
        assertSame(MmuV3.PD4, MmuFormat.V3.root());
        assertSame(MmuV3.PD0, MmuFormat.V3.pd0());
        assertSame(MmuV3.PD3, MmuFormat.V3.below(MmuV3.PD4));
        assertThrows(IllegalArgumentException.class, () -> MmuFormat.V3.below(MmuV3.PD0));
        assertThrows(IllegalArgumentException.class, () -> MmuFormat.V3.below(MmuV2.PD3));
    }

    @Test
    void entriesPutAddressesInPlaceAndPermissionsInThePcf() {
        long pa = 0x1_2345_6000L;
        long pte = MmuV3.vramPte(pa, false, false);
        // VALID 0:0, aperture 2:1 VIDEO (0), PCF 7:3 REGULAR_RW_ATOMIC_CACHED_ACD (0x10), address 39:12 in place
        assertEquals(pa | 0x10L << 3 | 1, pte);
        assertEquals(pa, MmuV3.ptePageAddress(pte));
        assertFalse(MmuV3.isReadOnly(pte));
        long ro = MmuV3.vramPte(pa, true, true);
        assertEquals(MmuV3.PTE_PCF_PRIVILEGE_RO_ATOMIC_CACHED_ACD, MmuV3.PTE_PCF.get(ro));
        assertTrue(MmuV3.isReadOnly(ro) && MmuV3.isPrivileged(ro));
        long sys = MmuV3.sysPte(0xabc_d000_0000L, true, false);
        assertEquals(MmuV3.PTE_APERTURE_SYSTEM_COHERENT, MmuV3.PTE_APERTURE.get(sys));
        assertEquals(MmuV3.PTE_PCF_REGULAR_RW_ATOMIC_UNCACHED_ACD, MmuV3.PTE_PCF.get(sys), "nouveau: host memory uncached");
        assertEquals(0xabc_d000_0000L, MmuV3.ptePageAddress(sys));
        long pde = MmuV3.vramPde(0x20_0000);
        assertEquals(0x20_0000L | 2L << 3 | 1L << 1, pde, "aperture VIDEO, PCF VALID_CACHED_ATS_NOT_ALLOWED, address in place");
        assertEquals(0x20_0000, MmuV3.pdeAddress(pde));
        long big = MmuV3.dualBigVram(0x3100);
        assertEquals(0x3100L | 2L << 3 | 1L << 1, big, "big half: 51:8 in place");
        assertEquals(0x3100, MmuV3.dualBigAddress(big));
        long small = MmuV3.dualSmallVram(0x5000);
        assertEquals(1L << 1 | 2L << 3 | 0x5000L, small, "small half: aperture 66:65, PCF 69:67, address 115:76");
        assertEquals(0x5000, MmuV3.dualSmallAddress(small));
        assertThrows(IllegalArgumentException.class, () -> MmuV3.vramPte(1L << 40, false, false), "VID is 39:12");
        assertThrows(IllegalArgumentException.class, () -> MmuV3.dualBigVram(0x80));
    }

    @Test
    void invalidPtesSayWhyThroughThePcf() {
        assertEquals(1L << 3, MmuV3.sparsePte(), "VALID_FALSE, PCF SPARSE");
        assertTrue(MmuV3.isSparse(MmuV3.sparsePte()));
        assertFalse(MmuV3.isSparse(0));
        assertFalse(MmuV3.isSparse(MmuV3.vramPte(0x1000, false, false) & ~1L), "a page with VALID cleared is not sparse");
        assertTrue(MmuV3.isDualSparse(MmuV3.dualSparseBig(), 0));
        assertFalse(MmuV3.isDualSparse(MmuV3.dualSparseBig(), MmuV3.dualSmallVram(0x1000)));
        assertTrue(MmuV3.isLptUseSmall(MmuV3.lptUseSmall()));
        assertEquals(3L << 3, MmuV3.lptNoSmall(), "PCF NO_VALID_4KB_PAGE");
        assertFalse(MmuV3.isLptUseSmall(MmuV3.lptNoSmall()));
        assertFalse(MmuV3.isLptUseSmall(MmuV3.sparsePte()));
    }

    @Test
    void theHalPicksTheFormatByArchitectureAndAperturesAgree() {
        for (Architecture a : Architecture.values()) {
            MmuHal hal = MmuHal.of(a);
            assertEquals(hal.mmuVersion(), hal.format().version(), a.name());
        }
        assertSame(MmuFormat.V3, MmuHal.of(Architecture.BLACKWELL_GB20X).format());
        assertSame(MmuFormat.V2, MmuHal.of(Architecture.AMPERE).format());
        // the format-neutral code reads apertures as the headers' values: both headers agree
        assertEquals(MmuV2.PTE_APERTURE_VIDEO_MEMORY, MmuV3.PTE_APERTURE_VIDEO_MEMORY);
        assertEquals(MmuV2.PTE_APERTURE_PEER_MEMORY, MmuV3.PTE_APERTURE_PEER_MEMORY);
        assertEquals(MmuV2.PTE_APERTURE_SYSTEM_COHERENT, MmuV3.PTE_APERTURE_SYSTEM_COHERENT);
        assertEquals(MmuV2.PTE_APERTURE_SYSTEM_NON_COHERENT, MmuV3.PTE_APERTURE_SYSTEM_NON_COHERENT);
        assertEquals(MmuV2.PDE_APERTURE_INVALID, MmuV3.PDE_APERTURE_INVALID);
        assertEquals(MmuV2.PDE_APERTURE_VIDEO_MEMORY, MmuV3.PDE_APERTURE_VIDEO_MEMORY);
        for (MmuFormat f : List.of(MmuFormat.V2, MmuFormat.V3)) {
            long pte = f.vramPte(0x40_0000, true, false);
            assertTrue(f.isPte(pte) && f.isReadOnly(pte) && !f.isPrivileged(pte), f.toString());
            assertEquals(0x40_0000, f.ptePageAddress(pte));
            assertFalse(f.isPte(f.vramPde(0x1000)));
            assertEquals(MmuV2.PDE_APERTURE_VIDEO_MEMORY, f.pdeAperture(f.vramPde(0x1000)));
            assertTrue(f.isLptUseSmall(f.lptUseSmall()));
            assertFalse(f.isLptUseSmall(0) && f.isLptUseSmall(f.lptUseSmall() | 1));
        }
    }
}
