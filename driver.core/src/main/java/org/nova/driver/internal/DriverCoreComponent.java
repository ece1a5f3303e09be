package org.nova.driver.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.nova.driver.DriverCore;
import org.nova.driver.DriverRepository;
import org.nova.driver.SettleReport;
import org.nova.driver.Uevent;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the binding engine as the {@link DriverCore} service, with the OSGi side of it: the
 * settle condition ({@link Settle}) behind {@link #settle}, the start-up block, the shutdown
 * account, and uevents to Event Admin when it is there.
 *
 * <p>Start-up: activated before the framework has reached its beginning start level, the core
 * keeps probing blocked until the runtime has settled (every bundle started, components
 * activated, configurations delivered; probing itself left out), at most {@value #BOOT_LIMIT_MS}
 * ms: drivers and devices that bundles, components and Configuration Admin bring up during the
 * start are all there when the first device is matched, so the driver a device gets does not
 * depend on which came first — the kernel's late_initcall deferred-probe flush, for OSGi.
 * Activated later (the bundle restarted in a running framework), it probes at once.
 *
 * <p>Drivers found by alias ({@link Autoload}): the repository is the folder the framework
 * property {@value #DRIVERS_DIR_PROPERTY} names (default {@value #DRIVERS_DIR_DEFAULT} of the
 * working directory, the project root under {@code ./nova}); bundles are installed from it through
 * this bundle's context. {@value #AUTOLOAD_PROPERTY}=false starts with autoload off.
 *
 * <p>Shutdown: when the framework begins to stop (the system bundle's STOPPING event), the core
 * notes how many devices are bound and how much devres is held; deactivated at the end of the
 * stop, after every bus and driver has gone, it logs one line: how many devices were unbound and
 * devres released since, and anything left.
 */
@Component(service = DriverCore.class, immediate = true)
public final class DriverCoreComponent extends DriverCoreImpl {
    private static final Logger LOG = LoggerFactory.getLogger(DriverCoreComponent.class);
    /** Framework property turning on CONFIG_DEBUG_TEST_DRIVER_REMOVE behaviour. */
    public static final String TEST_REMOVE_PROPERTY = "nova.driver.test_remove";
    /** Framework property: the folder of driver bundles searched by alias ({@link Autoload}). */
    public static final String DRIVERS_DIR_PROPERTY = "nova.drivers.dir";
    /** The repository folder when {@value #DRIVERS_DIR_PROPERTY} is not set: drivers/ of the working directory. */
    static final String DRIVERS_DIR_DEFAULT = "drivers";
    /** Framework property: "false" starts with autoload off ({@code drv:autoload}). */
    public static final String AUTOLOAD_PROPERTY = "nova.drivers.autoload";
    /** Start-up: the longest probing stays blocked waiting for the runtime to settle. */
    static final long BOOT_LIMIT_MS = 10_000;

    /** What shutdown counts from: a moment's bound devices, held devres and unbinds so far. */
    private record Tally(long nanos, int bound, int devres, long unbinds) {
    }

    private final BundleContext context;
    private final Settle settle;
    private final SynchronousBundleListener frameworkStopping;
    private final Thread boot;
    /** Taken when the framework began to stop; null until then. */
    private volatile Tally stopping;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ServiceComponentRuntime scr;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    @SuppressWarnings("this-escape") // the listeners only read the core once the framework calls them
    public DriverCoreComponent(BundleContext context) {
        this.context = context;
        setTestDriverRemove(Boolean.parseBoolean(context.getProperty(TEST_REMOVE_PROPERTY)));
        setUeventSink(this::post);
        String dir = context.getProperty(DRIVERS_DIR_PROPERTY);
        boolean named = dir != null && !dir.isBlank();
        DriverRepository repo = new DriverRepository(Path.of(named ? dir : DRIVERS_DIR_DEFAULT), named);
        repo.refresh(); // the missing folder's one WARN comes at start, not at the first device
        configureAutoload(repo, new FrameworkInstaller(context),
                !"false".equalsIgnoreCase(String.valueOf(context.getProperty(AUTOLOAD_PROPERTY)).trim()));
        this.settle = new Settle(context, this, () -> scr, () -> configAdmin);
        this.frameworkStopping = e -> {
            if (e.getBundle().getBundleId() == Constants.SYSTEM_BUNDLE_ID && e.getType() == BundleEvent.STOPPING) {
                stopping = tally();
            }
        };
        context.addBundleListener(frameworkStopping);
        if (settle.frameworkStarted()) {
            boot = null;
        } else {
            setProbingBlocked(true);
            LOG.debug("framework starting: probing blocked until the runtime has settled");
            boot = new Thread(this::unblockWhenSettled, "nova-probe-unblock");
            boot.setDaemon(true);
            boot.start();
        }
    }

    private void unblockWhenSettled() {
        try {
            SettleReport r = settle.await(Duration.ofMillis(BOOT_LIMIT_MS), false);
            if (r.settled()) {
                LOG.debug("runtime settled after {} ms: probing unblocked", r.waited().toMillis());
            } else if (!Thread.currentThread().isInterrupted()) {
                LOG.warn("probing unblocked although the runtime has not settled within {} ms: {}", BOOT_LIMIT_MS,
                        String.join("; ", r.pending()));
            }
        } catch (RuntimeException e) {
            LOG.error("probing unblocked although waiting for the runtime to settle failed", e);
        } finally {
            // whatever happened, probing never stays blocked: every device would stay unbound
            setProbingBlocked(false);
        }
    }

    @Override
    public SettleReport settle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread b = boot;
        if (b != null && b.isAlive()) {
            // during the start the boot thread is already waiting for the same condition (bar the
            // probes, which it then lets run): wait for it rather than re-check every event of the
            // start a second time beside it; the check below then sees the probes through
            try {
                b.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return settle.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), true);
    }

    private Tally tally() {
        return new Tally(System.nanoTime(), boundDevices(), devres().liveTotal(), unbindCount());
    }

    @Deactivate
    void deactivate() {
        Tally from = stopping != null ? stopping : tally();
        try {
            context.removeBundleListener(frameworkStopping);
        } catch (IllegalStateException e) {
            // the bundle is stopping: its listeners go with it
        }
        if (boot != null) {
            boot.interrupt();
        }
        settle.close();
        shutdown();
        Tally to = tally();
        LOG.info("shutdown: {} devices unbound ({} were bound), {} of {} devres released, in {} ms",
                to.unbinds() - from.unbinds(), from.bound(), from.devres() - to.devres(), from.devres(),
                TimeUnit.NANOSECONDS.toMillis(to.nanos() - from.nanos()));
        if (to.devres() > 0) {
            LOG.warn("shutdown: {} devres still held: {}", to.devres(), devres().liveByDevice());
        }
    }

    /**
     * Autoload's installs through the framework: a bundle is installed from its jar's file URL
     * and started; if the start fails (unresolved requirements, an activator that throws) it is
     * uninstalled again, so nothing half-installed stays.
     */
    private record FrameworkInstaller(BundleContext context) implements Autoload.Installer {
        @Override
        public boolean installed(String symbolicName) {
            for (Bundle b : context.getBundles()) {
                if (symbolicName.equals(b.getSymbolicName())) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String install(Path jar) throws BundleException {
            Bundle b = context.installBundle(jar.toUri().toString());
            try {
                b.start();
            } catch (BundleException | RuntimeException e) {
                try {
                    b.uninstall();
                } catch (BundleException | RuntimeException u) {
                    e.addSuppressed(u);
                }
                throw e;
            }
            return b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "]";
        }
    }

    private void post(UeventRecord rec) {
        EventAdmin ea = eventAdmin;
        if (ea == null) {
            return;
        }
        Map<String, Object> props = new HashMap<>(rec.env());
        ea.postEvent(new Event(Uevent.TOPIC_PREFIX + rec.action().name(), props));
    }
}
