package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuV3;

/**
 * Every {@link PageTableManagerTest} on a simulated GH100: the same manager writing MMU format
 * version 3 tables (six levels, PCF permissions), checked through the driver's walker and the
 * simulated Hopper MMU; plus what only version 3 has: VAs above version 2's 49 bits.
 */
class PageTableManagerV3Test extends PageTableManagerTest {
    private static final long M2 = 1L << 21;

    @Override
    Chipset chip() {
        return Chipset.GH100;
    }

    @Test
    void version3TablesReachVasAbove49BitsAndFreeEveryLevel() {
        MmGpu g = new MmGpu(tmp, chip());
        assertEquals(MmuFormat.V3, g.format);
        long pages = MmGpu.MANAGED / 2;
        g.vram.allocateAt(pages, MmGpu.MANAGED - pages, "pages");
        long start = g.vram.stats().allocated();
        PageTableManager pt = new PageTableManager("test:v3", g.format, g.vram, g.pramin, g.tlb, 1L << MmuV3.VA_BITS);
        long va = (1L << 56) + (3L << 47) + 5 * M2;
        pt.map(va, pages + M2, M2 + (1L << 16) + (1L << 12), false);
        Walker.Walk w = new Walker(g.pramin, g.format).walk(pt.instBlock(), va + M2 + 0x10);
        assertEquals(pages + 2 * M2 + 0x10, w.pa(), w.toString());
        assertEquals("PD4", w.steps().get(0).level());
        assertEquals(1, w.steps().get(0).index(), "VA bit 56 picks PD4[1]");
        assertEquals(16, w.pageShift());
        assertEquals(pages + 2 * M2 + 0x10, g.gpu.mmu().translate(pt.instBlock(), va + M2 + 0x10, false));
        assertEquals(pages + M2 + 0x20, g.gpu.mmu().translate(pt.instBlock(), va + 0x20, true), "the 2 MiB page");
        assertEquals(pages + 2 * M2 + (1L << 16) + 8,
                g.gpu.mmu().translate(pt.instBlock(), va + M2 + (1L << 16) + 8, false), "the 4 KiB page");
        // PD4 (root), PD3, PD2, PD1, PD0, the 64 KiB and 4 KiB tables
        assertEquals(7, pt.tables());
        long entry = g.pramin.read64(w.steps().get(w.steps().size() - 1).table()
                + (long) w.steps().get(w.steps().size() - 1).index() * 8);
        assertEquals(MmuV3.PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACD, MmuV3.PTE_PCF.get(entry), "nouveau's PCF for VRAM");
        pt.unmap(va, M2 + (1L << 16) + (1L << 12));
        assertEquals(1, pt.tables(), "every level below the root freed");
        assertTrue(g.gpu.mmu().translate(pt.instBlock(), va, false) < 0);
        pt.close();
        assertEquals(start, g.vram.stats().allocated(), "no page-table memory leaked");
    }
}
