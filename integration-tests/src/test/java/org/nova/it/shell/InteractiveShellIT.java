package org.nova.it.shell;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Before;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The interactive shell as a person uses it: runtime/target/nova.jar on a pseudo-terminal, with
 * runtime/etc/gosh_profile, typed at. TAB completes a command and its arguments (a bus, a device
 * of that bus, listed when ambiguous), Enter runs it, Ctrl-D leaves; the next session finds the
 * command with the Up arrow in the history the first one left in gosh.home's target folder.
 */
@Category(SeparateProcess.class)
public class InteractiveShellIT {
    /** What the profile sets as the prompt. */
    private static final String PROMPT = "nova> ";
    private static final String TAB = "\t";
    private static final String ENTER = "\r";
    private static final String CTRL_D = "\u0004";
    /** The Up arrow as xterm sends it in keypad-transmit mode, which the line reader turns on (smkx). */
    private static final String UP = "\u001bOA";
    /**
     * A key's effect on a loaded 2-core machine. Keys are typed only at a prompt: between two
     * lines the terminal is in cooked mode, where the tty itself would take a Ctrl-D.
     */
    private static final long KEY_S = 30;
    /** The startup summary, printed at a terminal once the runtime has settled (StartupSummary). */
    private static final String SETTLED = "nova: settled in [0-9.]+ s: .*";

    private ShellHome shell;
    private Path work;
    private Path history;

    @Before
    public void home() throws Exception {
        shell = new ShellHome("interactive-shell");
        work = shell.work;
        history = shell.history;
    }

    private List<String> runtime() {
        return shell.runtime();
    }

    @Test
    public void tabCompletesAndHistoryOutlivesTheSession() throws Exception {
        try (Terminal t = new Terminal(runtime(), work.resolve("first-session.log"))) {
            t.await(0, PROMPT, NovaProcess.TIMEOUT_S);
            // the startup banner comes once the runtime has settled, after the first prompt: a
            // person starts typing after it, and so does this test (a line being typed while it is
            // printed is cut in two)
            t.await(0, SETTLED, NovaProcess.TIMEOUT_S);
            assertFalse("the profile ran without an error: " + t.shown(), t.shown().contains("ERROR"));

            int m = t.mark();
            t.type("drv:bu" + TAB);
            t.await(m, "drv:buses ", KEY_S);
            m = t.mark();
            t.type(ENTER);
            t.await(m, "BUS +DEVICES +BOUND +DRIVERS +AUTOPROBE\\s+(pci|auxiliary) .*" + PROMPT, KEY_S);

            // a bus, the devices of that bus (listed: more than one fits), a driver; a redrawn line is
            // no text to match, so the completed line is run: it names what TAB filled in
            m = t.mark();
            t.type("drv:bind p" + TAB + "0000:00:0" + TAB);
            t.await(m, "0000:00:02\\.0 +0000:00:03\\.0 +0000:00:04\\.0 +0000:00:05\\.0 +0000:00:06\\.0", KEY_S);
            m = t.mark();
            t.type("5" + TAB + "Nov" + TAB + ENTER);
            t.await(m, "EBUSY: 0000:00:05\\.0 is already bound to NovaCore.*" + PROMPT, KEY_S);

            m = t.mark();
            t.type("help drv:bind" + ENTER);
            t.await(m, "BUS: the bus.*DEVICE: the device.*DRIVER: the driver.*" + PROMPT, KEY_S);
            m = t.mark();
            t.type("drv:bind pci" + ENTER);
            t.await(m, "EINVAL: usage: drv:bind BUS DEVICE DRIVER.*" + PROMPT, KEY_S);

            t.type(CTRL_D);
            assertTrue("Ctrl-D ends the runtime", t.waitFor(NovaProcess.TIMEOUT_S));
        }
        List<String> saved = Files.readAllLines(history);
        assertTrue(saved.toString(), saved.stream().anyMatch(l -> l.endsWith("drv:buses")));
        assertTrue(saved.toString(), saved.stream().anyMatch(l -> l.endsWith("drv:bind pci 0000:00:05.0 NovaCore")));

        try (Terminal t = new Terminal(runtime(), work.resolve("second-session.log"))) {
            t.await(0, PROMPT, NovaProcess.TIMEOUT_S);
            t.await(0, SETTLED, NovaProcess.TIMEOUT_S);
            int m = t.mark();
            // back past drv:bind pci, help drv:bind and the completed drv:bind to the first line
            t.type(UP + UP + UP + UP + ENTER);
            t.await(m, "BUS +DEVICES +BOUND +DRIVERS +AUTOPROBE.*" + PROMPT, KEY_S);
            t.type(CTRL_D);
            assertTrue("Ctrl-D ends the runtime", t.waitFor(NovaProcess.TIMEOUT_S));
        }
    }
}
