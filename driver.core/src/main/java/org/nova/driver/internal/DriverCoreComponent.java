package org.nova.driver.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.nova.driver.DriverCore;
import org.nova.driver.Uevent;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the binding engine as the {@link DriverCore} service. At boot, probing stays blocked
 * until the framework reports STARTED and then the service registry has been quiet for
 * {@value #BOOT_QUIET_MS} ms (at most {@value #BOOT_LIMIT_MS} ms): drivers and devices that
 * components and Configuration Admin bring up just after the start are all there when the first
 * device is matched, so the driver a device gets does not depend on which bundle or
 * configuration came first — the kernel's late_initcall deferred-probe flush, for OSGi. Uevents go
 * to Event Admin when it is there.
 */
@Component(service = DriverCore.class, immediate = true)
public final class DriverCoreComponent extends DriverCoreImpl {
    private static final Logger LOG = LoggerFactory.getLogger(DriverCoreComponent.class);
    /** Framework property turning on CONFIG_DEBUG_TEST_DRIVER_REMOVE behaviour. */
    public static final String TEST_REMOVE_PROPERTY = "nova.driver.test_remove";
    /** Boot: how long the service registry must stay quiet after STARTED before probing starts. */
    static final long BOOT_QUIET_MS = 150;
    /** Boot: the longest probing stays blocked after STARTED. */
    static final long BOOT_LIMIT_MS = 10_000;

    private final BundleContext context;
    private final FrameworkListener startListener;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventAdmin eventAdmin;

    @Activate
    public DriverCoreComponent(BundleContext context) {
        this.context = context;
        setTestDriverRemove(Boolean.parseBoolean(context.getProperty(TEST_REMOVE_PROPERTY)));
        setUeventSink(this::post);
        Bundle system = context.getBundle(0);
        if (system.getState() == Bundle.ACTIVE) {
            startListener = null;
        } else {
            setProbingBlocked(true);
            LOG.debug("framework starting: probing blocked until it has started");
            startListener = event -> {
                if (event.getType() == FrameworkEvent.STARTED) {
                    unblock();
                }
            };
            context.addFrameworkListener(startListener);
            // the framework may have finished starting between the state check and the listener
            if (system.getState() == Bundle.ACTIVE) {
                unblock();
            }
        }
    }

    private void unblock() {
        // on a worker so that the framework's event thread is not held by probes
        Thread t = new Thread(() -> {
            AtomicLong last = new AtomicLong(System.nanoTime());
            ServiceListener quiet = e -> last.set(System.nanoTime());
            long limit = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOOT_LIMIT_MS);
            try {
                context.addServiceListener(quiet);
                long quietNanos = TimeUnit.MILLISECONDS.toNanos(BOOT_QUIET_MS);
                while (System.nanoTime() - last.get() < quietNanos && System.nanoTime() < limit) {
                    Thread.sleep(BOOT_QUIET_MS / 3);
                }
                context.removeServiceListener(quiet);
            } catch (InterruptedException | IllegalStateException e) {
                // interrupted or the bundle is stopping: unblock at once
            }
            LOG.debug("boot settled: probing unblocked");
            setProbingBlocked(false);
        }, "nova-probe-unblock");
        t.setDaemon(true);
        t.start();
    }

    @Deactivate
    void deactivate() {
        if (startListener != null) {
            context.removeFrameworkListener(startListener);
        }
        shutdown();
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
