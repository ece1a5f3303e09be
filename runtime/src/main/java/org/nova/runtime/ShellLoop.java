package org.nova.runtime;

import java.io.File;
import java.io.IOError;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.gogo.jline.Expander;
import org.apache.felix.gogo.jline.Highlighter;
import org.apache.felix.gogo.jline.ParsedLineImpl;
import org.apache.felix.gogo.jline.Parser;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.gogo.runtime.CommandSessionImpl;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Function;
import org.apache.felix.service.command.Job;
import org.apache.felix.service.command.Job.Status;
import org.jline.builtins.Completers;
import org.jline.builtins.Completers.CompletionData;
import org.jline.builtins.Completers.CompletionEnvironment;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;
import org.jline.terminal.Terminal.Signal;
import org.jline.terminal.Terminal.SignalHandler;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One interactive shell: a Gogo session of its own on one terminal, with its own line reader and
 * command history, read line by line until end of input — what a getty or sshd login is to the
 * kernel's ttys: each login its own session (setsid, kernel/sys.c), none sharing another's state.
 * The console and every telnet connection run one each ({@link ConsoleShell}, {@link TelnetShells}).
 *
 * <p>Why not Gogo JLine's own shell loop ({@code gosh}): it is private to that bundle, prints a
 * failed line as the raw exception's {@code toString()} (a command whose bundle is stopping shows
 * Gogo's own NullPointerException; here every failure goes through {@link CommandErrors}, as in
 * {@code ./nova -c}), gives every session the same history file (two sessions writing one file at
 * once corrupt it), and ends the framework when any login shell ends. Everything else is Gogo's:
 * its parser, highlighter, expander, completion, prompt, job control and profile
 * (etc/{@value #PROFILE} under gosh.home).
 *
 * <p>Ownership: the session is created and closed here; the terminal belongs to the caller. The
 * loop runs on the calling thread, which must not be inside a Gogo job (see {@link FinishedJobs}:
 * lines typed in a shell inside a job are kept by that job). A failing line is shown in red and
 * the loop goes on; end of input (Ctrl-D, a closed connection or terminal) or {@link #end()}
 * returns.
 */
final class ShellLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ShellLoop.class);
    /** The profile every session sources first, under gosh.home's etc/ (Gogo JLine's name for it). */
    static final String PROFILE = "gosh_profile";
    /**
     * Session variable holding a {@link Runnable} that ends this session, in a session that is not
     * the console: {@code exit} there ends that login only ({@link ExitCommand}).
     */
    static final String END_SESSION = ".nova.endSession";
    /** Session variable marking a session as one of these loops' (the console's hand-over skips them). */
    static final String SESSION_MARK = ".nova.shell";
    /** JLine's line reader variable naming the history file (LineReader.HISTORY_FILE). */
    static final String HISTORY_FILE = LineReader.HISTORY_FILE;
    /** Gogo's session variable that turns off the printing of a line's value when false. */
    static final String FORMAT_RESULTS = ".Gogo.format";

    private final Shell shell;
    private final CommandProcessor processor;
    private final Terminal terminal;
    private final Path history;
    private final boolean console;
    private final AtomicBoolean ended = new AtomicBoolean();

    /**
     * @param shell Gogo JLine's shell: its context and {@code source}
     * @param terminal the terminal read and written; stays open after the loop
     * @param history the file the session's history is loaded from and saved to, or null to keep
     *     it in memory only
     * @param console whether this is the runtime's console, where {@code exit} stops the runtime;
     *     in any other session it ends that session
     */
    ShellLoop(Shell shell, CommandProcessor processor, Terminal terminal, Path history, boolean console) {
        this.shell = shell;
        this.processor = processor;
        this.terminal = terminal;
        this.history = history;
        this.console = console;
    }

    /** Makes the loop return before it reads the next line (the line running goes on to its end). */
    void end() {
        ended.set(true);
    }

    /** What ended a session. */
    enum End {
        /** End of input: Ctrl-D at an empty prompt, the end of a piped script, the peer closing its side. */
        INPUT,
        /** {@link #end()}: {@code exit} in a session that is not the console, or its owner going. */
        ENDED,
        /** The terminal failed or closed under the reader. */
        CLOSED
    }

    /**
     * Runs the session: sources the profile, then reads and runs lines until end of input or
     * {@link #end()}. The session is closed on return, whatever ended it.
     *
     * @return what ended it
     */
    End run() {
        CommandSession session = processor.createSession(terminal.input(), terminal.output(), terminal.output());
        try {
            LineReader reader = setUp(session);
            profile(session);
            if (history != null) {
                session.put(HISTORY_FILE, history);
            }
            return readLines(session, reader);
        } finally {
            session.close();
        }
    }

    /** The session's variables as Gogo JLine's {@code gosh} sets them for an interactive shell, and its reader. */
    private LineReader setUp(CommandSession session) {
        if (terminal.getWidth() <= 0 || terminal.getHeight() <= 0) {
            // a dumb terminal (standard input a pipe) has no size, and JLine 3.21's line reader
            // spins laying a line out on zero columns (DumbTerminalSize)
            terminal.setSize(DumbTerminalSize.DEFAULT);
        }
        session.put(SESSION_MARK, console ? "console" : "session");
        session.put(Shell.VAR_TERMINAL, terminal);
        session.put(Shell.VAR_CONTEXT, shell.getContext());
        session.put(Shell.VAR_PROCESSOR, processor);
        session.put(Shell.VAR_SESSION, session);
        session.put("#TERM", (Function) (s, arguments) -> terminal.getType());
        session.put("#COLUMNS", (Function) (s, arguments) -> terminal.getWidth());
        session.put("#LINES", (Function) (s, arguments) -> terminal.getHeight());
        session.put("#PWD", (Function) (s, arguments) -> s.currentDir().toString());
        if (!console) {
            session.put(END_SESSION, (Runnable) this::end);
        }
        CompletionEnvironment completion = new CompletionEnvironment() {
            @Override
            public Map<String, List<CompletionData>> getCompletions() {
                return Shell.getCompletions(session);
            }

            @Override
            public Set<String> getCommands() {
                return Shell.getCommands(session);
            }

            @Override
            public String resolveCommand(String command) {
                return Shell.resolve(session, command);
            }

            @Override
            public String commandName(String command) {
                int colon = command.indexOf(':');
                return colon >= 0 ? command.substring(colon + 1) : command;
            }

            @Override
            public Object evaluate(LineReader reader, ParsedLine line, String func) throws Exception {
                session.put(Shell.VAR_COMMAND_LINE, line);
                return session.execute(func);
            }
        };
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .variables(((CommandSessionImpl) session).getVariables())
                .completer(new Completers.Completer(completion))
                .highlighter(new Highlighter(session))
                .parser(new Parser())
                .expander(new Expander(session))
                .build();
        if (terminal.getStringCapability(Capability.carriage_return) != null) {
            // a terminal of a type JLine does not know (a telnet client that named none) cannot
            // move the cursor: the fresh-line marker would print as text
            reader.setOpt(LineReader.Option.AUTO_FRESH_LINE);
        }
        session.put(Shell.VAR_READER, reader);
        session.put(Shell.VAR_COMPLETIONS, new HashMap<>());
        return reader;
    }

    /**
     * Sources the profile Gogo JLine's {@code gosh} would: etc/{@value #PROFILE} under gosh.home
     * (the working directory without it), else the one inside the Gogo JLine bundle. A failure is
     * shown, not fatal.
     */
    private void profile(CommandSession session) {
        String home = shell.getContext().getProperty("gosh.home");
        File file = new File(new File(home != null ? home : System.getProperty("user.dir"), "etc"), PROFILE);
        String profile;
        if (file.exists()) {
            profile = file.toURI().toString();
        } else {
            URL bundled = Shell.class.getResource("/ext/" + PROFILE);
            bundled = bundled != null ? bundled : Shell.class.getResource("/" + PROFILE);
            if (bundled == null) {
                return;
            }
            profile = bundled.toString();
        }
        try {
            shell.source(session, profile);
        } catch (Exception e) {
            error(PROFILE + ": " + CommandErrors.describe(PROFILE, e));
        }
    }

    private End readLines(CommandSession session, LineReader reader) {
        AtomicBoolean reading = new AtomicBoolean();
        session.setJobListener((job, previous, current) -> {
            if (previous == Status.Background || current == Status.Background
                    || previous == Status.Suspended || current == Status.Suspended) {
                terminal.writer().println("[" + job.id() + "]  " + current.name().toLowerCase() + "  " + job.command());
                terminal.flush();
                if (reading.get()) {
                    reader.callWidget(LineReader.REDRAW_LINE);
                    reader.callWidget(LineReader.REDISPLAY);
                }
            }
        });
        SignalHandler intHandler = terminal.handle(Signal.INT, s -> {
            Job job = session.foregroundJob();
            if (job != null) {
                job.interrupt();
            }
        });
        SignalHandler suspHandler = terminal.handle(Signal.TSTP, s -> {
            Job job = session.foregroundJob();
            if (job != null) {
                job.suspend();
            }
        });
        try {
            while (!ended.get()) {
                String line;
                try {
                    reading.set(true);
                    try {
                        line = reader.readLine(Shell.getPrompt(session), Shell.getRPrompt(session), (Character) null, null);
                    } finally {
                        reading.set(false);
                    }
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C at the prompt drops the line
                } catch (EndOfFileException e) {
                    return End.INPUT;
                } catch (IOError e) {
                    LOG.debug("terminal {} closed: {}", terminal.getName(), e.toString());
                    return End.CLOSED;
                }
                ParsedLine parsed = reader.getParsedLine();
                if (parsed == null || line == null) {
                    return End.INPUT;
                }
                runLine(session, ((ParsedLineImpl) parsed).program());
                waitForForeground(session);
            }
            return End.ENDED;
        } finally {
            terminal.handle(Signal.INT, intHandler);
            terminal.handle(Signal.TSTP, suspHandler);
            try {
                reader.getHistory().save();
            } catch (IOException e) {
                LOG.debug("history not saved: {}", e.toString());
            }
        }
    }

    /** Runs one line, prints its value (as Gogo's shell does) or its error (as {@code ./nova -c} does). */
    private void runLine(CommandSession session, CharSequence program) {
        try {
            Object result = session.execute(program);
            session.put(Shell.VAR_RESULT, result);
            if (result != null && !Boolean.FALSE.equals(session.get(FORMAT_RESULTS))) {
                terminal.writer().println(session.format(result, Converter.INSPECT));
                terminal.flush();
            }
        } catch (Exception e) {
            session.put(Shell.VAR_EXCEPTION, e);
            error(CommandErrors.describe(program.toString(), e));
            LOG.debug("line failed: {}", program, e);
        }
    }

    private void error(String message) {
        AttributedStringBuilder sb = new AttributedStringBuilder();
        sb.style(sb.style().foreground(AttributedStyle.RED));
        sb.append(message);
        sb.style(sb.style().foregroundDefault());
        terminal.writer().println(sb.toAnsi(terminal));
        terminal.flush();
    }

    /** Waits while a job runs in the foreground (a background job is left running); interrupted, the loop ends. */
    private void waitForForeground(CommandSession session) {
        try {
            for (Job job; (job = session.foregroundJob()) != null;) {
                synchronized (job) {
                    if (job.status() == Status.Foreground) {
                        job.wait();
                    }
                }
            }
        } catch (InterruptedException e) {
            ended.set(true);
            Thread.currentThread().interrupt();
        }
    }
}
