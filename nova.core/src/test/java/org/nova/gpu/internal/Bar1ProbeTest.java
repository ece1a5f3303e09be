package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.internal.mm.Bar1VramManager;
import org.nova.gpu.internal.mm.Walker;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.mmu.MmuLevel;
import org.nova.nvidia.mmu.MmuV2;

/**
 * BAR1 at probe as nouveau runs it under GSP-RM (r535_bar_bar1_init): the simulated GSP-RM binds
 * BAR1 to its own instance block and reports the root directory; the driver's tables go beneath
 * it, VRAM blocks get CPU views through BAR1 VAs, and the GPU-side walk of the simulator sees what
 * the CPU wrote. Teardown gives every table back and leaves GSP-RM's root as it was, also when the
 * GPU is gone first.
 */
class Bar1ProbeTest {
    private static final String SLOT = "0000:00:05.0";
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    private record Probed(NvidiaGpu sim, SimPciDevice dev, Gpu gpu, BuddyVramManager buddy, Bar1Space bar1,
            Bar1VramManager vram, long start) {
    }

    private Probed probe(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu sim = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(sim, SLOT);
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
        MemorySegment aperture = sim.bar1Memory();
        BuddyVramManager buddy = g.fbRegions().vramManager(SLOT, aperture);
        long start = buddy.stats().allocated();
        Bar1Space bar1 = g.bar1Space(buddy);
        assertNotNull(bar1, "GSP-RM reported BAR1's root");
        return new Probed(sim, dev, g, buddy, bar1, new Bar1VramManager(buddy, bar1, aperture), start);
    }

    private static long rootEntries(NvidiaGpu sim, long root) {
        // the root level of the chip's format: PD3 (v2) or PD4 (v3, Hopper and Blackwell)
        MmuLevel level = MmuHal.of(sim.architecture()).format().root();
        long used = 0;
        for (int i = 0; i < level.entries(); i++) {
            used += sim.vramRead(root + (long) i * level.entrySize(), Long.BYTES) != 0 ? 1 : 0;
        }
        return used;
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA102", "AD102", "GH100", "GB100", "GB202"})
    void cpuWritesThroughBar1VasAreWhatTheGpuReadsAndTeardownGivesEverythingBack(Chipset chip) {
        Probed p = probe(chip);
        assertTrue(p.bar1().underGspRm());
        assertFalse(p.sim().mmu().bar1Linear(), "GSP-RM bound BAR1 virtual");
        long root = p.bar1().tables().pageDirectory();
        assertEquals(0, rootEntries(p.sim(), root), "GSP-RM's root starts empty");

        VramBlock block = p.vram().allocate(256 << 10, "nova-drm:card0:file1");
        MemorySegment cpu = p.vram().map(block);
        long va = p.vram().vaOf(block);
        assertTrue(va >= 0 && va + block.size() <= NvidiaGpu.BAR1_SIZE);
        assertEquals(cpu.address(), p.sim().bar1Memory().address() + va, "the view is BAR1 at the block's VA");
        assertEquals(cpu.address(), p.vram().map(block).address(), "mapped once");
        cpu.set(LE64, 0x1_0008, 0x0123_4567_89ab_cdefL);
        // GPU side: the simulator's MMU walks BAR1's instance block to the VRAM page, which holds the write
        long pa = p.sim().mmu().translate(p.bar1().instBlock(), va + 0x1_0008, false);
        assertEquals(block.offset() + 0x1_0008, pa);
        assertEquals(0x0123_4567_89ab_cdefL, p.sim().vramRead(pa, Long.BYTES));
        // the driver's walker explains the same translation, level by level
        Walker.Walk w = p.bar1().walk(va + 0x1_0008);
        assertTrue(w.mapped(), w.toString());
        assertEquals(pa, w.pa());
        assertEquals(MmuV2.PAGE_SHIFT_64K, w.pageShift());
        assertEquals(1, rootEntries(p.sim(), root), "the driver's next level hangs off GSP-RM's root");
        assertEquals(p.bar1().tables().format().root().name(), w.steps().get(0).level());

        p.vram().free(block);
        assertEquals(-1, p.vram().vaOf(block));
        assertTrue(p.bar1().ranges().stream().allMatch(r -> r.owner().equals(Bar1Space.KERNEL)), "the VA went back");
        assertEquals(-1L, p.sim().bar1Memory().get(LE64, va + 0x1_0008), "unmapped: BAR1 reads all ones there");
        assertEquals(p.start(), p.buddy().stats().allocated(), "the emptied tables went back at once");
        p.bar1().close();
        assertEquals(0, rootEntries(p.sim(), root));
        assertFalse(p.sim().mmu().bar1Linear(), "the driver leaves GSP-RM's binding alone");
        p.gpu().unbind();
        assertTrue(p.sim().mmu().bar1Linear(), "GSP-RM gave BAR1 back at unload");
        p.dev().releaseAll();
        assertEquals(0, p.dev().liveResources());
    }

    @Test
    void bar1VaExhaustionIsEnospcAndLosesNothing() {
        Probed p = probe(Chipset.GA102);
        // the clients' part of BAR1 (all but the 64 MiB kernel carve-out): 128 + 64 MiB
        assertEquals(64 * MIB, p.bar1().carveOut());
        VramBlock a = p.vram().allocate(128 * MIB, "gem:a");
        VramBlock b = p.vram().allocate(64 * MIB, "gem:b");
        VramBlock c = p.vram().allocate(2 * MIB, "gem:c");
        p.vram().map(a);
        p.vram().map(b);
        DriverException e = assertThrows(DriverException.class, () -> p.vram().map(c));
        assertEquals(Errno.ENOSPC, e.errno());
        assertTrue(e.getMessage().contains("BAR1"), e.getMessage());
        assertEquals(-1, p.vram().vaOf(c));
        p.vram().freeAll("gem:a");
        p.vram().map(c);
        for (VramBlock x : List.of(b, c)) {
            p.vram().free(x);
        }
        assertEquals(p.start(), p.buddy().stats().allocated());
        p.bar1().close();
        p.gpu().unbind();
        p.dev().releaseAll();
    }

    @Test
    void kernelBuffersMapInsideTheCarveOutAndClientsNeverReachIt() {
        Probed p = probe(Chipset.GA102);
        long carve = p.bar1().carveOut();
        assertEquals(64 * MIB, carve);
        long kernelStart = NvidiaGpu.BAR1_SIZE - carve;
        VramBlock heap = p.vram().allocate(4 * MIB, "vgpu.vfio:0000:00:05.1/plugin-heap");
        MemorySegment view = p.vram().mapKernel(heap);
        long va = p.vram().vaOf(heap);
        assertTrue(va >= kernelStart, Long.toHexString(va));
        view.set(LE64, 0x40, 0x1122L);
        assertEquals(0x1122L, p.sim().vramRead(p.sim().mmu().translate(p.bar1().instBlock(), va + 0x40, false), 8));
        // clients fill everything below the carve-out and get ENOSPC, the kernel's mapping intact
        List<VramBlock> blocks = new java.util.ArrayList<>(List.of(heap));
        for (long size : List.of(128 * MIB, 64 * MIB)) {
            VramBlock b = p.vram().allocate(size, "gem");
            p.vram().map(b);
            blocks.add(b);
        }
        VramBlock more = p.vram().allocate(2 * MIB, "gem:more");
        blocks.add(more);
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class, () -> p.vram().map(more)).errno());
        // and the kernel fills its carve-out (64 MiB: 4 + 32 + 16 + 8 + 4) without the clients' VAs
        for (long size : List.of(32 * MIB, 16 * MIB, 8 * MIB, 4 * MIB)) {
            VramBlock b = p.vram().allocate(size, "nova-core:kernel");
            assertTrue(p.vram().vaOf(b) < 0);
            p.vram().mapKernel(b);
            assertTrue(p.vram().vaOf(b) >= kernelStart);
            blocks.add(b);
        }
        VramBlock over = p.vram().allocate(2 * MIB, "nova-core:over");
        blocks.add(over);
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class, () -> p.vram().mapKernel(over)).errno());
        assertEquals(0, p.bar1().freeBytes());
        for (VramBlock b : blocks) {
            p.vram().free(b);
        }
        assertTrue(p.bar1().ranges().stream().allMatch(r -> r.owner().equals(Bar1Space.KERNEL)), p.bar1().ranges().toString());
        assertEquals(p.start(), p.buddy().stats().allocated());
        p.bar1().close();
        p.gpu().unbind();
        p.dev().releaseAll();
    }

    @Test
    void afterHotRemovalTheTablesStillGoBackToVram() {
        Probed p = probe(Chipset.GA102);
        VramBlock block = p.vram().allocate(4 * MIB, "gem");
        p.vram().map(block);
        assertTrue(p.bar1().tables().tables() > 0);
        p.dev().releaseAll(); // the GPU is gone: BAR0 revoked under the driver
        p.vram().free(block); // its PTEs cannot be cleared: logged, the VA forgotten
        assertThrows(RuntimeException.class, () -> p.bar1().close());
        assertEquals(p.start(), p.buddy().stats().allocated(), "every table back in the buddy");
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> p.bar1().walk(0)).errno());
    }
}
