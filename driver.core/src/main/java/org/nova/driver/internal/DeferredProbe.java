package org.nova.driver.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * drivers/base/dd.c, deferred probing: the pending and active lists
 * ({@code deferred_probe_pending_list}, {@code deferred_probe_active_list}), the trigger that
 * moves pending to active and queues the work ({@code driver_deferred_probe_trigger}), the
 * work that attaches each active device again ({@code deferred_probe_work_func}), the
 * trigger count that closes the race between a bind and a deferral
 * ({@code deferred_trigger_count}), and {@code device_block_probing} /
 * {@code device_unblock_probing}, which hold new devices back while the framework starts.
 *
 * <p>Owns each device's {@link State} and both lists; nothing else writes them.
 *
 * <p>Locking: the lists, the devices' states, {@link #workQueued}, {@link #probingBlocked} and
 * {@link #blockedQueue} are guarded by the core's lock (the kernel's
 * {@code deferred_probe_mutex}); methods named "...Locked" or documented so expect it held, the
 * others take it. Devices are attached on the work thread without it.
 */
final class DeferredProbe {
    private static final Logger LOG = LoggerFactory.getLogger(DeferredProbe.class);

    /** A device's place on the deferred lists; guarded by the core's lock, written by {@link DeferredProbe} only. */
    static final class State {
        private boolean deferred;
        private String reason;

        /** @return whether the device is on the pending or active list. */
        boolean isDeferred() {
            return deferred;
        }

        /** @return why the device was deferred last, for {@code drv:why}. */
        String reason() {
            return reason;
        }
    }

    private final DriverCoreImpl core;
    private final ReentrantLock lock;
    private final ExecutorService work = Workqueues.ordered("nova-deferred-probe");
    private final LinkedHashSet<DeviceImpl> pending = new LinkedHashSet<>();
    private final ArrayDeque<DeviceImpl> active = new ArrayDeque<>();
    private final AtomicLong triggerCount = new AtomicLong();
    private boolean workQueued;
    private boolean probingBlocked;
    /** Devices that arrived while probing was blocked, in arrival order, each once; each counts as in flight. */
    private final Set<DeviceImpl> blockedQueue = new LinkedHashSet<>();

    DeferredProbe(DriverCoreImpl core) {
        this.core = core;
        this.lock = core.lock;
    }

    /** @return deferred_trigger_count: an attach reads it before it starts. */
    long triggerCount() {
        return triggerCount.get();
    }

    /**
     * driver_deferred_probe_trigger: moves every pending device to the active list and queues the
     * work that probes them again (unless it is queued already or the core is shutting down).
     */
    void trigger() {
        lock.lock();
        try {
            triggerCount.incrementAndGet();
            if (pending.isEmpty()) {
                return;
            }
            active.addAll(pending);
            pending.clear();
            if (workQueued || core.isShuttingDown()) {
                return;
            }
            workQueued = true;
            core.probes.begin();
        } finally {
            lock.unlock();
        }
        if (!Workqueues.submit(work, this::runWork)) {
            lock.lock();
            try {
                workQueued = false;
            } finally {
                lock.unlock();
            }
            core.probes.done();
        }
    }

    /** deferred_probe_work_func: attaches each active device again, until the list is empty. */
    private void runWork() {
        try {
            while (true) {
                DeviceImpl dev;
                lock.lock();
                try {
                    dev = active.pollFirst();
                    if (dev == null) {
                        workQueued = false;
                        return;
                    }
                    dev.deferral.deferred = false;
                } finally {
                    lock.unlock();
                }
                try {
                    if (dev.bus.autoprobe() && (dev.bus.type.autoprobeAllowed(dev) || dev.overrideValue() != null)) {
                        core.binding.deviceAttach(dev, true);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("deferred probe of {} failed: {}", dev.name(), e.toString(), e);
                }
            }
        } finally {
            core.probes.done();
        }
    }

    /**
     * driver_deferred_probe_add, after a probe or match deferred: puts the device on the pending
     * list. A successful bind that raced with this probe would not have seen the device there, so
     * if the trigger count moved since {@code triggerCountAtStart} the lists are triggered again
     * (driver_deferred_probe_add_trigger).
     */
    void defer(DeviceImpl dev, long triggerCountAtStart, String why) {
        lock.lock();
        try {
            if (dev.deadLocked()) {
                return;
            }
            dev.deferral.reason = why;
            if (!dev.deferral.deferred) {
                dev.deferral.deferred = true;
                pending.add(dev);
            }
        } finally {
            lock.unlock();
        }
        LOG.debug("{} {}: probe deferred ({})", dev.bus.name(), dev.name(), why);
        if (triggerCount.get() != triggerCountAtStart) {
            trigger();
        }
    }

    /**
     * driver_deferred_probe_add for a device that did not probe itself (a supplier bound with
     * AUTOPROBE_CONSUMER): the next trigger probes it. Nothing for a dead, bound or already
     * deferred device. Call with the core's lock.
     */
    void addLocked(DeviceImpl dev, String why) {
        if (dev.deadLocked() || dev.binding.driver() != null || dev.deferral.deferred) {
            return;
        }
        dev.deferral.reason = why;
        dev.deferral.deferred = true;
        pending.add(dev);
    }

    /** driver_deferred_probe_del: the device bound, it leaves both lists. Call with the core's lock. */
    void remove(DeviceImpl dev) {
        if (dev.deferral.deferred) {
            dev.deferral.deferred = false;
            pending.remove(dev);
            active.remove(dev);
        }
    }

    /** The device is being deleted: off both lists and off the blocked queue. Call with the core's lock. */
    void forget(DeviceImpl dev) {
        dev.deferral.deferred = false;
        pending.remove(dev);
        active.remove(dev);
        if (blockedQueue.remove(dev)) {
            core.probes.done();
        }
    }

    /**
     * While probing is blocked, queues the device (once) instead of probing it; it counts as in
     * flight until unblocked. Call with the core's lock.
     *
     * @return whether probing is blocked (the caller must not probe)
     */
    boolean queueIfBlocked(DeviceImpl dev) {
        if (!probingBlocked) {
            return false;
        }
        if (blockedQueue.add(dev)) {
            core.probes.begin();
        }
        return true;
    }

    /**
     * device_block_probing / device_unblock_probing. Unblocking attaches the queued devices in
     * the order they came, each to its best driver, on the calling thread.
     */
    void setProbingBlocked(boolean blocked) {
        List<DeviceImpl> queued;
        lock.lock();
        try {
            probingBlocked = blocked;
            if (blocked) {
                return;
            }
            queued = new ArrayList<>(blockedQueue);
            blockedQueue.clear();
        } finally {
            lock.unlock();
        }
        for (DeviceImpl d : queued) {
            try {
                core.binding.deviceAttach(d, true);
            } finally {
                core.probes.done();
            }
        }
    }

    /** @return the deferred devices as "bus:device", pending then active. */
    List<String> devices() {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (DeviceImpl d : pending) {
                out.add(d.bus.name() + ":" + d.name());
            }
            for (DeviceImpl d : active) {
                out.add(d.bus.name() + ":" + d.name());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the queued work (bounded), then stops the work thread. */
    void shutdown() {
        Workqueues.stop(work);
    }
}
