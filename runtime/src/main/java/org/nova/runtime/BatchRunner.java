package org.nova.runtime;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.nova.driver.DriverCore;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./nova -c 'COMMANDS'}: when the framework property {@value #COMMAND} is set, waits until
 * the runtime has settled — framework started, no probe pending (wait_for_device_probe), no
 * service coming or going for a moment — runs the Gogo command line, prints what it returns, and
 * exits the JVM with 0, or 1 if a command failed. The launcher's shutdown hook then stops the
 * framework, so every driver unbinds cleanly on the way out.
 */
@Component(immediate = true)
public final class BatchRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);
    /** Framework (or system) property holding the command line to run. */
    public static final String COMMAND = "nova.command";
    /** How long the service registry must stay still to count as settled. */
    private static final Duration QUIET = Duration.ofMillis(300);
    /** The longest the runner waits for the runtime to settle. */
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(120);

    private final BundleContext context;
    private final DriverCore core;
    private final CommandProcessor processor;
    private final StartupSummary summary;

    @Activate
    public BatchRunner(BundleContext context, @Reference DriverCore core, @Reference CommandProcessor processor,
            @Reference StartupSummary summary) {
        this.context = context;
        this.core = core;
        this.processor = processor;
        this.summary = summary;
        String command = context.getProperty(COMMAND);
        if (command != null && !command.isBlank()) {
            Thread t = new Thread(() -> run(command), "nova-batch");
            t.setDaemon(false);
            t.start();
        }
    }

    private void run(String command) {
        int rc;
        try {
            settle();
            summary.settled();
            // Gogo replaces System.out/err with streams that forward to the current session's;
            // a session built on them would feed its own output back to itself (and a log line
            // written during a command would recurse until the stack overflows). The process's
            // own descriptors are what the batch prints to.
            PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
            PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
            rc = execute(command, out, err);
            out.flush();
        } catch (Throwable t) {
            LOG.error("batch command failed to run", t);
            rc = 2;
        }
        System.out.flush();
        System.exit(rc);
    }

    /** Waits for framework start, probes and a quiet service registry. */
    private void settle() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
        Bundle system = context.getBundle(0);
        while (system.getState() != Bundle.ACTIVE && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        AtomicLong lastEvent = new AtomicLong(System.nanoTime());
        ServiceListener l = e -> lastEvent.set(System.nanoTime());
        context.addServiceListener(l);
        try {
            while (System.nanoTime() < deadline) {
                core.waitForDeviceProbe(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                long quietFor = System.nanoTime() - lastEvent.get();
                if (quietFor >= QUIET.toNanos() && core.waitForDeviceProbe(Duration.ZERO)) {
                    return;
                }
                Thread.sleep(Math.max(10, (QUIET.toNanos() - quietFor) / 1_000_000));
            }
            LOG.warn("runtime did not settle within {}; running the commands anyway", SETTLE_LIMIT);
        } finally {
            context.removeServiceListener(l);
        }
    }

    /**
     * Runs the command line statement by statement (Gogo itself would return only the last
     * statement's value), printing each result; stops at the first failure.
     *
     * @return 0 on success, 1 if a command threw
     */
    int execute(String command, PrintStream out, PrintStream err) {
        CommandSession session = processor.createSession(System.in, out, err);
        try {
            for (String statement : Statements.split(command)) {
                Object result = session.execute(statement);
                if (result != null) {
                    out.println(result instanceof CharSequence cs ? stripNewline(cs)
                            : session.format(result, Converter.INSPECT));
                }
            }
            return 0;
        } catch (Exception e) {
            err.println("nova: " + e.getMessage());
            LOG.debug("command failed", e);
            return 1;
        } finally {
            session.close();
        }
    }

    private static String stripNewline(CharSequence cs) {
        String s = cs.toString();
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
