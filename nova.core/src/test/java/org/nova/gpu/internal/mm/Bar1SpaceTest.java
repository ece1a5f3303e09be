package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.hw.sim.gpu.SimMmuFault;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.FaultType;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.mmu.Tu102MmuHal;

/**
 * BAR1 through page tables on the simulated GPU: bound, VRAM blocks mapped at allocator-chosen
 * VAs and reached by CPU accesses, unmapped VAs faulting, the carve-out never handed out, and
 * everything given back on teardown, also when the GPU stops answering.
 */
class Bar1SpaceTest {
    private static final long MIB = 1L << 20;
    private static final long CARVE = 16 * MIB;

    @TempDir
    Path tmp;

    private static Bar1Space bind(MmGpu g) {
        return Bar1Space.bind("sim", g.bar0, Tu102MmuHal.INSTANCE, g.vram, g.pramin, g.tlb, NvidiaGpu.BAR1_SIZE, CARVE);
    }

    @Test
    void cpuAccessesThroughBar1ReachTheMappedBlocksOnly() {
        MmGpu g = new MmGpu(tmp);
        long start = g.vram.stats().allocated();
        Bar1Space bar1 = bind(g);
        assertFalse(g.gpu.mmu().bar1Linear(), "BAR1 translates once bound");
        VramBlock small = g.vram.allocate(64 << 10, "gem");
        VramBlock big = g.vram.allocate(4 * MIB, "gem");
        long vaSmall = bar1.map(small, "gem:1", false);
        long vaBig = bar1.map(big, "gem:2", false);
        assertEquals(0, vaBig % (2 * MIB), "a 2 MiB-aligned VA for a block with 2 MiB pages");
        assertEquals(21, bar1.walk(vaBig).pageShift());
        assertEquals(16, bar1.walk(vaSmall).pageShift());
        g.gpu.mmu().bar1Write(vaSmall + 0x10, 4, 0xabcd);
        assertEquals(0xabcd, g.pramin.read32(small.offset() + 0x10));
        g.pramin.write64(big.offset() + 3 * MIB, 0x1234_5678_9abc_def0L);
        assertEquals(0x1234_5678_9abc_def0L, g.gpu.mmu().bar1Read(vaBig + 3 * MIB, 8));
        // nothing mapped right after the big block: a fault, all ones
        long hole = vaBig + big.size();
        assertEquals(0xffff_ffffL, g.gpu.mmu().bar1Read(hole, 4));
        SimMmuFault f = g.gpu.mmu().faults().get(g.gpu.mmu().faults().size() - 1);
        assertEquals(hole, f.va());
        assertTrue(f.type() == FaultType.PDE || f.type() == FaultType.PTE, f.toString());
        // the carve-out is held and never handed out
        assertTrue(bar1.ranges().stream().anyMatch(r -> r.owner().equals(Bar1Space.KERNEL)
                && r.va() == NvidiaGpu.BAR1_SIZE - CARVE));
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> bar1.unmap(NvidiaGpu.BAR1_SIZE - CARVE)).errno());
        bar1.unmap(vaSmall);
        assertEquals(0xffff_ffffL, g.gpu.mmu().bar1Read(vaSmall + 0x10, 4), "unmapped (and invalidated)");
        bar1.unmap(vaBig);
        g.vram.free(small);
        g.vram.free(big);
        bar1.close();
        assertTrue(g.gpu.mmu().bar1Linear(), "BAR1 is physical again");
        assertEquals(start, g.vram.stats().allocated(), "tables and instance block given back");
        bar1.close();
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> bar1.walk(0)).errno());
    }

    @Test
    void aFullApertureRefusesTheNextMappingAndLosesNothing() {
        MmGpu g = new MmGpu(tmp);
        // a 32 MiB space with an 8 MiB carve-out: a 16 MiB block fits, then nothing of 16 MiB
        Bar1Space bar1 = Bar1Space.bind("sim", g.bar0, Tu102MmuHal.INSTANCE, g.vram, g.pramin, g.tlb, 32 * MIB,
                8 * MIB);
        VramBlock a = g.vram.allocate(16 * MIB, "a");
        long va = bar1.map(a, "a", false);
        VramBlock b = g.vram.allocate(16 * MIB, "b");
        long allocated = g.vram.stats().allocated();
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class, () -> bar1.map(b, "b", false)).errno());
        assertEquals(allocated, g.vram.stats().allocated());
        assertEquals(2, bar1.ranges().size());
        bar1.unmap(va);
        bar1.close();
    }

    @Test
    void teardownGivesVramBackEvenWhenTheGpuStopsAnswering() {
        MmGpu g = new MmGpu(tmp);
        long start = g.vram.stats().allocated();
        AtomicBoolean removed = new AtomicBoolean();
        TlbFlush flush = pd -> {
            if (removed.get()) {
                throw new DriverException(Errno.ENODEV, "the GPU was removed");
            }
            g.tlb.invalidate(pd);
        };
        Bar1Space bar1 = Bar1Space.bind("sim", g.bar0, Tu102MmuHal.INSTANCE, g.vram, g.pramin, flush,
                NvidiaGpu.BAR1_SIZE, 0);
        VramBlock blk = g.vram.allocate(MIB, "gem");
        bar1.map(blk, "gem", false);
        // hot removal: from now on the hardware refuses; the tables must still be freed
        removed.set(true);
        DriverException e = assertThrows(DriverException.class, bar1::close);
        assertEquals(Errno.ENODEV, e.errno());
        g.vram.free(blk);
        assertEquals(start, g.vram.stats().allocated(), "no table leaked although the GPU was gone");
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB100", "GB202"})
    void fspChipsMapBar1ThroughVersion3Tables(Chipset chip) {
        MmGpu g = new MmGpu(tmp, chip);
        MmuHal hal = MmuHal.of(chip.architecture());
        long start = g.vram.stats().allocated();
        Bar1Space bar1 = Bar1Space.bind("sim", g.bar0, hal, g.vram, g.pramin, g.tlb, NvidiaGpu.BAR1_SIZE, CARVE);
        assertFalse(g.gpu.mmu().bar1Linear());
        VramBlock small = g.vram.allocate(64 << 10, "gem");
        VramBlock big = g.vram.allocate(4 * MIB, "gem");
        long vaSmall = bar1.map(small, "gem:1", false);
        long vaBig = bar1.map(big, "gem:2", false);
        Walker.Walk w = bar1.walk(vaBig + MIB);
        assertEquals("PD4", w.steps().get(0).level(), w.toString());
        assertEquals(5, w.steps().size(), "PD4, PD3, PD2, PD1 and PD0, whose big half is the 2 MiB PTE");
        assertEquals(21, w.pageShift());
        assertEquals(16, bar1.walk(vaSmall).pageShift());
        g.gpu.mmu().bar1Write(vaSmall + 0x10, 4, 0xabcd);
        assertEquals(0xabcd, g.pramin.read32(small.offset() + 0x10));
        g.pramin.write64(big.offset() + 3 * MIB, 0x1234_5678_9abc_def0L);
        assertEquals(0x1234_5678_9abc_def0L, g.gpu.mmu().bar1Read(vaBig + 3 * MIB, 8));
        long hole = vaBig + big.size();
        assertEquals(0xffff_ffffL, g.gpu.mmu().bar1Read(hole, 4));
        SimMmuFault f = g.gpu.mmu().faults().get(g.gpu.mmu().faults().size() - 1);
        assertEquals(hole, f.va());
        bar1.unmap(vaSmall);
        bar1.unmap(vaBig);
        g.vram.free(small);
        g.vram.free(big);
        bar1.close();
        assertTrue(g.gpu.mmu().bar1Linear());
        assertEquals(start, g.vram.stats().allocated(), "tables and instance block given back");
    }
}
