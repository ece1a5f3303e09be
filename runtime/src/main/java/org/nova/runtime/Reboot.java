package org.nova.runtime;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import org.nova.driver.DriverCall;
import org.nova.driver.DriverCore;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kernel/reboot.c for the runtime: how the process ends. Every way out — {@code exit [N]}, the
 * end of {@code ./nova -c}, Ctrl-D or {@code stop 0} in the shell, SIGINT, SIGTERM — becomes one
 * exit request here, and the request stops the framework in order (every driver unbinds, every
 * devres is released) before the process exits with the requested status.
 *
 * <p>Who stops the framework: run from the exported launcher jar, {@link LauncherMain} holds the
 * launcher's main thread and hands it the status, and the launcher stops the framework and exits
 * with it; run inside someone else's framework (tests, an embedding application), this class
 * stops the framework itself and the status goes nowhere but the log.
 *
 * <p>A hung driver remove cannot hold the process: like kernel/reboot.c's hw_protection_shutdown,
 * which forces the power off when the orderly one has not finished in time, a watchdog waits at
 * most {@value #STOP_LIMIT_PROPERTY} seconds (default {@value #STOP_LIMIT_DEFAULT_S}) for the
 * framework to stop, then names the driver callbacks still running and — when it owns the process
 * — exits with the requested status, or {@value #STATUS_NOT_STOPPED} if that was 0.
 *
 * <p>Owns the exit request (first one wins; later ones are logged and dropped). Locking: the
 * request, its reason and whether a main thread takes it are guarded by {@link #lock}.
 */
@Component(service = Reboot.class)
public final class Reboot {
    private static final Logger LOG = LoggerFactory.getLogger(Reboot.class);
    /** Framework property: the seconds the framework may take to stop before the process exits anyway. */
    public static final String STOP_LIMIT_PROPERTY = "nova.shutdown.timeout";
    /** The default limit: a GPU's teardown on real hardware takes seconds; a remove that takes this long is hung. */
    static final long STOP_LIMIT_DEFAULT_S = 30;
    /** The status of a forced exit whose request was 0: the stop did not complete, which is a failure. */
    static final int STATUS_NOT_STOPPED = 1;
    /** The largest exit status a process can report (the low 8 bits of exit(2)'s argument). */
    static final int STATUS_MAX = 255;

    private final BundleContext context;
    private final DriverCore core;
    private final Duration stopLimit;
    private final Object lock = new Object();
    /** The requested status, null until the first request; guarded by {@link #lock}. */
    private Integer status;
    /** Whether a launcher main thread takes the status (and the launcher stops the framework); guarded by {@link #lock}. */
    private boolean mainThread;

    @Activate
    public Reboot(BundleContext context, @Reference DriverCore core) {
        this.context = context;
        this.core = core;
        this.stopLimit = Duration.ofSeconds(limit(context.getProperty(STOP_LIMIT_PROPERTY)));
    }

    private static long limit(String value) {
        try {
            return value == null ? STOP_LIMIT_DEFAULT_S : Math.max(1, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            LOG.warn("{}={} is not a number of seconds; using {}", STOP_LIMIT_PROPERTY, value, STOP_LIMIT_DEFAULT_S);
            return STOP_LIMIT_DEFAULT_S;
        }
    }

    /**
     * Asks for the runtime to stop in order and the process to exit with {@code status}. Returns
     * at once; the stop happens on other threads. The first request wins.
     *
     * @param status 0..{@value #STATUS_MAX}
     * @param reason what asked, for the log ("exit 3", "SIGTERM", "end of -c")
     * @return whether this request was the first
     * @throws IllegalArgumentException for a status outside 0..{@value #STATUS_MAX}
     */
    public boolean requestExit(int status, String reason) {
        if (status < 0 || status > STATUS_MAX) {
            throw new IllegalArgumentException("exit status " + status + " is outside 0.." + STATUS_MAX);
        }
        boolean stopHere;
        synchronized (lock) {
            if (this.status != null) {
                LOG.debug("exit {} ({}) dropped: exit {} was requested first", status, reason, this.status);
                return false;
            }
            this.status = status;
            stopHere = !mainThread;
            lock.notifyAll();
        }
        LOG.info("exit {} requested ({}): stopping the framework", status, reason);
        Framework fw = framework();
        if (fw != null) {
            watch(fw, status, !stopHere);
        }
        if (stopHere) {
            try {
                context.getBundle(Constants.SYSTEM_BUNDLE_ID).stop();
            } catch (BundleException | IllegalStateException e) {
                LOG.warn("exit {}: the framework did not accept the stop: {}", status, e.toString());
            }
        }
        return true;
    }

    /** @return the requested status, if an exit has been requested */
    public OptionalInt exitRequested() {
        synchronized (lock) {
            return status == null ? OptionalInt.empty() : OptionalInt.of(status);
        }
    }

    /**
     * The launcher's main thread takes the status from now on ({@link LauncherMain}), and the
     * launcher, not this class, stops the framework.
     */
    void attachMainThread() {
        synchronized (lock) {
            mainThread = true;
        }
    }

    /** The main thread no longer waits here: {@link #awaitExit} returns empty at once. */
    void detachMainThread() {
        synchronized (lock) {
            mainThread = false;
            lock.notifyAll();
        }
    }

    /**
     * Blocks the launcher's main thread until an exit is requested or the main thread is
     * detached.
     *
     * @return the requested status, or empty if detached first
     * @throws InterruptedException if the thread is interrupted
     */
    OptionalInt awaitExit() throws InterruptedException {
        synchronized (lock) {
            while (status == null && mainThread) {
                lock.wait();
            }
            return status == null ? OptionalInt.empty() : OptionalInt.of(status);
        }
    }

    /**
     * For the JVM's shutdown hook (the process is exiting for a reason nobody asked here, e.g.
     * SIGHUP): stops the framework in order if it still runs, within the limit.
     */
    void stopBeforeExit() {
        Framework fw = framework();
        if (fw == null || (fw.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) == 0) {
            return;
        }
        requestExit(0, "the JVM is exiting");
        try {
            fw.stop();
            if (fw.waitForStop(stopLimit.toMillis()).getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                console().println(notStopped(core.callsInProgress()) + "; exiting anyway");
            }
        } catch (BundleException | InterruptedException | IllegalStateException e) {
            console().println("nova: the framework did not stop before the JVM exited: " + e);
        }
    }

    /** The bounded wait: after the limit, names what still runs and, owning the process, exits. */
    private void watch(Framework fw, int requested, boolean ownsProcess) {
        Thread t = new Thread(() -> {
            try {
                if (fw.waitForStop(stopLimit.toMillis()).getType() != FrameworkEvent.WAIT_TIMEDOUT) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            int forced = requested == 0 ? STATUS_NOT_STOPPED : requested;
            PrintStream err = console();
            if (ownsProcess) {
                err.println(notStopped(core.callsInProgress()) + "; exiting with status " + forced);
                err.flush();
                Runtime.getRuntime().halt(forced);
            }
            err.println(notStopped(core.callsInProgress()));
        }, "nova-shutdown-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** @return the message for a stop that did not finish in time, naming the driver callbacks still running */
    String notStopped(List<DriverCall> running) {
        String what = running.isEmpty() ? "no driver callback is running (a bundle's stop is blocked)"
                : "still running: " + String.join("; ", running.stream().map(DriverCall::toString).toList());
        return "nova: the framework did not stop within " + stopLimit.toSeconds() + " s: " + what;
    }

    /** The process's own standard error: Gogo replaces System.err with a per-session stream, and the log may be gone. */
    private static PrintStream console() {
        return new PrintStream(new FileOutputStream(FileDescriptor.err), true);
    }

    private Framework framework() {
        try {
            return context.getBundle(Constants.SYSTEM_BUNDLE_ID) instanceof Framework f ? f : null;
        } catch (IllegalStateException e) {
            return null;
        }
    }

    @Deactivate
    void deactivate() {
        detachMainThread();
    }
}
