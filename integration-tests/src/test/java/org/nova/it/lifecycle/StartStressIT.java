package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.junit.Test;
import org.nova.it.NovaOptions;
import org.nova.it.TestBundleBuilder;
import org.nova.it.TestBundles;
import org.nova.it.lifecycle.slowstart.Slow;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Issue 13's start race, {@value #STARTS} times: the runtime started as {@code ./nova -c} starts
 * it (the run configuration's bundles at their start levels, the batch command in the framework
 * property nova.command), with the slowstart bundle making the start slow where the old batch
 * runner could not see it — after the framework has started, a component activation of
 * {@value Slow#DELAY_DEFAULT_MS} ms on Configuration Admin's thread with no service event, then a
 * probe as long — and a command, {@code lifecycle:check}, that exists only once that probe has bound
 * the device (as {@code vgpu:list} exists only once a GPU is probed). Each start must run the
 * command, the command must find the runtime settled, and the runtime must then stop by itself.
 * With the old 300 ms quiet period the command ran early: "Command not found: lifecycle:check".
 *
 * <p>Frameworks are started in this JVM (Felix's FrameworkFactory, as the bnd launcher does), not
 * through Pax Exam, which starts one framework per class; the launcher's own part (its main thread,
 * the exit status) is {@link ShutdownIT}'s.
 */
public class StartStressIT {
    /** How many starts. */
    static final int STARTS = Integer.getInteger("nova.it.starts", 30);
    /** The longest one start with its command and stop may take: a hang, not slowness. */
    static final long RUN_LIMIT_MS = 120_000;
    /**
     * SPI Fly, ASM and the logging bundles start first (BUILD-NOTES pitfall 4), as Pax Exam's
     * frameworks have them; nova.bndrun puts SLF4J and Logback on the class path instead, which
     * the process tests (ShutdownIT, LogsIT) start.
     */
    static final int LEVEL_EARLY = 1;
    /** Everything else, as in nova.bndrun. */
    static final int LEVEL_BUNDLES = 10;
    /** The framework's beginning start level, as in nova.bndrun. */
    static final int LEVEL_FRAMEWORK = 12;
    static final List<String> EARLY = List.of("org.apache.aries.spifly.dynamic.bundle", "asm", "asm-commons",
            "asm-tree", "asm-analysis", "asm-util", "slf4j-api", "logback-core", "logback-classic");
    /**
     * Declarative Services, Configuration Admin, Metatype, Event Admin, the Gogo runtime and JLine
     * (the runtime's completion): what the runtime bundle imports; XZ for Java, which driver.core's
     * firmware loader imports.
     */
    static final List<String> PLATFORM = List.of("org.osgi.util.function", "org.osgi.util.promise",
            "org.osgi.service.component", "org.apache.felix.scr", "org.apache.felix.configadmin",
            "org.apache.felix.metatype", "org.osgi.service.log", "org.apache.felix.eventadmin",
            "org.apache.felix.gogo.runtime", "jline", "xz");
    /**
     * The Nova bundles the batch runner and the test bus need: the driver model, the runtime, and
     * the GPU stack whose API packages the runtime's shell completion imports (no backend, so no
     * device for them: the slow device and driver stand in for the platform's).
     */
    static final List<String> NOVA = List.of("devres", "config.answer", "driver.core", "hw.api", "nvidia.spec", "bus.pci",
            "bus.auxiliary", "nova.core", "nova.drm", "vgpu.vfio", "runtime");

    @Test
    public void theCommandRunsOnlyOnceTheRuntimeHasSettled() throws Exception {
        Path work = NovaOptions.target().resolve("lifecycle/start-stress");
        Files.createDirectories(work);
        Path out = work.resolve("check.txt");
        Files.deleteIfExists(out);
        String log = System.getProperty(NovaOptions.LOG_PROPERTY);
        if (log != null) {
            System.setProperty("logback.configurationFile", log);
        }
        TestBundleBuilder.buildAll();
        List<Path> early = new ArrayList<>();
        for (String b : EARLY) {
            early.add(NovaOptions.target().resolve("bundles").resolve(b + ".jar"));
        }
        List<Path> rest = new ArrayList<>();
        for (String b : PLATFORM) {
            rest.add(NovaOptions.target().resolve("bundles").resolve(b + ".jar"));
        }
        for (String b : NOVA) {
            rest.add(NovaOptions.target().resolve("bundles").resolve(b + ".jar"));
        }
        rest.add(TestBundles.jar(TestBundles.TESTBUS).toPath());
        rest.add(LifecycleBundles.jar(LifecycleBundles.SLOWSTART));
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new AssertionError("no OSGi framework on the test class path"));

        for (int run = 1; run <= STARTS; run++) {
            Map<String, String> props = new HashMap<>();
            props.put(Constants.FRAMEWORK_STORAGE, work.resolve("felix-cache").toString());
            props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            props.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(LEVEL_FRAMEWORK));
            props.put("felix.log.level", "1");
            props.put("nova.sim.defaults", "false");
            props.put("nova.command", "lifecycle:check");
            props.put(Slow.OUT_PROPERTY, out.toString());
            Framework fw = factory.newFramework(props);
            fw.init();
            BundleContext ctx = fw.getBundleContext();
            install(ctx, early, LEVEL_EARLY);
            install(ctx, rest, LEVEL_BUNDLES);
            long start = System.nanoTime();
            fw.start();
            for (Bundle b : ctx.getBundles()) {
                if (b.getState() == Bundle.INSTALLED) {
                    fw.stop();
                    fw.waitForStop(RUN_LIMIT_MS);
                    fail("start " + run + ": " + b.getSymbolicName() + " did not resolve (see the log)");
                }
            }
            FrameworkEvent stopped = fw.waitForStop(RUN_LIMIT_MS);
            if (stopped.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                fw.stop();
                fw.waitForStop(RUN_LIMIT_MS);
                fail("start " + run + ": the runtime did not run its command and stop within " + RUN_LIMIT_MS
                        + " ms; the checks so far: " + lines(out));
            }
            List<String> lines = lines(out);
            assertEquals("start " + run + ": lifecycle:check ran once per start (a start without a line did not"
                    + " find the command); the checks: " + lines, run, lines.size());
            assertTrue("start " + run + " ran the command before the runtime had settled: " + lines.get(run - 1),
                    lines.get(run - 1).startsWith("ok "));
            System.out.printf("start %d: %s (%d ms)%n", run, lines.get(run - 1), (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static void install(BundleContext ctx, List<Path> jars, int level) throws Exception {
        for (Path jar : jars) {
            try (InputStream in = Files.newInputStream(jar)) {
                Bundle b = ctx.installBundle(jar.toUri().toString(), in);
                b.adapt(BundleStartLevel.class).setStartLevel(level);
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    b.start();
                }
            }
        }
    }

    private static List<String> lines(Path out) throws IOException {
        return Files.exists(out) ? Files.readAllLines(out, StandardCharsets.UTF_8) : List.of();
    }
}
