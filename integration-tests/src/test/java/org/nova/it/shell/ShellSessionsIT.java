package org.nova.it.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The runtime's shells driven from outside, as people and scripts use a long-running runtime:
 * runtime/target/nova.jar on a pseudo-terminal (the console) and telnet sessions opened with
 * {@code shell:telnetd start}, all typing at once.
 *
 * <ul>
 * <li>Two telnet sessions and the console run their lines at the same time: each line's answer
 * comes back to the session that typed it, each session's {@code history} holds its own lines
 * only, {@code exit} closes that session alone, a new connection gets a prompt at once, and the
 * console's history file holds the console's lines and no session's (Gogo's telnetd shared one
 * history, which two sessions corrupted).</li>
 * <li>A session typing a command while another stops and starts the command's bundle sees the
 * command's answer, "Command not found" or "command unavailable", never a raw exception.</li>
 * <li>A console typed at for a thousand lines keeps no job per line and its heap after a
 * collection stays flat (each line once kept a Gogo job, ~35 KB, for the session's life).</li>
 * </ul>
 */
@Category(SeparateProcess.class)
public class ShellSessionsIT {
    private static final String PROMPT = "nova> ";
    private static final String ENTER = "\r";
    private static final String CTRL_D = "\u0004";
    /** One line's answer on a loaded 2-core machine. */
    private static final long LINE_S = 30;
    private static final String SETTLED = "nova: settled in [0-9.]+ s: .*";
    /** Lines each telnet session types in the concurrent test. */
    private static final int SESSION_LINES = 120;
    /** Lines the console types while the sessions run. */
    private static final int CONSOLE_LINES = 20;
    /** Lines typed into the console in the long session, in batches of {@link #BATCH}. */
    private static final int LONG_SESSION_LINES = 600;
    private static final int BATCH = 100;
    /**
     * The most the heap after a collection may grow over the long session. A job kept per line
     * (~35 KB) would take {@value #LONG_SESSION_LINES} lines to ~21 MiB; the line reader's
     * history is bounded (500 lines). 3000 lines were measured at +70 KB.
     */
    private static final long HEAP_GROWTH_LIMIT = 8L << 20;
    /** Times the racing test stops and starts the command's bundle. */
    private static final int BUNDLE_CYCLES = 12;
    private static final String BUNDLE = "vgpu.vfio";
    /**
     * A command of that bundle that calls into its services, and its answer on the default platform,
     * whose GPUs' firmware has no vGPU support.
     */
    private static final String RACING_COMMAND = "vgpu:types 0000:00:05.0";
    private static final String RACING_ANSWER = "ENODEV: 0000:00:05.0: the firmware reports no vGPU support";

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Terminal console(ShellHome home, String log) throws Exception {
        Terminal t = new Terminal(home.runtime(), home.work.resolve(log));
        t.await(0, PROMPT, NovaProcess.TIMEOUT_S);
        t.await(0, SETTLED, NovaProcess.TIMEOUT_S);
        return t;
    }

    /** Types a line at the console and waits for its answer and the next prompt. */
    private static String type(Terminal t, String line, String answer) throws Exception {
        int m = t.mark();
        t.type(line + ENTER);
        return t.await(m, answer + ".*" + PROMPT, LINE_S);
    }

    private static int startTelnetd(Terminal console) throws Exception {
        int port = freePort();
        type(console, "shell:telnetd start -p " + port, "telnetd is running on 127\\.0\\.0\\.1:" + port);
        return port;
    }

    /** One telnet session: its lines, then its history, then exit; returns the history it showed. */
    private static String session(int port, String name) throws Exception {
        try (TelnetClient c = new TelnetClient(port)) {
            c.await(0, PROMPT, LINE_S);
            for (int i = 0; i < SESSION_LINES; i++) {
                int m = c.mark();
                if (i % 10 == 9) {
                    c.line("drv:buses");
                    c.await(m, "BUS +DEVICES +BOUND +DRIVERS.*" + PROMPT, LINE_S);
                } else {
                    c.line("echo " + name + "-" + i);
                    c.await(m, "\n" + name + "-" + i + "\n.*" + PROMPT, LINE_S);
                }
            }
            int m = c.mark();
            c.line("history");
            String history = c.await(m, "history\n.*" + PROMPT, LINE_S);
            c.line("exit");
            assertTrue("exit closes the telnet session " + name, c.awaitClosed(LINE_S));
            return history;
        }
    }

    @Test
    public void twoTelnetSessionsAndTheConsoleAtOnce() throws Exception {
        ShellHome home = new ShellHome("shell-sessions");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Terminal console = console(home, "concurrent-console.log")) {
            int port = startTelnetd(console);
            Future<String> a = pool.submit(() -> session(port, "A"));
            Future<String> b = pool.submit(() -> session(port, "B"));
            for (int i = 0; i < CONSOLE_LINES; i++) {
                type(console, "echo console-" + i, "\nconsole-" + i + "\n");
            }
            String historyA = a.get(NovaProcess.TIMEOUT_S, TimeUnit.SECONDS);
            String historyB = b.get(NovaProcess.TIMEOUT_S, TimeUnit.SECONDS);
            for (String[] h : new String[][] { { "A", historyA, "B" }, { "B", historyB, "A" } }) {
                assertTrue("session " + h[0] + "'s history has its last line:\n" + h[1],
                        h[1].contains("echo " + h[0] + "-" + (SESSION_LINES - 2)));
                assertFalse("session " + h[0] + "'s history has none of " + h[2] + "'s lines:\n" + h[1],
                        h[1].contains("echo " + h[2] + "-"));
                assertFalse("session " + h[0] + "'s history has none of the console's lines:\n" + h[1],
                        h[1].contains("console-"));
            }
            type(console, "shell:telnetd status", "0 session\\(s\\) open");

            // the next connection gets its prompt at once, and the console still answers
            try (TelnetClient c = new TelnetClient(port)) {
                c.await(0, PROMPT, LINE_S);
                int m = c.mark();
                c.line("echo again");
                c.await(m, "\nagain\n", LINE_S);
                c.line("exit");
                assertTrue(c.awaitClosed(LINE_S));
            }
            type(console, "echo console-last", "\nconsole-last\n");
            console.type(CTRL_D);
            assertTrue("Ctrl-D at the console ends the runtime", console.waitFor(NovaProcess.TIMEOUT_S));
        } finally {
            pool.shutdownNow();
        }
        List<String> saved = Files.readAllLines(home.history);
        assertTrue(saved.toString(), saved.stream().anyMatch(l -> l.endsWith("echo console-last")));
        assertFalse("no telnet session's line in the console's history: " + saved,
                saved.stream().anyMatch(l -> l.contains("echo A-") || l.contains("echo B-")));
    }

    @Test
    public void aCommandRacingItsBundleStopIsToldCleanly() throws Exception {
        ShellHome home = new ShellHome("shell-race");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Terminal console = console(home, "race-console.log")) {
            int port = startTelnetd(console);
            // every answer is the command's, the command gone, or the command going away mid-call;
            // anything else (a raw exception) is no answer, and the wait for one fails with it
            Pattern answer = Pattern.compile("(" + Pattern.quote(RACING_ANSWER) + "|Command not found: vgpu:types"
                    + "|command unavailable|java\\.lang\\.\\w+)");
            Callable<Map<String, Integer>> typing = () -> {
                Map<String, Integer> seen = new TreeMap<>();
                try (TelnetClient c = new TelnetClient(port)) {
                    c.await(0, PROMPT, LINE_S);
                    for (int i = 0; i < BUNDLE_CYCLES * 10; i++) {
                        int m = c.mark();
                        c.line(RACING_COMMAND);
                        Matcher a = answer.matcher(c.await(m, answer.pattern() + "[^\n]*\n.*" + PROMPT, LINE_S));
                        assertTrue(a.find());
                        seen.merge(a.group(1), 1, Integer::sum);
                    }
                    c.line("exit");
                    c.awaitClosed(LINE_S);
                    Files.writeString(home.work.resolve("race-session.log"), c.shown());
                    return seen;
                }
            };
            // Felix's start takes an id (a name would be a location to install from)
            Matcher id = Pattern.compile("(\\d+)\\|Active").matcher(type(console, "lb -s " + BUNDLE, "\\|Active"));
            assertTrue(id.find());
            Future<Map<String, Integer>> answers = pool.submit(typing);
            while (!answers.isDone()) {
                type(console, "stop " + id.group(1), "");
                type(console, "start " + id.group(1), "");
            }
            Map<String, Integer> seen = answers.get();
            System.out.println("racing " + RACING_COMMAND + " with stop/start of " + BUNDLE + ": " + seen);
            assertTrue("no raw exception reached the session: " + seen,
                    seen.keySet().stream().noneMatch(k -> k.startsWith("java.lang.")));
            assertTrue("the command ran between the stops: " + seen, seen.containsKey(RACING_ANSWER));
            console.type(CTRL_D);
            assertTrue(console.waitFor(NovaProcess.TIMEOUT_S));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void aLongConsoleSessionKeepsItsHeapFlat() throws Exception {
        ShellHome home = new ShellHome("shell-long");
        Pattern retained = Pattern.compile("jobs: (\\d+) listed, (\\d+) finished kept under the enclosing job;"
                + " heap after GC: (\\d+) bytes");
        try (Terminal console = console(home, "long-console.log")) {
            // a first batch, so that what is loaded once (classes, caches) is in the first figure
            typeBatch(console, 0, BATCH);
            Matcher first = retained.matcher(type(console, "shell:retained", "heap after GC: \\d+ bytes"));
            assertTrue(first.find());
            for (int i = BATCH; i < LONG_SESSION_LINES; i += BATCH) {
                typeBatch(console, i, BATCH);
            }
            Matcher last = retained.matcher(type(console, "shell:retained", "heap after GC: \\d+ bytes"));
            assertTrue(last.find());
            assertEquals("jobs listed after " + LONG_SESSION_LINES + " lines (shell:retained itself)", "1", last.group(1));
            assertEquals("finished jobs kept", "0", last.group(2));
            long growth = Long.parseLong(last.group(3)) - Long.parseLong(first.group(3));
            assertTrue("heap after GC grew by " + growth + " bytes over " + LONG_SESSION_LINES + " lines (first "
                    + first.group(3) + ", last " + last.group(3) + ")", growth < HEAP_GROWTH_LIMIT);
            System.out.println("long console session: " + LONG_SESSION_LINES + " lines, heap after GC "
                    + first.group(3) + " -> " + last.group(3) + " bytes");
            console.type(CTRL_D);
            assertTrue(console.waitFor(NovaProcess.TIMEOUT_S));
        }
    }

    /** Types {@code count} lines at once, as a paste, and waits for the last one's answer. */
    private static void typeBatch(Terminal t, int from, int count) throws Exception {
        StringBuilder keys = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            keys.append("echo line-").append(i).append(ENTER);
        }
        int m = t.mark();
        t.type(keys.toString());
        t.await(m, "\nline-" + (from + count - 1) + "\n.*" + PROMPT, NovaProcess.TIMEOUT_S);
    }
}
