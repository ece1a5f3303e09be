package org.nova.samples.e1000e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDeviceId;

/**
 * The register values the e1000e sample writes, against the 82574's facts as QEMU's
 * hw/net/e1000e_core.c decodes them (E1000_IVAR_RXQ0 .. E1000_IVAR_OTHER: 4 bits per cause,
 * E1000_IVAR_ENTRY_VALID 0x8, E1000_IVAR_ENTRY_VEC the low 3 bits).
 */
class E1000eSampleTest {

    @Test
    void bindsTo82574L() {
        assertEquals(List.of(PciDeviceId.of(0x8086, 0x10d3)), new E1000eSample().idTable());
    }

    @Test
    void routeIsAPermutationThatMovesEveryCause() {
        int[] sorted = E1000eSample.ROUTE.clone();
        Arrays.sort(sorted);
        assertEquals("[0, 1, 2, 3, 4]", Arrays.toString(sorted), "every vector used once");
        for (E1000eSample.Cause c : E1000eSample.Cause.values()) {
            assertTrue(E1000eSample.ROUTE[c.ordinal()] != c.ordinal(), c + " must not land on its own ordinal");
        }
    }

    @Test
    void ivarDecodesAsQemuReadsIt() {
        int ivar = E1000eSample.ivar();
        int[] shifts = {0, 4, 8, 12, 16}; // RXQ0, RXQ1, TXQ0, TXQ1, OTHER
        for (int i = 0; i < shifts.length; i++) {
            int entry = (ivar >>> shifts[i]) & 0xf;
            assertEquals(0x8, entry & 0x8, "entry " + i + " valid");
            assertEquals(E1000eSample.ROUTE[i], entry & 0x7, "entry " + i + " vector");
        }
        assertEquals(0x000b_9c8a, ivar);
    }

    @Test
    void imsEnablesTheQueueCausesNotOther() {
        assertEquals(0x00f0_0000, E1000eSample.ims(), "E1000_IMS_RXQ0 | RXQ1 | TXQ0 | TXQ1");
    }
}
