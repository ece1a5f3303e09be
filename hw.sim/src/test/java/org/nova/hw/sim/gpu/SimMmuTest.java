package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.FaultType;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;
import org.nova.nvidia.regs.Bar0Window;
import org.nova.nvidia.regs.Bar1Block;
import org.nova.nvidia.regs.MmuInvalidate;

/**
 * The simulated GPU MMU walking page tables written by hand into VRAM (not by the driver, so the
 * two are checked against the headers independently): BAR1 before and after a bind, the three
 * page sizes, every fault a wrong entry causes, the TLB that stays stale until the invalidate
 * sequence, and the PRAMIN window.
 */
class SimMmuTest {
    private static final long INST = 0x1_0000;
    private static final long PD3 = 0x1_1000;
    private static final long PD2 = 0x1_2000;
    private static final long PD1 = 0x1_3000;
    private static final long PD0 = 0x1_4000;
    private static final long SPT = 0x1_5000;
    private static final long LPT = 0x1_6000;
    private static final long PAGE_4K = 0x20_0000;
    private static final long PAGE_64K = 0x30_0000;
    private static final long PAGE_2M = 0x40_0000;
    /** VA 0..2M: PD0[0] small page table; 2M..4M: PD0[1] big page table; 4M..6M: PD0[2] a 2 MiB PTE. */
    private static final long VA_4K = 0x1000;
    private static final long VA_64K = 0x20_0000;
    private static final long VA_2M = 0x40_0000;

    @TempDir
    Path tmp;
    private NvidiaGpu gpu;

    @BeforeEach
    void setUp() {
        gpu = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(tmp)));
        gpu.vramWrite(INST + Ramin.PAGE_DIR_BASE_OFFSET, 8, Ramin.pageDirBaseV2(PD3));
        gpu.vramWrite(INST + Ramin.ADR_LIMIT_OFFSET, 8, Ramin.adrLimit(NvidiaGpu.BAR1_SIZE - 1));
        gpu.vramWrite(PD3, 8, MmuV2.vramPde(PD2));
        gpu.vramWrite(PD2, 8, MmuV2.vramPde(PD1));
        gpu.vramWrite(PD1, 8, MmuV2.vramPde(PD0));
        gpu.vramWrite(PD0 + 8, 8, MmuV2.dualSmallVram(SPT)); // PD0[0]: small half only
        gpu.vramWrite(SPT + 8, 8, MmuV2.vramPte(PAGE_4K, false, false)); // VA 0x1000
        gpu.vramWrite(PD0 + 16, 8, MmuV2.dualBigVram(LPT)); // PD0[1]: big half only
        gpu.vramWrite(LPT, 8, MmuV2.vramPte(PAGE_64K, false, false)); // VA 0x200000
        gpu.vramWrite(PD0 + 32, 8, MmuV2.vramPte(PAGE_2M, false, false)); // PD0[2]: a 2 MiB page
    }

    private void bindBar1(long inst) {
        gpu.write(Bar1Block.FUNC_BAR1_BLOCK.address(), 4, Integer.toUnsignedLong(
                Bar1Block.FUNC_BAR1_BLOCK_MODE.set(Bar1Block.FUNC_BAR1_BLOCK_PTR.of(inst >>> Bar1Block.PTR_SHIFT),
                        Bar1Block.MODE_VIRTUAL)));
    }

    private void invalidate(long pdb, boolean allVa, boolean allPdb) {
        gpu.write(MmuInvalidate.PDB.address(), 4, MmuInvalidate.PDB_ADDR.of(pdb >>> MmuInvalidate.PDB_ADDR_SHIFT));
        gpu.write(MmuInvalidate.UPPER_PDB.address(), 4, 0);
        int v = MmuInvalidate.INVALIDATE_TRIGGER.of(1) | MmuInvalidate.INVALIDATE_HUBTLB_ONLY.of(1);
        v = MmuInvalidate.INVALIDATE_ALL_VA.set(v, allVa ? 1 : 0);
        v = MmuInvalidate.INVALIDATE_ALL_PDB.set(v, allPdb ? 1 : 0);
        gpu.write(MmuInvalidate.INVALIDATE.address(), 4, Integer.toUnsignedLong(v));
        assertFalse(MmuInvalidate.INVALIDATE_TRIGGER.isSet((int) gpu.read(MmuInvalidate.INVALIDATE.address(), 4)),
                "TRIGGER reads 0 once done");
    }

    private SimMmuFault lastFault() {
        List<SimMmuFault> f = gpu.mmu().faults();
        return f.get(f.size() - 1);
    }

    @Test
    void beforeABindBar1IsLinearOntoVram() {
        assertTrue(gpu.mmu().bar1Linear());
        gpu.mmu().bar1Write(0x1008, 8, 0x1122_3344_5566_7788L);
        assertEquals(0x1122_3344_5566_7788L, gpu.vramRead(0x1008, 8));
        assertEquals(0, gpu.mmu().faultCount());
    }

    @Test
    void afterABindBar1TranslatesEveryPageSize() {
        bindBar1(INST);
        assertFalse(gpu.mmu().bar1Linear());
        gpu.mmu().bar1Write(VA_4K + 0x10, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00dL, gpu.vramRead(PAGE_4K + 0x10, 4));
        gpu.mmu().bar1Write(VA_64K + 0xfff8, 8, 42);
        assertEquals(42, gpu.vramRead(PAGE_64K + 0xfff8, 8), "the last bytes of a 64 KiB page");
        gpu.mmu().bar1Write(VA_2M + 0x1f_fffc, 4, 7);
        assertEquals(7, gpu.vramRead(PAGE_2M + 0x1f_fffc, 4), "the last word of a 2 MiB page");
        assertEquals(0xcafe_f00dL, gpu.mmu().bar1Read(VA_4K + 0x10, 4));
        assertEquals(PAGE_4K + 0x123, gpu.mmu().translate(INST, VA_4K + 0x123, false));
        assertEquals(0, gpu.mmu().faultCount());
    }

    @Test
    void anUnmappedBar1AccessFaultsReadsAllOnesAndDropsTheWrite() {
        bindBar1(INST);
        long va = 0x3000; // PT(4K)[3] invalid
        assertEquals(0xffff_ffffL, gpu.mmu().bar1Read(va, 4));
        SimMmuFault f = lastFault();
        assertEquals(va, f.va());
        assertEquals(FaultAccess.VIRT_READ, f.access());
        assertEquals(FaultType.PTE, f.type());
        assertEquals("BAR1", f.client());
        gpu.mmu().bar1Write(va, 8, 5);
        assertEquals(FaultAccess.VIRT_WRITE, lastFault().access());
        assertEquals(2, gpu.mmu().faultCount());
        assertEquals(-1L, gpu.mmu().bar1Read(0x60_0000, 8), "PD0[3] invalid: a PDE fault, all ones");
        assertEquals(FaultType.PDE, lastFault().type());
    }

    @Test
    void wrongEntriesFaultWithTheirType() {
        // a peer-memory PTE: no peer exists
        gpu.vramWrite(SPT + 8 * 4, 8, MmuV2.PTE_APERTURE.set(MmuV2.vramPte(PAGE_4K, false, false),
                MmuV2.PTE_APERTURE_PEER_MEMORY));
        assertEquals(-1, gpu.mmu().translate(INST, 0x4000, false));
        assertEquals(FaultType.UNSUPPORTED_APERTURE, lastFault().type());
        // read-only: reads pass, writes fault
        gpu.vramWrite(SPT + 8 * 5, 8, MmuV2.vramPte(PAGE_4K, true, false));
        assertEquals(PAGE_4K, gpu.mmu().translate(INST, 0x5000, false));
        assertEquals(-1, gpu.mmu().translate(INST, 0x5000, true));
        assertEquals(FaultType.RO_VIOLATION, lastFault().type());
        assertEquals(FaultAccess.VIRT_WRITE, lastFault().access());
        // privileged page
        gpu.vramWrite(SPT + 8 * 6, 8, MmuV2.vramPte(PAGE_4K, false, true));
        assertEquals(-1, gpu.mmu().translate(INST, 0x6000, false));
        assertEquals(FaultType.PRIV_VIOLATION, lastFault().type());
        // a 64 KiB PTE whose address is not 64 KiB aligned
        gpu.vramWrite(LPT + 8, 8, MmuV2.vramPte(PAGE_64K + 0x1000, false, false));
        assertEquals(-1, gpu.mmu().translate(INST, VA_64K + 0x1_0000, false));
        assertEquals(FaultType.PTE, lastFault().type());
        // above the instance block's limit
        assertEquals(-1, gpu.mmu().translate(INST, NvidiaGpu.BAR1_SIZE, false));
        assertEquals(FaultType.VA_LIMIT_VIOLATION, lastFault().type());
        // a PTE where PD1 holds directories (a "page" of the wrong level size), in a larger space
        gpu.vramWrite(INST + Ramin.ADR_LIMIT_OFFSET, 8, Ramin.adrLimit((1L << MmuV2.VA_BITS) - 1));
        gpu.vramWrite(PD1 + 8, 8, MmuV2.vramPte(PAGE_2M, false, false));
        assertEquals(-1, gpu.mmu().translate(INST, 1L << 29, false));
        assertEquals(FaultType.PDE, lastFault().type());
        assertEquals(1L << 29, lastFault().va());
        // an instance block without the version 2 format
        gpu.vramWrite(INST + Ramin.PAGE_DIR_BASE_OFFSET, 8,
                Ramin.USE_VER2_PT_FORMAT.set(Ramin.pageDirBaseV2(PD3), 0));
        assertEquals(-1, gpu.mmu().translate(INST, VA_4K, false));
        assertEquals(FaultType.UNBOUND_INST_BLOCK, lastFault().type());
    }

    @Test
    void theBigPageTableDefersToTheSmallOneUnlessItSaysNoSmallPageIsBelow() {
        // PD0[0] gets a big page table too: its entry 0 decides for VA 0..64K
        long lpt2 = 0x1_7000;
        gpu.vramWrite(PD0, 8, MmuV2.dualBigVram(lpt2));
        // (a fault caches nothing, so the second walk needs no invalidate)
        gpu.vramWrite(lpt2, 8, MmuV2.lptNoSmall());
        assertEquals(-1, gpu.mmu().translate(INST, VA_4K, false),
                "VALID_FALSE + PRIV: no 4 KiB page below, the small table is not fetched");
        assertEquals(FaultType.PTE, lastFault().type());
        assertEquals(VA_4K, lastFault().va());
        gpu.vramWrite(lpt2, 8, MmuV2.lptUseSmall());
        assertEquals(PAGE_4K, gpu.mmu().translate(INST, VA_4K, false), "an unmapped (zero) big PTE: the small table maps it");
    }

    @Test
    void aChangedPteStaysInvisibleUntilTheInvalidate() {
        bindBar1(INST);
        gpu.mmu().bar1Write(VA_4K, 4, 0x1234);
        assertTrue(gpu.mmu().tlbEntries() > 0);
        // the driver unmaps the page but forgets the invalidate: the TLB still translates
        gpu.vramWrite(SPT + 8, 8, 0);
        assertEquals(0x1234, gpu.mmu().bar1Read(VA_4K, 4), "stale translation");
        invalidate(PD3, false, false);
        assertEquals(0x1234, gpu.mmu().bar1Read(VA_4K, 4), "an invalidate without ALL_VA drops nothing");
        invalidate(0x7_0000, true, false);
        assertEquals(0x1234, gpu.mmu().bar1Read(VA_4K, 4), "another page directory's invalidate drops nothing");
        invalidate(PD3, true, false);
        assertEquals(0xffff_ffffL, gpu.mmu().bar1Read(VA_4K, 4));
        assertEquals(FaultType.PTE, lastFault().type());
        // remapping elsewhere and invalidating every PDB shows the new page
        gpu.vramWrite(SPT + 8, 8, MmuV2.vramPte(PAGE_64K, false, false));
        gpu.vramWrite(PAGE_64K, 4, 0x5678);
        invalidate(0, true, true);
        assertEquals(0x5678, gpu.mmu().bar1Read(VA_4K, 4));
    }

    @Test
    void theCpuMappingOfBar1FollowsTheBindAndTheInvalidates() {
        java.lang.foreign.MemorySegment bar1 = gpu.bar1Memory();
        java.lang.foreign.ValueLayout.OfInt le32 = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
                .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        gpu.vramWrite(0x9000, 4, 0xabcd);
        assertEquals(0xabcd, bar1.get(le32, 0x9000), "physical: linear onto VRAM");
        bindBar1(INST);
        assertEquals(-1, bar1.get(le32, 0x9000), "virtual: an unmapped page reads all ones");
        bar1.set(le32, VA_4K + 0x20, 0x600d);
        assertEquals(0x600d, gpu.vramRead(PAGE_4K + 0x20, 4), "a CPU write lands in the page the PTE names");
        bar1.set(le32, VA_2M + 0x1f_fffc, 9);
        assertEquals(9, gpu.vramRead(PAGE_2M + 0x1f_fffc, 4));
        bar1.set(le32, 0x9000, 1);
        assertEquals(0xabcd, gpu.vramRead(0x9000, 4), "a write to an unmapped page reaches no VRAM");
        // unmapped without an invalidate: the CPU mapping is the TLB's, still the old page
        gpu.vramWrite(SPT + 8, 8, 0);
        assertEquals(0x600d, bar1.get(le32, VA_4K + 0x20));
        invalidate(PD3, true, false);
        assertEquals(-1, bar1.get(le32, VA_4K + 0x20), "after the invalidate the page is gone");
        // a read-only page: reads see VRAM, a CPU write does not reach it
        gpu.vramWrite(SPT + 8 * 5, 8, MmuV2.vramPte(PAGE_4K, true, false));
        invalidate(PD3, true, false);
        assertEquals(0x600d, bar1.get(le32, 0x5020));
        bar1.set(le32, 0x5020, 3);
        assertEquals(0x600d, gpu.vramRead(PAGE_4K + 0x20, 4));
        gpu.reset();
        assertEquals(0xabcd, bar1.get(le32, 0x9000), "a reset makes BAR1 linear again");
    }

    @Test
    void unmappedBar1PagesReadAllOnesAndCostNoMemoryUntilTouched() throws java.io.IOException {
        java.lang.foreign.MemorySegment bar1 = gpu.bar1Memory();
        java.lang.foreign.ValueLayout.OfInt le32 = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
                .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        bindBar1(INST);
        // 256 MiB of BAR1, nearly all of it refused by the MMU: all ones, and not resident
        assertTrue(residentKib(bar1) < 1024, "an unread BAR1 of all ones is resident: " + residentKib(bar1) + " KiB");
        long last = NvidiaGpu.BAR1_SIZE - 4;
        assertEquals(-1, bar1.get(le32, last), "the last page, past many chunks of the file of ones");
        // every all-ones page maps the same file offset: a write must stay in its own page
        long at = 0x80_9000; // past what setUp maps (VA 0..6M)
        bar1.set(le32, at, 7);
        assertEquals(7, bar1.get(le32, at), "a CPU write to a refused page stays in the CPU's copy");
        assertEquals(-1, bar1.get(le32, at + SimBar1View.ONES_CHUNK), "the same offset of the next chunk");
        assertEquals(-1, bar1.get(le32, at + 0x1000), "the next page");
        assertEquals(-1, bar1.get(le32, at - SimBar1View.ONES_CHUNK), "the same offset of the chunk before");
        assertEquals(0, gpu.vramRead(at, 4), "and reaches no VRAM");
    }

    /** KiB of the host's memory resident in the mappings of {@code range} (Linux /proc/self/smaps). */
    private static long residentKib(java.lang.foreign.MemorySegment range) throws java.io.IOException {
        long from = range.address();
        long to = from + range.byteSize();
        long kib = 0;
        boolean inside = false;
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/smaps"))) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ").matcher(line);
            if (m.find()) {
                long start = Long.parseUnsignedLong(m.group(1), 16);
                inside = start >= from && start < to;
            } else if (inside && line.startsWith("Rss:")) {
                kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kib;
    }

    @Test
    void aResetUnbindsBar1() {
        bindBar1(INST);
        gpu.reset();
        assertTrue(gpu.mmu().bar1Linear());
        assertEquals(0, gpu.mmu().tlbEntries());
    }

    @Test
    void praminShowsVramFromTheWindowBase() {
        int win = Bar0Window.PBUS_BAR0_WINDOW.address();
        gpu.write(Bar0Window.PRAMIN_BASE + 0x10, 4, 0xaaaa_5555L);
        assertEquals(0xaaaa_5555L, gpu.vramRead(0x10, 4), "power-on: the window shows VRAM from 0");
        gpu.write(win, 4, Bar0Window.PBUS_BAR0_WINDOW_BASE.of(0x30)); // 0x300000
        assertEquals(0x30, gpu.read(win, 4));
        gpu.vramWrite(0x30_0000 + Bar0Window.PRAMIN_SIZE - 4, 4, 0x7777);
        assertEquals(0x7777, gpu.read(Bar0Window.PRAMIN_BASE + Bar0Window.PRAMIN_SIZE - 4, 4),
                "the window's last word");
        gpu.write(Bar0Window.PRAMIN_BASE, 8, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, gpu.vramRead(0x30_0000, 8), "an 8-byte access is two words");
        long beyond = gpu.vram().byteSize();
        gpu.write(win, 4, Bar0Window.PBUS_BAR0_WINDOW_BASE.of(beyond >>> Bar0Window.BASE_SHIFT));
        assertEquals(0xffff_ffffL, gpu.read(Bar0Window.PRAMIN_BASE, 4), "past the end of VRAM reads all ones");
        gpu.reset();
        assertEquals(0, gpu.read(win, 4));
    }

    @Test
    void sparseEntriesReadZeroAndDropWritesWhileAnInvalidEntryStillFaults() {
        gpu.vramWrite(SPT + 2 * 8, 8, MmuV2.sparsePte()); // VA 0x2000: sparse 4 KiB
        gpu.vramWrite(PD0 + 3 * 16, 8, MmuV2.dualSparseBig()); // VA 6M..8M: sparse PD0 entry
        gpu.vramWrite(PD1 + 8, 8, MmuV2.sparsePte()); // VA 512M..1G: sparse PD1 entry
        gpu.vramWrite(INST + Ramin.ADR_LIMIT_OFFSET, 8, Ramin.adrLimit((2L << 30) - 1)); // reach PD1[1]
        gpu.vramWrite(PAGE_4K, 8, 0x1122_3344_5566_7788L);
        long before = gpu.mmu().faultCount();
        for (long va : new long[] {0x2000 + 8, 6L << 20, (7L << 20) + 0x1230, 512L << 20, (1L << 30) - 8}) {
            assertEquals(0, gpu.mmu().read(INST, va, 8).orElseThrow(), "sparse VA 0x" + Long.toHexString(va));
            assertTrue(gpu.mmu().write(INST, va, 8, -1L), "a write to a sparse VA is dropped without a fault");
            assertEquals(0, gpu.mmu().read(INST, va, 8).orElseThrow());
            assertEquals(-1, gpu.mmu().aperture(INST, va));
        }
        assertEquals(before, gpu.mmu().faultCount(), "sparse accesses record no fault");
        assertEquals(0x1122_3344_5566_7788L, gpu.mmu().read(INST, VA_4K, 8).orElseThrow());
        // VALID clear without VOL is not sparse: it faults, as does the PRIV-marked one in PT(4K)
        gpu.vramWrite(SPT + 3 * 8, 8, MmuV2.PTE_PRIVILEGE.of(1));
        assertTrue(gpu.mmu().read(INST, 0x3000, 4).isEmpty());
        assertTrue(gpu.mmu().read(INST, 0x4000, 4).isEmpty());
        assertEquals(FaultType.PTE, lastFault().type());
        assertEquals(0x4000, lastFault().va());
        assertFalse(gpu.mmu().write(INST, 0x4000, 4, 1));
        assertEquals(before + 3, gpu.mmu().faultCount());
        // a 64 KiB entry with VOL is sparse for its 64 KiB; one with VOL and PRIV defers to the 4 KiB table
        gpu.vramWrite(LPT + 8, 8, MmuV2.sparsePte());
        assertEquals(0, gpu.mmu().read(INST, VA_64K + 0x1_0000, 8).orElseThrow());
        assertEquals(before + 3, gpu.mmu().faultCount());
    }

    @Test
    void aSystemMemoryPteReachesHostMemoryThroughTheIommu() {
        long iova = 0x1_2345_6000L;
        java.lang.foreign.MemorySegment host = java.lang.foreign.Arena.ofAuto().allocate(0x1000);
        gpu.start(new GpuHost() {
            @Override
            public boolean dmaRead(long a, java.lang.foreign.MemorySegment dst) {
                if (a < iova || a + dst.byteSize() > iova + host.byteSize()) {
                    return false;
                }
                dst.copyFrom(host.asSlice(a - iova, dst.byteSize()));
                return true;
            }

            @Override
            public boolean dmaWrite(long a, java.lang.foreign.MemorySegment src) {
                if (a < iova || a + src.byteSize() > iova + host.byteSize()) {
                    return false;
                }
                host.asSlice(a - iova, src.byteSize()).copyFrom(src);
                return true;
            }
        });
        gpu.vramWrite(SPT + 5 * 8, 8, MmuV2.sysPte(iova, true, false)); // VA 0x5000 coherent
        gpu.vramWrite(SPT + 6 * 8, 8, MmuV2.sysPte(iova + 0x10_0000, false, false)); // VA 0x6000 beyond the buffer
        host.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0x18, 0xfeed_f00dL);
        assertEquals(0xfeed_f00dL, gpu.mmu().read(INST, 0x5018, 8).orElseThrow());
        assertTrue(gpu.mmu().write(INST, 0x5020, 4, 0xabcd));
        assertEquals(0xabcd, host.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0x20));
        assertEquals(iova + 0x18, gpu.mmu().translate(INST, 0x5018, false));
        assertEquals(MmuV2.PTE_APERTURE_SYSTEM_COHERENT, gpu.mmu().aperture(INST, 0x5000));
        assertEquals(MmuV2.PTE_APERTURE_SYSTEM_NON_COHERENT, gpu.mmu().aperture(INST, 0x6000));
        assertTrue(gpu.mmu().read(INST, 0x6000, 8).isEmpty(), "the IOMMU refuses what is not mapped");
        assertTrue(MmuV2.PTE_VOL.isSet(MmuV2.sysPte(iova, true, false)), "coherent: VOL as nouveau sets it");
        assertFalse(MmuV2.PTE_VOL.isSet(MmuV2.sysPte(iova, false, false)));
    }
}
