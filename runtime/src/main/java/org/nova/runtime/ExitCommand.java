package org.nova.runtime;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code exit [N]}: in a telnet session ({@link TelnetShells}), ends that session only, as
 * {@code exit} in one login leaves the machine and its other logins running. Anywhere else — the
 * console, {@code ./nova -c} — it leaves the runtime the orderly way ({@link Reboot#requestExit}): the framework
 * stops in order — every driver unbinds, every devres is released — and the process exits with N
 * (0 if omitted). Returns at once; the shell ends when the framework's stop reaches it. In a
 * {@code ./nova -c} command line the statements after it do not run.
 *
 * <p>Scope {@value #SCOPE}, the shell's own: Gogo's default profile adds java.lang.System's
 * methods as commands (scope "system"), whose {@code exit(int)} would leave the JVM with no stop
 * at all, and the profile searches scope {@value #SCOPE} first ({@code SCOPE = 'gogo:*'}), so a
 * plain {@code exit} finds this one.
 */
@Component(service = ExitCommand.class, property = {
        "osgi.command.scope=" + ExitCommand.SCOPE,
        "osgi.command.function=exit" })
public final class ExitCommand {
    /** The command scope. */
    static final String SCOPE = "gogo";

    private final Reboot reboot;

    @Activate
    public ExitCommand(@Reference Reboot reboot) {
        this.reboot = reboot;
    }

    /** exit — ends this telnet session; elsewhere stops the runtime in order, and the process exits with 0. */
    @Descriptor("stop the runtime in order (every driver unbinds, every devres is released) and exit with 0; in a telnet session, end that session")
    public void exit(CommandSession session) {
        exit(session, 0);
    }

    /**
     * exit N — stops the runtime in order; the process exits with N.
     *
     * @throws DriverException EINVAL if N is outside 0..255
     */
    @Descriptor("stop the runtime in order and exit with STATUS; in a telnet session, end that session")
    public void exit(CommandSession session, @Descriptor("STATUS: the process's exit status, 0 to 255") int status) {
        if (status < 0 || status > Reboot.STATUS_MAX) {
            throw new DriverException(Errno.EINVAL, "exit: status " + status + " is outside 0.." + Reboot.STATUS_MAX);
        }
        if (session.get(ShellLoop.END_SESSION) instanceof Runnable endSession) {
            endSession.run(); // the session ends after this line; the runtime goes on
            return;
        }
        reboot.requestExit(status, "exit " + status);
    }

    /** Gogo's catch-all: exit with arguments none of its forms takes gets the usage line. */
    public void _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }
}
