package org.nova.gpu.internal.shell;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.internal.fifo.ChannelSets;
import org.nova.gpu.internal.fifo.ChannelState;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code nova:channels GPU}: the GPU's open channels — ID, owner, engine, ring entries free of
 * the total, GP_GET and GP_PUT, the completed sequence number and, for a stopped channel, why.
 * {@link #view} gathers the data, {@link #format} prints it.
 */
@Component(service = ChannelsCommand.class, property = {
        "osgi.command.scope=nova",
        "osgi.command.function=channels"})
public final class ChannelsCommand {
    private final NovaGpus gpus;
    private final ChannelSets sets;

    @Activate
    public ChannelsCommand(@Reference NovaGpus gpus, @Reference ChannelSets sets) {
        this.gpus = gpus;
        this.sets = sets;
    }

    /** nova:channels GPU. */
    @Descriptor("show a GPU's open channels: ID, owner, engine, ring entries free, GP_GET/GP_PUT, completed seqno, error")
    public String channels(@Descriptor(NovaCommands.GPU) String device) {
        GpuInfo g = gpus.gpu(device).orElseThrow(() -> new DriverException(Errno.ENODEV,
                "no GPU bound to NovaCore at " + device));
        return format(g.device(), view(g.device()));
    }

    /** Gogo's catch-all: arguments no overload takes. @throws DriverException EINVAL with the usage line */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), NovaCommands.SCOPE, argv));
    }

    /** @throws DriverException ENOENT when the GPU offers no channels */
    public List<ChannelState> view(String device) {
        return sets.channels(device).orElseThrow(() -> new DriverException(Errno.ENOENT,
                device + ": no channels (no GSP-RM or no GPU VA spaces)")).states();
    }

    /** @return the channels as the command prints them */
    public static String format(String device, List<ChannelState> cs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: %d channel(s) open%n", device, cs.size()));
        sb.append(String.format("  %-5s %-28s %-6s %-13s %-8s %-8s %-10s %s%n", "ID", "OWNER", "ENGINE", "FREE/TOTAL",
                "GP_GET", "GP_PUT", "COMPLETED", "ERROR"));
        for (ChannelState c : cs) {
            String err = c.error() == null ? "-" : String.format("rc %d: %s%s", c.error().rcType(), c.error().reason(),
                    c.error().faultVa() >= 0 ? String.format(" (VA 0x%x)", c.error().faultVa()) : "");
            sb.append(String.format("  %-5d %-28s %-6s %-13s %-8d %-8d %-10d %s%n", c.id(), c.owner(), c.engine(),
                    c.free() + "/" + c.entries(), c.gpGet(), c.gpPut(), c.completed(), err));
        }
        return sb.toString();
    }
}
