package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.PluginTask;
import org.nova.gpu.VgpuTypeInfo;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;

/**
 * Issue 14 item 3 at nova.core's level: vGPU controls on several threads racing the GPU's unbind.
 * Whatever the interleaving, the unbind's unload runs completely (GSP-RM unloaded, booter_unload
 * clears WPR2), so the same simulated GPU probes again every time; a control after unbind started
 * is refused with ENODEV, never half-run.
 */
class VgpuUnbindRaceTest {
    private static final String SLOT = "0000:00:06.0";
    /** Binds and unbinds of one GPU. */
    private static final int ITERATIONS = 40;
    /** Threads running vGPU controls while the GPU unbinds. */
    private static final int THREADS = 3;
    /** How long the controls run before the unbind, at most. */
    private static final int MAX_RUN_MS = 20;
    /** What a control that lost the race may say. */
    private static final Set<Errno> REFUSED = Set.of(Errno.ENODEV);

    @TempDir
    Path tmp;

    @Test
    void vgpuControlsRacingUnbindNeverLeaveTheGpuUnprobeable() throws Exception {
        Path fw = GpuFirmwareGenerator.generate(Chipset.AD102, tmp.resolve("fw"), "570.144");
        NvidiaGpu sim = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)));
        Random seeds = new Random(Long.getLong("nova.race.seed", System.nanoTime()));
        long seed = seeds.nextLong();
        Random rnd = new Random(seed);
        AtomicLong completed = new AtomicLong();
        for (int i = 0; i < ITERATIONS; i++) {
            SimPciDevice dev = new SimPciDevice(sim, SLOT);
            Gpu g;
            try {
                g = Gpu.probe(dev, new DirFirmwareLoader(fw));
            } catch (DriverException e) {
                dev.releaseAll();
                fail("probe " + i + " (seed " + seed + ") after a racing unbind: " + e.getMessage(), e);
                return;
            }
            BuddyVramManager vram = g.fbRegions().vramManager(SLOT, sim.vramAperture());
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int gfid = t + 1;
                threads.add(Thread.ofPlatform().name("vgpu-race-" + gfid).start(
                        () -> controls(g, vram, gfid, stop, completed, unexpected)));
            }
            Thread.sleep(rnd.nextInt(MAX_RUN_MS));
            g.unbind();
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            dev.releaseAll();
            assertTrue(unexpected.isEmpty(), "iteration " + i + " (seed " + seed + "): " + unexpected);
            assertEquals(List.of(), sim.vgpu().activeGfids(), "GSP-RM's unload forgets every vGPU");
        }
        assertTrue(completed.get() > 0, "some controls ran before their unbind: the race was run");
    }

    /** One client: types, then bootload, shutdown and cleanup of its gfid, until the GPU goes. */
    private static void controls(Gpu g, BuddyVramManager vram, int gfid, AtomicBoolean stop, AtomicLong completed,
            ConcurrentLinkedQueue<Throwable> unexpected) {
        PciAddress vf = PciAddress.parse("0000:00:06." + gfid);
        try (VgpuMgr v = g.openVgpu("race-" + gfid, vram)) {
            while (!stop.get()) {
                VgpuTypeInfo t = v.supportedTypes().get(0);
                completed.incrementAndGet();
                VramBlock heap = vram.allocateBelow(t.gspHeapSize(), "heap" + gfid, vram.cpuVisibleSize());
                VramBlock fb = vram.allocate(t.fbLength(), "fb" + gfid);
                try {
                    v.bootloadPluginTask(new PluginTask(vf, gfid, t.id(), 512 * gfid, 512, fb, heap));
                    v.shutdownPluginTask(gfid);
                    v.cleanupPlugin(gfid);
                } finally {
                    vram.free(fb);
                    vram.free(heap);
                }
            }
        } catch (DriverException e) {
            if (!REFUSED.contains(e.errno())) {
                unexpected.add(e);
            }
        } catch (RuntimeException e) {
            unexpected.add(e);
        }
    }
}
