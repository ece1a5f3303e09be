package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The driver developer's loop of issue 15 end to end, as a user walks it: {@code ./nova new-driver}
 * in a fresh directory for the edu device's IDs, {@code mvn -o -q package}, the runtime started
 * with a deploy folder; the device, which the edu sample driver holds, reserved for the new driver
 * with {@code drv:override} and freed with {@code drv:unbind} (the kernel's way of giving a device
 * to a driver of one's own: without the override the sample driver, registered first, would take
 * the device back whenever the new driver is away, as during an update); the jar copied in and the
 * device bound to it; the log line changed in the source, the project rebuilt and the jar copied
 * over the old one: the new code probes and the device holds only the new binding's devres; the
 * jar deleted: the device is released, and with the override cleared and a probe the edu sample
 * driver, which still matches it, binds it again.
 */
@Category(SeparateProcess.class)
public class DriverLoopIT {
    /** The user's driver: its name, bundle and package. */
    private static final String NAME = "user_edu";
    /** The edu device's IDs (QEMU's edu, 1234:11e8), which the edu sample driver also binds. */
    private static final String IDS = "1234:11e8";
    /** The edu device on the default simulated platform and its sample driver. */
    private static final String DEVICE = "0000:00:03.0";
    private static final String SAMPLE = "edu_sample";
    /** The generated probe's log line and what the edit makes of it. */
    private static final String PROBED = NAME + " probed, BAR0 mapped";
    private static final String PROBED_V2 = NAME + " probed again (edited), BAR0 mapped";
    /** The devres of one binding of the generated driver: driver data, the enable, BAR0. */
    private static final String BINDING_DEVRES = "3 live";
    private static final Duration LINE = Duration.ofSeconds(NovaProcess.TIMEOUT_S);
    /** Numbers the echoed marks that end each devres answer, so no answer is taken for another's. */
    private static final AtomicInteger MARKS = new AtomicInteger();

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void generateBuildDeployEditRedeployAndDelete() throws Exception {
        Path cwd = tmp.newFolder("home").toPath();
        DriverProjects.Outcome made = DriverProjects.newDriver(cwd, "user-edu", NAME, IDS);
        assertEquals(made.text(), 0, made.status());
        Path project = cwd.resolve("user-edu");
        Path jar = DriverProjects.build(project, NAME);
        Path built = tmp.newFolder("built").toPath();
        Path v1 = Files.copy(jar, built.resolve("v1.jar"));

        Path w = clean(NovaOptions.target().resolve("lifecycle/driver-loop"));
        Path deploy = w.resolve("deploy");
        try (RuntimeProcess p = RuntimeProcess.start(w, null,
                "logback.configurationFile=" + NovaOptions.target().resolve("test-classes/driver-loop-logback.xml"))) {
            // the device is the sample driver's: driver_override reserves it for the new driver
            // across its arrivals and departures (no other driver may take it in between), unbind
            // frees it
            p.send("drv:settle");
            p.send("drv:override pci " + DEVICE + " " + NAME);
            p.send("drv:unbind pci " + DEVICE);
            p.awaitLine(DEVICE + ": unbound from " + SAMPLE);

            // in: installed, started, the free device bound to the new driver
            drop(v1, deploy, NAME + ".jar");
            p.awaitLine(DEVICE + ": bound to " + NAME);
            p.awaitLine(PROBED);
            assertDevres(p, DEVICE, NAME);

            // edited and rebuilt, copied over the old jar: updated in place, the new code probes
            Path source = project.resolve("src/main/java/" + NAME + "/UserEduDriver.java");
            String code = Files.readString(source);
            assertTrue(source + " logs the probe line", code.contains("{} probed, BAR0 mapped"));
            Files.writeString(source, code.replace("{} probed, BAR0 mapped", "{} probed again (edited), BAR0 mapped"));
            Path v2 = Files.copy(DriverProjects.build(project, NAME), built.resolve("v2.jar"));
            int unbound = count(p, DEVICE + ": unbound from " + NAME);
            drop(v2, deploy, NAME + ".jar");
            p.awaitLine(PROBED_V2);
            assertTrue("the old code unbound first:\n" + p.text(), count(p, DEVICE + ": unbound from " + NAME) > unbound);
            assertDevres(p, DEVICE, NAME);

            // deleted: uninstalled and the device released; the override cleared and the device
            // probed, the driver that still matches takes it again
            int sampleBinds = count(p, DEVICE + ": bound to " + SAMPLE);
            unbound = count(p, DEVICE + ": unbound from " + NAME);
            Files.delete(deploy.resolve(NAME + ".jar"));
            long deadline = System.nanoTime() + LINE.toNanos();
            while (count(p, DEVICE + ": unbound from " + NAME) <= unbound) {
                assertTrue("the device was not released:\n" + p.text(), System.nanoTime() < deadline);
                Thread.sleep(20);
            }
            p.send("drv:override pci " + DEVICE + " \"\"");
            p.send("drv:probe pci " + DEVICE);
            deadline = System.nanoTime() + LINE.toNanos();
            while (count(p, DEVICE + ": bound to " + SAMPLE) <= sampleBinds) {
                assertTrue("the device was not rebound to " + SAMPLE + ":\n" + p.text(), System.nanoTime() < deadline);
                Thread.sleep(20);
            }
            assertDevres(p, DEVICE, SAMPLE);
            p.send("drv:devres");
            p.send("echo loop-done");
            awaitExact(p, "loop-done");
            String text = p.text();
            assertTrue("no devres of " + NAME + " is left:\n" + text,
                    text.lines().noneMatch(l -> l.matches("^" + NAME + "\\s+\\d+\\s*$")));
            p.closeInput();
            assertEquals(0, p.awaitExit());
        }
    }

    /**
     * Polls {@code drv:devres DEVICE} until the device's entries all belong to {@code driver}: one
     * binding's worth for the generated driver. A FileInstall update is followed by a refresh that
     * unbinds and binds once more, so the first answers may show the device between bindings.
     */
    private static void assertDevres(RuntimeProcess p, String device, String driver) throws Exception {
        String expect = driver.equals(NAME) ? BINDING_DEVRES : null;
        long deadline = System.nanoTime() + LINE.toNanos();
        while (System.nanoTime() < deadline) {
            String mark = "devres-check-" + MARKS.incrementAndGet();
            int from = p.output().size();
            p.send("drv:devres " + device);
            p.send("echo " + mark);
            awaitExact(p, mark);
            List<String> out = p.output();
            List<String> answer = out.subList(Math.min(from, out.size()), out.size());
            List<String> entries = answer.stream().filter(l -> l.matches("^\\d+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s*$"))
                    .toList();
            boolean live = answer.stream().anyMatch(l -> l.startsWith("pci " + device + ": ")
                    && (expect == null || l.contains(": " + expect)));
            if (live && !entries.isEmpty() && entries.stream().allMatch(l -> l.split("\\s+")[3].equals(driver))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(device + " never held " + driver + "'s devres alone:\n" + p.text());
    }

    /** Waits for a line that is exactly {@code text}: an echo's output, not the echoed command line. */
    private static void awaitExact(RuntimeProcess p, String text) throws Exception {
        long deadline = System.nanoTime() + LINE.toNanos();
        while (p.output().stream().noneMatch(l -> l.strip().equals(text))) {
            assertTrue("no line '" + text + "' within " + LINE + ":\n" + p.text(), System.nanoTime() < deadline);
            Thread.sleep(20);
        }
    }

    private static int count(RuntimeProcess p, String text) throws IOException {
        return (int) p.output().stream().filter(l -> l.contains(text)).count();
    }

    /** Copies {@code jar} into {@code dir} as {@code name} in one step, as a finished copy appears to a watcher. */
    private static void drop(Path jar, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path part = dir.getParent().resolve(name + ".part");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path clean(Path w) throws IOException {
        if (Files.exists(w)) {
            try (var s = Files.walk(w)) {
                List<Path> all = new ArrayList<>(s.toList());
                Collections.reverse(all);
                for (Path f : all) {
                    Files.delete(f);
                }
            }
        }
        return Files.createDirectories(w);
    }
}
