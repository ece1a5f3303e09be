package org.nova.runtime;

import java.util.Hashtable;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The exported launcher's main thread, and with it the process's exit. The bnd launcher
 * (aQute.launcher) calls a {@code Callable<Integer>} service registered with
 * {@code main.thread=true} on its main thread, then stops the framework (Framework.stop and
 * waitForStop) and exits the JVM with what the callable returned. That is the orderly way out, so
 * every way out is turned into it:
 *
 * <ul>
 * <li>{@code exit [N]} and the end of {@code ./nova -c}: {@link Reboot#requestExit} wakes
 * {@link #call}, which returns N;</li>
 * <li>SIGINT and SIGTERM: {@link ExitSignals} turns them into {@code exit 0} (the JVM's own
 * handlers would exit at once with 130/143 and no stop);</li>
 * <li>Ctrl-D and {@code stop 0}: the shell stops the framework itself. Left alone, the launcher's
 * framework waiter would then exit with its STOPPED code (117) the moment the stop completes; so
 * when this component is deactivated by a framework stop, it makes {@link #call} return 0 and
 * holds the stop until the launcher has taken that status (its main thread has left the call and
 * waits for the stop) — the launcher then ignores its waiter and exits 0;</li>
 * <li>any other JVM exit (SIGHUP, System.exit elsewhere): a shutdown hook stops the framework in
 * order within {@link Reboot}'s limit.</li>
 * </ul>
 *
 * <p>Only the launcher registers a service with {@value #LAUNCHER_FILTER} (before any bundle
 * starts), and this component registers its main-thread service only when it finds it: in any
 * other framework (Pax Exam, an embedding application) it does nothing — no signal handler, no
 * hook — and {@link Reboot} stops the framework itself. When the runtime bundle alone
 * stops (a refresh), {@link #call} returns {@value #RELISTEN} and the launcher waits for the next
 * main-thread service, the restarted bundle's.
 */
@Component(service = {}, immediate = true)
public final class LauncherMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LauncherMain.class);
    /** The service the bnd launcher registers for itself (with its command-line arguments). */
    static final String LAUNCHER_FILTER = "(launcher.arguments=*)";
    /** aQute.launcher's RELISTEN_FOR_MAIN_CALLABLE: "wait for the next main-thread service". */
    static final int RELISTEN = 198;
    /** The service property that makes the launcher call a Callable on its main thread. */
    static final String MAIN_THREAD = "main.thread";
    /** How long a framework stop is held for the launcher's main thread to take the status. */
    static final long HANDOVER_MS = 5000;

    private final BundleContext context;
    private final Reboot reboot;
    private final Thread hook;
    /** The main-thread service, registered only under the launcher; null otherwise. */
    private final ServiceRegistration<?> registration;
    /** SIGINT and SIGTERM taken, under the launcher only; null otherwise. */
    private final ExitSignals signals;
    /** The launcher's main thread while it is in or past {@link #call}; guarded by this. */
    private Thread main;
    /** Set as {@link #call} returns. */
    private volatile boolean returned;

    @Activate
    public LauncherMain(BundleContext context, @Reference Reboot reboot) {
        this.context = context;
        this.reboot = reboot;
        this.hook = new Thread(reboot::stopBeforeExit, "nova-shutdown-hook");
        if (underLauncher(context)) {
            reboot.attachMainThread();
            signals = new ExitSignals(reboot);
            Runtime.getRuntime().addShutdownHook(hook);
            registration = context.registerService(Callable.class, this,
                    new Hashtable<>(Map.of(MAIN_THREAD, Boolean.TRUE.toString())));
        } else {
            signals = null;
            registration = null;
        }
    }

    private static boolean underLauncher(BundleContext context) {
        try {
            return context.getServiceReferences((String) null, LAUNCHER_FILTER) != null;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(LAUNCHER_FILTER, e);
        }
    }

    /**
     * Runs on the launcher's main thread until an exit is requested.
     *
     * @return the requested exit status, or {@value #RELISTEN} if this component went away first
     */
    @Override
    public Integer call() throws InterruptedException {
        synchronized (this) {
            main = Thread.currentThread();
        }
        try {
            OptionalInt status = reboot.awaitExit();
            return status.isPresent() ? status.getAsInt() : RELISTEN;
        } finally {
            returned = true;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (registration == null) {
            return;
        }
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // already gone with the bundle
        }
        boolean frameworkStopping = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getState() == Bundle.STOPPING;
        if (frameworkStopping) {
            reboot.requestExit(0, "the framework is stopping");
        } else {
            reboot.detachMainThread();
        }
        Thread t;
        synchronized (this) {
            t = main;
        }
        signals.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook is running or has run
        }
        if (t != null) {
            awaitHandover(t);
        }
    }

    /**
     * Holds the framework stop (or this bundle's) until the launcher has taken what {@link #call}
     * returned: after a status, the main thread's next wait is in the launcher's own stop
     * (Framework.waitForStop), which it enters only after marking the stop as its own; after
     * {@value #RELISTEN}, it is the wait for the next main-thread service, which must not be
     * registered before the launcher listens again.
     */
    private void awaitHandover(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANDOVER_MS);
        while (System.nanoTime() < deadline) {
            if (returned && t.getState() != Thread.State.RUNNABLE) {
                return;
            }
            Thread.sleep(1);
        }
        LOG.warn("the launcher's main thread did not take the exit status within {} ms", HANDOVER_MS);
    }
}
