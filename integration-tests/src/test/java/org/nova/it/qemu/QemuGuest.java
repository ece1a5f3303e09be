package org.nova.it.qemu;

import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One boot of the real-kernel guest, for a test class: integration-tests/qemu/prepare.sh (QEMU,
 * Debian's kernel, the initramfs; idempotent), then run.sh with the class's environment, its
 * serial console kept as lines. A missing prerequisite FAILS the class with prepare.sh's reason;
 * nothing is skipped.
 *
 * @param work the class's directory under target/ (console.log, run.log, prepare.log, its figures)
 * @param console the guest's console, one line per element, carriage returns removed
 * @param wallMs how long run.sh took: the boot and the guest's suite
 * @param exit run.sh's status (QEMU's; 124 when its TIMEOUT ended it)
 */
record QemuGuest(Path work, List<String> console, long wallMs, int exit) {
    private static final long PREPARE_TIMEOUT_S = 900;
    /** The JVM options of the guest's runtime: under TCG every C2 compilation costs seconds. */
    private static final String GUEST_JVM = "-XX:TieredStopAtLevel=1,-XX:+UseSerialGC";

    /** @return integration-tests/ */
    static Path itDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** @return integration-tests/qemu/ (prepare.sh, run.sh, guest/) */
    static Path qemuDir() {
        return itDir().resolve("qemu");
    }

    /**
     * Prepares and boots the guest once.
     *
     * @param workName the directory under integration-tests/target/ for this class's files
     * @param env run.sh's variables beyond LOG, TIMEOUT, JDK and JAVA_OPTS_GUEST (which it may override)
     * @param bootTimeoutS run.sh's TIMEOUT; the process gets 30 s more
     */
    static QemuGuest boot(String workName, Map<String, String> env, long bootTimeoutS)
            throws IOException, InterruptedException {
        Path work = itDir().resolve("target").resolve(workName);
        Files.createDirectories(work);
        Path prepLog = work.resolve("prepare.log");
        int rc = run(List.of("bash", qemuDir().resolve("prepare.sh").toString()), Map.of(), prepLog, PREPARE_TIMEOUT_S);
        if (rc != 0) {
            fail("integration-tests/qemu/prepare.sh failed (exit " + rc + "); the real-kernel guest cannot boot:\n"
                    + tail(prepLog, 30));
        }
        Path consoleLog = work.resolve("console.log");
        Files.deleteIfExists(consoleLog);
        Map<String, String> all = new TreeMap<>();
        all.put("LOG", consoleLog.toString());
        all.put("TIMEOUT", Long.toString(bootTimeoutS));
        all.put("JDK", System.getProperty("java.home"));
        all.put("JAVA_OPTS_GUEST", GUEST_JVM);
        all.putAll(env);
        long t0 = System.nanoTime();
        int exit = run(List.of("bash", qemuDir().resolve("run.sh").toString()), all, work.resolve("run.log"),
                bootTimeoutS + 30);
        long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (!Files.exists(consoleLog)) {
            fail("QEMU did not run (exit " + exit + "):\n" + tail(work.resolve("run.log"), 30));
        }
        List<String> console = Files.readAllLines(consoleLog, StandardCharsets.ISO_8859_1).stream()
                .map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList();
        return new QemuGuest(work, console, wallMs, exit);
    }

    /** @return the console as one text */
    String text() {
        return String.join("\n", console);
    }

    /** @return whether a console line matches {@code regex} */
    boolean matches(String regex) {
        return Pattern.compile(regex, Pattern.MULTILINE).matcher(text()).find();
    }

    private static int run(List<String> cmd, Map<String, String> env, Path log, long timeoutS)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            fail("cannot start " + cmd + ": " + e.getMessage());
            return -1;
        }
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within " + timeoutS + " s:\n" + tail(log, 30));
        }
        return p.exitValue();
    }

    private static String tail(Path log, int n) {
        try {
            List<String> l = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
        } catch (IOException e) {
            return "(no " + log + ")";
        }
    }
}
