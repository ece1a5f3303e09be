package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pdisp;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;

/** The framebuffer registers, read back with nova-core's decoders (nvidia.spec). */
class SimFbTest {
    private static final long MIB = 1L << 20;

    @ParameterizedTest
    @ValueSource(longs = {256, 768, 1024, 11 * 1024, 24 * 1024, 32 * 1024, 80 * 1024})
    void theSizeReadsBackThroughBothSizeRegisters(long mib) {
        SimFb fb = new SimFb(mib, false);
        assertEquals(mib * MIB, Pfb.usableFbSize(fb.read(Pfb.PRI_MMU_LOCAL_MEMORY_RANGE.address())));
        assertEquals(mib * MIB, Pgc6.usableFbSize(fb.read(Pgc6.USABLE_FB_SIZE_IN_MB.address())));
    }

    @Test
    void aSizeLocalMemoryRangeCannotEncodeIsRefused() {
        long tooManyMiB = Pfb.LOCAL_MEMORY_RANGE_LOWER_MAG.maxValue() + 2; // odd: no scale helps
        assertThrows(IllegalArgumentException.class, () -> SimFb.localMemoryRange(tooManyMiB));
    }

    @Test
    void theVgaWorkspaceIsTheStartOfThePraminWindow() {
        SimFb fb = new SimFb(24 * 1024, false);
        assertEquals(fb.size() - FbLayoutFacts.NV_PRAMIN_SIZE,
                Pdisp.vgaWorkspaceAddress(fb.read(Pdisp.VGA_WORKSPACE_BASE.address())));
    }

    @Test
    void wpr2IsWhatFrtsLeftAndTheHostCannotWriteIt() {
        SimFb fb = new SimFb(1024, false);
        assertFalse(fb.hasWpr2());
        long start = fb.size() - 4 * MIB;
        fb.frtsDone(start, start + FbLayoutFacts.FRTS_SIZE);
        fb.write(Pfb.PRI_MMU_WPR2_ADDR_LO.address(), 0);
        fb.write(Pfb.PRI_MMU_WPR2_ADDR_HI.address(), 0);
        assertEquals(start, Pfb.wpr2LowerBound(fb.read(Pfb.PRI_MMU_WPR2_ADDR_LO.address())));
        assertEquals(start + FbLayoutFacts.FRTS_SIZE, Pfb.wpr2HigherBound(fb.read(Pfb.PRI_MMU_WPR2_ADDR_HI.address())));
        assertEquals(0, Pbus.FRTS_ERR_CODE.get(fb.read(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        fb.wpr2TornDown();
        assertEquals(0, Pfb.wpr2HigherBound(fb.read(Pfb.PRI_MMU_WPR2_ADDR_HI.address())));
    }

    @Test
    void aFailedFrtsReportsItsCodeAndCreatesNoWpr2() {
        SimFb fb = new SimFb(1024, false);
        fb.frtsFailed(SimFb.FRTS_ERR_REGION_REFUSED);
        assertEquals(SimFb.FRTS_ERR_REGION_REFUSED, Pbus.FRTS_ERR_CODE.get(fb.read(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        assertFalse(fb.hasWpr2());
        fb.powerOn();
        assertEquals(0, fb.read(Pbus.SW_SCRATCH_0E_FRTS_ERR.address()), "power-on clears the outcome");
    }

    @Test
    void theWpr2FaultPresetsWpr2UntilAReset() {
        SimFb fb = new SimFb(24 * 1024, true);
        long start = fb.size() - SimFb.PRESET_WPR2_BELOW_END;
        assertEquals(start, fb.wpr2Start());
        assertEquals(start + FbLayoutFacts.FRTS_SIZE, fb.wpr2End());
        fb.powerOn();
        assertFalse(fb.hasWpr2(), "what the previous driver left does not survive a reset");
    }
}
