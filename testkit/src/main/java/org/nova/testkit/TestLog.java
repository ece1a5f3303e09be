package org.nova.testkit;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.event.Level;

/**
 * Everything logged through SLF4J in the test's JVM, in order: the driver's own lines and the
 * driver core's (binds, probe failures, unbinds), as {@code LEVEL logger: message}. The one store
 * of the lines {@link TestLogProvider} captures; a {@link PciTestBinding} reads the lines logged
 * since it was made. Lines at {@link #THRESHOLD} and above are kept, debug and trace dropped, as
 * the runtime's log file does by default; as its console does, only warnings and errors are printed
 * (on standard error), so a passing {@code mvn -q package} stays quiet.
 */
final class TestLog {
    /** The lowest level kept: INFO, the runtime's root level (runtime/etc/logback.xml). */
    static final Level THRESHOLD = Level.INFO;
    /** The lowest level printed: WARN, the runtime console's (runtime/etc/logback.xml). */
    static final Level PRINTED = Level.WARN;

    private static final List<String> LINES = new ArrayList<>();

    private TestLog() {
    }

    /** @return whether a line at this level is kept */
    static boolean enabled(Level level) {
        return level.toInt() >= THRESHOLD.toInt();
    }

    /** Keeps a line; prints it (with the stack trace of {@code thrown}, if any) if it is a warning or an error. */
    static void add(Level level, String logger, String message, Throwable thrown) {
        String line = level + " " + logger + ": " + message + (thrown == null ? "" : " (" + thrown + ")");
        synchronized (LINES) {
            LINES.add(line);
        }
        if (level.toInt() >= PRINTED.toInt()) {
            System.err.println(line);
            if (thrown != null) {
                thrown.printStackTrace(System.err);
            }
        }
    }

    /** @return how many lines were kept so far: a position for {@link #since} */
    static int mark() {
        synchronized (LINES) {
            return LINES.size();
        }
    }

    /** @return the lines kept from position {@code mark} on, oldest first */
    static List<String> since(int mark) {
        synchronized (LINES) {
            return List.copyOf(LINES.subList(Math.min(mark, LINES.size()), LINES.size()));
        }
    }
}
