package org.nova.it.vgpu;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramManager;
import org.nova.it.NovaOptions;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Issue 14 item 3 on the default simulated platform: vGPU create / destroy on the AD102's VFs and
 * type queries on the GPU, on several threads, racing the GPU's unbind from NovaCore and its bind
 * again, many times. Whatever the interleaving, the unbind runs completely (VFs unbound and
 * removed, GSP-RM unloaded, WPR2 cleared), so every bind probes cleanly; an operation that loses
 * the race is refused with ENODEV (the VF or the GPU is going), nothing else. The seed is printed
 * on failure ({@code -Dnova.race.seed} repeats a run).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VgpuUnbindRaceIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The default platform's vGPU-capable AD102 and the VFs the threads use (hw.sim SimDefaultPlatform). */
    private static final String PF = "0000:00:06.0";
    private static final List<String> VFS = List.of("0000:00:06.1", "0000:00:06.2", "0000:00:06.3");
    private static final String NOVA_CORE = "NovaCore";
    /** Unbind / bind cycles of the GPU. */
    private static final int ITERATIONS = 12;
    /** How long the threads run before the unbind, at most. */
    private static final int MAX_RUN_MS = 40;
    private static final String TYPE = "NVIDIA L40-1Q";

    @Inject
    private BundleContext context;

    @Inject
    private DriverCore core;

    @Inject
    private PciBus pci;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    @Test
    public void vgpuOperationsRacingTheGpusUnbindNeverKeepItFromProbingAgain() throws Exception {
        long seed = Long.getLong("nova.race.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String run = "seed " + seed;
        Bus bus = core.requireBus(PciBus.NAME);
        ServiceTracker<VgpuManager, VgpuManager> tracker = tracker(VgpuManager.class, "");
        ServiceTracker<VramManager, VramManager> vramTracker = tracker(VramManager.class,
                "(" + VramManager.GPU_PROPERTY + "=" + PF + ")");
        AtomicLong done = new AtomicLong();
        try {
            for (int i = 0; i < ITERATIONS; i++) {
                String it = run + ", iteration " + i;
                assertNotNull(it, vramTracker.waitForService(TIMEOUT.toMillis()));
                VgpuManager vgpus = tracker.waitForService(TIMEOUT.toMillis());
                assertNotNull(it, vgpus);
                pci.sriovNumvfs(PF, Integer.toString(VFS.size()));
                settle(it);
                AtomicBoolean stop = new AtomicBoolean();
                ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
                List<Thread> threads = new ArrayList<>();
                for (String vf : VFS) {
                    threads.add(Thread.ofPlatform().name("race-" + vf).start(() -> {
                        while (!stop.get()) {
                            refusedOnlyWithEnodev(unexpected, () -> {
                                vgpus.create(vf, TYPE);
                                vgpus.destroy(vf);
                                done.incrementAndGet();
                            });
                        }
                    }));
                }
                threads.add(Thread.ofPlatform().name("race-types").start(() -> {
                    while (!stop.get()) {
                        refusedOnlyWithEnodev(unexpected, () -> {
                            for (VgpuType t : vgpus.types(PF)) {
                                vgpus.availableInstances(PF, t.id());
                            }
                        });
                    }
                }));
                Thread.sleep(rnd.nextInt(MAX_RUN_MS));
                bus.unbind(PF);
                stop.set(true);
                for (Thread t : threads) {
                    t.join(TIMEOUT.toMillis());
                }
                settle(it);
                assertEquals(it + ": " + unexpected, List.of(), List.copyOf(unexpected));
                try {
                    bus.bind(PF, NOVA_CORE);
                } catch (DriverException e) {
                    throw new AssertionError(it + ": the GPU does not probe again: " + e.getMessage(), e);
                }
                settle(it);
                assertEquals(it + ": the GPU probes again (no WPR2 left behind)", NOVA_CORE,
                        bus.device(PF).flatMap(Device::driver).orElse("-"));
                assertEquals(it, List.of(), vgpus.list());
            }
            assertTrue(run + ": some vGPUs were created and destroyed: the race was run", done.get() > 0);
            VramManager vram = vramTracker.waitForService(TIMEOUT.toMillis());
            assertEquals(run, Map.of(), vram.usageByOwner());
        } finally {
            if (bus.device(PF).flatMap(Device::driver).isEmpty()) {
                bus.bind(PF, NOVA_CORE);
            }
            if (pci.device(PF).map(p -> p.numVfs() > 0).orElse(false)) {
                pci.sriovNumvfs(PF, "0");
            }
            settle(run);
            tracker.close();
            vramTracker.close();
        }
    }

    /** Runs one operation; a refusal other than ENODEV, or any other exception, is recorded. */
    private static void refusedOnlyWithEnodev(ConcurrentLinkedQueue<Throwable> unexpected, Runnable op) {
        try {
            op.run();
        } catch (DriverException e) {
            if (e.errno() != Errno.ENODEV) {
                unexpected.add(e);
            }
        } catch (RuntimeException e) {
            unexpected.add(e);
        }
    }

    private void settle(String when) {
        assertTrue(when + ": probes still pending after " + TIMEOUT.toSeconds() + " s",
                core.waitForDeviceProbe(TIMEOUT));
    }

    private <T> ServiceTracker<T, T> tracker(Class<T> type, String filter) throws Exception {
        ServiceTracker<T, T> t = new ServiceTracker<>(context, FrameworkUtil.createFilter(
                "(&(" + Constants.OBJECTCLASS + "=" + type.getName() + ")" + filter + ")"), null);
        t.open();
        return t;
    }
}
