package org.nova.it.soak;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverInfo;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.drm.DrmFile;
import org.nova.drm.NovaDrm;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * The runtime over a long life, as people and scripts use it: several threads, each with its own
 * Gogo session (so at least two shell sessions run at once), take random steps from one seed —
 * driver bundles stopped, started and updated in place, simulated devices of every model added and
 * removed with {@code cm:set}/{@code cm:delete}, devices bound, unbound and overridden, the AD102's
 * VFs enabled and disabled with vGPUs created and destroyed on them, DRM clients allocating and
 * freeing GEM objects.
 *
 * <p>After each round (every thread one step, then the runtime settled) no device is bound twice
 * and neither an unbound device nor a stopped bundle holds devres. Every {@value #CHECKPOINT_EVERY}
 * rounds the platform is put back as it started, and there devres, devices and their drivers equal
 * the start, and threads, heap after GC, file descriptors and RSS are measured: flat from the
 * first checkpoint to the last. A failure names the seed; {@code -Dnova.soak.seed=N} replays its
 * steps (the interleaving of threads within a round is the machine's). {@code -Dnova.soak.rounds}
 * sets the length: a short run in the suite, {@code mvn verify -Psoak} a long one.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SoakIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int CHECKPOINT_EVERY = 10;
    private static final int THREADS = Integer.getInteger("nova.soak.threads", 3);
    private static final int ROUNDS = Integer.getInteger("nova.soak.rounds", 30);
    private static final long SEED = Long.getLong("nova.soak.seed", System.nanoTime());
    /** Driver bundles a step may stop, start or update (nova.core's stop takes its GPUs down). */
    private static final List<String> DRIVER_BUNDLES = List.of("samples", "nova.drm", "vgpu.vfio", "nova.core");
    /** Bundles nothing else is wired to, so an update in place needs no refresh. */
    private static final List<String> LEAF_BUNDLES = List.of("samples");
    /** Models a step adds, with the options cm:set takes for them. */
    private static final List<String> MODELS = List.of("model=edu", "model=pci-testdev", "model=nvidia-gpu chip=ga102",
            "model=nvidia-gpu chip=tu102", "model=nvidia-gpu chip=gb202", "model=pci-generic vendor=1b36 device=0005 flr=true",
            "model=pci-generic vendor=abcd device=1234 removal=surprise");
    private static final String DEVICE_FACTORY = "org.nova.hw.sim.device";
    private static final String VGPU_PF = "0000:00:06.0";
    private static final List<String> VFS = List.of("0000:00:06.1", "0000:00:06.2");
    private static final String VGPU_TYPE = "L40-1Q";
    /** Slack for what a JVM grows by itself between checkpoints (JIT, pools warming). */
    private static final long HEAP_SLACK = 24L << 20;
    private static final int FD_SLACK = 8;
    private static final int THREAD_SLACK = 4;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Inject
    private DriverCore core;

    @Inject
    private PciBus pci;

    @Inject
    private DrmDevices drm;

    @Inject
    private CommandProcessor processor;

    @Inject
    private BundleContext context;

    private final AtomicLong steps = new AtomicLong();
    private final Map<String, AtomicLong> refused = new ConcurrentHashMap<>();

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    @Test
    public void aLongLifeLeavesNothingBehind() throws Exception {
        try (LogWarnings warnings = new LogWarnings()) {
            soak();
            System.out.println("SOAK warnings without a stack trace: " + warnings.plain().size() + " "
                    + warnings.plain().stream().distinct().limit(20).toList());
            assertEquals("failures an orderly life logged with a stack trace", List.of(), warnings.withThrowable());
        } catch (AssertionError | Exception e) {
            // Pax Exam reports a cause in place of its wrapper: the seed and the trace go in the message
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            throw new AssertionError("soak seed " + SEED + " (replay with -Dnova.soak.seed=" + SEED + "): " + trace);
        }
    }

    private void soak() throws Exception {
        settle();
        Map<String, String> initialBindings = bindings();
        int initialDevres = core.devres().liveTotal();
        List<Checkpoint> checkpoints = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Walker> walkers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            walkers.add(new Walker(t, new Random(SEED * 31 + t)));
        }
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<?>> done = new ArrayList<>();
                for (Walker w : walkers) {
                    done.add(pool.submit(() -> {
                        start.await();
                        w.step();
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
                settle();
                checkInvariants("round " + round);
                if (round % CHECKPOINT_EVERY == 0 || round == ROUNDS) {
                    for (Walker w : walkers) {
                        w.restore();
                    }
                    restorePlatform(initialBindings);
                    settle();
                    assertEquals("bindings back as they started, round " + round, initialBindings, bindings());
                    assertEquals("devres back as it started, round " + round, initialDevres, core.devres().liveTotal());
                    checkpoints.add(Checkpoint.take(round));
                }
            }
        } finally {
            for (Walker w : walkers) {
                w.close();
            }
            pool.shutdownNow();
        }
        Checkpoint first = checkpoints.get(0);
        Checkpoint last = checkpoints.get(checkpoints.size() - 1);
        System.out.println("SOAK seed " + SEED + ": " + steps.get() + " operations on " + THREADS + " threads, "
                + ROUNDS + " rounds, " + checkpoints.size() + " checkpoints; refused (clean errors) " + refused
                + "; first -> last: " + first + " -> " + last + "; threads by name: " + last.threadsSince(first));
        assertTrue("heap after GC grew: " + first + " -> " + last, last.heap - first.heap < HEAP_SLACK);
        assertTrue("file descriptors grew: " + first + " -> " + last, last.fds - first.fds <= FD_SLACK);
        assertTrue("threads grew: " + first + " -> " + last + "; by name: " + last.threadsSince(first),
                last.threads - first.threads <= THREAD_SLACK);
    }

    /** One thread's walk: its own shell session, its own devices and DRM files. */
    private final class Walker {
        private final int id;
        private final Random random;
        private final CommandSession session;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final List<String> added = new ArrayList<>();
        private final List<DrmFile> files = new ArrayList<>();
        private int nextName;

        Walker(int id, Random random) {
            this.id = id;
            this.random = random;
            PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
            this.session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps);
        }

        void step() throws Exception {
            steps.incrementAndGet();
            switch (random.nextInt(8)) {
                case 0 -> bundleStopStart();
                case 1 -> bundleUpdate();
                case 2, 3 -> addOrRemoveDevice();
                case 4 -> bindUnbindOverride();
                case 5 -> sriovAndVgpu();
                case 6 -> drmClient();
                default -> shell(pick(List.of("lspci", "drv:devices", "drv:devres", "vgpu:list", "drm:list",
                        "nova:info", "drv:why " + pick(deviceNames()))));
            }
            out.reset();
        }

        private void bundleStopStart() throws Exception {
            Bundle b = bundle(pick(DRIVER_BUNDLES));
            try {
                if (b.getState() == Bundle.ACTIVE && random.nextBoolean()) {
                    b.stop();
                } else {
                    b.start();
                }
            } catch (BundleException | IllegalStateException e) {
                refused("bundle " + e.getClass().getSimpleName());
            }
        }

        private void bundleUpdate() {
            Bundle b = bundle(pick(LEAF_BUNDLES));
            try {
                b.update();
            } catch (BundleException e) {
                refused("update");
            }
        }

        private void addOrRemoveDevice() {
            if (!added.isEmpty() && (added.size() > 2 || random.nextBoolean())) {
                String pid = added.remove(random.nextInt(added.size()));
                shell("cm:delete " + pid);
                return;
            }
            String name = "soak" + id + "x" + nextName++;
            String slot = String.format("00:%02x.0", 0x10 + id * 4 + added.size());
            String pid = DEVICE_FACTORY + "~" + name;
            if (shell("cm:set " + pid + " slot=" + slot + " " + pick(MODELS))) {
                added.add(pid);
            }
        }

        private void bindUnbindOverride() {
            String dev = pick(pciDeviceNames());
            switch (random.nextInt(4)) {
                case 0 -> shell("drv:unbind pci " + dev);
                case 1 -> shell("drv:probe pci " + dev);
                case 2 -> shell("drv:override pci " + dev + " " + pick(List.of("edu_sample", "rust_driver_pci", "NovaCore",
                        "none")));
                default -> shell("drv:override pci " + dev + " ''");
            }
        }

        private void sriovAndVgpu() {
            switch (random.nextInt(4)) {
                case 0 -> shell("pci:sriov_numvfs " + VGPU_PF + " " + pick(List.of("0", "2")));
                case 1 -> shell("vgpu:create " + pick(VFS) + " " + VGPU_TYPE);
                case 2 -> shell("vgpu:destroy " + pick(VFS));
                default -> shell("vgpu:types " + VGPU_PF);
            }
        }

        private void drmClient() {
            if (!files.isEmpty() && random.nextBoolean()) {
                files.remove(random.nextInt(files.size())).close();
                return;
            }
            List<DrmDevice> devs = drm.devices();
            if (devs.isEmpty()) {
                refused("no drm device");
                return;
            }
            try {
                DrmFile f = pick(devs).open(DrmFile.Node.RENDER);
                files.add(f);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment s = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_CREATE);
                    s.set(U64, 8, (1 + random.nextInt(64)) * 4096L);
                    if (f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, s) != 0) {
                        refused("gem create");
                    }
                }
            } catch (RuntimeException e) {
                clean(e);
            }
        }

        /** Back to the start: this thread's devices deleted, its files closed. */
        void restore() {
            for (String pid : added) {
                shell("cm:delete " + pid);
            }
            added.clear();
            files.forEach(DrmFile::close);
            files.clear();
        }

        void close() {
            restore();
            session.close();
        }

        /** @return whether the command succeeded; a clean refusal is counted, anything raw fails the soak */
        private boolean shell(String line) {
            try {
                session.execute(line);
                return true;
            } catch (Exception e) {
                clean(e);
                return false;
            }
        }

        private <T> T pick(List<T> from) {
            return from.get(random.nextInt(from.size()));
        }
    }

    /** A refusal must be an error a person can read: the kernel's errno and why, never a raw runtime exception. */
    private void clean(Exception e) {
        if (e instanceof NullPointerException && e.getStackTrace().length > 0
                && "org.apache.felix.gogo.runtime.Reflective".equals(e.getStackTrace()[0].getClassName())) {
            // Gogo 1.1.6 calling a command whose service was unregistered (its bundle stopping) a
            // moment before: the runtime's console and ./nova -c tell it as "command unavailable"
            // (runtime CommandErrors); a raw session still gets Gogo's NPE. Counted, not hidden.
            refused("gogo: command's service gone");
            return;
        }
        if (e instanceof NullPointerException || e instanceof IllegalStateException || e instanceof ClassCastException
                || e instanceof IndexOutOfBoundsException || e instanceof ConcurrentModificationException
                || e instanceof UnsupportedOperationException) {
            throw new AssertionError("a raw " + e.getClass().getName() + " reached the user", e);
        }
        refused(e.getClass().getSimpleName());
    }

    private void refused(String why) {
        refused.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
    }

    /** After a round: one driver per device, each driver's list agreeing; no devres on unbound devices or stopped bundles. */
    private void checkInvariants(String when) {
        for (Bus b : core.buses()) {
            Map<String, String> boundBy = new TreeMap<>();
            for (DriverInfo d : b.drivers()) {
                for (String dev : d.devices()) {
                    String before = boundBy.put(dev, d.name());
                    assertTrue(when + ": " + dev + " bound to " + before + " and " + d.name(), before == null);
                }
            }
            for (Device d : b.devices()) {
                assertEquals(when + ": " + d.name() + "'s driver as the drivers list it", boundBy.get(d.name()),
                        d.driver().orElse(null));
                if (!d.isBound()) {
                    assertTrue(when + ": unbound " + d.name() + " holds devres " + d.devres().entries(),
                            d.devres().isEmpty());
                }
            }
        }
        for (String bsn : DRIVER_BUNDLES) {
            if (bundle(bsn).getState() != Bundle.ACTIVE) {
                assertEquals(when + ": stopped bundle " + bsn + " holds devres " + core.devres().liveByBundle(), 0,
                        core.devres().liveForBundle(bsn));
            }
        }
    }

    /** Every bundle started, SR-IOV off, overrides cleared, every device probed: the start. */
    private void restorePlatform(Map<String, String> initial) throws Exception {
        for (String bsn : DRIVER_BUNDLES) {
            bundle(bsn).start();
        }
        settle();
        for (String vf : VFS) {
            quietly("vgpu:destroy " + vf);
        }
        pci.sriovNumvfs(VGPU_PF, "0");
        for (Device d : core.requireBus("pci").devices()) {
            if (d.driverOverride().isPresent()) {
                core.requireBus("pci").setDriverOverride(d.name(), null);
            }
        }
        settle();
        // a device an override moved to another matching driver stays there once the override
        // is cleared (the kernel does not rebind): unbind it so the probe below chooses again
        for (Device d : core.requireBus("pci").devices()) {
            String was = initial.get("pci " + d.name());
            if (was != null && d.isBound() && !was.equals(d.driver().orElse("-"))) {
                quietly("drv:unbind pci " + d.name());
            }
        }
        settle();
        for (Bus b : core.buses()) {
            for (Device d : b.devices()) {
                if (!d.isBound()) {
                    quietly("drv:probe " + b.name() + " " + d.name());
                }
            }
        }
    }

    private void quietly(String line) {
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            s.execute(line);
        } catch (Exception e) {
            clean(e);
        }
    }

    /**
     * @return every device and its driver; an auxiliary device by its name without the id (its
     *         parent's driver allocates a new one each bind, as the kernel's ida does) and its parent
     */
    private Map<String, String> bindings() {
        Map<String, String> m = new TreeMap<>();
        for (Bus b : core.buses()) {
            for (Device d : b.devices()) {
                String name = b.name().equals("auxiliary")
                        ? d.name().replaceAll("\\.[0-9]+$", "") + "@" + d.parent().map(Device::name).orElse("-")
                        : d.name();
                m.merge(b.name() + " " + name, d.driver().orElse("-"), (x, y) -> x + "," + y);
            }
        }
        return m;
    }

    private List<String> deviceNames() {
        List<String> names = new ArrayList<>();
        core.buses().forEach(b -> b.devices().forEach(d -> names.add(d.name())));
        return names;
    }

    private List<String> pciDeviceNames() {
        return core.requireBus("pci").devices().stream().map(Device::name).toList();
    }

    private Bundle bundle(String bsn) {
        return Stream.of(context.getBundles()).filter(b -> bsn.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + bsn));
    }

    private void settle() {
        assertTrue("settled within " + TIMEOUT, core.settle(TIMEOUT).settled());
    }

    /** What a checkpoint measures: threads, heap after GC, open file descriptors, RSS. */
    private record Checkpoint(int round, int threads, long heap, int fds, long rssKb, Map<String, Integer> threadNames) {
        static Checkpoint take(int round) throws IOException {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            int fds;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                fds = (int) s.count();
            }
            long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
            Map<String, Integer> names = new TreeMap<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                names.merge(t.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
            }
            return new Checkpoint(round, threads, heap, fds, rss, names);
        }

        /** @return the thread names (digits as #) whose count differs from {@code earlier}'s, with both counts */
        String threadsSince(Checkpoint earlier) {
            Map<String, String> diff = new TreeMap<>();
            Set<String> all = new TreeSet<>(threadNames.keySet());
            all.addAll(earlier.threadNames.keySet());
            for (String n : all) {
                int a = earlier.threadNames.getOrDefault(n, 0);
                int b = threadNames.getOrDefault(n, 0);
                if (a != b) {
                    diff.put(n, a + " -> " + b);
                }
            }
            return diff.toString();
        }

        @Override
        public String toString() {
            return "round " + round + ": threads " + threads + ", heap " + (heap >> 20) + " MiB, fds " + fds + ", RSS "
                    + (rssKb >> 10) + " MiB";
        }
    }
}
