package org.nova.it.shell;


import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program run on a pseudo-terminal, typed at as a person types: util-linux's {@code script}
 * gives it the terminal and copies what the test writes to it as keystrokes. What the program
 * shows is kept, without its ANSI control sequences, so a test waits for text to appear.
 */
final class Terminal implements AutoCloseable {
    /** Columns and rows of the terminal: wide enough for a table line. */
    private static final int COLUMNS = 200;
    private static final int ROWS = 50;

    private final Process process;
    private final OutputStream keys;
    private final Screen screen = new Screen("the terminal");
    private final Path log;

    /**
     * @param command the program and its arguments, run by {@code sh -c} inside the terminal
     * @param log where everything the terminal showed is written when this closes
     */
    Terminal(List<String> command, Path log) throws IOException {
        this.log = log;
        String line = "stty cols " + COLUMNS + " rows " + ROWS + "; exec " + String.join(" ", command.stream()
                .map(Terminal::quote).toList());
        ProcessBuilder pb = new ProcessBuilder("script", "-qfec", line, "/dev/null").redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        process = pb.start();
        keys = process.getOutputStream();
        Thread reader = new Thread(() -> copy(process.getInputStream()), "terminal-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private void copy(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0;) {
                screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException closed) {
            // the program ended
        }
        screen.end();
    }

    /** Types keys: text, "\t" for TAB, "\r" for Enter, "\u0004" for Ctrl-D, "\u001b[A" for Up. */
    Terminal type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
        return this;
    }

    /** @return a position in what was shown, now: what appears after it is new */
    int mark() {
        return screen.mark();
    }

    /** @return everything shown so far, without control sequences */
    String shown() {
        return screen.shown();
    }

    /**
     * Waits until text matching {@code regex} appears after {@code from}.
     *
     * @return what was shown after {@code from} up to now
     */
    String await(int from, String regex, long seconds) throws InterruptedException {
        return screen.await(from, regex, seconds);
    }

    /** @return whether the program ended within the time */
    boolean waitFor(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.createDirectories(log.getParent());
        Files.writeString(log, shown());
    }
}
