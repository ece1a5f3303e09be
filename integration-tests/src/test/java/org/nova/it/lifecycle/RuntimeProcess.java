package org.nova.it.lifecycle;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;

/**
 * The runtime as {@code ./nova} runs it — the exported launcher runtime/target/nova.jar as a
 * process — for the start and shutdown tests: interactive (commands written to its standard
 * input, which stays open until {@link #closeInput}) or batch ({@code -c}); its output (standard
 * output and error together) in a log file; signals sent with kill(1). Logging through
 * lifecycle-logback.xml, so the lines the tests count are on its console whatever the runtime's
 * own console shows. The caller owns the process: {@link #close} kills it if it is still running.
 */
final class RuntimeProcess implements AutoCloseable {
    /** How long anything of one process may take: a cold start on a loaded 2-core machine is seconds. */
    static final Duration LIMIT = Duration.ofSeconds(NovaProcess.TIMEOUT_S);

    private final Process process;
    private final Path log;
    private final OutputStream stdin;

    private RuntimeProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.stdin = process.getOutputStream();
    }

    /**
     * Starts the runtime.
     *
     * @param work a directory of the test's own (framework cache, log)
     * @param batch the {@code -c} command line, or null for the interactive shell
     * @param properties more system properties, "name=value"
     */
    static RuntimeProcess start(Path work, String batch, String... properties) throws IOException {
        Path launcher = NovaProcess.repo().resolve("runtime/target/nova.jar");
        assertTrue(launcher + " is missing: build the runtime first (mvn install -pl runtime -am)",
                Files.isRegularFile(launcher));
        Files.createDirectories(work);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a JVM started by a non-interactive shell in the background inherits SIGINT ignored;
        // the runtime must see Ctrl-C as a terminal would deliver it
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT,TERM", java,
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dlogback.configurationFile=" + NovaOptions.target().resolve("test-classes/lifecycle-logback.xml"),
                "-Dorg.osgi.framework.storage=" + work.resolve("felix-cache"),
                "-Dorg.osgi.framework.storage.clean=onFirstInit", NovaProcess.deployFolders(work)));
        if (batch != null) {
            cmd.addAll(NovaProcess.batchShell());
            cmd.add("-Dnova.command=" + batch);
        }
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.addAll(List.of("-jar", launcher.toString()));
        Path log = work.resolve("nova.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new RuntimeProcess(p, log);
    }

    /** Writes a line to the shell. */
    void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Ends the shell's input: what Ctrl-D does at a terminal. */
    void closeInput() throws IOException {
        stdin.close();
    }

    /** Waits until the output has a line containing {@code text}; fails the test if it does not come. */
    void awaitLine(String text) throws IOException, InterruptedException {
        if (!awaitLine(text, LIMIT)) {
            fail("the runtime did not print '" + text + "' within " + LIMIT + ":\n" + text());
        }
    }

    /**
     * Waits until the output has a line containing {@code text}; fails the test if the process
     * exits first.
     *
     * @return false if {@code timeout} passed first
     */
    boolean awaitLine(String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().stream().anyMatch(l -> l.contains(text))) {
                return true;
            }
            if (!process.isAlive()) {
                fail("the runtime exited (" + process.exitValue() + ") before printing '" + text + "':\n" + text());
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Sends a signal by name ("TERM", "INT") with kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid())).inheritIO().start();
        assertTrue("kill -s " + name + " finished", kill.waitFor(10, TimeUnit.SECONDS));
    }

    /** @return the JVM's process id (env execs it, so it is the started process's) */
    long pid() {
        return process.pid();
    }

    /** Waits for the process to exit; fails the test if it does not. @return its exit status */
    int awaitExit() throws IOException, InterruptedException {
        if (!process.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the runtime did not exit within " + LIMIT + ":\n" + text());
        }
        return process.exitValue();
    }

    /** @return every line printed so far */
    List<String> output() throws IOException {
        return Files.readAllLines(log, StandardCharsets.ISO_8859_1);
    }

    /** @return the output as one text, for failure messages */
    String text() throws IOException {
        return String.join("\n", output());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
