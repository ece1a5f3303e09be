package org.nova.driver.internal.shell;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.nova.devres.DevresEntry;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverInfo;
import org.nova.driver.Errno;
import org.nova.driver.SettleReport;
import org.nova.driver.WhyReport;
import org.nova.driver.shell.Table;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code drv} shell scope: the driver model as sysfs shows it. Each command gathers data and
 * formats it once; bad input throws the {@link DriverException} of the operation (Gogo prints it
 * and the command fails), arguments no overload takes throw EINVAL with the usage line.
 */
@Component(service = DriverCommands.class, property = {
        "osgi.command.scope=drv",
        "osgi.command.function=buses",
        "osgi.command.function=devices",
        "osgi.command.function=drivers",
        "osgi.command.function=bind",
        "osgi.command.function=unbind",
        "osgi.command.function=override",
        "osgi.command.function=autoprobe",
        "osgi.command.function=probe",
        "osgi.command.function=deferred",
        "osgi.command.function=why",
        "osgi.command.function=devres",
        "osgi.command.function=links",
        "osgi.command.function=monitor",
        "osgi.command.function=settle",
        "osgi.command.function=await" })
public final class DriverCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "drv";
    /** Parameter descriptor of a bus name. */
    private static final String BUS = "BUS: the bus, as drv:buses lists it (pci, auxiliary)";
    /** Parameter descriptor of a device name. */
    static final String DEVICE = "DEVICE: the device's name on its bus, as drv:devices lists it (0000:00:05.0)";
    /** Parameter descriptor of a driver name. */
    private static final String DRIVER = "DRIVER: the driver's name on the bus, as drv:drivers lists it";
    /** Parameter descriptor of a time limit. */
    private static final String SECONDS = "SECONDS: how long to wait at most, 0 to 3600";
    /** The longest wait a command accepts, in seconds. */
    private static final int MAX_SECONDS = 3600;

    private final DriverCore core;

    @Activate
    public DriverCommands(@Reference DriverCore core) {
        this.core = core;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /** drv:buses — every bus with its device and driver counts and autoprobe. */
    @Descriptor("list the buses with their device and driver counts and drivers_autoprobe")
    public String buses() {
        Table t = new Table("BUS", "DEVICES", "BOUND", "DRIVERS", "AUTOPROBE");
        for (Bus b : core.buses()) {
            List<Device> devs = b.devices();
            long bound = devs.stream().filter(Device::isBound).count();
            t.row(b.name(), devs.size(), bound, b.drivers().size(), b.autoprobe() ? "on" : "off");
        }
        return t.toString();
    }

    /** drv:devices — every device of every bus. */
    @Descriptor("list the devices of every bus, or of one, with driver, state, parent and live devres")
    public String devices() {
        return deviceTable(core.buses());
    }

    /** drv:devices BUS — the devices of one bus. */
    @Descriptor("list the devices of every bus, or of one, with driver, state, parent and live devres")
    public String devices(@Descriptor(BUS) String bus) {
        return deviceTable(List.of(core.requireBus(bus)));
    }

    private String deviceTable(Iterable<Bus> buses) {
        Table t = new Table("BUS", "DEVICE", "DRIVER", "STATE", "PARENT", "DEVRES");
        for (Bus b : buses) {
            for (Device d : b.devices()) {
                String state = d.isBound() ? "bound" : d.isProbeDeferred() ? "deferred" : "unbound";
                t.row(b.name(), d.name(), d.driver().orElse("-"), state,
                        d.parent().map(Device::name).orElse("-"), d.devres().liveCount());
            }
        }
        return t.toString();
    }

    /** drv:drivers — every driver of every bus. */
    @Descriptor("list the drivers of every bus with bundle, ranking, service id, probe type and devices")
    public String drivers() {
        Table t = new Table("BUS", "DRIVER", "BUNDLE", "RANKING", "SERVICE.ID", "PROBE", "DEVICES");
        for (Bus b : core.buses()) {
            for (DriverInfo d : b.drivers()) {
                t.row(b.name(), d.name(), d.bundle(), d.ranking(), d.serviceId(), d.probeType(),
                        d.devices().isEmpty() ? "-" : String.join(",", d.devices()));
            }
        }
        return t.toString();
    }

    /** drv:bind BUS DEVICE DRIVER — bind now, synchronously. */
    @Descriptor("bind a device to a driver now, synchronously (sysfs bind)")
    public String bind(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device,
            @Descriptor(DRIVER) String driver) {
        core.requireBus(bus).bind(device, driver);
        return device + " bound to " + driver + "\n";
    }

    /** drv:unbind BUS DEVICE — unbind from the current driver (consumers and children first). */
    @Descriptor("unbind a device from its driver, consumers and children first (sysfs unbind)")
    public String unbind(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device) {
        Bus b = core.requireBus(bus);
        String was = b.device(device).flatMap(Device::driver).orElse("?");
        b.unbind(device);
        return device + " unbound from " + was + "\n";
    }

    /**
     * drv:unbind BUS DEVICE DRIVER — {@code drivers/DRIVER/unbind}: only if the device is bound to
     * that driver (unbind_store, drivers/base/bus.c).
     */
    @Descriptor("unbind a device from its driver, consumers and children first (sysfs unbind)")
    public String unbind(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device,
            @Descriptor("DRIVER: the driver whose unbind file is written; ENODEV unless the device is bound to it")
            String driver) {
        core.requireBus(bus).unbind(device, driver);
        return device + " unbound from " + driver + "\n";
    }

    /** drv:override BUS DEVICE — show the driver_override. */
    @Descriptor("show or set a device's driver_override (\"\" clears it; setting it does not reprobe)")
    public String override(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device) {
        Device d = requireDevice(core.requireBus(bus), device);
        return d.driverOverride().orElse("(null)") + "\n";
    }

    /** drv:override BUS DEVICE DRIVER — set it ("" clears). Does not reprobe. */
    @Descriptor("show or set a device's driver_override (\"\" clears it; setting it does not reprobe)")
    public String override(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device,
            @Descriptor("DRIVER: the only driver allowed to bind the device, \"\" for any") String driver) {
        Bus b = core.requireBus(bus);
        b.setDriverOverride(device, driver);
        return device + " driver_override " + requireDevice(b, device).driverOverride().orElse("(cleared)") + "\n";
    }

    /** drv:autoprobe BUS — show drivers_autoprobe. */
    @Descriptor("show or set a bus's drivers_autoprobe")
    public String autoprobe(@Descriptor(BUS) String bus) {
        return (core.requireBus(bus).autoprobe() ? "on" : "off") + "\n";
    }

    /**
     * drv:autoprobe BUS VALUE. The words on, off, true and false mean what they say; any other
     * value is read as drivers_autoprobe_store (drivers/base/bus.c) reads a write: off if it
     * starts with '0', on otherwise (the kernel would read "off" and "false" as on: the one place
     * the shell differs, on purpose).
     */
    @Descriptor("show or set a bus's drivers_autoprobe")
    public String autoprobe(@Descriptor(BUS) String bus,
            @Descriptor("VALUE: on or off; else as sysfs reads it: off if it starts with 0, on otherwise") String value) {
        boolean on = switch (value) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> autoprobeStore(value);
        };
        core.requireBus(bus).setAutoprobe(on);
        return bus + " autoprobe " + (on ? "on" : "off") + "\n";
    }

    /**
     * drivers_autoprobe_store (drivers/base/bus.c): {@code buf[0] == '0'} turns it off, any other
     * write (even "n" or "off") turns it on.
     */
    static boolean autoprobeStore(String buf) {
        return buf.isEmpty() || buf.charAt(0) != '0';
    }

    /** drv:probe BUS DEVICE — drivers_probe. */
    @Descriptor("probe a device as drivers_probe does: the best matching driver binds")
    public String probe(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device) {
        Bus b = core.requireBus(bus);
        b.probe(device);
        core.waitForDeviceProbe(Duration.ofSeconds(30));
        return device + ": " + requireDevice(b, device).driver().map(d -> "bound to " + d).orElse("not bound") + "\n";
    }

    /** drv:deferred — the deferred-probe list. */
    @Descriptor("list the devices whose probe is deferred (deferred_probe_pending_list)")
    public String deferred() {
        List<String> d = core.deferredDevices();
        return d.isEmpty() ? "no deferred probes\n" : String.join("\n", d) + "\n";
    }

    /** drv:why DEVICE — why a device is bound to what it is bound to (searched on every bus). */
    @Descriptor("explain which drivers match a device, in which order they are tried, and why it is bound as it is")
    public String why(@Descriptor(DEVICE) String device) {
        List<Bus> found = new ArrayList<>();
        for (Bus b : core.buses()) {
            if (b.device(device).isPresent()) {
                found.add(b);
            }
        }
        if (found.isEmpty()) {
            throw noDevice(device);
        }
        StringBuilder sb = new StringBuilder();
        for (Bus b : found) {
            sb.append(formatWhy(b, b.why(device)));
        }
        return sb.toString();
    }

    /** drv:why BUS DEVICE. */
    @Descriptor("explain which drivers match a device, in which order they are tried, and why it is bound as it is")
    public String why(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device) {
        Bus b = core.requireBus(bus);
        return formatWhy(b, b.why(device));
    }

    /**
     * The two rules of this runtime that differ from the kernel's on purpose, under every
     * {@code drv:why} (docs/matching.md says why).
     */
    static final String KERNEL_DIFFERS = "differs from the kernel on purpose (docs/matching.md): matching drivers"
            + " are tried by specificity, service.ranking, age (the kernel: registration order);\n"
            + "a device whose driver leaves is offered to the remaining drivers at once (the kernel: unbound until"
            + " a driver registers or drivers_probe)\n";

    private static String formatWhy(Bus b, WhyReport r) {
        Table t = new Table("ORDER", "DRIVER", "ANSWER", "SPECIFICITY", "RANKING", "SERVICE.ID", "REASON");
        for (WhyReport.Candidate c : r.candidates()) {
            t.row(c.rank() == 0 ? "-" : c.rank(), c.driver(), c.result().kind(), c.result().specificity(),
                    c.ranking(), c.serviceId(), c.result().reason());
        }
        return b.name() + " " + r.device() + ": bound to " + r.boundTo().orElse("nothing")
                + r.override().map(o -> ", driver_override " + o).orElse("") + "\n" + t + r.verdict() + "\n"
                + KERNEL_DIFFERS;
    }

    /** drv:devres DEVICE — the device's live devres, oldest first. */
    @Descriptor("list live devres: counts per device, driver and bundle, or one device's entries")
    public String devres(@Descriptor(DEVICE) String device) {
        StringBuilder sb = new StringBuilder();
        for (Bus b : core.buses()) {
            b.device(device).ifPresent(d -> {
                Table t = new Table("#", "KIND", "NAME", "DRIVER", "BUNDLE");
                for (DevresEntry e : d.devres().entries()) {
                    t.row(e.sequence(), e.kind(), e.name(), e.driver() == null ? "-" : e.driver(),
                            e.bundle() == null ? "-" : e.bundle());
                }
                sb.append(b.name()).append(' ').append(device).append(": ").append(d.devres().liveCount())
                        .append(" live\n").append(t);
            });
        }
        if (sb.isEmpty()) {
            throw noDevice(device);
        }
        return sb.toString();
    }

    /** drv:devres — live devres counts per device, driver and bundle. */
    @Descriptor("list live devres: counts per device, driver and bundle, or one device's entries")
    public String devres() {
        return "total " + core.devres().liveTotal() + "\n" + counts("DEVICE", core.devres().liveByDevice())
                + counts("DRIVER", core.devres().liveByDriver()) + counts("BUNDLE", core.devres().liveByBundle());
    }

    private static String counts(String what, Map<String, Integer> m) {
        Table t = new Table(what, "LIVE");
        m.forEach(t::row);
        return t.size() == 0 ? "" : t.toString();
    }

    /** drv:links DEVICE — the device links of a device; ENODEV, as drv:why and drv:devres, for no device. */
    @Descriptor("list a device's device links, as supplier and as consumer")
    public String links(@Descriptor(DEVICE) String device) {
        Table t = new Table("SUPPLIER", "CONSUMER", "STATE", "FLAGS");
        boolean found = false;
        for (Bus b : core.buses()) {
            Optional<Device> d = b.device(device);
            if (d.isPresent()) {
                found = true;
                for (DeviceLink l : core.links(d.get())) {
                    t.row(l.supplier().name(), l.consumer().name(), l.state(),
                            l.flags().stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
                }
            }
        }
        if (!found) {
            throw noDevice(device);
        }
        return t.toString();
    }

    /** drv:monitor — the recent uevents, like udevadm monitor's record. */
    @Descriptor("print the recent uevents, or wait and print those posted meanwhile (udevadm monitor)")
    public String monitor() {
        StringBuilder sb = new StringBuilder();
        for (DriverCore.UeventRecord e : core.recentUevents()) {
            sb.append(format(e));
        }
        return sb.toString();
    }

    /** drv:monitor SECONDS — waits that long, then prints the uevents posted meanwhile. */
    @Descriptor("print the recent uevents, or wait and print those posted meanwhile (udevadm monitor)")
    public String monitor(@Descriptor("SECONDS: how long to listen, 0 to 3600") int seconds) throws InterruptedException {
        if (seconds < 0 || seconds > MAX_SECONDS) {
            throw new DriverException(Errno.EINVAL, "monitor takes 0 to " + MAX_SECONDS + " seconds, not " + seconds);
        }
        List<DriverCore.UeventRecord> before = core.recentUevents();
        long last = before.isEmpty() ? 0 : before.get(before.size() - 1).seqnum();
        Thread.sleep(seconds * 1000L);
        StringBuilder sb = new StringBuilder();
        for (DriverCore.UeventRecord e : core.recentUevents()) {
            if (e.seqnum() > last) {
                sb.append(format(e));
            }
        }
        return sb.toString();
    }

    private static String format(DriverCore.UeventRecord e) {
        StringBuilder sb = new StringBuilder();
        sb.append("KERNEL[").append(e.seqnum()).append("] ").append(String.format("%-6s", e.action().name().toLowerCase()))
                .append(' ').append(e.env().getOrDefault("DEVPATH", e.device())).append(" (").append(e.bus()).append(")\n");
        e.env().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(en -> sb.append("  ").append(en.getKey()).append('=').append(en.getValue()).append('\n'));
        return sb.toString();
    }

    /** drv:await BUS DEVICE — waits (at most 60 s) until the device is on the bus and no probe is pending. */
    @Descriptor("wait until a device is on a bus and no probe is pending (default: at most 60 s)")
    public String await(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device) throws InterruptedException {
        return await(bus, device, 60);
    }

    /** drv:await BUS DEVICE SECONDS — as above with a limit; ETIMEDOUT when it passes. */
    @Descriptor("wait until a device is on a bus and no probe is pending (default: at most 60 s)")
    public String await(@Descriptor(BUS) String bus, @Descriptor(DEVICE) String device,
            @Descriptor(SECONDS) int seconds) throws InterruptedException {
        if (seconds < 0 || seconds > MAX_SECONDS) {
            throw new DriverException(Errno.EINVAL, "await takes 0 to " + MAX_SECONDS + " seconds, not " + seconds);
        }
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (core.bus(bus).flatMap(b -> b.device(device)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new DriverException(Errno.ETIMEDOUT, "no device " + device + " on bus " + bus + " after "
                        + seconds + " s");
            }
            Thread.sleep(20);
        }
        if (!core.waitForDeviceProbe(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
            throw new DriverException(Errno.ETIMEDOUT, "probes still pending after " + seconds + " s");
        }
        return "";
    }

    /**
     * drv:settle — waits (at most 60 s) until the runtime has settled: bundles started, components
     * activated, configuration changes applied, no probe pending ({@link DriverCore#settle}).
     */
    @Descriptor("wait until the runtime has settled: bundles started, components active, configuration applied, no probe pending (at most 60 s)")
    public String settle() {
        SettleReport r = core.settle(Duration.ofSeconds(60));
        if (!r.settled()) {
            throw new DriverException(Errno.ETIMEDOUT, "not settled after 60 s: " + String.join("; ", r.pending()));
        }
        return "";
    }

    private static DriverException noDevice(String device) {
        return new DriverException(Errno.ENODEV, "no device '" + device + "' on any bus");
    }

    private static Device requireDevice(Bus b, String device) {
        return b.device(device).orElseThrow(
                () -> new DriverException(Errno.ENODEV, "no device '" + device + "' on bus " + b.name()));
    }
}
