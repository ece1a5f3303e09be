package org.nova.nvidia.regs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegisterTest {

    @Test
    void fieldsExtractAndInsert() {
        int boot0 = 0x1720_00a1;
        assertEquals(0x17, Pmc.BOOT_0_ARCHITECTURE_0.get(boot0));
        assertEquals(0x2, Pmc.BOOT_0_IMPLEMENTATION.get(boot0));
        assertEquals(0xa, Pmc.BOOT_0_MAJOR_REVISION.get(boot0));
        assertEquals(0x1, Pmc.BOOT_0_MINOR_REVISION.get(boot0));
        assertEquals(0x1f00_0000, Pmc.BOOT_0_ARCHITECTURE_0.mask());
        assertEquals(5, Pmc.BOOT_0_ARCHITECTURE_0.width());
        int v = Pfalcon.CPUCTL_STARTCPU.set(0, true);
        assertEquals(0x2, v);
        assertTrue(Pfalcon.CPUCTL_STARTCPU.isSet(v));
        assertFalse(Pfalcon.CPUCTL_HALTED.isSet(v));
        assertEquals(0, Pfalcon.CPUCTL_STARTCPU.set(v, false));
        assertEquals(0xffff_0000, Pbus.FRTS_ERR_CODE.of(0xffff));
        assertEquals(0xffff_ffff, Pfalcon.MAILBOX0_VALUE.of(0xffff_ffffL));
        assertEquals(-1, Pfalcon.MAILBOX0_VALUE.get(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pmc.BOOT_42_IMPLEMENTATION.set(0, 0x10));
        assertTrue(e.getMessage().contains("implementation"), e.getMessage());
        assertTrue(e.getMessage().contains("NV_PMC_BOOT_42"), e.getMessage());
        assertEquals(Pmc.BOOT_0, Pmc.BOOT_0_MINOR_REVISION.register());
        assertEquals(5, Pmc.BOOT_0.fields().size());
        assertThrows(UnsupportedOperationException.class, () -> Pmc.BOOT_0.fields().clear());
    }

    @Test
    void addressesMatchNovaCore() {
        assertEquals(0x0, Pmc.BOOT_0.address());
        assertEquals(0xa00, Pmc.BOOT_42.address());
        assertEquals(0x118234, Pgc6.GFW_BOOT.address());
        assertEquals(0x118128, Pgc6.AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK.address());
        assertEquals(0x1183a4, Pgc6.USABLE_FB_SIZE_IN_MB.address());
        assertEquals(0x1400 + 0xe * 4, Pbus.SW_SCRATCH_0E_FRTS_ERR.address());
        assertEquals(0x1fa824, Pfb.PRI_MMU_WPR2_ADDR_LO.address());
        assertEquals(0x1fa828, Pfb.PRI_MMU_WPR2_ADDR_HI.address());
        assertEquals(0x110c00, Pgsp.QUEUE_HEAD.address());
        assertEquals(0x110040, Pfalcon.MAILBOX0.address(FalconEngine.GSP));
        assertEquals(0x840044, Pfalcon.MAILBOX1.address(FalconEngine.SEC2));
        assertEquals(0x110100, Pfalcon.CPUCTL.address(FalconEngine.GSP));
        assertEquals(0x840130, Pfalcon.CPUCTL_ALIAS.address(FalconEngine.SEC2));
        assertEquals(0x1103c0, Pfalcon.ENGINE.address(FalconEngine.GSP));
        assertEquals(0x111388, Pfalcon2.RISCV_CPUCTL.address(FalconEngine.GSP));
        assertEquals(0x841668, Pfalcon2.RISCV_BCR_CTRL.address(FalconEngine.SEC2));
        assertEquals(0x1101d4, Pfalcon.DMEMC.address(FalconEngine.GSP, 2) + 4);
        assertEquals(0x1101a0, Pfalcon.IMEMC.address(FalconEngine.GSP, 2));
        assertEquals(FalconEngine.SEC2, FalconEngine.containing(0x841388));
        assertEquals(null, FalconEngine.containing(0x1400));
        assertThrows(IllegalStateException.class, () -> Pfalcon.CPUCTL.address());
        IndexOutOfBoundsException oob = assertThrows(IndexOutOfBoundsException.class,
                () -> Pbus.SW_SCRATCH.address(64));
        assertTrue(oob.getMessage().contains("NV_PBUS_SW_SCRATCH[64]"), oob.getMessage());
    }

    @Test
    void helpersDecodeFramebufferAndWpr2() {
        int range = Pfb.LOCAL_MEMORY_RANGE_LOWER_MAG.of(3) | Pfb.LOCAL_MEMORY_RANGE_LOWER_SCALE
                .of(11);
        assertEquals(3L << 11 << 20, Pfb.usableFbSize(range));
        int ecc = Pfb.LOCAL_MEMORY_RANGE_ECC_MODE_ENABLED.set(range, true);
        assertEquals((3L << 11 << 20) / 16 * 15, Pfb.usableFbSize(ecc));
        int lo = Pfb.wpr2Encode(0x7_ff00_0000L);
        assertEquals(0x7_ff00_0000L, Pfb.wpr2LowerBound(lo));
        assertEquals(0x7_ff00_0000L, Pfb.wpr2HigherBound(lo));
        assertThrows(IllegalArgumentException.class, () -> Pfb.wpr2Encode(0x1001));
        assertTrue(Pgc6.gfwBootCompleted(0xff));
        assertFalse(Pgc6.gfwBootCompleted(0x7f));
        assertEquals(24576L << 20, Pgc6.usableFbSize(24576));
        assertEquals(0x12_3400_0000L, Pdisp.vgaWorkspaceAddress(
                Pdisp.VGA_WORKSPACE_ADDR.of(0x12_3400) | Pdisp.VGA_WORKSPACE_STATUS_VALID.of(1)));
        assertEquals(-1, Pdisp.vgaWorkspaceAddress(Pdisp.VGA_WORKSPACE_ADDR.of(0x12_3400)));
        assertEquals(0, Fuse.versionFromBitmap(0));
        assertEquals(3, Fuse.versionFromBitmap(0b101));
        assertTrue(Pmc.BOOT_42.describe(0x1920_a000).contains("architecture 0x19"));
    }

    @Test
    void everyRegisterIsDeclaredOnceAndCanBeLookedUp() {
        assertTrue(RegisterMap.all().size() > 50, "registers: " + RegisterMap.all().size());
        assertEquals("GSP.NV_PFALCON_FALCON_CPUCTL", RegisterMap.lookup(0x110100).orElseThrow()
                .toString());
        assertEquals("SEC2.NV_PFALCON_FALCON_MAILBOX0", RegisterMap.lookup(0x840040)
                .orElseThrow().toString());
        assertEquals("NV_PBUS_SW_SCRATCH[14]", RegisterMap.lookup(0x1438).orElseThrow()
                .toString());
        assertEquals("NV_PMC_BOOT_42", RegisterMap.lookup(0xa00).orElseThrow().toString());
        assertTrue(RegisterMap.lookup(0x4).isEmpty());
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Register r : RegisterMap.all()) {
            assertFalse(r.doc().isBlank(), r.name());
            assertFalse(r.source().isBlank(), r.name());
            for (Field f : r.fields()) {
                assertFalse(f.doc().isBlank(), f.toString());
            }
            // one declaration per name and space (the two display fuses differ by chip)
            if (!r.name().equals("NV_FUSE_STATUS_OPT_DISPLAY")) {
                assertTrue(names.add(r.name()), "declared twice: " + r.name());
            }
        }
    }

    @Test
    void indexAtIsTheReverseOfAddress() {
        // a BAR0 array, a falcon array (offsets from the engine base) and a VF BAR0 array
        for (int i = 0; i < VirtualFunction.CPU_INTR_LEAF.count(); i++) {
            assertEquals(i, VirtualFunction.CPU_INTR_LEAF.indexAt(VirtualFunction.CPU_INTR_LEAF.address(i)));
        }
        assertEquals(3, Pfalcon.FBIF_TRANSCFG.indexAt(Pfalcon.FBIF_TRANSCFG.offset() + 3 * 4));
        assertEquals(-1, Pfalcon.FBIF_TRANSCFG.indexAt(Pfalcon.FBIF_TRANSCFG.offset() + 2), "inside an element");
        assertEquals(-1, Pfalcon.FBIF_TRANSCFG.indexAt(Pfalcon.FBIF_TRANSCFG.offset() + 8 * 4), "past the array");
        assertEquals(-1, Pfalcon.FBIF_TRANSCFG.indexAt(Pfalcon.FBIF_TRANSCFG.offset() - 4), "before it");
        assertEquals(0, Pmc.BOOT_0.indexAt(Pmc.BOOT_0.address()));
    }
}
