package org.nova.driver.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.nova.devres.DevresTracker;
import org.nova.driver.Bus;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.ProbeType;
import org.nova.driver.Uevent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The binding engine: drivers/base/{bus,dd,core}.c in one place, independent of OSGi so it can be
 * unit-tested. {@link DriverCoreComponent} publishes it as the {@link DriverCore} service.
 *
 * <p>Locking. {@link #lock} guards every list and every field of the devices, drivers and links;
 * it is held only for short bookkeeping and never while a bus or driver callback runs. Each device
 * has its own lock (the kernel's device_lock), held across its probe and remove. Lock order is
 * parent before child, and a device's consumers and children are unbound before its own lock is
 * taken. Uevents are queued under {@link #lock} and posted by a dispatcher thread.
 */
public class DriverCoreImpl implements DriverCore {
    private static final Logger LOG = LoggerFactory.getLogger(DriverCoreImpl.class);

    /** The kernel refuses an override of PAGE_SIZE - 1 bytes or more (driver_set_override). */
    static final int OVERRIDE_MAX = 4096 - 1;
    /** How many uevents {@link #recentUevents()} keeps. */
    static final int UEVENT_HISTORY = 512;

    final ReentrantLock lock = new ReentrantLock();
    private final Map<String, BusImpl> buses = new LinkedHashMap<>();
    private final List<LinkImpl> links = new ArrayList<>();
    private final DevresTracker devres = new DevresTracker();

    // deferred probe: pending -> active on trigger (dd.c deferred_probe_pending_list / active_list)
    private final LinkedHashSet<DeviceImpl> deferredPending = new LinkedHashSet<>();
    private final ArrayDeque<DeviceImpl> deferredActive = new ArrayDeque<>();
    private final AtomicLong deferredTriggerCount = new AtomicLong();
    private boolean deferredWorkQueued;

    // devices queued while probing is blocked (framework start-up)
    private boolean probingBlocked;
    private final List<DeviceImpl> blockedQueue = new ArrayList<>();

    // everything in flight, for wait_for_device_probe
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    private final AtomicInteger inFlight = new AtomicInteger();

    private final ExecutorService asyncProbe;
    private final ExecutorService deferredWork;
    private final ExecutorService ueventDispatch;
    private final AtomicLong seqnum = new AtomicLong();
    private final ArrayDeque<UeventRecord> history = new ArrayDeque<>();
    private volatile Consumer<UeventRecord> ueventSink = e -> { };
    private volatile boolean testRemove;
    private volatile boolean shutDown;

    public DriverCoreImpl() {
        this.asyncProbe = Executors.newCachedThreadPool(daemon("nova-async-probe"));
        this.deferredWork = Executors.newSingleThreadExecutor(daemon("nova-deferred-probe"));
        this.ueventDispatch = Executors.newSingleThreadExecutor(daemon("nova-uevent"));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Where posted uevents go (Event Admin in OSGi); called on the dispatcher thread. */
    public void setUeventSink(Consumer<UeventRecord> sink) {
        this.ueventSink = sink == null ? e -> { } : sink;
    }

    /**
     * Blocks or unblocks probing (device_block_probing / device_unblock_probing). While blocked,
     * devices are queued; unblocking attaches them in the order they came, each to its best driver.
     */
    public void setProbingBlocked(boolean blocked) {
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
                deviceAttach(d, true);
            } finally {
                done();
            }
        }
    }

    /** Stops the worker threads; the core must be empty (every bus closed) first. */
    public void shutdown() {
        shutDown = true;
        List<BusImpl> all;
        lock.lock();
        try {
            all = List.copyOf(buses.values());
        } finally {
            lock.unlock();
        }
        for (BusImpl b : all) {
            b.close();
        }
        asyncProbe.shutdown();
        deferredWork.shutdown();
        ueventDispatch.shutdown();
        try {
            asyncProbe.awaitTermination(10, TimeUnit.SECONDS);
            deferredWork.awaitTermination(10, TimeUnit.SECONDS);
            ueventDispatch.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ DriverCore

    @Override
    public BusRegistration registerBus(BusType type) {
        String name = type.name();
        if (name == null || name.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "a bus needs a name");
        }
        lock.lock();
        try {
            if (buses.containsKey(name)) {
                throw new DriverException(Errno.EBUSY, "bus " + name + " is already registered");
            }
            BusImpl bus = new BusImpl(this, type);
            buses.put(name, bus);
            LOG.info("bus {} registered", name);
            return bus;
        } finally {
            lock.unlock();
        }
    }

    void unregisterBus(BusImpl bus) {
        lock.lock();
        try {
            buses.remove(bus.name(), bus);
        } finally {
            lock.unlock();
        }
        LOG.info("bus {} unregistered", bus.name());
    }

    @Override
    public Collection<Bus> buses() {
        lock.lock();
        try {
            return List.copyOf(buses.values());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Bus> bus(String name) {
        lock.lock();
        try {
            return Optional.ofNullable(buses.get(name));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Bus requireBus(String name) {
        return bus(name).orElseThrow(() -> new DriverException(Errno.ENOENT, "no bus named '" + name + "'"));
    }

    @Override
    public DevresTracker devres() {
        return devres;
    }

    @Override
    public void setTestDriverRemove(boolean on) {
        testRemove = on;
        if (on) {
            LOG.info("test driver remove on: every probe is followed by a remove and a second probe");
        }
    }

    @Override
    public boolean testDriverRemove() {
        return testRemove;
    }

    @Override
    public List<UeventRecord> recentUevents() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    // ------------------------------------------------------------------ in-flight accounting

    void begin() {
        inFlight.incrementAndGet();
    }

    void done() {
        if (inFlight.decrementAndGet() == 0) {
            idleLock.lock();
            try {
                idle.signalAll();
            } finally {
                idleLock.unlock();
            }
        }
    }

    @Override
    public boolean waitForDeviceProbe(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        idleLock.lock();
        try {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            idleLock.unlock();
        }
    }

    // ------------------------------------------------------------------ uevents

    /**
     * Queues a uevent; call with or without {@link #lock}: the bus's variables are added and the
     * event posted on the dispatcher, so {@link BusType#uevent} never runs under the lock.
     */
    void uevent(Uevent.Action action, DeviceImpl dev, String driver, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Uevent.ACTION, action.name());
        env.put(Uevent.DEVPATH, dev.devpath());
        env.put(Uevent.SUBSYSTEM, dev.bus.name());
        env.put(Uevent.DEVICE, dev.name());
        if (driver != null) {
            env.put(Uevent.DRIVER, driver);
        }
        Map<String, String> more = extra == null ? null : Map.copyOf(extra);
        long seq = seqnum.incrementAndGet();
        if (shutDown) {
            return;
        }
        submit(ueventDispatch, () -> {
            try {
                dev.bus.type.uevent(dev, env);
            } catch (RuntimeException e) {
                LOG.warn("bus {} failed to describe {} for a uevent: {}", dev.bus.name(), dev.name(), e.toString());
            }
            if (more != null) {
                env.putAll(more);
            }
            env.put(Uevent.SEQNUM, Long.toString(seq));
            UeventRecord rec = new UeventRecord(seq, action, dev.bus.name(), dev.name(), Map.copyOf(env));
            synchronized (history) {
                history.addLast(rec);
                while (history.size() > UEVENT_HISTORY) {
                    history.removeFirst();
                }
            }
            try {
                ueventSink.accept(rec);
            } catch (RuntimeException e) {
                LOG.warn("uevent {} {} not delivered: {}", action, dev.name(), e.toString());
            }
        });
    }

    // ------------------------------------------------------------------ matching

    /** One driver's answer for a device, with the keys that order the trials. */
    record Candidate(DriverImpl driver, MatchResult result) {
    }

    /** Most specific first, then higher service.ranking, then older (lower service.id). */
    static final Comparator<Candidate> TRIAL_ORDER = Comparator
            .comparingInt((Candidate c) -> -c.result().specificity())
            .thenComparingInt(c -> -c.driver().desc.ranking())
            .thenComparingLong(c -> c.driver().desc.serviceId());

    /** The match answer, with the generic driver_override rule applied before the bus's own. */
    MatchResult match(DeviceImpl dev, DriverImpl drv) {
        String override = dev.overrideValue();
        if (override != null && !override.equals(drv.desc.name())) {
            return MatchResult.noMatch("driver_override names " + override);
        }
        try {
            return dev.bus.type.match(dev, drv.desc);
        } catch (RuntimeException e) {
            LOG.warn("bus {} match of {} with {} failed: {}", dev.bus.name(), dev.name(), drv.desc.name(), e.toString());
            return MatchResult.noMatch("match failed: " + e);
        }
    }

    /**
     * The drivers' answers, matches first in trial order, then non-matches in registration order:
     * of every driver with {@code all}, else of the candidates the bus's index admits.
     */
    List<Candidate> rank(DeviceImpl dev, boolean all) {
        List<DriverImpl> drivers;
        if (all) {
            lock.lock();
            try {
                drivers = List.copyOf(dev.bus.drivers);
            } finally {
                lock.unlock();
            }
        } else {
            drivers = dev.bus.candidates(dev);
        }
        List<Candidate> matches = new ArrayList<>();
        List<Candidate> others = new ArrayList<>();
        for (DriverImpl d : drivers) {
            Candidate c = new Candidate(d, match(dev, d));
            (c.result().kind() == MatchResult.Kind.NO_MATCH ? others : matches).add(c);
        }
        matches.sort(TRIAL_ORDER);
        matches.addAll(others);
        return matches;
    }

    @Override
    public Optional<String> firstChoice(Device device) {
        List<Candidate> ranked = rank((DeviceImpl) device, false);
        return ranked.isEmpty() || !ranked.get(0).result().matches() ? Optional.empty()
                : Optional.of(ranked.get(0).driver().desc.name());
    }

    // ------------------------------------------------------------------ attach (device side)

    /** Outcome of one probe attempt. */
    enum Probe { BOUND, DEFERRED, FAILED, SKIPPED }

    /**
     * One probe attempt's outcome with its own error: {@code dev.lastProbeError} is shared with
     * concurrent probes of the device and only kept for {@code drv:why}.
     */
    record Attempt(Probe outcome, DriverException error) {
    }

    /** Records the error for {@code why} and returns it with the outcome. */
    private static Attempt attempt(DeviceImpl dev, Probe outcome, DriverException error) {
        dev.lastProbeError = error;
        return new Attempt(outcome, error);
    }

    /**
     * __device_attach: tries the matching drivers in trial order until one binds or defers.
     * With {@code allowAsync}, a device whose first choice prefers asynchronous probing is
     * attached on a worker instead.
     */
    void deviceAttach(DeviceImpl dev, boolean allowAsync) {
        lock.lock();
        try {
            if (dev.dead || dev.driver != null || dev.probing != null) {
                return;
            }
            if (probingBlocked) {
                if (!blockedQueue.contains(dev)) {
                    blockedQueue.add(dev);
                    begin();
                }
                return;
            }
        } finally {
            lock.unlock();
        }
        long triggerCount = deferredTriggerCount.get();
        List<Candidate> ranked = rank(dev, false);
        if (allowAsync && !ranked.isEmpty() && ranked.get(0).result().matches()
                && ranked.get(0).driver().desc.probeType() == ProbeType.PREFER_ASYNCHRONOUS) {
            begin();
            if (!submit(asyncProbe, () -> {
                try {
                    deviceAttach(dev, false);
                } finally {
                    done();
                }
            })) {
                done();
            }
            return;
        }
        for (Candidate c : ranked) {
            MatchResult r = c.result();
            if (r.kind() == MatchResult.Kind.NO_MATCH) {
                break;
            }
            if (r.kind() == MatchResult.Kind.DEFER) {
                deferProbe(dev, triggerCount, "bus match of " + c.driver().desc.name() + " deferred: " + r.reason());
                return;
            }
            Probe p = probe(dev, c.driver(), r, triggerCount, true);
            if (p == Probe.BOUND || p == Probe.DEFERRED) {
                return;
            }
        }
    }

    void deferProbe(DeviceImpl dev, long triggerCountAtStart, String why) {
        lock.lock();
        try {
            if (dev.dead) {
                return;
            }
            dev.deferReason = why;
            if (!dev.deferred) {
                dev.deferred = true;
                deferredPending.add(dev);
            }
        } finally {
            lock.unlock();
        }
        LOG.debug("{} {}: probe deferred ({})", dev.bus.name(), dev.name(), why);
        // A successful bind that raced with this probe would not see the device on the list:
        // the kernel re-triggers when the count moved meanwhile (driver_deferred_probe_add_trigger).
        if (deferredTriggerCount.get() != triggerCountAtStart) {
            triggerDeferredProbe();
        }
    }

    /**
     * really_probe: one driver, one device, under the device's lock.
     *
     * @param queueDeferred whether a deferral puts the device on the deferred list (driver_probe_device);
     *     false for a manual bind, which only reports it (device_driver_attach)
     * @throws nothing: the outcome says what happened; {@link #bindManually} turns it into errors
     */
    Probe probe(DeviceImpl dev, DriverImpl drv, MatchResult match, long triggerCount, boolean queueDeferred) {
        return tryProbe(dev, drv, match, triggerCount, queueDeferred).outcome();
    }

    /** {@link #probe}, with the attempt's error. */
    Attempt tryProbe(DeviceImpl dev, DriverImpl drv, MatchResult match, long triggerCount, boolean queueDeferred) {
        begin();
        dev.lock.lock();
        try {
            lock.lock();
            try {
                if (dev.dead || !drv.registered || drv.leaving) {
                    return attempt(dev, Probe.SKIPPED, new DriverException(Errno.ENODEV,
                            dev.dead ? dev.name() + " is gone" : "driver " + drv.desc.name() + " is unregistered"));
                }
                if (dev.driver != null) {
                    return attempt(dev, Probe.SKIPPED, new DriverException(Errno.EBUSY,
                            dev.name() + " is already bound to " + dev.driver.desc.name()));
                }
                String waiting = dev.supplierNotReady();
                if (waiting != null) {
                    if (queueDeferred) {
                        lock.unlock();
                        try {
                            deferProbe(dev, triggerCount, "supplier " + waiting + " not bound");
                        } finally {
                            lock.lock();
                        }
                    }
                    return attempt(dev, Probe.DEFERRED, new ProbeDeferException("supplier " + waiting + " not bound"));
                }
                if (!dev.devres.isEmpty()) {
                    // really_probe: "Resources present before probing"
                    DriverException busy = new DriverException(Errno.EBUSY,
                            dev.name() + " has " + dev.devres.liveCount() + " devres before probing");
                    LOG.warn("{} {}: {}", dev.bus.name(), dev.name(), busy.getMessage());
                    return attempt(dev, Probe.FAILED, busy);
                }
                dev.probing = drv;
                dev.devres.setOwner(drv.desc.name(), drv.desc.bundle());
                dev.linksConsumerProbe();
            } finally {
                lock.unlock();
            }
            Object data;
            try {
                data = dev.bus.type.probe(dev, drv.desc, match);
                if (testRemove) {
                    LOG.debug("{} {}: test driver remove: removing and probing {} again", dev.bus.name(), dev.name(),
                            drv.desc.name());
                    callRemove(dev, drv, data);
                    dev.devres.releaseAll();
                    data = dev.bus.type.probe(dev, drv.desc, match);
                }
            } catch (Throwable t) {
                dev.devres.releaseAll();
                dev.devres.setOwner(null, null);
                lock.lock();
                try {
                    dev.probing = null;
                    dev.linksProbeFailed();
                } finally {
                    lock.unlock();
                }
                if (t instanceof ProbeDeferException d) {
                    Attempt deferred = attempt(dev, Probe.DEFERRED, d);
                    if (queueDeferred) {
                        deferProbe(dev, triggerCount, drv.desc.name() + ": " + d.getMessage());
                    }
                    return deferred;
                }
                Errno e = DriverException.errnoOf(t);
                Attempt failed = attempt(dev, Probe.FAILED, t instanceof DriverException de ? de
                        : new DriverException(e, drv.desc.name() + " probe of " + dev.name() + " failed: " + t, t));
                if (e == Errno.ENODEV || e == Errno.ENXIO) {
                    LOG.debug("{} {}: {} rejected it: {}", dev.bus.name(), dev.name(), drv.desc.name(), t.toString());
                } else {
                    // one line, as the kernel's "probe of X failed with error -5"; the trace at debug
                    LOG.warn("{} {}: probe with driver {} failed with error {}", dev.bus.name(), dev.name(),
                            drv.desc.name(), t.toString());
                    LOG.debug("{} {}: probe failure", dev.bus.name(), dev.name(), t);
                }
                if (t instanceof Error err && !(t instanceof AssertionError)) {
                    throw err;
                }
                return failed;
            }
            lock.lock();
            try {
                dev.probing = null;
                dev.driver = drv;
                dev.drvdata = data;
                dev.lastProbeError = null;
                drv.bound.add(dev);
                if (dev.deferred) {
                    dev.deferred = false;
                    deferredPending.remove(dev);
                    deferredActive.remove(dev);
                }
                dev.linksDriverBound();
                uevent(Uevent.Action.BIND, dev, drv.desc.name(), null);
            } finally {
                lock.unlock();
            }
            LOG.debug("{} {}: bound to {}", dev.bus.name(), dev.name(), drv.desc.name());
        } finally {
            dev.lock.unlock();
            done();
        }
        // driver_bound: a new binding may be what a deferred device waited for.
        triggerDeferredProbe();
        return new Attempt(Probe.BOUND, null);
    }

    void callRemove(DeviceImpl dev, DriverImpl drv, Object data) {
        try {
            dev.bus.type.remove(dev, drv.desc, data);
        } catch (RuntimeException e) {
            LOG.warn("{} {}: remove of driver {} failed (ignored, as the kernel does): {}", dev.bus.name(),
                    dev.name(), drv.desc.name(), e.toString(), e);
        }
    }

    /** bind_store: a synchronous probe with errors. */
    void bindManually(DeviceImpl dev, DriverImpl drv) {
        MatchResult m = match(dev, drv);
        if (m.kind() == MatchResult.Kind.NO_MATCH) {
            throw new DriverException(Errno.ENODEV, "driver " + drv.desc.name() + " does not match " + dev.name()
                    + " (" + m.reason() + ")");
        }
        if (m.kind() == MatchResult.Kind.DEFER) {
            throw new DriverException(Errno.EAGAIN, "match of " + dev.name() + " with " + drv.desc.name()
                    + " deferred: " + m.reason());
        }
        Attempt a = tryProbe(dev, drv, m, deferredTriggerCount.get(), false);
        switch (a.outcome()) {
            case BOUND -> {
            }
            case DEFERRED -> throw new DriverException(Errno.EAGAIN, "probe of " + dev.name() + " by "
                    + drv.desc.name() + " deferred: " + a.error().getMessage(), a.error());
            default -> throw a.error();
        }
    }

    // ------------------------------------------------------------------ release

    /**
     * __device_release_driver: consumers and children first, then the driver's remove, then the
     * binding's devres (LIFO), then UNBIND. Does nothing for an unbound device.
     */
    void releaseDriver(DeviceImpl dev) {
        List<DeviceImpl> first = new ArrayList<>();
        lock.lock();
        try {
            if (dev.driver == null && dev.probing == null) {
                return;
            }
            dev.unbinding = true;
            for (LinkImpl l : dev.consumerLinks) {
                if (l.managed()) {
                    l.state = DeviceLink.State.SUPPLIER_UNBIND;
                    first.add(l.consumer);
                }
            }
            List<DeviceImpl> kids = new ArrayList<>(dev.children);
            java.util.Collections.reverse(kids);
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
                DriverImpl drv;
                Object data;
                lock.lock();
                try {
                    drv = dev.driver;
                    data = dev.drvdata;
                } finally {
                    lock.unlock();
                }
                if (drv == null) {
                    return;
                }
                callRemove(dev, drv, data);
                dev.devres.releaseAll();
                dev.devres.setOwner(null, null);
                lock.lock();
                try {
                    dev.driver = null;
                    dev.drvdata = null;
                    drv.bound.remove(dev);
                    dev.linksDriverUnbound();
                    uevent(Uevent.Action.UNBIND, dev, drv.desc.name(), null);
                } finally {
                    lock.unlock();
                }
                LOG.debug("{} {}: unbound from {}", dev.bus.name(), dev.name(), drv.desc.name());
            } finally {
                dev.lock.unlock();
            }
        } finally {
            lock.lock();
            try {
                dev.unbinding = false;
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ deferred probe

    @Override
    public void triggerDeferredProbe() {
        lock.lock();
        try {
            deferredTriggerCount.incrementAndGet();
            if (deferredPending.isEmpty()) {
                return;
            }
            deferredActive.addAll(deferredPending);
            deferredPending.clear();
            if (deferredWorkQueued || shutDown) {
                return;
            }
            deferredWorkQueued = true;
            begin();
        } finally {
            lock.unlock();
        }
        if (!submit(deferredWork, this::runDeferred)) {
            lock.lock();
            try {
                deferredWorkQueued = false;
            } finally {
                lock.unlock();
            }
            done();
        }
    }

    /** Runs work on an executor; false if the core is shutting down and the work was refused. */
    private static boolean submit(ExecutorService executor, Runnable work) {
        try {
            executor.execute(work);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("driver core shutting down: work refused");
            return false;
        }
    }

    private void runDeferred() {
        try {
            while (true) {
                DeviceImpl dev;
                lock.lock();
                try {
                    dev = deferredActive.pollFirst();
                    if (dev == null) {
                        deferredWorkQueued = false;
                        return;
                    }
                    dev.deferred = false;
                } finally {
                    lock.unlock();
                }
                try {
                    if (dev.bus.autoprobe() && (dev.bus.type.autoprobeAllowed(dev) || dev.overrideValue() != null)) {
                        deviceAttach(dev, true);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("deferred probe of {} failed: {}", dev.name(), e.toString(), e);
                }
            }
        } finally {
            done();
        }
    }

    @Override
    public List<String> deferredDevices() {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (DeviceImpl d : deferredPending) {
                out.add(d.bus.name() + ":" + d.name());
            }
            for (DeviceImpl d : deferredActive) {
                out.add(d.bus.name() + ":" + d.name());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** driver_deferred_probe_add for a device that did not probe itself; call with {@link #lock}. */
    void queueDeferred(DeviceImpl dev, String why) {
        if (dev.dead || dev.driver != null || dev.deferred) {
            return;
        }
        dev.deferReason = why;
        dev.deferred = true;
        deferredPending.add(dev);
    }

    void forgetDeferred(DeviceImpl dev) {
        dev.deferred = false;
        deferredPending.remove(dev);
        deferredActive.remove(dev);
        if (blockedQueue.remove(dev)) {
            done();
        }
    }

    // ------------------------------------------------------------------ device links

    @Override
    public DeviceLink addLink(Device supplierDev, Device consumerDev, Set<LinkFlag> flags) {
        DeviceImpl supplier = (DeviceImpl) supplierDev;
        DeviceImpl consumer = (DeviceImpl) consumerDev;
        EnumSet<LinkFlag> f = flags.isEmpty() ? EnumSet.noneOf(LinkFlag.class) : EnumSet.copyOf(flags);
        boolean stateless = f.contains(LinkFlag.STATELESS);
        boolean autoremove = f.contains(LinkFlag.AUTOREMOVE_CONSUMER) || f.contains(LinkFlag.AUTOREMOVE_SUPPLIER);
        boolean autoprobe = f.contains(LinkFlag.AUTOPROBE_CONSUMER);
        if (stateless && (autoremove || autoprobe)) {
            throw new DriverException(Errno.EINVAL, "a STATELESS link cannot have AUTOREMOVE or AUTOPROBE flags");
        }
        if (autoprobe && autoremove) {
            throw new DriverException(Errno.EINVAL, "AUTOPROBE_CONSUMER cannot be combined with AUTOREMOVE flags");
        }
        if (supplier == consumer) {
            throw new DriverException(Errno.EINVAL, "a device cannot supply itself (" + supplier.name() + ")");
        }
        lock.lock();
        try {
            if (supplier.dead || consumer.dead) {
                throw new DriverException(Errno.EINVAL, "cannot link a removed device");
            }
            for (LinkImpl l : supplier.consumerLinks) {
                if (l.consumer == consumer) {
                    return l;
                }
            }
            for (DeviceImpl p = supplier.parent; p != null; p = p.parent) {
                if (p == consumer) {
                    throw new DriverException(Errno.EINVAL, "consumer " + consumer.name()
                            + " is an ancestor of supplier " + supplier.name());
                }
            }
            if (isDependent(consumer, supplier)) {
                throw new DriverException(Errno.EINVAL, "link " + supplier.name() + " -> " + consumer.name()
                        + " would close a cycle");
            }
            LinkImpl l = new LinkImpl(this, supplier, consumer, f);
            links.add(l);
            supplier.consumerLinks.add(l);
            consumer.supplierLinks.add(l);
            if (!stateless) {
                l.state = supplier.driver != null ? (consumer.driver != null ? DeviceLink.State.ACTIVE
                        : DeviceLink.State.AVAILABLE) : DeviceLink.State.DORMANT;
            }
            return l;
        } finally {
            lock.unlock();
        }
    }

    /**
     * device_is_dependent: is {@code target} below {@code dev}, through children and consumer links
     * alike? A link making {@code dev} depend on {@code target} would then close a loop (unbinding
     * either would recurse forever). Call with {@link #lock}.
     */
    private static boolean isDependent(DeviceImpl dev, DeviceImpl target) {
        for (DeviceImpl child : dev.children) {
            if (child == target || isDependent(child, target)) {
                return true;
            }
        }
        for (LinkImpl l : dev.consumerLinks) {
            if (l.consumer == target || isDependent(l.consumer, target)) {
                return true;
            }
        }
        return false;
    }

    void deleteLink(LinkImpl l) {
        lock.lock();
        try {
            if (!links.contains(l)) {
                return;
            }
            l.detach();
        } finally {
            lock.unlock();
        }
        // a consumer held back by this link may probe now
        triggerDeferredProbe();
    }

    /** Drops a detached link from the core's list; call with {@link #lock}. */
    void forgetLink(LinkImpl l) {
        links.remove(l);
    }

    @Override
    public List<DeviceLink> links(Device device) {
        DeviceImpl d = (DeviceImpl) device;
        lock.lock();
        try {
            List<DeviceLink> out = new ArrayList<>(d.supplierLinks);
            out.addAll(d.consumerLinks);
            return out;
        } finally {
            lock.unlock();
        }
    }
}
