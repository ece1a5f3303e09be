package org.nova.runtime;

import java.io.Console;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line the runtime says once it has settled: buses, devices bound of all, drivers, and the
 * time from the JVM's start — the kernel's "Run /sbin/init as init process" moment, with the
 * counts a person checks first. It is logged once at INFO (the log file and {@code dmesg});
 * at an interactive terminal it is also printed on the console as the shell's banner, since the
 * console shows warnings and errors only. {@code ./nova -c} prints nothing more than its
 * commands' output: scripts read it.
 *
 * <p>Who says "settled": {@link BatchRunner} calls {@link #settled()} when its start condition
 * holds; in an interactive session this component waits itself for the same condition,
 * {@link DriverCore#settle}. Whoever owns the start condition calls {@link #settled()} from it.
 */
@Component(service = StartupSummary.class, immediate = true)
public final class StartupSummary {
    private static final Logger LOG = LoggerFactory.getLogger(StartupSummary.class);
    /** The longest an interactive session waits for the runtime to settle before it says so anyway. */
    static final Duration LIMIT = Duration.ofSeconds(120);

    /** One bus's counts, as the summary shows them. */
    record BusCounts(String name, int devices, int bound, int deferred, int drivers) {
    }

    private final DriverCore core;
    private final Instant boot;
    private final AtomicReference<String> line = new AtomicReference<>();
    private final Thread waiter;

    @Activate
    public StartupSummary(BundleContext context, @Reference DriverCore core) {
        this.core = core;
        this.boot = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        String command = context.getProperty(BatchRunner.COMMAND);
        if (command == null || command.isBlank()) {
            waiter = new Thread(this::awaitAndSay, "nova-startup-summary");
            waiter.setDaemon(true);
            waiter.start();
        } else {
            waiter = null;
        }
    }

    @Deactivate
    void deactivate() {
        if (waiter != null) {
            waiter.interrupt();
        }
    }

    private void awaitAndSay() {
        // the batch runner's start condition, shared through the driver core
        if (!core.settle(LIMIT).settled() || Thread.currentThread().isInterrupted()) {
            return; // stopped or never settled: drv:settle says what is pending
        }
        String said = settled();
        Console console = System.console();
        if (said != null && console != null && console.isTerminal()) {
            console.writer().println();
            console.writer().println(said);
            console.writer().flush();
        }
    }

    /**
     * Call when the runtime has settled: logs the summary the first time.
     *
     * @return the line, or null if it was already said
     */
    public String settled() {
        String l = format(Duration.between(boot, Instant.now()), counts(core));
        if (!line.compareAndSet(null, l)) {
            return null;
        }
        LOG.info(l);
        return l;
    }

    /** @return the summary once it has been said */
    public Optional<String> line() {
        return Optional.ofNullable(line.get());
    }

    static List<BusCounts> counts(DriverCore core) {
        List<BusCounts> out = new ArrayList<>();
        for (Bus b : core.buses()) {
            int bound = 0;
            int deferred = 0;
            List<Device> devices = b.devices();
            for (Device d : devices) {
                if (d.isBound()) {
                    bound++;
                } else if (d.isProbeDeferred()) {
                    deferred++;
                }
            }
            out.add(new BusCounts(b.name(), devices.size(), bound, deferred, b.drivers().size()));
        }
        return out;
    }

    /**
     * @return e.g. {@code nova: settled in 3.2 s: 2 buses (auxiliary, pci), 9/9 devices bound, 6
     *     drivers}, with {@code , N deferred} when probes wait
     */
    static String format(Duration settle, List<BusCounts> buses) {
        int devices = 0;
        int bound = 0;
        int deferred = 0;
        int drivers = 0;
        List<String> names = new ArrayList<>();
        for (BusCounts b : buses) {
            devices += b.devices();
            bound += b.bound();
            deferred += b.deferred();
            drivers += b.drivers();
            names.add(b.name());
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "nova: settled in %.1f s: ",
                settle.toMillis() / (double) Duration.ofSeconds(1).toMillis()));
        sb.append(plural(buses.size(), "bus", "buses"));
        if (!names.isEmpty()) {
            sb.append(" (").append(String.join(", ", names)).append(')');
        }
        sb.append(", ").append(bound).append('/').append(devices).append(devices == 1 ? " device" : " devices")
                .append(" bound, ").append(plural(drivers, "driver", "drivers"));
        if (deferred > 0) {
            sb.append(", ").append(deferred).append(" deferred");
        }
        return sb.toString();
    }

    private static String plural(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
