package org.nova.gpu.internal.shell;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GspCommands;
import org.nova.gpu.NovaGpus;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code nova:rpc-stats [DEVICE]}: Gogo cannot map a dashed command name to a Java method, so
 * this command object answers through Gogo's catch-all {@code _main} and delegates to
 * {@link NovaCommands#rpcstats()} (also registered as {@code nova:rpcstats}).
 */
@Component(service = RpcStatsCommand.class, property = {
        "osgi.command.scope=nova",
        "osgi.command.function=rpc-stats"})
public final class RpcStatsCommand {
    /** The command's name: Gogo cannot call a Java method by it. */
    private static final String NAME = "rpc-stats";
    private final NovaCommands commands;

    @Activate
    public RpcStatsCommand(@Reference NovaGpus gpus, @Reference GspCommands gsp) {
        this.commands = new NovaCommands(gpus, gsp);
    }

    /**
     * nova:rpc-stats [GPU] (Gogo passes the command's name first).
     *
     * @throws DriverException EINVAL with the usage line for more than one argument
     */
    @Descriptor("show the GSP command queues' and the RPC clients' accounting")
    public String _main(@Descriptor(NovaCommands.GPU + " (optional; every GPU without it)") String... args) {
        int from = args.length > 0 && args[0].endsWith(NAME) ? 1 : 0;
        if (args.length - from > 1) {
            throw new DriverException(Errno.EINVAL, "usage: " + NovaCommands.SCOPE + ":" + NAME + " [GPU]");
        }
        return args.length == from ? commands.rpcstats() : commands.rpcstats(args[from]);
    }
}
