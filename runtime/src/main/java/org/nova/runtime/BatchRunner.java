package org.nova.runtime;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.nova.driver.DriverCore;
import org.nova.driver.SettleReport;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./nova -c 'COMMANDS'}: when the framework property {@value #COMMAND} is set, waits until
 * the runtime has settled ({@link DriverCore#settle}: framework started, bundles active,
 * components activated, configurations delivered, no probe pending), prints what did not come up
 * (bundles that did not start, components without their mandatory services) to standard error,
 * runs the Gogo command line statement by statement, prints what each returns, and asks
 * {@link Reboot} for the exit (settled includes the deploy folders' first scan: {@link DeployFolders}): the framework stops in order, then the process exits with
 * {@value #OK}, {@value #COMMAND_FAILED} if a command failed, {@value #NOT_SETTLED} if the
 * runtime did not settle within {@value #SETTLE_LIMIT_S} s (the commands are not run), or
 * {@value #NOT_SATISFIED} if something did not come up and the framework property
 * {@value #STRICT} is true (the commands are not run). A command that exits ({@code exit N})
 * ends the command line there, with its status.
 */
@Component(immediate = true)
public final class BatchRunner {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);
    /** Framework (or system) property holding the command line to run. */
    public static final String COMMAND = "nova.command";
    /** Gogo's session variable listing the scopes searched first for a command without one. */
    static final String COMMAND_SCOPES = "SCOPE";
    /** Framework property: true makes a bundle or component that did not come up fail the run. */
    public static final String STRICT = "nova.settle.strict";
    /** The longest the runner waits for the runtime to settle. */
    static final long SETTLE_LIMIT_S = 120;
    /** How often the deploy folders are looked at while FileInstall's first scan goes on (it polls every 250 ms). */
    static final long DEPLOY_POLL_MS = 50;
    /** Exit status: every command ran. */
    static final int OK = 0;
    /** Exit status: a command failed (the ones after it did not run). */
    static final int COMMAND_FAILED = 1;
    /** Exit status: the runtime did not settle in time, or the runner itself failed. */
    static final int NOT_SETTLED = 2;
    /** Exit status: strict, and a bundle or component did not come up. */
    static final int NOT_SATISFIED = 3;

    private final DriverCore core;
    private final CommandProcessor processor;
    private final Reboot reboot;
    private final StartupSummary summary;
    private final DeployFolders deploy;
    private final boolean strict;

    @Activate
    public BatchRunner(BundleContext context, @Reference DriverCore core, @Reference CommandProcessor processor,
            @Reference Reboot reboot, @Reference StartupSummary summary, @Reference DeployFolders deploy) {
        this.core = core;
        this.deploy = deploy;
        this.processor = processor;
        this.reboot = reboot;
        this.summary = summary;
        this.strict = Boolean.parseBoolean(context.getProperty(STRICT));
        String command = context.getProperty(COMMAND);
        if (command != null && !command.isBlank()) {
            Thread t = new Thread(() -> run(command), "nova-batch");
            t.setDaemon(true);
            t.start();
        }
    }

    private void run(String command) {
        // Gogo replaces System.out/err with streams that forward to the current session's; a
        // session built on them would feed its own output back to itself (and a log line written
        // during a command would recurse until the stack overflows). The process's own
        // descriptors are what the batch prints to.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        int rc;
        try {
            SettleReport settled = settle(Duration.ofSeconds(SETTLE_LIMIT_S));
            for (String s : settled.notSatisfied()) {
                err.println("nova: not satisfied: " + s);
            }
            if (!settled.settled()) {
                err.println("nova: the runtime did not settle within " + SETTLE_LIMIT_S + " s: "
                        + String.join("; ", settled.pending()));
                rc = NOT_SETTLED;
            } else if (strict && !settled.notSatisfied().isEmpty()) {
                err.println("nova: " + STRICT + " is set and " + settled.notSatisfied().size()
                        + " bundle(s) or component(s) did not come up: the commands are not run");
                rc = NOT_SATISFIED;
            } else {
                LOG.debug("settled in {} ms", settled.waited().toMillis());
                summary.settled();
                rc = execute(command, out, err);
            }
        } catch (RuntimeException e) {
            LOG.error("batch command failed to run", e);
            rc = NOT_SETTLED;
        }
        out.flush();
        reboot.requestExit(rc, "end of -c");
    }

    /**
     * The driver core's settle condition, and the deploy folders' first scan through: a bundle
     * FileInstall installs and starts makes the runtime unsettled again, so the two are waited for
     * in turn until both hold at once.
     */
    private SettleReport settle(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            SettleReport r = core.settle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (!r.settled()) {
                return r;
            }
            List<String> pending = deploy.pending();
            if (pending.isEmpty()) {
                deploy.report(); // each file's line in the log before the commands run
                return r;
            }
            if (System.nanoTime() - deadline >= 0) {
                return new SettleReport(false, r.waited(), pending, r.notSatisfied());
            }
            try {
                Thread.sleep(DEPLOY_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SettleReport(false, r.waited(), List.of("interrupted"), r.notSatisfied());
            }
        }
    }

    /**
     * Runs the command line statement by statement (Gogo itself would return only the last
     * statement's value), printing each result; stops at the first failure or exit.
     *
     * @return {@value #OK}, or {@value #COMMAND_FAILED} if a command threw
     */
    int execute(String command, PrintStream out, PrintStream err) {
        CommandSession session = processor.createSession(System.in, out, err);
        // as the shell's profile: the runtime's own commands (exit, update) win over a command of
        // the same name in another scope
        session.put(COMMAND_SCOPES, ExitCommand.SCOPE + ":*");
        String statement = command;
        try {
            for (String s : Statements.split(command)) {
                statement = s;
                Object result = session.execute(statement);
                if (result != null) {
                    out.println(result instanceof CharSequence cs ? stripNewline(cs)
                            : session.format(result, Converter.INSPECT));
                }
                if (reboot.exitRequested().isPresent()) {
                    break;
                }
            }
            return OK;
        } catch (Exception e) {
            err.println("nova: " + CommandErrors.describe(statement, e));
            LOG.debug("command failed", e);
            return COMMAND_FAILED;
        } finally {
            session.close();
        }
    }

    private static String stripNewline(CharSequence cs) {
        String s = cs.toString();
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
