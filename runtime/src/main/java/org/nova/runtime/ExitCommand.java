package org.nova.runtime;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code exit [N]}: leaves the runtime the orderly way ({@link Reboot#requestExit}): the framework
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

    /** exit — stops the runtime in order; the process exits with 0. */
    @Descriptor("stop the runtime in order (every driver unbinds, every devres is released) and exit with 0")
    public void exit() {
        exit(0);
    }

    /**
     * exit N — stops the runtime in order; the process exits with N.
     *
     * @throws IllegalArgumentException if N is outside 0..255
     */
    @Descriptor("stop the runtime in order and exit with STATUS")
    public void exit(@Descriptor("STATUS: the process's exit status, 0 to 255") int status) {
        reboot.requestExit(status, "exit " + status);
    }

    /** Gogo's catch-all: exit with arguments none of its forms takes gets the usage line. */
    public void _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }
}
