package org.nova.it.shell;

import static org.junit.Assert.fail;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What a program showed a person, kept for a test that waits for text to appear: appended to by
 * the thread reading the program, searched without ANSI control sequences and carriage returns.
 * Thread-safe.
 */
final class Screen {
    /** The control sequences a line editor writes: CSI (ESC [ ... final byte) and two-byte escapes. */
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;?]*[ -/]*[@-~]|\u001b[()][0-9A-Za-z]|\u001b[=>78]|\r");

    /** What is shown, as a failure names it ("the terminal", "telnet session on port N"). */
    private final String what;
    private final StringBuilder text = new StringBuilder();
    private boolean ended;

    Screen(String what) {
        this.what = what;
    }

    /** Adds what the program wrote. */
    synchronized void append(String s) {
        text.append(s);
        notifyAll();
    }

    /** The program's output ended (it exited, the connection closed). */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** @return a position in what was shown, now: what appears after it is new */
    synchronized int mark() {
        return text.length();
    }

    /** @return everything shown so far, without control sequences */
    synchronized String shown() {
        return ANSI.matcher(text).replaceAll("");
    }

    /**
     * Waits until text matching {@code regex} appears after {@code from}; fails when the time runs
     * out or the output ends first.
     *
     * @return what was shown after {@code from} up to now
     */
    synchronized String await(int from, String regex, long seconds) throws InterruptedException {
        Pattern p = Pattern.compile(regex, Pattern.DOTALL);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            // only what is new is stripped and searched: a long session's screen is large
            String after = ANSI.matcher(text.substring(Math.min(from, text.length()))).replaceAll("");
            if (p.matcher(after).find()) {
                return after;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || ended) {
                fail(what + (ended ? " ended" : " timed out after " + seconds + " s") + " before it showed /" + regex
                        + "/; it showed:\n" + after);
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** @return whether the output ended within the time */
    synchronized boolean awaitEnd(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return true;
    }
}
