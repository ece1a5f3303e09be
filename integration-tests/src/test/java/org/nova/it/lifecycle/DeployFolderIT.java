package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.tinybundles.TinyBundles.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.Test;
import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;
import org.nova.it.TestBundleBuilder;
import org.nova.it.deploy.broken.ThrowingActivator;
import org.ops4j.pax.tinybundles.TinyBundle;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The deploy folders as a driver developer uses them, with the runtime as a process: a driver
 * jar copied into deploy/ is installed and started and its device binds; copied again with new
 * code it is updated in place (the device unbinds on the old code, binds on the new, the old
 * devres gone); deleted it is uninstalled and the device released. conf/ holds the simulated
 * device as a FileInstall .cfg file. {@code ./nova -c} runs its commands only after the folders'
 * first scan. Broken files (not a jar, not a bundle, an import nothing exports, an activator that
 * throws, a configuration with an unknown key or a value of the wrong type) are each told once and
 * shown by {@code deploy:status}; the runtime goes on.
 */
@Category(SeparateProcess.class)
public class DeployFolderIT {
    /** The deployed driver's device: a pci-generic function with the driver's ids, from conf/. */
    private static final String DEVICE_CFG = "org.nova.hw.sim.device-deployed.cfg";
    private static final String DRIVER = "deployed_driver";
    /** Add/remove cycles timed. */
    private static final int CYCLES = 10;
    private static final Duration LINE = Duration.ofSeconds(NovaProcess.TIMEOUT_S);

    private static Path work(String name) throws IOException {
        Path w = NovaOptions.target().resolve("deploy-folder/" + name);
        if (Files.exists(w)) {
            try (var s = Files.walk(w)) {
                List<Path> all = new ArrayList<>(s.toList());
                Collections.reverse(all);
                for (Path p : all) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(w.resolve("conf"));
        Files.writeString(w.resolve("conf").resolve(DEVICE_CFG), String.format(
                "model = pci-generic%nslot = 00:07.0%nvendor = %04x%ndevice = %04x%n", org.nova.it.deploy.v1.DeployedDriver.VENDOR,
                org.nova.it.deploy.v1.DeployedDriver.DEVICE));
        return w;
    }

    private static Path driverJar(Path dir, int version) throws IOException {
        Files.createDirectories(dir);
        Path jar = dir.resolve("deployed-driver-" + version + ".jar");
        Class<?> driver = version == 1 ? org.nova.it.deploy.v1.DeployedDriver.class
                : org.nova.it.deploy.v2.DeployedDriver.class;
        TestBundleBuilder.write("deployed-driver-" + version, TestBundleBuilder.ds(bundle())
                .addClass(driver)
                .symbolicName("deployed.driver")
                .setHeader("Bundle-Version", version + ".0.0"), jar);
        return jar;
    }

    /** Copies {@code jar} into {@code dir} as {@code name} in one step, as a finished copy appears to a watcher. */
    private static void drop(Path jar, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.getParent().resolve(name + ".part");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String[] props(Path w) {
        return new String[] { "logback.configurationFile=" + NovaOptions.target().resolve("test-classes/deploy-logback.xml"),
                "felix.fileinstall.dir=" + w.resolve("deploy") + "," + w.resolve("conf") };
    }

    @Test
    public void aBatchRunFindsTheFoldersScannedAndEachBrokenFileTold() throws Exception {
        Path w = work("batch");
        Path deploy = w.resolve("deploy");
        drop(driverJar(w.resolve("built"), 1), deploy, "deployed-driver.jar");
        Files.write(deploy.resolve("garbage.jar"), new byte[] { 1, 2, 3, 4, 5 });
        Manifest plain = new Manifest();
        plain.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(deploy.resolve("plain.jar")), plain)) {
            out.putNextEntry(new ZipEntry("hello.txt"));
            out.write("not a bundle".getBytes());
        }
        writeBundle(bundle().symbolicName("needs.nothing.there").setHeader("Bundle-Version", "1.0.0")
                .setHeader("Import-Package", "org.example.nowhere;version=\"[1,2)\""), deploy.resolve("missing-import.jar"));
        writeBundle(bundle().addClass(ThrowingActivator.class).symbolicName("throws.at.start")
                .setHeader("Bundle-Version", "1.0.0").setHeader("Bundle-Activator", ThrowingActivator.class.getName())
                .setHeader("Import-Package", "org.osgi.framework"), deploy.resolve("throwing.jar"));
        Files.writeString(w.resolve("conf/org.nova.samples.testdrv.pci-unknown.cfg"), "name = confdrv\ncolour = red\n");
        Files.writeString(w.resolve("conf/org.nova.samples.testdrv.pci-wrongtype.cfg"), "name = confdrv2\ndevres = lots\n");

        List<String> out = NovaProcess.runBatch("nova.jar", w, "drv:devices pci; deploy:status; drv:buses", props(w));
        String text = String.join("\n", out);
        assertTrue("the deployed driver's device is bound at once:\n" + text,
                out.stream().anyMatch(l -> l.matches("^pci\\s+\\S+\\s+" + DRIVER + "\\s+bound.*")));
        assertStatus(text, "deployed-driver.jar: bundle \\d+ deployed.driver 1.0.0: active");
        assertStatus(text, "garbage.jar: not a bundle: not a readable jar");
        assertStatus(text, "plain.jar: not a bundle: no Bundle-SymbolicName in META-INF/MANIFEST.MF");
        assertStatus(text, "missing-import.jar: bundle \\d+ needs.nothing.there 1.0.0: installed, cannot resolve: .*org.example.nowhere");
        assertStatus(text, "throwing.jar: bundle \\d+ throws.at.start 1.0.0: resolved, not active: its start failed");
        assertStatus(text, DEVICE_CFG.replace(".", "\\.") + ": configuration org.nova.hw.sim.device~?\\S*: checked against its Metatype");
        assertStatus(text, "org.nova.samples.testdrv.pci-unknown.cfg: configuration \\S+ is invalid: .*colour");
        assertStatus(text, "org.nova.samples.testdrv.pci-wrongtype.cfg: configuration \\S+ is invalid: .*devres.*lots");
        assertTrue("the runtime went on:\n" + text, out.stream().anyMatch(l -> l.matches("^pci\\s+\\d+\\s+\\d+.*")));
        // each broken file is told once in the log, by name
        for (String f : List.of("garbage.jar", "plain.jar", "missing-import.jar", "throwing.jar")) {
            assertEquals("one line for " + f + ":\n" + text, 1,
                    out.stream().filter(l -> l.contains("DeployFolders") && l.contains(f)).count());
        }
    }

    private static void assertStatus(String text, String regex) {
        assertTrue("deploy:status shows /" + regex + "/:\n" + text,
                java.util.regex.Pattern.compile("^\\s+" + regex, java.util.regex.Pattern.MULTILINE).matcher(text).find());
    }

    private static void writeBundle(TinyBundle b, Path jar) throws IOException {
        try (var in = b.build()) {
            Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    public void aJarCopiedInReplacedAndDeletedBindsRebindsAndReleases() throws Exception {
        Path w = work("loop");
        Path deploy = w.resolve("deploy"); // does not exist: the runtime makes it
        assertFalse(Files.exists(deploy));
        Path v1 = driverJar(w.resolve("built"), 1);
        Path v2 = driverJar(w.resolve("built"), 2);
        try (RuntimeProcess p = RuntimeProcess.start(w, null, props(w))) {
            p.send("echo ready-" + "now");
            p.awaitLine("ready-now");
            assertTrue("the deploy folder was made", Files.isDirectory(deploy));

            List<Long> toBound = new ArrayList<>();
            List<Long> toReleased = new ArrayList<>();
            for (int i = 0; i < CYCLES; i++) {
                int bound = count(p, "bound to " + DRIVER);
                long t0 = System.nanoTime();
                drop(v1, deploy, "deployed-driver.jar");
                awaitCount(p, "bound to " + DRIVER, bound + 1);
                toBound.add(System.nanoTime() - t0);
                int unbound = count(p, "unbound from " + DRIVER);
                t0 = System.nanoTime();
                Files.delete(deploy.resolve("deployed-driver.jar"));
                awaitCount(p, "unbound from " + DRIVER, unbound + 1);
                toReleased.add(System.nanoTime() - t0);
            }
            System.out.println("deploy folder (FileInstall poll 250 ms): jar in -> bound median " + median(toBound)
                    + " ms " + ms(toBound) + "; jar deleted -> released median " + median(toReleased) + " ms "
                    + ms(toReleased));

            // in, then replaced by new code: unbound on the old, bound on the new, old devres gone
            int v2probes = count(p, DRIVER + " v2 probed");
            drop(v1, deploy, "deployed-driver.jar");
            awaitCount(p, DRIVER + " v1 probed", CYCLES + 1);
            int unbound = count(p, "unbound from " + DRIVER);
            drop(v2, deploy, "deployed-driver.jar");
            awaitCount(p, DRIVER + " v2 probed", v2probes + 1);
            assertTrue("the old code unbound first:\n" + p.text(), count(p, "unbound from " + DRIVER) > unbound);
            // FileInstall's update is followed by a refresh, which stops and starts the bundle once
            // more: the device may unbind and bind again on the new code before it stays bound
            String dev = device(p);
            boolean held = false;
            for (long end = System.nanoTime() + LINE.toNanos(); !held && System.nanoTime() < end;) {
                p.send("drv:devres " + dev);
                held = p.awaitLine("deployed_driver v2 action", Duration.ofSeconds(2));
            }
            assertTrue("the device holds the new code's devres:\n" + p.text(), held);
            assertTrue("the device holds the new code's devres only (driver data, enable, bar0, the v2 action):\n"
                    + p.text(), p.awaitLine(": 4 live", LINE));

            // deleted: uninstalled, the device released and nothing held
            unbound = count(p, "unbound from " + DRIVER);
            Files.delete(deploy.resolve("deployed-driver.jar"));
            awaitCount(p, "unbound from " + DRIVER, unbound + 1);
            // one command a line: an interactive shell prints the value of a line's last statement only
            p.send("drv:devices pci");
            p.send("deploy:status");
            p.send("echo done-" + "check");
            p.awaitLine("done-check");
            String after = p.text();
            assertTrue("the device is unbound:\n" + after,
                    after.lines().anyMatch(l -> l.matches("^pci\\s+" + dev + "\\s+-\\s+.*")));
            p.closeInput();
            assertEquals(0, p.awaitExit());
        }
    }

    private static String device(RuntimeProcess p) throws IOException {
        return p.output().stream().filter(l -> l.contains("bound to " + DRIVER)).findFirst()
                .map(l -> l.replaceAll(".*pci (\\S+): bound to.*", "$1")).orElseThrow();
    }

    private static int count(RuntimeProcess p, String text) throws IOException {
        return (int) p.output().stream().filter(l -> l.contains(text)).count();
    }

    private static void awaitCount(RuntimeProcess p, String text, int n) throws Exception {
        long deadline = System.nanoTime() + LINE.toNanos();
        while (count(p, text) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + n + "th '" + text + "' within " + LINE + ":\n" + p.text());
            }
            Thread.sleep(20);
        }
    }

    private static long median(List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        return s.get(s.size() / 2) / 1_000_000;
    }

    private static List<Long> ms(List<Long> nanos) {
        return nanos.stream().map(n -> n / 1_000_000).toList();
    }
}
