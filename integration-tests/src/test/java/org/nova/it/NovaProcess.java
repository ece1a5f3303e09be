package org.nova.it;

import static org.junit.Assert.assertEquals;
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
import java.util.regex.Pattern;

/**
 * The runtime as a user runs it: an exported launcher jar of runtime/ started as a process with a
 * batch command line ({@code ./nova -c}), its output (the console) captured in a file under
 * integration-tests/target, its log file (runtime/etc/logback.xml's) in {@code work/log}. Used by
 * the tests that compare the runtime with a reference tool and by those of the console and logs.
 */
public final class NovaProcess {
    /** A first line of lspci (ours and pciutils'): [dddd:]bb:dd.f followed by a space. */
    public static final Pattern LSPCI_LINE = Pattern.compile("^(\\p{XDigit}{4}:)?\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7] .*");
    /** How long one process may run: a cold start on a loaded 2-core machine takes a few seconds. */
    public static final long TIMEOUT_S = 240;

    private NovaProcess() {
    }

    /**
     * @return pciutils' lspci, the reference the runtime's lspci is compared with; fails the test
     *     (never skips) when it is not installed
     */
    public static Path pciutilsLspci() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "lspci");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        fail("pciutils' lspci is not installed (apt-get install pciutils; .ci/run installs it through"
                + " integration-tests/qemu/prepare.sh): the runtime's lspci cannot be compared with it");
        return null;
    }

    /** @return the repository's root (the parent of integration-tests) */
    public static Path repo() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().getParent();
    }

    /**
     * Runs {@code command} to completion and returns its output lines; fails the test if it does
     * not finish in time or exits non-zero, with the output in the message.
     */
    public static List<String> run(List<String> command, Path log) throws IOException, InterruptedException {
        return run(command, Map.of(), log);
    }

    /** {@link #run(List, Path)} with {@code env} added to the process's environment. */
    public static List<String> run(List<String> command, Map<String, String> env, Path log)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(command + " did not finish within " + TIMEOUT_S + " s:\n"
                    + Files.readString(log, StandardCharsets.ISO_8859_1));
        }
        List<String> out = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        assertEquals(command + " exit status; output:\n" + String.join("\n", out), 0, p.exitValue());
        return out;
    }

    /**
     * Runs the launcher {@code runtime/target/JAR} with the batch command line {@code commands}, a
     * framework cache of its own under {@code work}, and the extra system properties given.
     *
     * @return every line the process printed
     */
    public static List<String> runBatch(String jar, Path work, String commands, String... properties)
            throws IOException, InterruptedException {
        return runBatch(jar, work, Map.of(), commands, properties);
    }

    /**
     * The shell options {@code ./nova -c} gives the runtime: Gogo's shell without a line reader
     * (no prompt, no terminal probing and its warning) and the runtime's own profile
     * (runtime/etc/gosh_profile; Gogo's default one fails without a line reader).
     *
     * @return JVM options, one per element
     */
    public static List<String> batchShell() {
        return List.of("-Dgosh.args=--nointeractive", "-Dorg.jline.terminal.dumb=true",
                "-Dgosh.home=" + repo().resolve("runtime"));
    }

    /**
     * {@link #runBatch(String, Path, String, String...)} with {@code env} added to the process's
     * environment (NOVA_LOG, NOVA_CONSOLE_LOG). The runtime's log file is {@link #logFile}.
     */
    public static List<String> runBatch(String jar, Path work, Map<String, String> env, String commands,
            String... properties) throws IOException, InterruptedException {
        Path launcher = repo().resolve("runtime/target").resolve(jar);
        assertTrue(launcher + " is missing: build the runtime first (mvn install -pl runtime -am)",
                Files.isRegularFile(launcher));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dlogback.configurationFile=" + repo().resolve("runtime/etc/logback.xml"),
                "-Djava.util.logging.config.file=" + repo().resolve("runtime/etc/logging.properties"),
                "-Dnova.log.dir=" + work.resolve("log"),
                "-Dorg.osgi.framework.storage=" + work.resolve("felix-cache"),
                "-Dorg.osgi.framework.storage.clean=onFirstInit",
                "-Dnova.command=" + commands, deployFolders(work)));
        cmd.addAll(batchShell());
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.addAll(List.of("-jar", launcher.toString()));
        return run(cmd, env, work.resolve("console.log"));
    }

    /**
     * The runtime's deploy folders under a test's own directory: the run configuration's default,
     * {@code deploy,conf} in the working directory, would be the test JVM's (FileInstall creates
     * what it watches).
     *
     * @return the JVM option
     */
    public static String deployFolders(Path work) {
        return "-Dfelix.fileinstall.dir=" + work.resolve("deploy") + "," + work.resolve("conf");
    }

    /** @return the log file of a runtime that {@link #runBatch} started with {@code work} */
    public static Path logFile(Path work) {
        return work.resolve("log/nova.log");
    }
}
