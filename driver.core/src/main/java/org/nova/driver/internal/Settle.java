package org.nova.driver.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.nova.driver.SettleReport;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * The runtime's settle condition, wait_for_device_probe for OSGi. In the kernel, devices and
 * drivers appear from initcalls, which have all run by the time init/main.c's kernel_init waits
 * for device probing (prepare_namespace's wait_for_device_probe). Here they appear from bundles
 * starting, Declarative Services activating components, and Configuration Admin delivering
 * configurations; so "no probe is pending" means, all at once:
 *
 * <ol>
 * <li>the framework is active at its beginning start level (the bnd launcher starts the framework
 * at level 1 and raises the level afterwards, so FrameworkEvent.STARTED alone says nothing);</li>
 * <li>no bundle is starting or stopping, and every bundle started persistently at a level reached
 * is active (one that is not is reported, not waited for; one whose level is above the beginning
 * start level is left down by configuration, and neither);</li>
 * <li>no immediate component is being activated (one with a mandatory reference that has no
 * target, or whose activation failed, is reported, not waited for);</li>
 * <li>Configuration Admin has delivered every change made so far ({@link ConfigBarrier});</li>
 * <li>no probe is running or queued ({@link ProbeCount}) — the boot check leaves this out, since
 * probing is blocked while it runs;</li>
 * <li>and nothing happened while this was checked: no service registered, modified or
 * unregistered, no bundle or framework event, no configuration changed, no probe begun. If
 * something did, the check starts again.</li>
 * </ol>
 *
 * <p>Not a pause: it waits on the events that can change the answer and re-checks, and polls
 * every {@value #POLL_MS} ms only for what has no event (an immediate component's activation
 * ending). Owns its listeners and the barrier: {@link #close} removes them.
 */
final class Settle implements AutoCloseable {
    /** The re-check interval while something is in progress that sends no event when it ends. */
    static final long POLL_MS = 10;
    /** The framework property (also left in the system properties by the bnd launcher) naming the start level the framework rises to. */
    static final String BEGINNING_START_LEVEL = Constants.FRAMEWORK_BEGINNING_STARTLEVEL;

    private final BundleContext context;
    private final DriverCoreImpl core;
    private final Supplier<ServiceComponentRuntime> scr;
    private final ConfigBarrier barrier;
    /** Bumped by every event that can change the condition; waiters wait on it for a change. */
    private final AtomicLong generation = new AtomicLong();
    private final ServiceListener services = e -> bump();
    private final BundleListener bundles = e -> bump();
    private final FrameworkListener framework = e -> bump();

    /**
     * Starts listening.
     *
     * @param scr Declarative Services' runtime service now, or null (components then go unchecked)
     * @param admin Configuration Admin now, or null (nothing to flush)
     */
    Settle(BundleContext context, DriverCoreImpl core, Supplier<ServiceComponentRuntime> scr,
            Supplier<ConfigurationAdmin> admin) {
        this.context = context;
        this.core = core;
        this.scr = scr;
        context.addServiceListener(services);
        context.addBundleListener(bundles);
        context.addFrameworkListener(framework);
        this.barrier = new ConfigBarrier(context, admin, this::bump);
        core.probes.setBeginListener(this::bump);
    }

    private void bump() {
        generation.incrementAndGet();
        synchronized (generation) {
            generation.notifyAll();
        }
    }

    /** @return whether the framework is active at its beginning start level (condition 1 alone) */
    boolean frameworkStarted() {
        return frameworkPending() == null;
    }

    /**
     * Waits for the condition.
     *
     * @param probes whether to wait for probing too (condition 5)
     */
    SettleReport await(Duration timeout, boolean probes) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<String> notSatisfied = new ArrayList<>();
        while (true) {
            long seen = generation.get();
            notSatisfied.clear();
            List<String> pending = pendingNow(notSatisfied, false);
            if (pending.isEmpty()) {
                if (!barrier.flush(deadline)) {
                    pending = List.of("Configuration Admin has not delivered the changes queued before "
                            + ConfigBarrier.PID);
                } else if (probes && !core.probes.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                    pending = core.pendingProbes();
                } else if (generation.get() == seen) {
                    notSatisfied.clear();
                    pending = pendingNow(notSatisfied, false);
                    if (pending.isEmpty() && generation.get() == seen) {
                        return report(true, start, List.of(), notSatisfied);
                    }
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                return report(false, start, List.of("interrupted"), notSatisfied);
            }
            if (System.nanoTime() - deadline >= 0) {
                // the whole list of conditions 1 to 3, not the first thing found; else what the
                // barrier or the probes left
                notSatisfied.clear();
                List<String> all = pendingNow(notSatisfied, true);
                if (!all.isEmpty()) {
                    pending = all;
                }
                return report(false, start, pending.isEmpty() ? List.of("activity did not stop") : pending,
                        notSatisfied);
            }
            if (!pending.isEmpty()) {
                awaitChange(seen, Math.min(TimeUnit.MILLISECONDS.toNanos(POLL_MS), deadline - System.nanoTime()));
            }
        }
    }

    private static SettleReport report(boolean settled, long start, List<String> pending, List<String> notSatisfied) {
        return new SettleReport(settled, Duration.ofNanos(System.nanoTime() - start), pending, notSatisfied);
    }

    private void awaitChange(long seen, long nanos) {
        long deadline = System.nanoTime() + nanos;
        synchronized (generation) {
            while (generation.get() == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(generation, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Conditions 1 to 3: what is in progress now; what will not come up goes to notSatisfied.
     *
     * @param all whether to list everything pending, or to stop at the first condition that has
     *     something: the wait re-checks at every event of a starting framework, and while the start
     *     level is still rising, the components' DTOs (Declarative Services builds them afresh at
     *     each call) need not be looked at. notSatisfied is complete whenever nothing is pending.
     */
    private List<String> pendingNow(List<String> notSatisfied, boolean all) {
        List<String> pending = new ArrayList<>();
        String fw = frameworkPending();
        if (fw != null) {
            pending.add(fw);
            if (!all) {
                return pending;
            }
        }
        bundles(pending, notSatisfied);
        if (!pending.isEmpty() && !all) {
            return pending;
        }
        components(pending, notSatisfied);
        return pending;
    }

    private String frameworkPending() {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        if (system.getState() != Bundle.ACTIVE) {
            return "the framework is " + state(system.getState());
        }
        int level = system.adapt(FrameworkStartLevel.class).getStartLevel();
        int target = beginningLevel();
        return level < target ? "the framework is at start level " + level + " of " + target : null;
    }

    /** The level the framework rises to: the launcher's, if it started the framework lower. */
    private int beginningLevel() {
        return Math.max(1, Math.max(level(context.getProperty(BEGINNING_START_LEVEL)),
                level(System.getProperty(BEGINNING_START_LEVEL))));
    }

    private static int level(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void bundles(List<String> pending, List<String> notSatisfied) {
        int level = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkStartLevel.class).getStartLevel();
        int target = beginningLevel();
        for (Bundle b : context.getBundles()) {
            if (b.getBundleId() == Constants.SYSTEM_BUNDLE_ID) {
                continue;
            }
            String name = b.getSymbolicName() + " " + b.getVersion();
            switch (b.getState()) {
                case Bundle.STARTING -> {
                    if (!lazy(b)) {
                        pending.add("bundle " + name + " is starting");
                    }
                }
                case Bundle.STOPPING -> pending.add("bundle " + name + " is stopping");
                case Bundle.INSTALLED, Bundle.RESOLVED -> {
                    BundleStartLevel bsl = b.adapt(BundleStartLevel.class);
                    if (fragment(b) || bsl == null || !bsl.isPersistentlyStarted()) {
                        continue;
                    }
                    int mine = bsl.getStartLevel();
                    if (mine > target) {
                        // not started by configuration, as OSGi means a level the framework is not
                        // to reach (./nova -c leaves the web page's bundles down this way): nothing
                        // to wait for and nothing wrong
                        continue;
                    }
                    if (mine > level) {
                        pending.add("bundle " + name + " waits for start level " + mine);
                    } else {
                        notSatisfied.add("bundle " + name + " is " + state(b.getState())
                                + (b.getState() == Bundle.INSTALLED ? ": it did not resolve" : ": it did not start"));
                    }
                }
                default -> {
                }
            }
        }
    }

    private static boolean lazy(Bundle b) {
        String policy = b.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY);
        return policy != null && policy.trim().startsWith(Constants.ACTIVATION_LAZY);
    }

    private static boolean fragment(Bundle b) {
        BundleRevision r = b.adapt(BundleRevision.class);
        return r != null && (r.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    private void components(List<String> pending, List<String> notSatisfied) {
        ServiceComponentRuntime runtime = scr.get();
        if (runtime == null) {
            return;
        }
        for (ComponentDescriptionDTO d : runtime.getComponentDescriptionDTOs()) {
            if (!runtime.isComponentEnabled(d)) {
                continue;
            }
            String name = "component " + d.name + " (bundle " + d.bundle.symbolicName + ")";
            Collection<ComponentConfigurationDTO> configurations;
            try {
                configurations = runtime.getComponentConfigurationDTOs(d);
            } catch (RuntimeException e) {
                // Felix SCR builds the DTO from a configuration it may be replacing at that very
                // moment (a NullPointerException for properties not set yet): the component is
                // changing, so it is pending, and the next look sees it settled
                pending.add(name + " is changing (" + e + ")");
                continue;
            }
            for (ComponentConfigurationDTO c : configurations) {
                switch (c.state) {
                    case ComponentConfigurationDTO.SATISFIED -> {
                        if (d.immediate) {
                            pending.add(name + " is being activated");
                        }
                    }
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE ->
                            notSatisfied.add(name + ": " + missing(d, c.unsatisfiedReferences));
                    case ComponentConfigurationDTO.FAILED_ACTIVATION ->
                            notSatisfied.add(name + ": activation failed: " + firstLine(c.failure));
                    default -> {
                    }
                }
            }
        }
    }

    private static String missing(ComponentDescriptionDTO d, UnsatisfiedReferenceDTO[] refs) {
        Map<String, String> interfaces = new HashMap<>();
        for (ReferenceDTO r : d.references) {
            interfaces.put(r.name, r.interfaceName);
        }
        List<String> out = new ArrayList<>();
        for (UnsatisfiedReferenceDTO u : refs) {
            out.add("reference " + u.name + " (" + interfaces.getOrDefault(u.name, "?")
                    + (u.target == null ? "" : " " + u.target) + ")");
        }
        return "no service for " + String.join(", ", out);
    }

    private static String firstLine(String failure) {
        if (failure == null || failure.isBlank()) {
            return "(no reason given)";
        }
        int nl = failure.indexOf('\n');
        return (nl < 0 ? failure : failure.substring(0, nl)).strip();
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            default -> "in state " + state;
        };
    }

    /** Stops listening. */
    @Override
    public void close() {
        core.probes.setBeginListener(null);
        barrier.close();
        try {
            context.removeServiceListener(services);
            context.removeBundleListener(bundles);
            context.removeFrameworkListener(framework);
        } catch (IllegalStateException e) {
            // the bundle is stopping: its listeners go with it
        }
    }
}
