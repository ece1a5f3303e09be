package org.nova.nvidia.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.regs.Bar0Window;
import org.nova.nvidia.regs.Bar1Block;
import org.nova.nvidia.regs.MmuInvalidate;
import org.nova.nvidia.regs.RegisterMap;

/** The version 2/3 formats, the instance block words and the MMU registers against their headers. */
class MmuFormatTest {

    @Test
    void version2LevelsCoverThe49BitVaWithEveryPageSize() {
        int dirBits = MmuV2.DIRECTORIES.stream().mapToInt(MmuLevel::bits).sum();
        assertEquals(MmuV2.VA_BITS, dirBits + MmuV2.SPT.bits() + MmuV2.PAGE_SHIFT_4K, "4 KiB walk");
        assertEquals(MmuV2.VA_BITS, dirBits + MmuV2.LPT.bits() + MmuV2.PAGE_SHIFT_64K, "64 KiB walk");
        assertEquals(MmuV2.PAGE_SHIFT_2M, MmuV2.PD0.shift(), "a PD0 entry spans one 2 MiB page");
        // each level's index starts where the one below ends
        List<MmuLevel> walk = List.of(MmuV2.PD3, MmuV2.PD2, MmuV2.PD1, MmuV2.PD0, MmuV2.SPT);
        for (int i = 0; i + 1 < walk.size(); i++) {
            assertEquals(walk.get(i).shift(), walk.get(i + 1).shift() + walk.get(i + 1).bits(), walk.get(i).name());
        }
        assertEquals(16, MmuV2.PD0.entrySize());
        assertTrue(MmuV2.PD0.dual());
        assertEquals(256, MmuV2.LPT.tableBytes(), "the big page table is 256 bytes (ADDRESS_BIG_SHIFT 8)");
        assertEquals(4096, MmuV2.SPT.tableBytes());
        assertEquals(4096, MmuV2.PD0.tableBytes());
        assertEquals(MmuV3.VA_BITS, MmuV3.DIRECTORIES.stream().mapToInt(MmuLevel::bits).sum() + MmuV3.SPT.bits() + 12);
    }

    @Test
    void entriesPutTheAddressWhereTheHeaderSays() {
        long pa = 0x1_2345_6000L;
        long pte = MmuV2.vramPte(pa, false, false);
        // VALID bit 0, aperture 2:1 = VIDEO (0), address 32:8 = pa >> 12
        assertEquals((pa >>> 12) << 8 | 1, pte);
        assertEquals(pa, MmuV2.pteAddress(pte));
        long ro = MmuV2.vramPte(pa, true, true);
        assertEquals(pte | 1L << 6 | 1L << 5, ro, "READ_ONLY bit 6, PRIVILEGE bit 5");
        long pde = MmuV2.vramPde(0x20_0000);
        assertEquals(0x20_0000L >>> 4 | 1L << 1, pde, "aperture VIDEO (1) at 2:1, addr >> 12 at 8");
        assertFalse(MmuV2.PDE_IS_PTE.isSet(pde));
        long big = MmuV2.dualBigVram(0x3100);
        assertEquals(0x3100L >>> 4 | 1L << 1, big, "big half: addr >> 8 at bit 4");
        assertEquals(0x3100, MmuV2.dualBigAddress(big));
        long small = MmuV2.dualSmallVram(0x5000);
        assertEquals(1, MmuV2.DUAL_PDE_APERTURE_SMALL.word(), "66:65 is in the high word");
        assertEquals(1L << 1 | (0x5000L >>> 12) << 8, small, "small half: aperture at 66:65, addr at 72");
        assertEquals(0x5000, MmuV2.dualSmallAddress(small));
        assertEquals(0, MmuV2.lptUseSmall(), "an unmapped big PTE: walk the small table");
        assertEquals(1L << 5, MmuV2.lptNoSmall(), "VALID_FALSE + PRIV: no 4 KiB page below");
        assertTrue(MmuV2.isLptUseSmall(0));
        assertFalse(MmuV2.isLptUseSmall(MmuV2.lptNoSmall()));
        assertFalse(MmuV2.isLptUseSmall(MmuV2.sparsePte()));
        assertThrows(IllegalArgumentException.class, () -> MmuV2.vramPte(0x1800, false, false));
        assertThrows(IllegalArgumentException.class, () -> MmuV2.dualBigVram(0x80));
    }

    @Test
    void fieldsRefuseValuesTheyCannotHoldAndRangesAcrossWords() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MmuV2.PTE_APERTURE.of(4));
        assertTrue(e.getMessage().contains("NV_MMU_VER2_PTE_APERTURE"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EntryField.of("x", 65, 60, "straddles"));
        assertEquals(0xffL << 56, MmuV2.PTE_KIND.mask());
    }

    @Test
    void theInstanceBlockWordsRoundTrip() {
        long w = Ramin.pageDirBaseV2(0x12_3456_7000L);
        assertEquals(0x12_3456_7000L, Ramin.pageDir(w));
        assertTrue(Ramin.USE_VER2_PT_FORMAT.isSet(w));
        assertEquals(Ramin.BIG_PAGE_SIZE_64KB, Ramin.BIG_PAGE_SIZE.get(w));
        assertEquals(Ramin.TARGET_VID_MEM, Ramin.PAGE_DIR_BASE_TARGET.get(w));
        assertEquals(1L << 10 | 1L << 11 | 0x3456_7000L | 0x12L << 32, w);
        assertEquals((256L << 20) - 1, Ramin.lastVa(Ramin.adrLimit((256L << 20) - 1)));
    }

    @Test
    void registersAreDeclaredOnceAndTheHalPicksThemPerArchitecture() {
        for (var r : List.of(Bar0Window.PBUS_BAR0_WINDOW, Bar1Block.FUNC_BAR1_BLOCK, MmuInvalidate.INVALIDATE,
                MmuInvalidate.PDB)) {
            assertSame(r, RegisterMap.lookup(r.address()).orElseThrow().register());
        }
        assertEquals(0x1700, Bar0Window.PBUS_BAR0_WINDOW.address());
        assertEquals(0xb830b0, MmuInvalidate.INVALIDATE.address());
        assertSame(Tu102MmuHal.INSTANCE, MmuHal.of(Architecture.AMPERE));
        assertSame(Tu102MmuHal.INSTANCE, MmuHal.of(Architecture.ADA));
        assertEquals(3, MmuHal.of(Architecture.HOPPER).mmuVersion());
        assertEquals(0x20, Tu102MmuHal.INSTANCE.windowValue(0x20_0000));
        assertEquals(0x20, Gh100MmuHal.INSTANCE.windowValue(0x20_0000));
        assertThrows(IllegalArgumentException.class, () -> Tu102MmuHal.INSTANCE.windowValue(0x1000));
    }
}
