package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.sim.gpu.SimMmuFault;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.FaultType;
import org.nova.nvidia.mmu.EntryField;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.MmuV3;
import org.nova.nvidia.regs.Bar1Block;

/**
 * The page-table manager against a reference model and against the simulated GPU: random map and
 * unmap sequences checked through the driver's {@link Walker} and the simulator's MMU, page-size
 * choice and mixing, tables freed when empty (the buddy's count returns to the start), failures
 * that change nothing, wrong entries written on purpose faulting with the right address and type,
 * and the TLB invalidate whose absence is observable.
 */
class PageTableManagerTest {
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    private static final long M2 = 1L << 21;
    /** The VA span the random sequences use: 8 PD0 entries across two PD0 tables. */
    private static final long SPAN = 16 * M2;
    /** First VA of the random sequences: straddles a PD1 boundary (512 MiB) so two PD0 tables come and go. */
    private static final long VA_BASE = (1L << 29) - 8 * M2;
    /** Pages come from the top half of the managed VRAM; tables from the buddy below. */
    private static final long PA_BASE = MmGpu.MANAGED / 2;
    private static final long VA_SIZE = 1L << 40;

    @TempDir
    Path tmp;

    /** @return the chip the tests run on (its MMU format); {@link PageTableManagerV3Test} runs them on Hopper */
    Chipset chip() {
        return Chipset.GA102;
    }

    private static PageTableManager space(MmGpu g, TlbFlush flush) {
        return new PageTableManager("test:vm", g.format, g.vram, g.pramin, flush, VA_SIZE);
    }

    /** Reserves the page pool so the buddy never puts a table there. */
    private static void reservePages(BuddyVramManager vram) {
        vram.allocateAt(PA_BASE, MmGpu.MANAGED - PA_BASE, "pages");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomMapUnmapAgreesWithTheModelThroughBothWalkers(long seed) {
        MmGpu g = new MmGpu(tmp, chip());
        reservePages(g.vram);
        long start = g.vram.stats().allocated();
        Random rnd = new Random(seed);
        PageTableManager pt = space(g, g.tlb);
        Walker walker = new Walker(g.pramin, g.format);
        TreeMap<Long, Long> model = new TreeMap<>(); // 4 KiB VA page -> PA
        List<long[]> live = new ArrayList<>(); // {va, size}
        int[] shiftsSeen = new int[32];
        for (int op = 0; op < 60; op++) {
            if (live.isEmpty() || rnd.nextInt(3) > 0) {
                long[] m = randomMapping(rnd);
                boolean overlaps = false;
                for (long a = m[0]; a < m[0] + m[2]; a += K4) {
                    overlaps |= model.containsKey(a);
                }
                if (overlaps) {
                    long before = g.vram.stats().allocated();
                    DriverException e = assertThrows(DriverException.class, () -> pt.map(m[0], m[1], m[2], false));
                    assertEquals(Errno.EEXIST, e.errno());
                    assertEquals(before, g.vram.stats().allocated(), "a refused map allocates nothing");
                    continue;
                }
                pt.map(m[0], m[1], m[2], false);
                for (long off = 0; off < m[2]; off += K4) {
                    model.put(m[0] + off, m[1] + off);
                }
                live.add(new long[] {m[0], m[2]});
            } else {
                long[] m = live.remove(rnd.nextInt(live.size()));
                pt.unmap(m[0], m[1]);
                for (long off = 0; off < m[1]; off += K4) {
                    model.remove(m[0] + off);
                }
            }
            check(g, pt, walker, model, rnd, shiftsSeen);
        }
        for (long[] m : live) {
            pt.unmap(m[0], m[1]);
        }
        assertEquals(1, pt.tables(), "only the root directory is left");
        assertEquals(start + 2 * K4, g.vram.stats().allocated(), "the root and the instance block");
        pt.close();
        assertEquals(start, g.vram.stats().allocated(), "no page-table memory leaked");
        assertTrue(shiftsSeen[12] > 0 && shiftsSeen[16] > 0 && shiftsSeen[21] > 0, "every page size was exercised");
    }

    /** @return {va, pa, size}: sizes and alignments that mix all three page sizes */
    private static long[] randomMapping(Random rnd) {
        long size;
        long align;
        switch (rnd.nextInt(4)) {
            case 0 -> {
                size = M2 * (1 + rnd.nextInt(2));
                align = M2;
            }
            case 1 -> {
                size = K64 * (1 + rnd.nextInt(4));
                align = K64;
            }
            case 2 -> {
                size = K4 * (1 + rnd.nextInt(20));
                align = K4;
            }
            default -> {
                // 4 KiB-aligned start, long enough to contain 64 KiB and 2 MiB pieces if aligned
                size = M2 + K64 * (1 + rnd.nextInt(8)) + K4 * rnd.nextInt(3);
                align = K4 << rnd.nextInt(2) * 4;
            }
        }
        long va = VA_BASE + (rnd.nextLong(SPAN - size) / align) * align;
        // the PA keeps the VA's offset in 2 MiB half the time, so large pages are possible
        long paAlign = rnd.nextBoolean() ? M2 : K4;
        long pa = PA_BASE + (rnd.nextLong(MmGpu.MANAGED / 2 - size - M2) / paAlign) * paAlign;
        if (paAlign == M2) {
            pa += va & (M2 - 1);
        }
        return new long[] {va, pa, size};
    }

    private static void check(MmGpu g, PageTableManager pt, Walker walker, TreeMap<Long, Long> model, Random rnd,
            int[] shiftsSeen) {
        List<Long> probes = new ArrayList<>();
        for (Map.Entry<Long, Long> e : model.entrySet()) {
            if (rnd.nextInt(8) == 0 || probes.size() < 4) {
                probes.add(e.getKey() + rnd.nextInt((int) K4 / 8) * 8);
            }
        }
        for (int i = 0; i < 16; i++) {
            probes.add(VA_BASE + (rnd.nextLong(SPAN) & ~7L));
        }
        for (long va : probes) {
            Long page = model.get(va & ~(K4 - 1));
            Long expect = page == null ? null : page + (va & (K4 - 1));
            Walker.Walk w = walker.walk(pt.instBlock(), va);
            long sim = g.gpu.mmu().translate(pt.instBlock(), va, false);
            if (expect == null) {
                assertFalse(w.mapped(), () -> "driver walker maps unmapped VA " + Long.toHexString(va) + ": " + w);
                assertEquals(-1, sim, "simulator maps unmapped VA 0x" + Long.toHexString(va));
                assertEquals(-1, pt.mappedShift(va));
            } else {
                assertEquals(expect.longValue(), w.pa(), () -> "driver walker at 0x" + Long.toHexString(va) + ": " + w);
                assertEquals(expect.longValue(), sim, "simulator at 0x" + Long.toHexString(va));
                assertEquals(pt.mappedShift(va), w.pageShift(), "bookkeeping and tables agree on the page size");
                shiftsSeen[w.pageShift()]++;
            }
        }
    }

    @Test
    void theLargestPageThatFitsIsUsedAndOnePd0EntryMixesSizes() {
        MmGpu g = new MmGpu(tmp, chip());
        reservePages(g.vram);
        PageTableManager pt = space(g, g.tlb);
        Walker walker = new Walker(g.pramin, g.format);
        // [2M - 4K, 4M + 64K + 4K): 4K, then a 2 MiB page, then 64K, then 4K
        long va = 3 * M2 - K4;
        long pa = PA_BASE + M2 - K4;
        long size = K4 + M2 + K64 + K4;
        pt.map(va, pa, size, false);
        assertEquals(12, walker.walk(pt.instBlock(), va).pageShift());
        assertEquals(21, walker.walk(pt.instBlock(), va + K4).pageShift());
        assertEquals(16, walker.walk(pt.instBlock(), va + K4 + M2).pageShift());
        assertEquals(12, walker.walk(pt.instBlock(), va + K4 + M2 + K64).pageShift());
        // a 64 KiB page beside 4 KiB pages in the same PD0 entry (both halves in use)
        pt.map(8 * M2, PA_BASE + 8 * M2, K64, false);
        pt.map(8 * M2 + K64, PA_BASE + 16 * M2, K4, false);
        Walker.Walk w64 = walker.walk(pt.instBlock(), 8 * M2 + 8);
        Walker.Walk w4 = walker.walk(pt.instBlock(), 8 * M2 + K64 + 8);
        assertEquals(16, w64.pageShift());
        assertEquals(12, w4.pageShift(), w4.toString());
        assertEquals(PA_BASE + 16 * M2 + 8, g.gpu.mmu().translate(pt.instBlock(), 8 * M2 + K64 + 8, false));
        assertEquals(PA_BASE + 8 * M2 + 8, g.gpu.mmu().translate(pt.instBlock(), 8 * M2 + 8, false));
        // a misaligned PA forces 4 KiB pages even for a 2 MiB-aligned VA
        pt.map(10 * M2, PA_BASE + K4, M2, false);
        assertEquals(12, pt.mappedShift(10 * M2));
        assertEquals(0, g.gpu.mmu().faultCount());
    }

    @Test
    void refusedRequestsChangeNothing() {
        MmGpu g = new MmGpu(tmp, chip());
        reservePages(g.vram);
        PageTableManager pt = space(g, g.tlb);
        pt.map(M2, PA_BASE, M2, false);
        long allocated = g.vram.stats().allocated();
        assertEquals(Errno.EEXIST, assertThrows(DriverException.class,
                () -> pt.map(M2 + K64, PA_BASE, K4, false)).errno(), "inside a 2 MiB page");
        DriverException split = assertThrows(DriverException.class, () -> pt.unmap(M2, K64));
        assertEquals(Errno.EINVAL, split.errno());
        assertTrue(split.getMessage().contains("split"), split.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> pt.unmap(4 * M2, K4)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> pt.map(K4 + 1, PA_BASE, K4, false)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> pt.map(VA_SIZE - K4, PA_BASE, 2 * K4, false)).errno(), "leaves the space");
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> pt.map(0, g.pramin.vramSize(), K4, false)).errno(), "beyond VRAM");
        assertEquals(allocated, g.vram.stats().allocated());
        assertEquals(21, pt.mappedShift(M2 + 5 * K4));
        pt.close();
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> pt.map(0, PA_BASE, K4, false)).errno());
    }

    @Test
    void runningOutOfVramForATableUndoesTheWholeMap() {
        MmGpu g = new MmGpu(tmp, chip());
        // leave room for the instance block, the root and three more tables only
        BuddyVramManager small = BuddyVramManager.of("small", 0, 5 * K4);
        PageTableManager pt = new PageTableManager("test:vm", g.format, small, g.pramin, g.tlb, VA_SIZE);
        long before = small.stats().allocated();
        // needs PD2, PD1, PD0 and a page table: one too many
        DriverException e = assertThrows(DriverException.class, () -> pt.map(0, PA_BASE, K4, false));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(before, small.stats().allocated(), "the directories made for it were freed");
        assertEquals(1, pt.tables());
        assertEquals(-1, g.gpu.mmu().translate(pt.instBlock(), 0, false));
        pt.close();
        assertEquals(0, small.stats().allocated());
    }

    @Test
    void withoutTheInvalidateTheGpuKeepsUsingAnUnmappedPage() {
        MmGpu g = new MmGpu(tmp, chip());
        reservePages(g.vram);
        // first a space that forgets to invalidate: the GPU still translates after the unmap
        PageTableManager forgetful = space(g, pdb -> { });
        forgetful.map(0, PA_BASE, K4, false);
        assertEquals(PA_BASE + 8, g.gpu.mmu().translate(forgetful.instBlock(), 8, false));
        forgetful.unmap(0, K4);
        assertEquals(PA_BASE + 8, g.gpu.mmu().translate(forgetful.instBlock(), 8, false),
                "a stale TLB entry: the page is unmapped (and its table freed) yet still reached");
        assertFalse(new Walker(g.pramin, g.format).walk(forgetful.instBlock(), 8).mapped(), "the tables say unmapped");
        // the same with the invalidate sequence: the GPU faults
        PageTableManager correct = space(g, g.tlb);
        correct.map(0, PA_BASE, K4, false);
        assertEquals(PA_BASE + 8, g.gpu.mmu().translate(correct.instBlock(), 8, false));
        correct.unmap(0, K4);
        assertEquals(-1, g.gpu.mmu().translate(correct.instBlock(), 8, false));
        List<SimMmuFault> faults = g.gpu.mmu().faults();
        SimMmuFault f = faults.get(faults.size() - 1);
        assertEquals(8, f.va());
        assertEquals(FaultType.PDE, f.type(), "the emptied directories are gone: the walk stops at PD3");
        assertTrue(g.tlb.count() >= 2);
    }

    @Test
    void wrongEntriesWrittenOnPurposeFaultWithTheirAddressAndType() {
        MmGpu g = new MmGpu(tmp, chip());
        reservePages(g.vram);
        PageTableManager pt = space(g, g.tlb);
        Walker walker = new Walker(g.pramin, g.format);
        pt.map(0, PA_BASE, 4 * K4, false);
        pt.map(M2, PA_BASE + M2, K64, false);
        // the 4 KiB PTE of VA 0x1000, found by the walker
        Walker.Walk w = walker.walk(pt.instBlock(), K4);
        Walker.Step leaf = w.steps().get(w.steps().size() - 1);
        long pteAddr = leaf.table() + (long) leaf.index() * g.format.spt().entrySize();
        // bad aperture: peer memory (APERTURE 2:1 and VALID 0:0 in both formats' PTEs)
        EntryField aperture = g.format.version() == 3 ? MmuV3.PTE_APERTURE : MmuV2.PTE_APERTURE;
        EntryField valid = g.format.version() == 3 ? MmuV3.PTE_VALID : MmuV2.PTE_VALID;
        g.pramin.write64(pteAddr, aperture.set(leaf.entry(), MmuV2.PTE_APERTURE_PEER_MEMORY));
        g.tlb.invalidate(pt.pageDirectory());
        assertFault(g, pt.instBlock(), K4 + 0x10, FaultType.UNSUPPORTED_APERTURE);
        // invalid bit cleared
        g.pramin.write64(pteAddr, valid.set(leaf.entry(), 0));
        g.tlb.invalidate(pt.pageDirectory());
        assertFault(g, pt.instBlock(), K4 + 0x20, FaultType.PTE);
        assertFalse(walker.walk(pt.instBlock(), K4).mapped());
        // a PTE at the wrong level: PD1's entry for VA 0 replaced by a (2 MiB-style) PTE
        int pd1Level = g.format.directories().size() - 2;
        Walker.Step pd1 = walker.walk(pt.instBlock(), 0).steps().get(pd1Level);
        assertEquals("PD1", pd1.level());
        long pd1Addr = pd1.table() + (long) pd1.index() * g.format.directories().get(pd1Level).entrySize();
        g.pramin.write64(pd1Addr, g.format.vramPte(PA_BASE, false, false));
        g.tlb.invalidate(pt.pageDirectory());
        assertFault(g, pt.instBlock(), M2 + 0x30, FaultType.PDE);
        assertNotNull(walker.walk(pt.instBlock(), M2).fault());
        // BAR1 bound to this space sees the same fault, as a BAR1 read of all ones
        bindBar1(g, pt.instBlock());
        assertEquals(0xffff_ffffL, g.gpu.mmu().bar1Read(M2 + 0x40, 4));
        SimMmuFault f = last(g);
        assertEquals("BAR1", f.client());
        assertEquals(FaultAccess.VIRT_READ, f.access());
        assertEquals(M2 + 0x40, f.va());
        // restoring the entry heals it
        g.pramin.write64(pd1Addr, pd1.entry());
        g.tlb.invalidate(pt.pageDirectory());
        assertEquals(PA_BASE + M2 + 0x40, g.gpu.mmu().translate(pt.instBlock(), M2 + 0x40, false));
    }

    @Test
    void praminWritesAreWhatBar1ReadsThroughTheTables() {
        MmGpu g = new MmGpu(tmp, chip());
        reservePages(g.vram);
        PageTableManager pt = new PageTableManager("test:bar1", g.format, g.vram, g.pramin, g.tlb, 256L << 20);
        // BAR1 VA 0x10000 (64K page) and 0x400000 (2M page) onto scattered VRAM
        pt.map(K64, PA_BASE + 5 * K64, K64, false);
        pt.map(2 * M2, PA_BASE + 4 * M2, M2, true);
        bindBar1(g, pt.instBlock());
        assertFalse(g.gpu.mmu().bar1Linear());
        g.pramin.write32(PA_BASE + 5 * K64 + 0x44, 0x600d_cafe);
        g.pramin.write64(PA_BASE + 4 * M2 + M2 - 8, 0x0123_4567_89ab_cdefL);
        assertEquals(0x600d_cafeL, g.gpu.mmu().bar1Read(K64 + 0x44, 4));
        assertEquals(0x0123_4567_89ab_cdefL, g.gpu.mmu().bar1Read(2 * M2 + M2 - 8, 8));
        // the read-only 2 MiB page refuses a BAR1 write
        long faults = g.gpu.mmu().faultCount();
        g.gpu.mmu().bar1Write(2 * M2, 4, 1);
        assertEquals(faults + 1, g.gpu.mmu().faultCount());
        assertEquals(FaultType.RO_VIOLATION, last(g).type());
        assertEquals(0x0123_4567_89ab_cdefL, g.pramin.read64(PA_BASE + 4 * M2 + M2 - 8));
        // a BAR1 write lands where PRAMIN reads
        g.gpu.mmu().bar1Write(K64 + 0x48, 4, 0xfeed);
        assertEquals(0xfeed, g.pramin.read32(PA_BASE + 5 * K64 + 0x48));
    }

    private static void bindBar1(MmGpu g, long inst) {
        int v = Bar1Block.FUNC_BAR1_BLOCK_PTR.of(inst >>> Bar1Block.PTR_SHIFT);
        v = Bar1Block.FUNC_BAR1_BLOCK_MODE.set(v, Bar1Block.MODE_VIRTUAL);
        g.bar0.write32(Bar1Block.FUNC_BAR1_BLOCK.address(), v);
    }

    private static SimMmuFault last(MmGpu g) {
        List<SimMmuFault> f = g.gpu.mmu().faults();
        return f.get(f.size() - 1);
    }

    private static void assertFault(MmGpu g, long inst, long va, FaultType type) {
        long before = g.gpu.mmu().faultCount();
        assertEquals(-1, g.gpu.mmu().translate(inst, va, false));
        assertEquals(before + 1, g.gpu.mmu().faultCount());
        SimMmuFault f = last(g);
        assertEquals(va, f.va());
        assertEquals(type, f.type(), f.toString());
        assertEquals(FaultAccess.VIRT_READ, f.access());
    }
}
