package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.CommandProxy;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One shell session, as the console and a telnet connection run it, on a terminal over byte
 * streams: lines typed, what is shown, how it ends.
 */
class ShellLoopTest {
    @TempDir
    Path home;
    private ThreadIOImpl tio;
    private CommandProcessorImpl processor;
    private Shell shell;

    /** A command Gogo finds but whose service has gone: CommandProxy's target is null, as getService returns then. */
    public static final class Echo {
        public String say(String word) {
            return "said " + word;
        }

        public void fail() {
            throw new IllegalArgumentException("EINVAL: no good");
        }
    }

    @BeforeEach
    void processor() throws Exception {
        tio = new ThreadIOImpl();
        tio.start();
        processor = new CommandProcessorImpl(tio);
        processor.addCommand("test", new Echo());
        processor.addCommand("test", new CommandProxy(null, "gone"), "gone");
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc").resolve(ShellLoop.PROFILE), "prompt = 'test> '\n");
        shell = new Shell(new Shell.Context() {
            @Override
            public String getProperty(String name) {
                return name.equals("gosh.home") ? home.toString() : null;
            }

            @Override
            public void exit() {
                throw new AssertionError("a session must not stop the framework");
            }
        }, processor);
    }

    @AfterEach
    void stop() {
        tio.stop();
    }

    /** Runs a session on {@code typed} (then end of input) and returns what it showed and how it ended. */
    private String[] run(String typed, boolean console) throws Exception {
        return run(typed, console, TelnetShells.DEFAULT_SIZE);
    }

    private String[] run(String typed, boolean console, Size size) throws Exception {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        ShellLoop.End end;
        try (Terminal t = TerminalBuilder.builder().name("test").type("ansi").system(false)
                .streams(new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)), shown)
                .attributes(TelnetShells.cooked()).size(size).build()) {
            end = new ShellLoop(shell, processor, t, null, console).run();
        }
        return new String[] { shown.toString(StandardCharsets.UTF_8).replaceAll("\u001b\\[[0-9;?]*[ -/]*[@-~]|\r", ""),
                end.name() };
    }

    @Test
    void linesRunInTurnWithTheProfilesPromptAndEndOfInputEndsTheSession() throws Exception {
        String[] r = run("test:say one\rtest:say two\r", false);
        assertTrue(r[0].contains("test> "), r[0]);
        assertTrue(r[0].indexOf("said one") < r[0].indexOf("said two") && r[0].contains("said one"), r[0]);
        assertEquals("INPUT", r[1]);
    }

    @Test
    @Timeout(60)
    void aTerminalWithNoSizeIsGivenOneAndReadsLines() throws Exception {
        // a pipe's dumb terminal is 0 x 0; JLine's reader would spin on it (DumbTerminalSize)
        String[] r = run("test:say piped\r", true, new Size(0, 0));
        assertTrue(r[0].contains("said piped"), r[0]);
        assertEquals("INPUT", r[1]);
    }

    @Test
    void aCommandWhoseServiceWentAwayIsToldAsUnavailableAndTheSessionGoesOn() throws Exception {
        String[] r = run("test:gone\rtest:say after\r", false);
        assertTrue(r[0].contains("test:gone: command unavailable"), r[0]);
        assertFalse(r[0].contains("NullPointerException"), r[0]);
        assertTrue(r[0].contains("said after"), r[0]);
    }

    @Test
    void aFailingCommandShowsItsMessageAlone() throws Exception {
        String[] r = run("test:fail\rnosuch\r", false);
        assertTrue(r[0].contains("\nEINVAL: no good\n"), r[0]);
        assertTrue(r[0].contains("Command not found: nosuch"), r[0]);
        assertFalse(r[0].contains("java.lang."), r[0]);
    }

    @Test
    void exitInASessionThatIsNotTheConsoleEndsThatSessionAlone() throws Exception {
        processor.addCommand("gogo", new ExitCommand(null), "exit");
        String[] r = run("exit\rtest:say never\r", false);
        assertEquals("ENDED", r[1]);
        assertFalse(r[0].contains("said never"), r[0]);
    }
}
