package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.GpuVms;
import org.nova.gpu.vm.VmMapping;
import org.nova.gpu.vm.VmRange;
import org.nova.gpu.vm.VmWalk;
import org.nova.gpu.vram.VramBlock;
import org.nova.nvidia.Architecture;

/**
 * The exported GPU VA space API over the simulated GPU: what it maps the simulated MMU translates
 * (read and write permission included), a partial unmap keeps the outer pieces of a mapping with
 * re-laid pages, every errno leaves the space and the buddy as they were, sparse reservations,
 * and the force-close at GPU unbind giving every table back.
 */
class GpuVmSpacesTest {
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    private static final long M2 = 1L << 21;

    @TempDir
    Path tmp;
    private MmGpu g;
    private GpuVmManager vms;

    @BeforeEach
    void setUp() {
        g = new MmGpu(tmp);
        vms = GpuVms.open("sim", g.bar0, Architecture.AMPERE, g.pramin.vramSize(), g.vram);
    }

    private long sim(GpuVm vm, long va, boolean write) {
        return g.gpu.mmu().translate(vm.instBlock(), va, write);
    }

    private static DriverException fails(Errno errno, Runnable r) {
        DriverException e = assertThrows(DriverException.class, r::run);
        assertEquals(errno, e.errno(), e.getMessage());
        return e;
    }

    @Test
    void theSimulatedGpuTranslatesWhatIsMappedAndAPartialUnmapKeepsTheOuterPieces() {
        long start = g.vram.stats().allocated();
        GpuVm vm = vms.create("test:vm", 1L << 40);
        VramBlock bo = g.vram.allocate(4 * M2, "bo");
        long va = 64 * M2;
        vm.map(va, bo, 0, 4 * M2, true);
        VmWalk w = vm.walk(va + M2 + 8);
        assertEquals(bo.offset() + M2 + 8, w.pa());
        assertEquals(21, w.pageShift(), "VA and PA 2 MiB aligned: 2 MiB pages");
        assertTrue(w.writable());
        assertEquals(bo.offset() + M2 + 8, sim(vm, va + M2 + 8, true));

        // unmap one 4 KiB page in the middle of the second 2 MiB page: the rest stays mapped
        long hole = va + M2 + 5 * K64;
        assertEquals(K4, vm.unmap(hole, K4));
        assertEquals(List.of(new VmMapping(va, hole - va, bo.offset(), true),
                new VmMapping(hole + K4, va + 4 * M2 - hole - K4, bo.offset() + hole + K4 - va, true)), vm.mappings());
        assertFalse(vm.walk(hole).mapped());
        assertEquals(-1, sim(vm, hole, false));
        assertEquals(1, g.gpu.mmu().faultCount());
        for (long a = va; a < va + 4 * M2; a += K4) {
            long expect = a == hole ? -1 : bo.offset() + (a - va);
            assertEquals(expect, vm.walk(a).pa(), "driver walk of 0x" + Long.toHexString(a));
            assertEquals(expect, sim(vm, a, false), "simulator walk of 0x" + Long.toHexString(a));
        }
        // the pieces use the largest pages that fit: 4 KiB up to the next 64 KiB boundary, 2 MiB where whole
        assertEquals(16, vm.walk(hole - K64).pageShift());
        assertEquals(16, vm.walk(hole - K4).pageShift());
        assertEquals(12, vm.walk(hole + K4).pageShift(), "the piece after the hole starts off a 64 KiB boundary");
        assertEquals(21, vm.walk(va).pageShift());

        // unmapping across both pieces and a hole returns the bytes that were mapped
        assertEquals(4 * M2 - K4, vm.unmap(va - M2, 6 * M2));
        assertEquals(List.of(), vm.mappings());
        assertEquals(1, vm.tables(), "only the root is left");
        vm.close();
        assertTrue(vm.isClosed());
        g.vram.free(bo);
        assertEquals(start, g.vram.stats().allocated());
        assertEquals(List.of(), vms.spaces());
    }

    @Test
    void aReadOnlyMappingFaultsGpuWrites() {
        GpuVm vm = vms.create("test:vm", 1L << 40);
        VramBlock bo = g.vram.allocate(K64, "bo");
        vm.map(0x10_0000, bo, K4, 2 * K4, false);
        assertEquals(bo.offset() + K4, sim(vm, 0x10_0000, false));
        assertEquals(-1, sim(vm, 0x10_0000, true));
        assertFalse(vm.walk(0x10_0000).writable());
        vm.close();
    }

    @Test
    void everyErrnoLeavesTheSpaceAndTheBuddyAsTheyWere() {
        GpuVm vm = vms.create("test:vm", 1L << 32);
        VramBlock bo = g.vram.allocate(M2, "bo");
        vm.map(M2, bo, 0, M2, true);
        long allocated = g.vram.stats().allocated();
        List<VmMapping> before = vm.mappings();
        fails(Errno.EINVAL, () -> vm.map(3 * M2 + 1, bo, 0, K4, true)).getMessage().contains("aligned");
        fails(Errno.EINVAL, () -> vm.map(3 * M2, bo, 0, K4 + 1, true));
        fails(Errno.EINVAL, () -> vm.map(3 * M2, bo, K4 / 2, K4, true));
        fails(Errno.EINVAL, () -> vm.map(3 * M2, bo, M2, K4, true));
        fails(Errno.EINVAL, () -> vm.map(3 * M2, bo, K4, M2, true));
        fails(Errno.EINVAL, () -> vm.map((1L << 32) - K4, bo, 0, 2 * K4, true));
        fails(Errno.EINVAL, () -> vm.map(3 * M2, bo, 0, 0, true));
        fails(Errno.EEXIST, () -> vm.map(2 * M2 - K4, bo, 0, 2 * K4, true));
        VramBlock freed = g.vram.allocate(K4, "gone");
        g.vram.free(freed);
        fails(Errno.EINVAL, () -> vm.map(3 * M2, freed, 0, K4, true));
        fails(Errno.EINVAL, () -> vm.unmap(K4 + 1, K4));
        fails(Errno.EINVAL, () -> vm.unmap(0, 1L << 33));
        assertEquals(before, vm.mappings());
        assertEquals(allocated, g.vram.stats().allocated());
        fails(Errno.EINVAL, () -> vms.create("test:bad", 123));
        fails(Errno.EINVAL, () -> vms.create("", 1L << 32));
        assertEquals(allocated, g.vram.stats().allocated());
        vm.close();
        g.vram.free(bo);
    }

    @Test
    void sparseRangesAreReservedExactlyAndTheirUnreserveUnmapsInside() {
        GpuVm vm = vms.create("test:vm", 1L << 40);
        VramBlock bo = g.vram.allocate(K64, "bo");
        vm.reserveSparse(M2, 4 * M2);
        fails(Errno.EEXIST, () -> vm.reserveSparse(4 * M2, 2 * M2));
        vm.map(2 * M2, bo, 0, K64, true);
        vm.map(8 * M2, bo, 0, K64, true);
        fails(Errno.ENOENT, () -> vm.unreserveSparse(M2, 2 * M2));
        fails(Errno.ENOENT, () -> vm.unreserveSparse(2 * M2, 4 * M2));
        assertEquals(List.of(new VmRange(M2, 4 * M2)), vm.sparseRanges());
        vm.unreserveSparse(M2, 4 * M2);
        assertEquals(List.of(), vm.sparseRanges());
        assertEquals(List.of(new VmMapping(8 * M2, K64, bo.offset(), true)), vm.mappings());
        assertEquals(-1, sim(vm, 2 * M2, false));
        vm.close();
    }

    @Test
    void revokeAtUnbindForceClosesEverySpaceAndGivesEveryTableBack() {
        long start = g.vram.stats().allocated();
        VramBlock bo = g.vram.allocate(4 * M2, "bo");
        GpuVm a = vms.create("test:a", 1L << 40);
        GpuVm b = vms.create("test:b", 1L << 40);
        a.map(0, bo, 0, 4 * M2, true);
        b.map(1L << 39, bo, K4, 3 * K4, true);
        assertEquals(List.of(a, b), vms.spaces());
        vms.revoke();
        assertTrue(vms.isRevoked());
        assertTrue(a.isClosed() && b.isClosed());
        assertEquals(List.of(), vms.spaces());
        assertEquals(start + bo.size(), g.vram.stats().allocated(), "only the mapped block is left");
        assertNull(fails(Errno.ENODEV, () -> a.map(0, bo, 0, K4, true)).getCause());
        fails(Errno.ENODEV, () -> b.unmap(0, K4));
        fails(Errno.ENODEV, () -> a.walk(0));
        fails(Errno.ENODEV, () -> vms.create("test:c", 1L << 40));
        a.close();
        g.vram.free(bo);
        assertEquals(start, g.vram.stats().allocated());
    }
}
