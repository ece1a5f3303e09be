package org.nova.drm.nova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.drm.NovaDrm.VmBindOp.map;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.drm.GemObject.Placement;
import org.nova.drm.NovaDrm;
import org.nova.gpu.vm.GpuVm;

/**
 * The device's kernel channel for accelerated GEM moves ({@link KernelCopier}) when it cannot do
 * the copy: a GPU without channels, a channel GSP-RM refuses to open, and a kernel channel that
 * stalls past the job timeout (aborted) — each time the move falls back to the CPU copy and the
 * object arrives with its bytes at the same VAs, the reason is kept, no channel is tried again, and
 * unplug gives back every byte of VRAM the kernel space took. The copy engine doing the moves is
 * exercised on the real simulated channels in the integration tests (ExecIT), since the test
 * double's engine does not execute copies. Also the launch arithmetic of nvc0_bo_move_copy.
 */
class KernelCopierTest {
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    private static final long M2 = 1L << 21;
    private static final long MANAGED = 16L << 20;
    private static final long VA = 16 * M2;

    @TempDir
    Path tmp;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final FakeChannels channels = new FakeChannels();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private static long pattern(long off) {
        return 0xc0b1_0000_0000L | off;
    }

    private static KernelCopier copier(VmGpu g) {
        return ((NovaDriver) g.dev.driver()).copier();
    }

    /** Creates, binds and GPU-fills an object, migrates it to system memory, checks it there. */
    private static void moveOneOut(VmGpu g) {
        DrmFile f = g.dev.open(DrmFile.Node.RENDER);
        NovaDrm.vmInit(f, 1L << 39, 1L << 39);
        int h = NovaDrm.gemCreate(f, M2);
        NovaDrm.vmBindOrThrow(f, List.of(map(h, VA, 0, M2)));
        GpuVm s = ((NovaDriver) g.dev.driver()).fileData(f).vm().space();
        for (long off = 0; off < M2; off += K64) {
            assertTrue(g.gpu.mmu().write(s.instBlock(), VA + off, 8, pattern(off)));
        }
        GemObject o = g.dev.lookup(f, h);
        g.dev.gemMigrate(o, Placement.SYSMEM);
        assertEquals(Placement.SYSMEM, o.placement());
        for (long off = 0; off < M2; off += K64) {
            assertEquals(o.sysmemBuffer().dmaAddress() + off, s.walk(VA + off).pa(), "VA remapped at " + off);
            assertEquals(pattern(off), g.gpu.mmu().read(s.instBlock(), VA + off, 8).orElseThrow(),
                    "the bytes at " + off + " arrived by the CPU copy");
        }
        // and back, again by the CPU
        g.dev.gemMigrate(o, Placement.VRAM);
        assertEquals(Placement.VRAM, o.placement());
        for (long off = 0; off < M2; off += K64) {
            assertEquals(pattern(off), g.gpu.mmu().read(s.instBlock(), VA + off, 8).orElseThrow());
        }
        f.close();
    }

    private static void unplugReleasesEverything(VmGpu g, long start) {
        g.cls.unregister(g.dev);
        assertNull(copier(g).channel(), "the kernel channel is closed at unplug");
        assertNull(copier(g).space(), "the kernel space is closed at unplug");
        g.vms.revoke();
        g.sysmem.revoke();
        assertEquals(start, g.vram.stats().allocated(), "VRAM back to where it started");
        assertEquals(0, g.sysmem.allocated(), "the kernel pushbuffer is freed");
    }

    @Test
    void aGpuWithoutChannelsMovesWithTheCpu() {
        VmGpu g = new VmGpu(tmp, MANAGED, 64L << 20, Duration.ofMillis(200), null, null);
        long start = g.vram.stats().allocated();
        moveOneOut(g);
        assertEquals(0, g.dev.acceleratedMoves());
        assertTrue(copier(g).broken().contains("ENODEV"), copier(g).broken());
        unplugReleasesEverything(g, start);
    }

    @Test
    void aRefusedKernelChannelFallsBackToTheCpuAndLeavesNothingAllocated() {
        channels.refuse = true;
        VmGpu g = new VmGpu(tmp, MANAGED, 64L << 20, Duration.ofMillis(200), channels, timer);
        long start = g.vram.stats().allocated();
        moveOneOut(g);
        assertEquals(0, g.dev.acceleratedMoves());
        assertTrue(copier(g).broken().contains("no kernel channel"), copier(g).broken());
        assertNull(copier(g).space(), "the kernel space made before the refusal is closed");
        assertEquals(List.of(), channels.all(), "one refused open, not retried");
        unplugReleasesEverything(g, start);
    }

    @Test
    void aKernelChannelThatStallsPastTheTimeoutIsAbortedAndTheMoveIsDoneByTheCpu() {
        channels.stallNew = true;
        VmGpu g = new VmGpu(tmp, MANAGED, 64L << 20, Duration.ofMillis(50), channels, timer);
        long start = g.vram.stats().allocated();
        moveOneOut(g);
        assertEquals(0, g.dev.acceleratedMoves());
        assertTrue(copier(g).broken().contains("timed out"), copier(g).broken());
        assertEquals(1, channels.all().size(), "one kernel channel, not opened again after it failed");
        FakeChannels.FakeChannel ch = channels.all().getFirst();
        assertNotNull(ch.error(), "the stalled kernel channel was aborted");
        assertEquals(1, ch.submitted.size(), "the second move did not use the failed channel");
        assertEquals(1, ch.submitted.getFirst().size());
        assertEquals(KernelCopier.PB_VA, ch.submitted.getFirst().getFirst().va());
        unplugReleasesEverything(g, start);
        assertTrue(ch.isClosed());
    }

    @Test
    void launchesFollowNvc0BoMoveCopysLineLimit() {
        assertEquals(1, KernelCopier.launches(K4));
        assertEquals(1, KernelCopier.launches(KernelCopier.MAX_LINES * K4));
        assertEquals(2, KernelCopier.launches((KernelCopier.MAX_LINES + 1) * K4));
        assertEquals(2, KernelCopier.launches(K4 + 12), "a tail shorter than a page is one more launch");
        assertEquals(3, KernelCopier.launches(2L * KernelCopier.MAX_LINES * K4 + 1));
    }
}
