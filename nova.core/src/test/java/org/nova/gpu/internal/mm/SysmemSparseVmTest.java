package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.DmaSegment;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.GpuVms;
import org.nova.gpu.vm.VmAperture;
import org.nova.gpu.vm.VmMapping;
import org.nova.gpu.vm.VmWalk;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuV2;

/**
 * GPU VA spaces mapping system memory beside VRAM, and sparse ranges, over the simulated GPU:
 * what the driver's walker reads from the tables, what the simulated MMU translates and what a
 * GPU engine reads through it (VRAM, host memory through the IOMMU, zero for sparse) agree with a
 * per-page reference model after every random step; everything goes back to the buddy at the end.
 */
class SysmemSparseVmTest {
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    private static final long M2 = 1L << 21;

    @TempDir
    Path tmp;
    private MmGpu g;
    private GpuVmManager vms;

    /** @return the chip the tests run on (its MMU format); {@link SysmemSparseVmV3Test} runs them on Hopper */
    Chipset chip() {
        return Chipset.GA102;
    }

    @BeforeEach
    void setUp() {
        g = new MmGpu(tmp, chip());
        vms = GpuVms.open("sim", g.bar0, chip().architecture(), g.pramin.vramSize(), g.vram);
    }

    private static DriverException fails(Errno errno, Runnable r) {
        DriverException e = assertThrows(DriverException.class, r::run);
        assertEquals(errno, e.errno(), e.getMessage());
        return e;
    }

    /** What one 4 KiB page of the model maps: an aperture and an address, or sparse (ap == null). */
    private record Page(VmAperture ap, long pa) {
    }

    @Test
    void sysmemPagesTranslateToTheirDmaAddressWithTheLargestPageAndTheGpuReadsHostMemory() {
        long start = g.vram.stats().allocated();
        GpuVm vm = vms.create("test:sys", 1L << 40);
        long iova = g.dma(4 * M2, M2);
        MemorySegment host = g.host(iova);
        host.set(ValueLayout.JAVA_LONG_UNALIGNED, M2 + 0x40, 0x5eed_cafe_f00dL);
        long va = 32 * M2;
        // one contiguous 4 MiB given as four 1 MiB segments: merged, so 2 MiB pages
        List<DmaSegment> segs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            segs.add(new DmaSegment(iova + i * (M2 / 2), M2 / 2));
        }
        vm.mapSysmem(va, segs, true, true);
        assertEquals(List.of(new VmMapping(va, 2 * M2, iova, true, VmAperture.SYSTEM_COHERENT)), vm.mappings());
        VmWalk w = vm.walk(va + M2 + 0x40);
        assertEquals(iova + M2 + 0x40, w.pa());
        assertEquals(21, w.pageShift());
        assertEquals(VmAperture.SYSTEM_COHERENT, w.aperture());
        assertEquals(0x5eed_cafe_f00dL, g.gpu.mmu().read(vm.instBlock(), va + M2 + 0x40, 8).orElseThrow(),
                "the GPU reads the host's bytes through the PTE and the IOMMU");
        assertTrue(g.gpu.mmu().write(vm.instBlock(), va + 8, 8, 0x1234));
        assertEquals(0x1234, host.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
        assertEquals(MmuV2.PTE_APERTURE_SYSTEM_COHERENT, g.gpu.mmu().aperture(vm.instBlock(), va));

        // non-coherent, read-only, two discontiguous segments: 64 KiB and 4 KiB pages
        long other = g.dma(K64 + K4, K64);
        vm.mapSysmem(8 * M2, List.of(new DmaSegment(other, K64), new DmaSegment(iova + 3 * M2, K4)), false, false);
        assertEquals(16, vm.walk(8 * M2).pageShift());
        assertEquals(12, vm.walk(8 * M2 + K64).pageShift());
        assertEquals(iova + 3 * M2 + 8, vm.walk(8 * M2 + K64 + 8).pa());
        assertEquals(VmAperture.SYSTEM_NON_COHERENT, vm.walk(8 * M2).aperture());
        assertFalse(vm.walk(8 * M2).writable());
        assertFalse(g.gpu.mmu().write(vm.instBlock(), 8 * M2, 4, 1), "read-only: the write faults");

        // splitting a sysmem mapping keeps the aperture and the DMA addresses of the outer pieces
        assertEquals(K4, vm.unmap(va + M2, K4));
        assertTrue(vm.mappings().contains(
                new VmMapping(va + M2 + K4, M2 - K4, iova + M2 + K4, true, VmAperture.SYSTEM_COHERENT)), "" + vm.mappings());
        assertTrue(vm.mappings().contains(new VmMapping(va, M2, iova, true, VmAperture.SYSTEM_COHERENT)));
        assertTrue(g.gpu.mmu().read(vm.instBlock(), va + M2, 8).isEmpty(), "the unmapped page faults");

        // a buffer the IOMMU no longer maps is refused even though the PTE still names it
        g.unmapDma(other);
        assertTrue(g.gpu.mmu().read(vm.instBlock(), 8 * M2, 8).isEmpty());

        // errors change nothing
        List<VmMapping> before = vm.mappings();
        fails(Errno.EINVAL, () -> vm.mapSysmem(64 * M2, List.of(), true, true));
        fails(Errno.EINVAL, () -> vm.mapSysmem(64 * M2, List.of(new DmaSegment(iova + 8, K4)), true, true));
        fails(Errno.EEXIST, () -> vm.mapSysmem(va - K4, List.of(new DmaSegment(iova, 2 * K4)), true, true));
        assertEquals(before, vm.mappings());
        vm.close();
        assertEquals(start, g.vram.stats().allocated(), "no page-table memory leaked");
    }

    @Test
    void sparseRangesReadZeroDropWritesAndUnmapRestoresThem() {
        long start = g.vram.stats().allocated();
        GpuVm vm = vms.create("test:sparse", 1L << 40);
        long base = 16 * M2;
        long size = 4 * M2 + 3 * K64; // whole 2 MiB entries and a partial one
        long faults = g.gpu.mmu().faultCount();
        vm.reserveSparse(base, size);
        for (long va : new long[] {base, base + M2 + 0x88, base + 4 * M2, base + size - 8}) {
            assertEquals(0, g.gpu.mmu().read(vm.instBlock(), va, 8).orElseThrow(), "sparse 0x" + Long.toHexString(va));
            assertTrue(g.gpu.mmu().write(vm.instBlock(), va, 8, -1));
            assertEquals(0, g.gpu.mmu().read(vm.instBlock(), va, 8).orElseThrow());
            VmWalk w = vm.walk(va);
            assertTrue(w.sparse(), w.toString());
            assertFalse(w.mapped());
            assertNull(w.fault());
        }
        assertEquals(faults, g.gpu.mmu().faultCount(), "no fault inside the sparse range");
        assertTrue(g.gpu.mmu().read(vm.instBlock(), base + size, 8).isEmpty(), "just past it: a fault");
        assertTrue(g.gpu.mmu().read(vm.instBlock(), base - 8, 8).isEmpty(), "just before it: a fault");
        assertEquals(faults + 2, g.gpu.mmu().faultCount());
        assertFalse(vm.walk(base + size).sparse());

        // a mapping inside replaces the sparse entries; its unmap restores them
        VramBlock bo = g.vram.allocate(M2, "bo");
        g.gpu.vramWrite(bo.offset() + 0x10, 8, 0xabcdL);
        vm.map(base + M2 + K4, bo, 0, K64, true);
        assertEquals(0xabcdL, g.gpu.mmu().read(vm.instBlock(), base + M2 + K4 + 0x10, 8).orElseThrow());
        assertEquals(0, g.gpu.mmu().read(vm.instBlock(), base + M2, 8).orElseThrow(), "its neighbour stays sparse");
        assertTrue(vm.walk(base + M2 + K64 + K4).sparse());
        vm.map(base + 2 * M2, bo, 0, M2, true);
        assertEquals(21, vm.walk(base + 2 * M2).pageShift(), "a 2 MiB page over a wholly sparse entry");
        vm.unmap(base + M2 + 2 * K4, K4);
        assertTrue(vm.walk(base + M2 + 2 * K4).sparse(), "a partial unmap restores sparse");
        assertEquals(0xabcdL, g.gpu.mmu().read(vm.instBlock(), base + M2 + K4 + 0x10, 8).orElseThrow());
        vm.unmap(base, size);
        for (long va = base; va < base + size; va += K64) {
            assertTrue(vm.walk(va).sparse(), "0x" + Long.toHexString(va));
        }
        assertEquals(0, g.gpu.mmu().read(vm.instBlock(), base + 2 * M2 + 0x10, 8).orElseThrow());
        assertEquals(faults + 2, g.gpu.mmu().faultCount());

        // unreserve clears: the VAs fault again, and every table goes
        vm.map(base + 3 * M2, bo, 0, K4, true);
        vm.unreserveSparse(base, size);
        assertEquals(List.of(), vm.mappings());
        for (long va : new long[] {base, base + M2 + K4, base + 3 * M2, base + size - 8}) {
            assertFalse(vm.walk(va).sparse());
            assertTrue(g.gpu.mmu().read(vm.instBlock(), va, 8).isEmpty());
        }
        assertEquals(1, vm.tables(), "only the root directory is left");
        vm.close();
        g.vram.free(bo);
        assertEquals(start, g.vram.stats().allocated(), "no page-table memory leaked");
    }

    @Test
    void aHugeSparseRangeIsMadeOfSparseDirectoryEntriesAndAMappingInsideSplitsOnlyItsOwnEntries() {
        long start = g.vram.stats().allocated();
        GpuVm vm = vms.create("test:huge", 1L << 47);
        long base = 1L << 40;
        long size = 2L << 40; // 2 TiB: 8 PD2 entries, not one table per 2 MiB
        vm.reserveSparse(base + M2, size - M2); // starts 2 MiB in: the first PD1 entry is partly sparse
        assertTrue(vm.tables() <= 8, "tables: " + vm.tables());
        long faults = g.gpu.mmu().faultCount();
        for (long va : new long[] {base + M2, base + (1L << 30) + 8, base + (700L << 30), base + size - 8}) {
            assertEquals(0, g.gpu.mmu().read(vm.instBlock(), va, 8).orElseThrow(), "0x" + Long.toHexString(va));
            assertTrue(vm.walk(va).sparse());
        }
        assertEquals(faults, g.gpu.mmu().faultCount());
        assertTrue(g.gpu.mmu().read(vm.instBlock(), base + M2 - 8, 8).isEmpty(), "before the range: a fault");
        // a mapping deep inside: its PD2 and PD1 entries become tables, every neighbour stays sparse
        VramBlock bo = g.vram.allocate(K64, "bo");
        g.gpu.vramWrite(bo.offset(), 8, 0x77L);
        long at = base + (300L << 30) + 5 * M2 + K64;
        vm.map(at, bo, 0, K64, true);
        assertEquals(0x77L, g.gpu.mmu().read(vm.instBlock(), at, 8).orElseThrow());
        for (long va : new long[] {at - K4, at + K64, at - M2, at + (1L << 29), at - (1L << 38), at + (1L << 38)}) {
            assertTrue(vm.walk(va).sparse(), "0x" + Long.toHexString(va));
            assertEquals(0, g.gpu.mmu().read(vm.instBlock(), va, 8).orElseThrow());
        }
        assertEquals(faults + 1, g.gpu.mmu().faultCount());
        assertTrue(vm.tables() <= 16, "tables: " + vm.tables());
        vm.unmap(at, K64);
        assertTrue(vm.walk(at).sparse());
        vm.unreserveSparse(base + M2, size - M2);
        assertEquals(1, vm.tables());
        assertTrue(g.gpu.mmu().read(vm.instBlock(), at, 8).isEmpty());
        vm.close();
        g.vram.free(bo);
        assertEquals(start, g.vram.stats().allocated());
    }

    /**
     * @param seed the random sequence
     * @param sparseFrom where the sparse range starts, relative to the span the maps land in
     * @param sparseSize its size: inside the span (PD0 entries), or around it (whole PD1 and PD2
     *     entries sparse, split as mappings land in them)
     */
    @ParameterizedTest
    @CsvSource({"6221081, 10944512, 18894848", "7, -134217728, 2199023255552", "42, 3145728, 549755813888"})
    void randomMapsOfVramAndSysmemInAndOutOfSparseRangesMatchAPerPageModel(long seed, long sparseFrom,
            long sparseSize) {
        long start = g.vram.stats().allocated();
        Random rnd = new Random(seed);
        GpuVm vm = vms.create("test:prop", 1L << 47);
        long span = 32 * M2;
        long base = 64 * M2;
        long iova = g.dma(span, M2);
        long sparseAt = base + sparseFrom;
        vm.reserveSparse(sparseAt, sparseSize);
        List<VramBlock> blocks = new ArrayList<>();
        TreeMap<Long, Page> model = new TreeMap<>();
        int[] shifts = new int[22];
        for (int step = 0; step < 220; step++) {
            long[] r = randomRange(rnd, base, span);
            long va = r[0];
            long size = r[1];
            int op = rnd.nextInt(3);
            if (op == 0) {
                // VRAM, half the time with the VA's offset in 2 MiB so large pages fit
                VramBlock b;
                try {
                    b = g.vram.allocate(size + M2, "bo" + step);
                } catch (DriverException e) {
                    continue;
                }
                blocks.add(b);
                long off = rnd.nextBoolean() ? ((va - b.offset()) & (M2 - 1)) & ~(K4 - 1) : K4 * rnd.nextInt(16);
                if (!free(model, va, size)) {
                    fails(Errno.EEXIST, () -> vm.map(va, b, off, size, true));
                    continue;
                }
                vm.map(va, b, off, size, true);
                for (long p = 0; p < size; p += K4) {
                    model.put(va + p, new Page(VmAperture.VIDEO_MEMORY, b.offset() + off + p));
                }
            } else if (op == 1) {
                // sysmem, in one or several segments, sometimes keeping 2 MiB/64 KiB congruence
                long dmaOff = rnd.nextBoolean() ? (va - base) : K4 * rnd.nextInt(64);
                dmaOff = Math.min(dmaOff, span - size) & ~(K4 - 1);
                List<DmaSegment> segs = new ArrayList<>();
                int n = 1 + rnd.nextInt(3);
                long left = size;
                long at = iova + dmaOff;
                for (int i = 0; i < n && left > 0; i++) {
                    long len = i == n - 1 ? left : Math.max(K4, (left / n) & ~(K4 - 1));
                    segs.add(new DmaSegment(at, len));
                    at += len + (rnd.nextBoolean() ? 0 : K4);
                    left -= len;
                }
                if (at > iova + span) {
                    continue;
                }
                boolean coherent = rnd.nextBoolean();
                if (!free(model, va, size)) {
                    fails(Errno.EEXIST, () -> vm.mapSysmem(va, segs, coherent, true));
                    continue;
                }
                vm.mapSysmem(va, segs, coherent, true);
                long v = va;
                for (DmaSegment s : segs) {
                    for (long p = 0; p < s.length(); p += K4) {
                        model.put(v + p, new Page(coherent ? VmAperture.SYSTEM_COHERENT
                                : VmAperture.SYSTEM_NON_COHERENT, s.address() + p));
                    }
                    v += s.length();
                }
            } else {
                vm.unmap(va, size);
                for (long p = 0; p < size; p += K4) {
                    model.remove(va + p);
                }
            }
            check(vm, model, rnd, base, span, sparseAt, sparseSize, shifts);
        }
        assertTrue(shifts[12] > 0 && shifts[16] > 0 && shifts[21] > 0, "every page size was exercised");
        vm.unmap(base, span);
        vm.unreserveSparse(sparseAt, sparseSize);
        assertEquals(1, vm.tables(), "only the root directory is left");
        vm.close();
        for (VramBlock b : blocks) {
            g.vram.free(b);
        }
        assertEquals(start, g.vram.stats().allocated(), "no page-table memory leaked");
    }

    /** @return whether the model maps nothing in [va, va + size) */
    private static boolean free(TreeMap<Long, Page> model, long va, long size) {
        Map.Entry<Long, Page> e = model.ceilingEntry(va);
        return e == null || e.getKey() >= va + size;
    }

    private static long[] randomRange(Random rnd, long base, long span) {
        long size = switch (rnd.nextInt(4)) {
            case 0 -> M2 * (1 + rnd.nextInt(2));
            case 1 -> K64 * (1 + rnd.nextInt(6));
            case 2 -> K4 * (1 + rnd.nextInt(24));
            default -> M2 + K64 * (1 + rnd.nextInt(8)) + K4 * rnd.nextInt(3);
        };
        long align = switch (rnd.nextInt(3)) {
            case 0 -> M2;
            case 1 -> K64;
            default -> K4;
        };
        long va = base + (rnd.nextLong(span - size) / align) * align;
        return new long[] {va, size};
    }

    private void check(GpuVm vm, TreeMap<Long, Page> model, Random rnd, long base, long span, long sparseAt,
            long sparseSize, int[] shifts) {
        List<Long> probes = new ArrayList<>();
        for (Long va : model.keySet()) {
            if (rnd.nextInt(6) == 0 || probes.size() < 4) {
                probes.add(va + rnd.nextInt((int) K4 / 8) * 8);
            }
        }
        for (int i = 0; i < 24; i++) {
            probes.add(base + (rnd.nextLong(span) & ~7L));
        }
        long faults = g.gpu.mmu().faultCount();
        int expectFaults = 0;
        for (long va : probes) {
            Page p = model.get(va & ~(K4 - 1));
            boolean sparse = p == null && va >= sparseAt && va < sparseAt + sparseSize;
            VmWalk w = vm.walk(va);
            long sim = g.gpu.mmu().translate(vm.instBlock(), va, false);
            String at = "VA 0x" + Long.toHexString(va) + ": " + w;
            if (p == null) {
                assertFalse(w.mapped(), at);
                assertEquals(-1, sim, at);
                assertEquals(sparse, w.sparse(), at);
                if (sparse) {
                    assertEquals(0, g.gpu.mmu().read(vm.instBlock(), va, 8).orElseThrow(), at);
                } else {
                    expectFaults++; // the simulator's translate
                }
            } else {
                long pa = p.pa() + (va & (K4 - 1));
                assertEquals(pa, w.pa(), at);
                assertEquals(p.ap(), w.aperture(), at);
                assertEquals(pa, sim, at);
                assertEquals(p.ap().pteValue(), g.gpu.mmu().aperture(vm.instBlock(), va), at);
                shifts[w.pageShift()]++;
            }
        }
        assertEquals(faults + expectFaults, g.gpu.mmu().faultCount(), "faults only where nothing is mapped or sparse");
    }

    /** A coherent DMA buffer over the harness's IOMMU. */
    private DmaCoherent coherent(long size) {
        long iova = g.dma(size, K4);
        MemorySegment m = g.host(iova);
        return new DmaCoherent() {
            @Override
            public long iova() {
                return iova;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public MemorySegment memory() {
                return m;
            }

            @Override
            public void close() {
                g.unmapDma(iova);
            }
        };
    }

    @Test
    void gpuSysmemCopiesToAndFromVramKeepsItsLimitAndRevokeFreesEverything() {
        GpuSysmem sys = new CoherentSysmem("sim", this::coherent, g.pramin, 4 * M2);
        SysmemBuffer a = sys.allocate(M2 - 100, "test:a");
        assertEquals(M2, a.size(), "rounded to 4 KiB");
        VramBlock bo = g.vram.allocate(M2, "bo");
        for (long off = 0; off < M2; off += K64) {
            g.gpu.vramWrite(bo.offset() + off, 8, 0x1000_0000L + off);
        }
        sys.copyFromVram(bo, 0, a, 0, M2);
        for (long off = 0; off < M2; off += K64) {
            assertEquals(0x1000_0000L + off, a.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, off));
        }
        a.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 0x77L);
        sys.copyToVram(a, 0, bo, 0, K4);
        assertEquals(0x77L, g.gpu.vramRead(bo.offset() + 8, 8));
        fails(Errno.EINVAL, () -> sys.copyFromVram(bo, 0, a, K4, M2));
        fails(Errno.EINVAL, () -> sys.copyToVram(a, 4, bo, 0, K4));

        // the GPU reaches the buffer through a VA space
        GpuVm vm = vms.create("test:sysmem", 1L << 40);
        vm.mapSysmem(4 * M2, a.segments(), true, true);
        assertEquals(0x1000_0000L + K64, g.gpu.mmu().read(vm.instBlock(), 4 * M2 + K64, 8).orElseThrow());
        vm.unmap(4 * M2, M2);

        fails(Errno.ENOMEM, () -> sys.allocate(3 * M2 + K4, "test:over"));
        SysmemBuffer b = sys.allocate(3 * M2, "test:b");
        assertEquals(4 * M2, sys.allocated());
        a.close();
        assertEquals(3 * M2, sys.allocated());
        assertTrue(g.gpu.mmu().read(vm.instBlock(), 4 * M2, 8).isEmpty());
        sys.revoke();
        assertTrue(b.isFreed());
        assertEquals(0, sys.allocated());
        assertEquals(List.of(), sys.buffers());
        fails(Errno.ENODEV, () -> sys.allocate(K4, "test:late"));
        vm.close();
        g.vram.free(bo);
    }
}
