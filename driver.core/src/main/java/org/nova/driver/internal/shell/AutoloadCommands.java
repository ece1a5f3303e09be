package org.nova.driver.internal.shell;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRepository;
import org.nova.driver.Errno;
import org.nova.driver.shell.Table;
import org.nova.driver.shell.Usage;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code drv} commands of drivers found by alias: {@code drv:modalias} (a device's MODALIAS
 * and the repository bundles it resolves to, as {@code modprobe --show-depends} tells what it
 * would load) and {@code drv:autoload} (show or switch). Bad input throws the
 * {@link DriverException} of the operation.
 */
@Component(service = AutoloadCommands.class, property = {
        "osgi.command.scope=" + DriverCommands.SCOPE,
        "osgi.command.function=modalias",
        "osgi.command.function=autoload" })
public final class AutoloadCommands {
    private final DriverCore core;
    private final BundleContext context;

    @Activate
    public AutoloadCommands(@Reference DriverCore core, BundleContext context) {
        this.core = core;
        this.context = context;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), DriverCommands.SCOPE, argv));
    }

    /** drv:autoload — whether drivers are found by alias, and where. */
    @Descriptor("show or switch autoload: a device no driver matches gets the repository bundles its MODALIAS matches")
    public String autoload() {
        StringBuilder sb = new StringBuilder("autoload ").append(core.autoload() ? "on" : "off");
        core.driverRepository().ifPresentOrElse(r -> {
            List<DriverRepository.Candidate> all = r.refresh();
            long aliases = all.stream().mapToLong(c -> c.aliases().size()).sum();
            sb.append(", repository ").append(r.dir()).append(": ").append(all.size()).append(" bundle(s), ")
                    .append(aliases).append(" alias(es)");
        }, () -> sb.append(", no repository"));
        return sb.append('\n').toString();
    }

    /** drv:autoload on|off. */
    @Descriptor("show or switch autoload: a device no driver matches gets the repository bundles its MODALIAS matches")
    public String autoload(@Descriptor("VALUE: on or off") String value) {
        boolean on = switch (value) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new DriverException(Errno.EINVAL, "drv:autoload takes on or off, not '" + value + "'");
        };
        core.setAutoload(on);
        return autoload();
    }

    /** drv:modalias DEVICE — searched on every bus. */
    @Descriptor("show a device's MODALIAS and the repository bundles that match it (all of them are loaded)")
    public String modalias(@Descriptor(DriverCommands.DEVICE) String device) {
        List<Bus> found = new ArrayList<>();
        for (Bus b : core.buses()) {
            if (b.device(device).isPresent()) {
                found.add(b);
            }
        }
        if (found.isEmpty()) {
            throw new DriverException(Errno.ENODEV, "no device '" + device + "' on any bus");
        }
        StringBuilder sb = new StringBuilder();
        for (Bus b : found) {
            sb.append(describe(b, b.device(device).orElseThrow()));
        }
        return sb.toString();
    }

    /** drv:modalias BUS DEVICE. */
    @Descriptor("show a device's MODALIAS and the repository bundles that match it (all of them are loaded)")
    public String modalias(@Descriptor("BUS: the bus, as drv:buses lists it (pci, auxiliary)") String bus,
            @Descriptor(DriverCommands.DEVICE) String device) {
        Bus b = core.requireBus(bus);
        return describe(b, b.device(device).orElseThrow(
                () -> new DriverException(Errno.ENODEV, "no device '" + device + "' on bus " + bus)));
    }

    private String describe(Bus bus, Device dev) {
        StringBuilder sb = new StringBuilder();
        sb.append(bus.name()).append(' ').append(dev.name()).append(": ")
                .append(dev.driver().map(d -> "bound to " + d).orElse("unbound")).append('\n');
        String alias = core.modalias(dev).orElse(null);
        if (alias == null) {
            return sb.append("MODALIAS: none (the bus gives none; autoload cannot search for it)\n").toString();
        }
        sb.append("MODALIAS: ").append(alias).append('\n');
        DriverRepository repo = core.driverRepository().orElse(null);
        if (repo == null) {
            return sb.append("no repository\n").toString();
        }
        List<DriverRepository.Match> matches = repo.lookup(alias);
        sb.append("autoload ").append(core.autoload() ? "on" : "off").append(", repository ").append(repo.dir())
                .append(": ").append(matches.size()).append(" bundle(s) match\n");
        if (!matches.isEmpty()) {
            Table t = new Table("BUNDLE", "VERSION", "JAR", "PATTERN", "STATE");
            for (DriverRepository.Match m : matches) {
                DriverRepository.Candidate c = m.candidate();
                t.row(c.symbolicName(), c.version(), c.jar().getFileName(), m.alias().pattern(), state(c, dev));
            }
            sb.append(t);
        }
        return sb.toString();
    }

    /** What autoload does with a matching bundle for this device now. */
    private String state(DriverRepository.Candidate c, Device dev) {
        for (Bundle b : context.getBundles()) {
            if (c.symbolicName().equals(b.getSymbolicName())) {
                return "installed (not touched)";
            }
        }
        if (dev.isBound() || core.firstChoice(dev).isPresent()) {
            return "not loaded: a registered driver matches";
        }
        return core.autoload() ? "would be loaded" : "would be loaded with autoload on";
    }
}
