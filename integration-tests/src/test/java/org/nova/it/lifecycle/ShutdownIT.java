package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;
import org.nova.it.NovaOptions;
import org.nova.it.lifecycle.hang.HangOnRemove;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * Every way out of the runtime stops it in order (issue 13, item 2): the exported launcher run as
 * {@code ./nova} runs it, on the default simulated platform (two GPUs, the samples: nine devices
 * bound), and left each way — the end of {@code -c}, a failing {@code -c} command, {@code exit 3},
 * {@code stop 0}, Ctrl-D (the end of the shell's input), SIGTERM and SIGINT. Each time the exit
 * status is the one asked for, and the driver core's shutdown line shows that every device bound
 * before the stop was unbound and every devres released: its counts must equal what
 * {@code drv:devices} listed just before (bound devices, the DEVRES column's sum), with nothing
 * left. Before issue 13, Ctrl-D and {@code stop 0} exited 117, and the end of {@code -c} and
 * {@code exit 0} exited without stopping the framework at all.
 *
 * <p>And a driver whose remove never returns cannot hold the process: after the configured
 * bound the runtime names the driver and the device and exits.
 */
@Category(SeparateProcess.class)
public class ShutdownIT {
    /** drv:devices' columns: BUS DEVICE DRIVER STATE PARENT DEVRES. */
    private static final Pattern DEVICE_ROW = Pattern.compile("^(pci|auxiliary)\\s+(\\S+)\\s+(\\S+)\\s+(bound|unbound|deferred)\\s+\\S+\\s+(\\d+)\\s*$");
    /** The driver core's shutdown line (DriverCoreComponent). */
    private static final Pattern SHUTDOWN = Pattern.compile(
            "shutdown: (\\d+) devices unbound \\((\\d+) were bound\\), (\\d+) of (\\d+) devres released, in (\\d+) ms");
    /** The default platform: pci-testdev twice, edu, two GPUs, their four auxiliary devices. */
    private static final int DEFAULT_BOUND = 9;
    /** What the shell prints once drv:settle has run (echo's argument, numbered). */
    private static final String READY = "lifecycle-settled-";
    /** What the shell prints once drv:devices has run. */
    private static final String LISTED = "lifecycle-listed";
    /** How long to wait for a settle before asking again. */
    private static final long ASK_AGAIN_MS = 2000;

    private static Path work(String name) {
        return NovaOptions.target().resolve("lifecycle/shutdown/" + name);
    }

    @Test
    public void theEndOfDashCStopsInOrderAndExitsZero() throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("end-of-c"), "drv:devices")) {
            assertEquals(p.text(), 0, p.awaitExit());
            assertStoppedInOrder(p, "end of -c");
        }
    }

    @Test
    public void aFailingCommandStopsInOrderAndExitsOne() throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("failing-c"), "drv:devices; drv:unbind pci 0000:00:1f.7")) {
            assertEquals(p.text(), 1, p.awaitExit());
            assertStoppedInOrder(p, "end of -c");
        }
    }

    @Test
    public void exitThreeStopsInOrderExitsThreeAndRunsNothingAfter() throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("exit-3"), "drv:devices; exit 3; echo after-exit")) {
            assertEquals(p.text(), 3, p.awaitExit());
            assertStoppedInOrder(p, "exit 3");
            assertFalse("the statement after exit ran:\n" + p.text(),
                    p.output().stream().anyMatch(l -> l.equals("after-exit")));
        }
    }

    @Test
    public void stopZeroInTheShellStopsInOrderAndExitsZero() throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("stop-0"), null)) {
            shellSettled(p);
            p.send("stop 0");
            assertEquals(p.text(), 0, p.awaitExit());
            assertStoppedInOrder(p, "the framework is stopping");
        }
    }

    @Test
    public void exitInTheShellStopsInOrderAndExitsZero() throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("exit"), null)) {
            shellSettled(p);
            p.send("exit");
            assertEquals(p.text(), 0, p.awaitExit());
            assertStoppedInOrder(p, "exit 0");
        }
    }

    @Test
    public void theEndOfTheShellsInputStopsInOrderAndExitsZero() throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("ctrl-d"), null)) {
            shellSettled(p);
            p.closeInput();
            assertEquals(p.text(), 0, p.awaitExit());
            // the console's end of input is an exit request of its own (runtime ConsoleShell)
            assertStoppedInOrder(p, "end of console input");
        }
    }

    @Test
    public void sigtermStopsInOrderAndExitsZero() throws Exception {
        signalled("TERM");
    }

    @Test
    public void sigintStopsInOrderAndExitsZero() throws Exception {
        signalled("INT");
    }

    private void signalled(String signal) throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work("sig" + signal.toLowerCase()), null)) {
            shellSettled(p);
            p.signal(signal);
            assertEquals(p.text(), 0, p.awaitExit());
            assertStoppedInOrder(p, "SIG" + signal);
        }
    }

    @Test
    public void aHungRemoveIsNamedAndTheProcessExitsAfterTheBound() throws Exception {
        Path hang = LifecycleBundles.jar(LifecycleBundles.HANG);
        String device = "0000:00:02.0";
        try (RuntimeProcess p = RuntimeProcess.start(work("hung-remove"),
                "felix:start " + hang.toUri() + "; drv:settle; drv:unbind pci " + device
                        + "; drv:bind pci " + device + " " + HangOnRemove.NAME,
                "nova.shutdown.timeout=3")) {
            int status = p.awaitExit();
            String out = p.text();
            assertEquals("a stop that did not finish exits 1 when 0 was asked:\n" + out, 1, status);
            assertTrue("the exit was requested:\n" + out, out.contains("exit 0 requested (end of -c)"));
            String named = "nova: the framework did not stop within 3 s: still running: pci " + device
                    + ": remove by " + HangOnRemove.NAME + ", running for ";
            assertTrue("the message names the hung driver and its device:\n" + out, out.contains(named));
            assertTrue("and says how the process exits:\n" + out, out.contains("; exiting with status 1"));
            assertFalse("the core never finished its shutdown:\n" + out, SHUTDOWN.matcher(out).find());
        }
    }

    /**
     * Waits until the shell has run {@code drv:settle} and printed the devices. The shell reads its
     * input from the start, before the driver core's commands exist ("Command not found", and the
     * line stops there); so it asks again each {@value #ASK_AGAIN_MS} ms until a settle has run.
     */
    private static void shellSettled(RuntimeProcess p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RuntimeProcess.LIMIT.toNanos();
        for (int i = 1; ; i++) {
            p.send("drv:settle; echo " + READY + i);
            if (p.awaitLine(READY, Duration.ofMillis(ASK_AGAIN_MS))) {
                break;
            }
            assertTrue("drv:settle did not run within " + RuntimeProcess.LIMIT + ":\n" + p.text(),
                    System.nanoTime() < deadline);
        }
        p.send("drv:devices");
        p.send("echo " + LISTED);
        p.awaitLine(LISTED);
    }

    /**
     * The exit was requested for the reason given, and the shutdown line's counts equal the
     * devices and devres {@code drv:devices} listed before, with none left.
     */
    private static void assertStoppedInOrder(RuntimeProcess p, String reason) throws IOException {
        List<String> out = p.output();
        String all = String.join("\n", out);
        assertTrue("exit requested because of " + reason + ":\n" + all,
                out.stream().anyMatch(l -> l.contains("requested (" + reason + "): stopping the framework")));
        int bound = 0;
        int devres = 0;
        for (String l : out) {
            Matcher m = DEVICE_ROW.matcher(l);
            if (m.matches()) {
                bound += m.group(4).equals("bound") ? 1 : 0;
                devres += Integer.parseInt(m.group(5));
            }
        }
        assertEquals("drv:devices listed the default platform bound:\n" + all, DEFAULT_BOUND, bound);
        Matcher s = out.stream().map(SHUTDOWN::matcher).filter(Matcher::find).findFirst()
                .orElseThrow(() -> new AssertionError("no shutdown line from the driver core:\n" + all));
        assertEquals("devices unbound during the stop:\n" + all, bound, Integer.parseInt(s.group(1)));
        assertEquals("devices bound when the stop began:\n" + all, bound, Integer.parseInt(s.group(2)));
        assertEquals("devres released during the stop:\n" + all, devres, Integer.parseInt(s.group(3)));
        assertEquals("devres held when the stop began:\n" + all, devres, Integer.parseInt(s.group(4)));
        assertFalse("devres left after the stop:\n" + all, all.contains("devres still held"));
    }
}
