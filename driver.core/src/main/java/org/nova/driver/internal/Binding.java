package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.nova.driver.DriverCall;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.ProbeType;
import org.nova.driver.Uevent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * drivers/base/dd.c, binding and unbinding: {@code __device_attach} (a device looks for its
 * driver), {@code __driver_attach} (a new driver looks for its devices), {@code really_probe},
 * {@code driver_bound}, {@code device_driver_attach} (a manual bind), {@code
 * __device_release_driver} and {@code driver_detach}, with CONFIG_DEBUG_TEST_DRIVER_REMOVE and
 * asynchronous probing. Deferred probing, the other half of dd.c, is {@link DeferredProbe}.
 *
 * <p>Owns each device's {@link State} (driver, probe in progress, driver data, unbinding, last
 * probe error) and each driver's {@link DriverDevices}; nothing else writes them.
 *
 * <p>Why one class: at about 500 lines it is still dd.c's attach/probe/release state machine over one
 * lock order (device lock, then the core's lock), whose steps call each other (attach → probe →
 * bound or failed → release); the parts with state of their own (deferred probing, links, driver
 * calls, the driver's device lists) are already classes of their own.
 *
 * <p>Locking: the state is guarded by the core's lock, held only for bookkeeping and never while
 * a bus or driver callback runs. A probe and a remove run under the device's own lock
 * ({@link DeviceImpl#lock}, device_lock); locks are taken parent before child, and a device's
 * consumers and children are released before its own device lock is taken.
 */
final class Binding {
    private static final Logger LOG = LoggerFactory.getLogger(Binding.class);
    /** Microseconds in a millisecond, for {@link #duration}. */
    private static final long MICROS_PER_MILLI = 1000;

    /** A device's binding; guarded by the core's lock, written by {@link Binding} only. */
    static final class State {
        private DriverImpl driver;
        private DriverImpl probing;
        private Object drvdata;
        private boolean unbinding;
        /** Only for {@code drv:why}: concurrent probes of the device share it, hence volatile. */
        private volatile DriverException lastProbeError;

        /** @return the bound driver, or null. */
        DriverImpl driver() {
            return driver;
        }

        /** @return the driver whose probe is running, or null. */
        DriverImpl probing() {
            return probing;
        }

        /** @return what the bound driver's probe returned, or null. */
        Object drvdata() {
            return drvdata;
        }

        /** @return whether the device is being unbound (its consumers first). */
        boolean unbinding() {
            return unbinding;
        }

        /** @return the error of the latest failed or deferred probe, null after a bind; no lock needed. */
        DriverException lastProbeError() {
            return lastProbeError;
        }
    }

    /**
     * Outcome of one probe attempt. {@code WAITING} is really_probe's own -EPROBE_DEFER (a supplier
     * not bound, device_links_check_suppliers), returned negative, which ends
     * __device_attach_driver's walk; {@code DEFERRED} is the driver's probe returning
     * -EPROBE_DEFER, which really_probe turns positive like every probe error, so the next
     * matching driver still tries.
     */
    enum Probe { BOUND, WAITING, DEFERRED, FAILED, SKIPPED }

    /** One probe attempt's outcome with its own error (the device's last error may be another probe's). */
    record Attempt(Probe outcome, DriverException error) {
    }

    private final DriverCoreImpl core;
    private final ReentrantLock lock;
    private final ExecutorService asyncProbe = Workqueues.unbound("nova-async-probe");
    private volatile boolean testRemove;

    Binding(DriverCoreImpl core) {
        this.core = core;
        this.lock = core.lock;
    }

    void setTestRemove(boolean on) {
        testRemove = on;
    }

    boolean testRemove() {
        return testRemove;
    }

    /** Waits for the asynchronous probes in flight (bounded), then stops their pool. */
    void shutdown() {
        Workqueues.stop(asyncProbe);
    }

    // ------------------------------------------------------------------ attach

    /**
     * __device_attach: tries the matching drivers in trial order until one binds. As
     * __device_attach_driver ignores the errors a probe returns "so that the next driver can try
     * its luck", a probe that fails, rejects the device (-ENODEV, -ENXIO) or defers lets the next
     * matching driver try; a deferral also puts the device on the deferred list
     * (driver_probe_device), which the next driver's bind takes it off again. A bus match that
     * defers, or suppliers not bound yet, end the walk.
     * With {@code allowAsync}, a device whose first choice prefers asynchronous probing is
     * attached on a worker instead. While probing is blocked the device is queued.
     */
    void deviceAttach(DeviceImpl dev, boolean allowAsync) {
        lock.lock();
        try {
            if (dev.deadLocked() || dev.binding.driver != null || dev.binding.probing != null) {
                return;
            }
            if (core.deferred.queueIfBlocked(dev)) {
                return;
            }
        } finally {
            lock.unlock();
        }
        long triggerCount = core.deferred.triggerCount();
        List<DriverMatch.Candidate> ranked = core.matching.rank(dev, false);
        core.autoload.noDriverIfUnmatched(dev, ranked);
        if (allowAsync && !ranked.isEmpty() && ranked.get(0).result().matches()
                && ranked.get(0).driver().desc.probeType() == ProbeType.PREFER_ASYNCHRONOUS) {
            core.probes.begin();
            if (!Workqueues.submit(asyncProbe, () -> {
                try {
                    deviceAttach(dev, false);
                } finally {
                    core.probes.done();
                }
            })) {
                core.probes.done();
            }
            return;
        }
        for (DriverMatch.Candidate c : ranked) {
            MatchResult r = c.result();
            if (r.kind() == MatchResult.Kind.NO_MATCH) {
                break;
            }
            if (r.kind() == MatchResult.Kind.DEFER) {
                core.deferred.defer(dev, triggerCount, "bus match of " + c.driver().desc.name() + " deferred: "
                        + r.reason());
                return;
            }
            Probe p = tryProbe(dev, c.driver(), r, triggerCount, true).outcome();
            if (p == Probe.BOUND || p == Probe.WAITING) {
                return;
            }
        }
    }

    /**
     * __driver_attach for a newly registered driver: each of {@code candidates} that it matches
     * is attached to its best driver (which may be another), so that the choice never depends
     * on which driver registered first.
     */
    void driverAttach(DriverImpl drv, List<DeviceImpl> candidates) {
        for (DeviceImpl dev : candidates) {
            if (dev.isBound() || dev.isDead() || !dev.bus.type.autoprobeAllowed(dev)) {
                continue;
            }
            if (core.matching.match(dev, drv).kind() != MatchResult.Kind.NO_MATCH) {
                deviceAttach(dev, drv.desc.probeType() != ProbeType.FORCE_SYNCHRONOUS);
            }
        }
    }

    /**
     * device_driver_attach (sysfs bind): a synchronous probe that reports what went wrong.
     *
     * @throws DriverException ENODEV if the driver does not match, EAGAIN if the match or the
     *     probe deferred, or the probe's own error
     */
    void bindManually(DeviceImpl dev, DriverImpl drv) {
        MatchResult m = core.matching.match(dev, drv);
        if (m.kind() == MatchResult.Kind.NO_MATCH) {
            throw new DriverException(Errno.ENODEV, "driver " + drv.desc.name() + " does not match " + dev.name()
                    + " (" + m.reason() + ")");
        }
        if (m.kind() == MatchResult.Kind.DEFER) {
            throw new DriverException(Errno.EAGAIN, "match of " + dev.name() + " with " + drv.desc.name()
                    + " deferred: " + m.reason());
        }
        Attempt a = tryProbe(dev, drv, m, core.deferred.triggerCount(), false);
        switch (a.outcome()) {
            case BOUND -> {
            }
            case DEFERRED, WAITING -> throw new DriverException(Errno.EAGAIN, "probe of " + dev.name() + " by "
                    + drv.desc.name() + " deferred: " + a.error().getMessage(), a.error());
            default -> throw a.error();
        }
    }

    // ------------------------------------------------------------------ probe

    /** Records the error for {@code drv:why} and returns it with the outcome. */
    private static Attempt attempt(DeviceImpl dev, Probe outcome, DriverException error) {
        dev.binding.lastProbeError = error;
        return new Attempt(outcome, error);
    }

    /**
     * driver_probe_device / really_probe: one driver, one device, under the device's lock.
     * Checks the suppliers (device_links_check_suppliers) and that no devres is left over, calls
     * the bus's probe and on success records the binding (driver_bound); on failure releases the
     * devres acquired so far. Never throws: the outcome says what happened.
     *
     * @param triggerCount the deferred-probe trigger count when the attach started
     * @param queueDeferred whether a deferral puts the device on the deferred list; false for a
     *     manual bind, which only reports it
     */
    Attempt tryProbe(DeviceImpl dev, DriverImpl drv, MatchResult match, long triggerCount, boolean queueDeferred) {
        core.probes.begin();
        dev.lock.lock();
        try {
            String waiting;
            lock.lock();
            try {
                if (dev.deadLocked() || !drv.isRegistered() || drv.isLeaving()) {
                    return attempt(dev, Probe.SKIPPED, new DriverException(Errno.ENODEV,
                            dev.deadLocked() ? dev.name() + " is gone" : "driver " + drv.desc.name() + " is unregistered"));
                }
                if (dev.binding.driver != null) {
                    return attempt(dev, Probe.SKIPPED, new DriverException(Errno.EBUSY,
                            dev.name() + " is already bound to " + dev.binding.driver.desc.name()));
                }
                waiting = core.links.supplierNotReady(dev);
                if (waiting == null) {
                    if (!dev.devres.isEmpty()) {
                        // really_probe: "Resources present before probing"
                        DriverException busy = new DriverException(Errno.EBUSY,
                                dev.name() + " has " + dev.devres.liveCount() + " devres before probing");
                        LOG.warn("{} {}: {}", dev.bus.name(), dev.name(), busy.getMessage());
                        return attempt(dev, Probe.FAILED, busy);
                    }
                    dev.binding.probing = drv;
                    drv.devices.probing.add(dev);
                    dev.devres.setOwner(drv.desc.name(), drv.desc.bundle());
                    core.links.consumerProbe(dev);
                }
            } finally {
                lock.unlock();
            }
            if (waiting != null) {
                String why = "supplier " + waiting + " not bound";
                LOG.debug("{} {}: probe deferral - {}", dev.bus.name(), dev.name(), why);
                if (queueDeferred) {
                    core.deferred.defer(dev, triggerCount, why);
                }
                return attempt(dev, Probe.WAITING, new ProbeDeferException(why));
            }
            Object data;
            long started = System.nanoTime();
            try {
                data = callProbe(dev, drv, match);
            } catch (Throwable t) {
                return probeFailed(dev, drv, t, System.nanoTime() - started, triggerCount, queueDeferred);
            }
            driverBound(dev, drv, data, System.nanoTime() - started);
        } finally {
            dev.lock.unlock();
            core.probes.done();
        }
        // driver_bound: a new binding may be what a deferred device waited for.
        core.deferred.trigger();
        return new Attempt(Probe.BOUND, null);
    }

    /** The bus's probe; with test driver remove, followed by a remove, a devres release and a second probe. */
    private Object callProbe(DeviceImpl dev, DriverImpl drv, MatchResult match) throws Exception {
        Object data;
        try (DriverCalls.Call c = core.calls.begin(dev, drv, DriverCall.Kind.PROBE)) {
            data = dev.bus.type.probe(dev, drv.desc, match);
        }
        if (testRemove) {
            LOG.debug("{} {}: test driver remove: removing and probing {} again", dev.bus.name(), dev.name(),
                    drv.desc.name());
            callRemove(dev, drv, data);
            dev.devres.releaseAll();
            try (DriverCalls.Call c = core.calls.begin(dev, drv, DriverCall.Kind.PROBE)) {
                data = dev.bus.type.probe(dev, drv.desc, match);
            }
        }
        return data;
    }

    /**
     * really_probe's failure path: devres released, links back to available, deferral or the next
     * driver. {@code nanos} is how long the probe ran, for the log line (initcall_debug's "returned
     * ... after N usecs").
     */
    private Attempt probeFailed(DeviceImpl dev, DriverImpl drv, Throwable t, long nanos, long triggerCount,
            boolean queueDeferred) {
        dev.devres.releaseAll();
        dev.devres.setOwner(null, null);
        lock.lock();
        try {
            dev.binding.probing = null;
            drv.devices.probing.remove(dev);
            core.links.noDriver(dev);
        } finally {
            lock.unlock();
        }
        if (t instanceof ProbeDeferException d) {
            LOG.info("{} {}: driver {} requests probe deferral after {}: {}", dev.bus.name(), dev.name(),
                    drv.desc.name(), duration(nanos), d.getMessage());
            Attempt deferred = attempt(dev, Probe.DEFERRED, d);
            if (queueDeferred) {
                core.deferred.defer(dev, triggerCount, drv.desc.name() + ": " + d.getMessage());
            }
            return deferred;
        }
        Errno e = DriverException.errnoOf(t);
        Attempt failed = attempt(dev, Probe.FAILED, t instanceof DriverException de ? de
                : new DriverException(e, drv.desc.name() + " probe of " + dev.name() + " failed: " + t, t));
        if (e == Errno.ENODEV || e == Errno.ENXIO) {
            LOG.debug("{} {}: {} rejected it after {}: {}", dev.bus.name(), dev.name(), drv.desc.name(),
                    duration(nanos), t.toString());
        } else {
            // one line, as the kernel's "probe of X failed with error -5"; the trace at debug
            LOG.warn("{} {}: probe with driver {} failed after {} with error {}", dev.bus.name(), dev.name(),
                    drv.desc.name(), duration(nanos), t.toString());
            LOG.debug("{} {}: probe failure", dev.bus.name(), dev.name(), t);
        }
        if (t instanceof Error err && !(t instanceof AssertionError)) {
            throw err;
        }
        return failed;
    }

    /**
     * driver_bound: the binding is recorded, the device leaves the deferred lists, BIND is sent.
     * {@code nanos} is how long the probe took (with test driver remove: both probes and the
     * remove between them).
     */
    private void driverBound(DeviceImpl dev, DriverImpl drv, Object data, long nanos) {
        lock.lock();
        try {
            dev.binding.probing = null;
            drv.devices.probing.remove(dev);
            dev.binding.driver = drv;
            dev.binding.drvdata = data;
            dev.binding.lastProbeError = null;
            drv.devices.bound.add(dev);
            core.deferred.remove(dev);
            core.links.driverBound(dev);
            core.uevents.emit(Uevent.Action.BIND, dev, drv.desc.name(), null);
        } finally {
            lock.unlock();
        }
        if (LOG.isInfoEnabled()) {
            // duration() formats: only when the line is written
            LOG.info("{} {}: bound to {}, probe took {}", dev.bus.name(), dev.name(), drv.desc.name(), duration(nanos));
        }
    }

    /**
     * A probe's or remove's time as a person reads it in the log: milliseconds with one decimal,
     * microseconds below one millisecond (the kernel's initcall_debug prints usecs).
     */
    static String duration(long nanos) {
        long micros = TimeUnit.NANOSECONDS.toMicros(nanos);
        if (micros < MICROS_PER_MILLI) {
            return micros + " us";
        }
        return String.format(Locale.ROOT, "%.1f ms", micros / (double) MICROS_PER_MILLI);
    }

    private static void callRemove(DeviceImpl dev, DriverImpl drv, Object data) {
        try (DriverCalls.Call c = dev.bus.core.calls.begin(dev, drv, DriverCall.Kind.REMOVE)) {
            dev.bus.type.remove(dev, drv.desc, data);
        } catch (RuntimeException e) {
            LOG.warn("{} {}: remove of driver {} failed (ignored, as the kernel does): {}", dev.bus.name(),
                    dev.name(), drv.desc.name(), e.toString(), e);
        }
    }

    // ------------------------------------------------------------------ release

    /**
     * __device_release_driver: consumers and children first, then the driver's remove, then the
     * binding's devres (LIFO), then UNBIND. Does nothing for an unbound device.
     */
    void releaseDriver(DeviceImpl dev) {
        List<DeviceImpl> first;
        lock.lock();
        try {
            if (dev.binding.driver == null && dev.binding.probing == null) {
                return;
            }
            dev.binding.unbinding = true;
            first = core.links.unbindConsumers(dev);
            List<DeviceImpl> kids = new ArrayList<>(dev.childrenLocked());
            Collections.reverse(kids);
            first.addAll(kids);
        } finally {
            lock.unlock();
        }
        try {
            for (DeviceImpl d : first) {
                releaseDriver(d);
            }
            dev.lock.lock();
            try {
                removeLocked(dev);
            } finally {
                dev.lock.unlock();
            }
        } finally {
            lock.lock();
            try {
                dev.binding.unbinding = false;
            } finally {
                lock.unlock();
            }
        }
    }

    /** The driver's remove, devres release and bookkeeping; call with the device lock. */
    private void removeLocked(DeviceImpl dev) {
        DriverImpl drv;
        Object data;
        lock.lock();
        try {
            drv = dev.binding.driver;
            data = dev.binding.drvdata;
        } finally {
            lock.unlock();
        }
        if (drv == null) {
            return;
        }
        long started = System.nanoTime();
        callRemove(dev, drv, data);
        int released = dev.devres.releaseAll();
        long nanos = System.nanoTime() - started;
        dev.devres.setOwner(null, null);
        lock.lock();
        try {
            dev.binding.driver = null;
            dev.binding.drvdata = null;
            drv.devices.bound.remove(dev);
            core.unbinds.incrementAndGet();
            core.links.driverCleanup(dev);
            core.uevents.emit(Uevent.Action.UNBIND, dev, drv.desc.name(), null);
        } finally {
            lock.unlock();
        }
        if (LOG.isInfoEnabled()) {
            LOG.info("{} {}: unbound from {}, remove and devres release took {}, {} devres released",
                    dev.bus.name(), dev.name(), drv.desc.name(), duration(nanos), released);
        }
    }

    /**
     * driver_detach: releases every device of an unregistered driver, latest bound first,
     * waiting for a probe in flight to finish first.
     *
     * @return the released devices, in release order
     */
    List<DeviceImpl> driverDetach(DriverImpl drv) {
        // a set: a device whose probe was in flight may come round again
        Set<DeviceImpl> released = new LinkedHashSet<>();
        while (true) {
            DeviceImpl next;
            lock.lock();
            try {
                next = drv.devices.nextToDetach();
            } finally {
                lock.unlock();
            }
            if (next == null) {
                return new ArrayList<>(released);
            }
            // waits for a probe in flight on that device, then unbinds it
            next.lock.lock();
            next.lock.unlock();
            releaseDriver(next);
            released.add(next);
        }
    }
}
