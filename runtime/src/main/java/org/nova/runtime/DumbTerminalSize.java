package org.nova.runtime;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.osgi.service.component.annotations.Component;

/**
 * Gives the shell's terminal a size when it has none, so that {@code ./nova} reads commands from a
 * pipe or a file ({@code ./nova < script}, a test writing to its standard input) as it reads them
 * from a person.
 *
 * <p>Why: when standard input is not a terminal, JLine falls back to its dumb terminal, whose size
 * is 0 × 0. JLine 3.21's line reader, with the secondary prompt Gogo's shell configures, loops
 * forever laying out a line on zero columns (jline/jline3 issue 751): the shell thread spins at
 * full CPU and never runs a command. Gogo's JLine shell keeps the session's terminal in the
 * session variable {@value #TERMINAL_VARIABLE}; the first command a session executes is the shell itself (its
 * {@code gosh --login}, before the profile and before the first line is read), so sizing the
 * terminal there is early enough for every line. A real terminal reports its own size and is left
 * alone.
 */
@Component(service = CommandSessionListener.class)
public final class DumbTerminalSize implements CommandSessionListener {
    /** The size given to a terminal that reports none: a classic VT100 screen. */
    static final Size DEFAULT = new Size(80, 24);
    /**
     * The session variable holding the shell's JLine terminal (gogo.jline's Shell.VAR_TERMINAL;
     * read by name so the runtime needs no import of the shell bundle, which Pax Exam runs without).
     */
    static final String TERMINAL_VARIABLE = ".terminal";

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        if (session.get(TERMINAL_VARIABLE) instanceof Terminal terminal
                && (terminal.getWidth() <= 0 || terminal.getHeight() <= 0)) {
            terminal.setSize(DEFAULT);
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        // nothing: the size is set once, before the first line is read
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        // nothing: the size is set once, before the first line is read
    }
}
