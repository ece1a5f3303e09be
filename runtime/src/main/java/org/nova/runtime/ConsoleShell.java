package org.nova.runtime;

import java.nio.file.Path;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.jline.terminal.Terminal;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's console: a {@link ShellLoop} on the process's own terminal, the one Gogo JLine
 * opens at start (a JLine system terminal, or its dumb terminal when standard input is not one).
 * The run configurations start Gogo JLine with {@code gosh.args=--nointeractive}: its launcher
 * session only sources the profile. This component sees that session's first command (Gogo calls
 * every {@link CommandSessionListener} before a command runs), takes the terminal from its
 * {@code .terminal} variable, and runs the console on a thread of its own, outside any Gogo job.
 * Nothing else the launcher does matters: a profile that fails (Gogo JLine's own, when gosh.home
 * names none) does not keep the console from starting. Under {@code ./nova -c}
 * ({@value BatchRunner#COMMAND} set) there is no console.
 *
 * <p>End of input on the console (Ctrl-D, the end of a piped script) stops the runtime in order,
 * as the end of Gogo's login shell did; {@code exit [N]} there stops it with N.
 *
 * <p>Gogo JLine's Shell is looked up when the launcher session appears, so nothing of that bundle
 * is loaded where it is not installed. Owns the console thread and its session; the terminal
 * stays Gogo JLine's, which closes it when that bundle stops, after unregistering its Shell: a
 * console that ends with the Shell gone does not stop the runtime.
 */
@Component(service = { CommandSessionListener.class, ConsoleShell.class })
public final class ConsoleShell implements CommandSessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleShell.class);
    /** The history file of the console, under gosh.home (mvn clean forgets it). */
    static final String HISTORY = "target/nova.history";
    /** Gogo JLine's session variables: the session's terminal and line reader. */
    static final String TERMINAL_VARIABLE = DumbTerminalSize.TERMINAL_VARIABLE;
    static final String READER_VARIABLE = ".reader";

    private final BundleContext context;
    private final CommandProcessor processor;
    private final Reboot reboot;
    private final boolean batch;
    /** The console running, null before the launcher session appears; guarded by this. */
    private ShellLoop console;
    /** Whether this component has been deactivated; guarded by this. */
    private boolean stopped;

    @Activate
    public ConsoleShell(BundleContext context, @Reference CommandProcessor processor, @Reference Reboot reboot) {
        this.context = context;
        this.processor = processor;
        this.reboot = reboot;
        String command = context.getProperty(BatchRunner.COMMAND);
        this.batch = command != null && !command.isBlank();
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        if (batch || !(session.get(TERMINAL_VARIABLE) instanceof Terminal terminal)
                || session.get(READER_VARIABLE) != null || session.get(ShellLoop.SESSION_MARK) != null) {
            return; // not Gogo JLine's launcher: a batch, a shell with its own reader, one of ours
        }
        synchronized (this) {
            if (console != null || stopped) {
                return;
            }
            ServiceReference<?> ref = context.getServiceReference(GogoJlineShells.SHELL_SERVICE);
            Object shell = ref == null ? null : context.getService(ref);
            if (shell == null) {
                return;
            }
            String home = context.getProperty("gosh.home");
            ShellLoop loop = new ShellLoop((Shell) shell, processor, terminal,
                    home == null ? null : Path.of(home).resolve(HISTORY), true);
            console = loop;
            Thread t = new Thread(() -> run(loop, ref), "nova-console");
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        // the console starts before the launcher's first command
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        // the console starts before the launcher's first command
    }

    private void run(ShellLoop loop, ServiceReference<?> shell) {
        ShellLoop.End end;
        try {
            end = loop.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.error("the console failed: {}", e.toString(), e);
            return;
        } finally {
            try {
                context.ungetService(shell);
            } catch (IllegalStateException e) {
                // this bundle stopped meanwhile: nothing held any more
            }
        }
        synchronized (this) {
            // the runtime bundle going, or Gogo JLine (its Shell unregistered, then its terminal
            // closed): neither is the console's end of input, and neither stops the runtime
            if (stopped || end != ShellLoop.End.INPUT || shell.getBundle() == null) {
                return;
            }
        }
        reboot.requestExit(0, "end of console input");
    }

    @Deactivate
    synchronized void deactivate() {
        stopped = true;
        if (console != null) {
            console.end();
        }
    }
}
