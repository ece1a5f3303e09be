package org.nova.driver.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.SynchronousConfigurationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration Admin's queue as the settle condition sees it. Declarative Services applies a
 * configuration change from an asynchronous {@link ConfigurationListener}, so a change is in force
 * only once its event has been delivered. Felix Configuration Admin delivers those events on one
 * thread, in the order the changes were made, each to every listener before the next one; so
 * when a change that {@link #flush} itself makes reaches this class's own listener, every change
 * made before it has reached every listener, and Declarative Services has applied it (created,
 * modified or disposed the components it configures).
 *
 * <p>Also counts the changes others make as activity for the settle condition, through a
 * {@link SynchronousConfigurationListener} (called on the thread that makes the change).
 *
 * <p>Owns the barrier configuration {@value #PID}: flush creates it, updates it and deletes it
 * again, so it is seen only while a flush waits. Locking: {@link #flushLock} makes flushes one at
 * a time (the order of their updates is the order of their numbers); {@link #delivered} is
 * guarded by {@link #counts}, held for nothing else.
 */
final class ConfigBarrier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigBarrier.class);
    /** The barrier configuration: no component is configured by it. */
    static final String PID = "org.nova.driver.settle";
    /** Its one property, the barrier's number. */
    static final String PROP_BARRIER = "barrier";

    private final Supplier<ConfigurationAdmin> admin;
    private final Runnable activity;
    private final Object flushLock = new Object();
    private final Object counts = new Object();
    /** Barrier updates made; guarded by {@link #flushLock}. */
    private long issued;
    /** Barrier updates delivered to {@link #delivery}; guarded by {@link #counts}. */
    private long delivered;
    private final ServiceRegistration<?> delivery;
    private final ServiceRegistration<?> changes;

    /**
     * Registers the two listeners.
     *
     * @param admin the Configuration Admin service now, or null when there is none (nothing to flush)
     * @param activity told of every change to a configuration other than the barrier's
     */
    ConfigBarrier(BundleContext context, Supplier<ConfigurationAdmin> admin, Runnable activity) {
        this.admin = admin;
        this.activity = activity;
        ConfigurationListener async = this::delivered;
        SynchronousConfigurationListener sync = this::changed;
        this.delivery = context.registerService(ConfigurationListener.class, async, null);
        this.changes = context.registerService(SynchronousConfigurationListener.class, sync, null);
    }

    private void delivered(ConfigurationEvent e) {
        if (PID.equals(e.getPid()) && e.getType() == ConfigurationEvent.CM_UPDATED) {
            synchronized (counts) {
                delivered++;
                counts.notifyAll();
            }
        }
    }

    private void changed(ConfigurationEvent e) {
        if (!PID.equals(e.getPid())) {
            activity.run();
        }
    }

    /**
     * Waits until every configuration change made before this call has been delivered to every
     * configuration listener.
     *
     * @param deadline the System.nanoTime() to give up at
     * @return false if the deadline passed first, Configuration Admin failed or the thread was
     *     interrupted (its flag set again); true at once when there is no Configuration Admin
     */
    boolean flush(long deadline) {
        ConfigurationAdmin ca = admin.get();
        if (ca == null) {
            return true;
        }
        synchronized (flushLock) {
            long mine = ++issued;
            Configuration barrier;
            try {
                barrier = ca.getConfiguration(PID);
                Dictionary<String, Object> props = new Hashtable<>();
                props.put(PROP_BARRIER, mine);
                barrier.update(props);
            } catch (IOException | IllegalStateException e) {
                LOG.warn("settle: Configuration Admin refused the barrier configuration {}: {}", PID, e.toString());
                return false;
            }
            try {
                return awaitDelivered(mine, deadline);
            } finally {
                try {
                    barrier.delete();
                } catch (IOException | IllegalStateException e) {
                    LOG.debug("settle: deleting the barrier configuration failed: {}", e.toString());
                }
            }
        }
    }

    private boolean awaitDelivered(long mine, long deadline) {
        synchronized (counts) {
            while (delivered < mine) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(counts, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Unregisters the listeners. */
    @Override
    public void close() {
        for (ServiceRegistration<?> r : new ServiceRegistration<?>[] {delivery, changes}) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
    }
}
