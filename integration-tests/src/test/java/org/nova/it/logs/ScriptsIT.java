package org.nova.it.logs;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The small defects of issue 13 in the scripts a person and CI run: the nova script's message when
 * it finds no JDK 25 says what JAVA_HOME is and why it is refused; .ci/run waits for a dpkg lock
 * held by another apt; Maven's output in CI carries no escape sequence and no NUL.
 */
@Category(SeparateProcess.class)
public class ScriptsIT {
    private static final long TIMEOUT_S = 120;

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> cmd, Map<String, String> env, boolean keepJavaHome)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(NovaProcess.repo().toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (!keepJavaHome) {
            pb.environment().remove("JAVA_HOME");
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within " + TIMEOUT_S + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.ISO_8859_1));
    }

    private static Path executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** Before: "JAVA_HOME is 'unset'" whatever JAVA_HOME was. */
    @Test
    public void theNovaScriptSaysWhatJavaHomeIsAndWhyItIsRefused() throws Exception {
        Path tmp = Files.createTempDirectory(NovaProcess.repo().resolve("integration-tests/target"), "jdk");
        Path noJdks = Files.createDirectories(tmp.resolve("jvm"));
        Path jdk17 = tmp.resolve("jdk-17");
        // what -XshowSettings:properties prints about the version, as a JDK 17 does (on stderr)
        executable(jdk17.resolve("bin/java"), "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
        executable(jdk17.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
        Path jre = tmp.resolve("jre-25");
        executable(jre.resolve("bin/java"), "#!/bin/sh\necho '    java.specification.version = 25' >&2\n");
        String nova = NovaProcess.repo().resolve("nova").toString();

        Result old = run(List.of("bash", nova, "build"), Map.of("JAVA_HOME", jdk17.toString(), "NOVA_JVM_DIR",
                noJdks.toString()), true);
        assertEquals(old.output(), 2, old.exit());
        assertTrue(old.output(), old.output().contains("JAVA_HOME=" + jdk17 + " is a JDK 17, and Nova needs 25 or newer"));
        assertFalse(old.output(), old.output().contains("unset"));

        Result noJavac = run(List.of("bash", nova, "build"), Map.of("JAVA_HOME", jre.toString(), "NOVA_JVM_DIR",
                noJdks.toString()), true);
        assertTrue(noJavac.output(), noJavac.output().contains("JAVA_HOME=" + jre + " has no bin/javac (a JRE, not a JDK)"));

        Result unset = run(List.of("bash", nova, "build"), Map.of("NOVA_JVM_DIR", noJdks.toString()), false);
        assertEquals(unset.output(), 2, unset.exit());
        assertTrue(unset.output(), unset.output().contains("JAVA_HOME is not set; " + noJdks + " has none either"));
    }

    /** Before: apt-get failed at once when another apt held the lock. */
    @Test
    public void ciRunsAptSoThatItWaitsForTheDpkgLock() throws Exception {
        List<String> lines = Files.readAllLines(NovaProcess.repo().resolve(".ci/run"));
        boolean defined = false;
        for (String l : lines) {
            String code = l.strip();
            if (code.startsWith("#") || !code.contains("apt-get")) {
                continue;
            }
            if (code.matches("apt=\\(apt-get -o DPkg::Lock::Timeout=\\d+\\)")) {
                defined = true;
            } else if (!code.startsWith("if command -v apt-get")) {
                fail(".ci/run runs apt-get without the lock timeout, not through \"${apt[@]}\": " + code);
            }
        }
        assertTrue(".ci/run defines apt=(apt-get -o DPkg::Lock::Timeout=N)", defined);
        assertTrue(lines.stream().anyMatch(l -> l.strip().startsWith("\"${apt[@]}\" install ")));
    }

    /** Before: the CI log had ESC [0m four times per Maven run (Jansi's reset), -B notwithstanding. */
    @Test
    public void mavenAsCiRunsItWritesNoEscapeAndNoNul() throws Exception {
        Result r = run(List.of("bash", "-c", "eval \"$(grep -E '^export MAVEN_OPTS=' .ci/run)\"; "
                + "mvn -B -q -N validate"), Map.of("JAVA_HOME", System.getProperty("java.home"),
                "MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow"), true);
        assertEquals(r.output(), 0, r.exit());
        assertFalse("an escape sequence in: " + r.output().replace("\u001b", "<ESC>"), r.output().contains("\u001b"));
        assertFalse("a NUL in: " + r.output(), r.output().contains("\0"));
    }
}
