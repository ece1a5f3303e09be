package org.nova.gpu.internal.shell;

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
    private final NovaCommands commands;

    @Activate
    public RpcStatsCommand(@Reference NovaGpus gpus, @Reference GspCommands gsp) {
        this.commands = new NovaCommands(gpus, gsp);
    }

    /** nova:rpc-stats [DEVICE] (Gogo passes the command's name first). */
    public String _main(String... args) {
        int from = args.length > 0 && args[0].endsWith("rpc-stats") ? 1 : 0;
        return args.length == from ? commands.rpcstats() : commands.rpcstats(args[from]);
    }
}
