package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.Test;
import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * Two runtimes started from one checkout at once, as a person does with a shell in one terminal
 * and {@code ./nova -c} in another (issue 14, item 8). Before, both used runtime/target/felix-cache
 * and the second one's start cleaned it: the running runtime's bundle jars were deleted under it
 * and its stop failed to write its state. Now each takes a slot of its own (the ./nova script's
 * flock on the cache's lock file), and the first one is untouched by the second.
 *
 * <p>Runs the repository's own {@code ./nova} script, since the slot is its business.
 */
@Category(SeparateProcess.class)
public class TwoRuntimesIT {
    /** The storage path a runtime prints: Gogo's {@code $.context}, the system bundle's context. */
    private static final String STORAGE = "($.context property org.osgi.framework.storage)";
    /** The fewest bundle directories a framework cache of the default runtime holds (it has 40-odd bundles). */
    private static final int MIN_BUNDLES = 30;

    @Test
    public void aSecondRuntimeTakesItsOwnCacheAndLeavesTheFirstWhole() throws Exception {
        Path work = Files.createDirectories(NovaOptions.target().resolve("lifecycle/two-runtimes"));
        Path firstLog = work.resolve("first.log");
        String nova = NovaProcess.repo().resolve("nova").toString();
        ProcessBuilder pb = new ProcessBuilder("bash", nova).directory(NovaProcess.repo().toFile())
                .redirectErrorStream(true).redirectOutput(firstLog.toFile());
        // no web server: port 8080 may be taken on the machine, and the page is not what is tested
        pb.environment().put("NOVA_OPTS", "-Dnova.web.server=false");
        Process first = pb.start();
        try (OutputStream stdin = first.getOutputStream()) {
            send(stdin, "drv:settle; echo first-storage " + STORAGE);
            Path firstCache = Path.of(awaitValue(first, firstLog, "first-storage "));
            assertTrue(firstCache + " holds the first runtime's bundles", bundles(firstCache) >= MIN_BUNDLES);

            List<String> second = NovaProcess.run(List.of("bash", nova, "-c", "drv:settle; echo " + STORAGE),
                    work.resolve("second.log"));
            Path secondCache = Path.of(second.get(second.size() - 1).strip());
            assertNotEquals("the second runtime's cache", firstCache, secondCache);
            assertTrue(firstCache + " still holds the first runtime's bundles after the second ran",
                    bundles(firstCache) >= MIN_BUNDLES);

            // one line each: the shell prints only a line's last value
            send(stdin, "drv:devices");
            send(stdin, "echo first-again");
            awaitValue(first, firstLog, "first-again");
            List<String> rows = Files.readAllLines(firstLog, StandardCharsets.ISO_8859_1);
            assertTrue(String.join("\n", rows), rows.stream().anyMatch(l -> l.matches("^pci\\s+\\S+\\s+NovaCore\\s+bound.*")));
        }
        // stdin closed: Ctrl-D, the orderly stop, which writes the framework's state into its cache
        if (!first.waitFor(NovaProcess.TIMEOUT_S, TimeUnit.SECONDS)) {
            first.destroyForcibly();
            fail("the first runtime did not stop after Ctrl-D:\n" + Files.readString(firstLog, StandardCharsets.ISO_8859_1));
        }
        String out = Files.readString(firstLog, StandardCharsets.ISO_8859_1);
        assertEquals(out, 0, first.exitValue());
        assertFalse(out, out.contains("Exception"));
        assertFalse(out, out.contains("ERROR"));
    }

    private static void send(OutputStream stdin, String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Waits for a line starting with {@code prefix} (echo's output) and returns the rest of it. */
    private static String awaitValue(Process p, Path log, String prefix) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(NovaProcess.TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                // the prompt may precede the output on the same line at a dumb terminal
                int at = l.indexOf(prefix);
                if (at >= 0 && !l.contains("echo " + prefix)) {
                    return l.substring(at + prefix.length()).strip();
                }
            }
            if (!p.isAlive()) {
                fail("the runtime exited (" + p.exitValue() + ") before printing '" + prefix + "':\n"
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
            Thread.sleep(50);
        }
        fail("no '" + prefix + "' within " + NovaProcess.TIMEOUT_S + " s:\n" + Files.readString(log, StandardCharsets.ISO_8859_1));
        return null;
    }

    private static long bundles(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(d -> d.getFileName().toString().startsWith("bundle")).count();
        }
    }
}
