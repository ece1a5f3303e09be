package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.nova.it.NovaProcess;

/**
 * A user's driver project, walked as a user walks it: {@code ./nova new-driver} makes it, Maven
 * builds it offline against the local repository {@code ./nova build} filled, and its bundle jar
 * is what the runtime is given. Each step is a method of its own so that the tests of the deploy
 * folder (copying the jar into deploy/ instead of installing it by hand) reuse them.
 */
public final class DriverProjects {
    /** How long one step may take: Maven's start and a unit test on a loaded 2-core machine. */
    static final long TIMEOUT_S = 300;
    /** The version the generated pom gives the project: the jar's name ends with it. */
    static final String PROJECT_VERSION = "0.1.0-SNAPSHOT";

    private DriverProjects() {
    }

    /** What a process did: its exit status and every line it printed (standard error included). */
    public record Outcome(int status, List<String> lines) {
        /** @return the lines as one text, for assertion messages */
        public String text() {
            return String.join("\n", lines);
        }
    }

    /**
     * Runs {@code command} in {@code dir} with {@code env} added, to completion; fails the test if
     * it does not finish in time. The exit status is the caller's to judge.
     */
    public static Outcome run(List<String> command, Path dir, Map<String, String> env)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("nova-process", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(command + " did not finish within " + TIMEOUT_S + " s:\n"
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
            return new Outcome(p.exitValue(), Files.readAllLines(log, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** @return the environment Maven and ./nova need: this JVM's JDK (25) as JAVA_HOME */
    static Map<String, String> env() {
        return Map.of("JAVA_HOME", System.getProperty("java.home"),
                "MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow");
    }

    /**
     * {@code ./nova new-driver DIR NAME IDS [FLAGS...]}, run from {@code cwd} (DIR is relative to it
     * or absolute).
     */
    public static Outcome newDriver(Path cwd, String dir, String name, String ids, String... flags)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(NovaProcess.repo().resolve("nova").toString(), "new-driver", dir,
                name, ids));
        cmd.addAll(List.of(flags));
        return run(cmd, cwd, env());
    }

    /**
     * {@code mvn -o -q package} in the project, against the local repository this build uses (the
     * one {@code ./nova build} installed the API to).
     *
     * @return the bundle jar
     */
    public static Path build(Path project, String name) throws IOException, InterruptedException {
        String repo = System.getProperty("org.ops4j.pax.url.mvn.localRepository");
        assertNotNull("the local Maven repository is not passed (integration-tests/pom.xml sets it)", repo);
        Outcome o = run(List.of("mvn", "-o", "-q", "-B", "package", "-Dmaven.repo.local=" + repo), project, env());
        assertEquals("mvn -o -q package in " + project + ":\n" + o.text(), 0, o.status());
        Path jar = project.resolve("target/" + name + "-" + PROJECT_VERSION + ".jar");
        assertTrue(jar + " was not built:\n" + o.text(), Files.isRegularFile(jar));
        return jar;
    }

    /** @return the jar's manifest */
    public static Manifest manifest(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getManifest();
        }
    }

    /** @return whether the jar has an entry of that name */
    public static boolean hasEntry(Path jar, String entry) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.getEntry(entry) != null;
        }
    }

    /**
     * Asserts that the project's unit tests ran and passed: Surefire's reports name at least one
     * test and no failure, error or skip.
     *
     * @return how many tests ran
     */
    public static int assertUnitTestsPassed(Path project) throws IOException {
        Path reports = project.resolve("target/surefire-reports");
        assertTrue("no Surefire reports in " + project + ": the generated test did not run", Files.isDirectory(reports));
        int tests = 0;
        try (Stream<Path> s = Files.list(reports)) {
            for (Path r : s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList()) {
                String suite = Files.readString(r);
                tests += attribute(suite, "tests");
                assertEquals(r + ":\n" + suite, 0, attribute(suite, "failures") + attribute(suite, "errors")
                        + attribute(suite, "skipped"));
            }
        }
        assertTrue("no test ran in " + project, tests > 0);
        return tests;
    }

    private static int attribute(String suite, String name) {
        Matcher m = Pattern.compile("<testsuite [^>]*\\b" + name + "=\"(\\d+)\"").matcher(suite);
        assertTrue("no " + name + " in the report", m.find());
        return Integer.parseInt(m.group(1));
    }

    /** @return every file under dir (relative paths), sorted: what a generator wrote */
    public static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
