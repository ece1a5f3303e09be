package org.nova.runtime;

import java.nio.file.Path;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.jline.terminal.Terminal;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
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
 * opens at start. The run configurations hand it over: Gogo JLine starts with
 * {@code gosh.args=--noshutdown -c shell:console}, so its launcher session sources the profile and
 * calls {@code shell:console} with the terminal in its {@code .terminal} variable, and this
 * component runs the console on a thread of its own, outside any Gogo job, and returns. End of
 * input on the console (Ctrl-D, the end of a piped script) stops the runtime in order, as the end
 * of Gogo's login shell did; {@code exit [N]} there stops it with N.
 *
 * <p>Always enabled, and registered before Gogo JLine starts (its launcher calls at once); Gogo
 * JLine's Shell is looked up when the launcher calls, so nothing of that bundle is loaded where it
 * is not installed. Immediate: a delayed component would be deactivated, and its console ended, as
 * soon as the launcher's call returned and Gogo let go of the service.
 *
 * <p>Owns the console thread and its session; the terminal stays Gogo JLine's, which closes it
 * when that bundle stops, after unregistering its Shell: a console that ends with the Shell gone
 * does not stop the runtime.
 */
@Component(service = ConsoleShell.class, immediate = true, property = {
        "osgi.command.scope=" + ConsoleShell.SCOPE, "osgi.command.function=console" })
public final class ConsoleShell {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleShell.class);
    /** The command scope. */
    static final String SCOPE = "shell";
    /** The history file of the console, under gosh.home (mvn clean forgets it). */
    static final String HISTORY = "target/nova.history";

    private final BundleContext context;
    private final CommandProcessor processor;
    private final Reboot reboot;
    /** The console running, null before the hand-over; guarded by this. */
    private ShellLoop console;
    /** Whether this component has been deactivated; guarded by this. */
    private boolean stopped;

    @Activate
    public ConsoleShell(BundleContext context, @Reference CommandProcessor processor, @Reference Reboot reboot) {
        this.context = context;
        this.processor = processor;
        this.reboot = reboot;
    }

    /**
     * shell:console — the launcher's hand-over: runs the console on the calling session's terminal
     * and returns at once.
     *
     * @throws DriverException EBUSY if the console already runs; ENOTTY if the session has no terminal
     */
    @Descriptor("run the runtime's console on this session's terminal (Gogo JLine's launcher session calls it once, from gosh.args)")
    public void console(CommandSession launcher) {
        if (!(Shell.getTerminal(launcher) instanceof Terminal terminal)) {
            throw new DriverException(Errno.ENOTTY, "shell:console: this session has no terminal");
        }
        ServiceReference<?> ref = context.getServiceReference(GogoJlineShells.SHELL_SERVICE);
        Object shell = ref == null ? null : context.getService(ref);
        if (shell == null) {
            throw new DriverException(Errno.ENOSYS, "shell:console: Gogo JLine's shell is not running");
        }
        ShellLoop loop;
        synchronized (this) {
            if (console != null || stopped) {
                context.ungetService(ref);
                throw new DriverException(Errno.EBUSY, "shell:console: the console already runs"
                        + " (more sessions: shell:telnetd start)");
            }
            String home = context.getProperty("gosh.home");
            loop = new ShellLoop((Shell) shell, processor, terminal, home == null ? null : Path.of(home).resolve(HISTORY), true);
            console = loop;
        }
        Thread t = new Thread(() -> run(loop, ref), "nova-console");
        t.setDaemon(true);
        t.start();
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

    /** Gogo's catch-all: shell:console takes no arguments. */
    public void _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    @Deactivate
    synchronized void deactivate() {
        stopped = true;
        if (console != null) {
            console.end();
        }
    }
}
