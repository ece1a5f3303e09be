package org.nova.it.host;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * The read-only host backend against pciutils on this machine: runs the runtime's jar
 * (runtime/target/nova.jar) with {@code -Dnova.host.enabled=true -Dnova.sim.defaults=false} and
 * the batch command {@code lspci -n}, runs pciutils' {@code lspci -n}, and compares the listings
 * line by line. Fails (never skips) when pciutils or the jar is missing. A machine with few PCI
 * functions makes this a weak check; VfioQemuIT makes the same comparison inside the QEMU guest,
 * whose q35 machine has eight functions (host bridge, ISA/LPC, SATA, SMBus, two virtio-9p, edu,
 * pci-testdev), with pciutils' lspci copied into the guest.
 */
public class HostLspciIT {
    /** A first line of lspci: [dddd:]bb:dd.f followed by a space. */
    static final Pattern LSPCI_LINE = Pattern.compile("^(\\p{XDigit}{4}:)?\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7] .*");
    private static final long TIMEOUT_S = 240;

    private static Path repo() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().getParent();
    }

    static Path pciutilsLspci() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "lspci");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        fail("pciutils' lspci is not installed (apt-get install pciutils; .ci/run installs it through"
                + " integration-tests/qemu/prepare.sh): the host backend cannot be compared with it");
        return null;
    }

    private static List<String> run(List<String> cmd, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within " + TIMEOUT_S + " s:\n" + Files.readString(log, StandardCharsets.ISO_8859_1));
        }
        List<String> out = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        assertEquals(cmd + " exit status; output:\n" + String.join("\n", out), 0, p.exitValue());
        return out;
    }

    @Test
    public void ourLspciNEqualsPciutilsLspciN() throws Exception {
        Path lspci = pciutilsLspci();
        Path jar = repo().resolve("runtime/target/nova.jar");
        assertTrue(jar + " is missing: build the runtime first (mvn install -pl runtime -am)", Files.isRegularFile(jar));
        Path work = repo().resolve("integration-tests/target/host-lspci");
        Files.createDirectories(work);
        List<String> expected = run(List.of(lspci.toString(), "-n"), work.resolve("pciutils.log"));

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dlogback.configurationFile=" + repo().resolve("runtime/etc/logback.xml"),
                "-Dorg.osgi.framework.storage=" + work.resolve("felix-cache"),
                "-Dorg.osgi.framework.storage.clean=onFirstInit",
                "-Dnova.host.enabled=true", "-Dnova.sim.defaults=false",
                "-Dgosh.args=--nointeractive", "-Dnova.command=lspci -n", "-jar", jar.toString()));
        List<String> output = run(cmd, work.resolve("nova.log"));
        List<String> ours = output.stream().filter(l -> LSPCI_LINE.matcher(l).matches()).toList();

        int functions;
        try (Stream<Path> s = Files.list(Path.of("/sys/bus/pci/devices"))) {
            functions = (int) s.count();
        } catch (IOException e) {
            functions = 0;
        }
        System.out.println("host PCI functions in sysfs: " + functions + "\npciutils:\n" + String.join("\n", expected)
                + "\nnova:\n" + String.join("\n", ours));
        assertEquals("one lspci line per function sysfs lists", functions, expected.size());
        assertEquals("nova's lspci -n (host backend) vs pciutils' lspci -n; nova's output:\n" + String.join("\n", output),
                String.join("\n", expected), String.join("\n", ours));
    }
}
