package org.nova.driver.internal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.nova.driver.DriverCore.UeventRecord;
import org.nova.driver.Uevent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lib/kobject_uevent.c: {@code kobject_uevent_env} for devices. Builds the environment (ACTION,
 * DEVPATH, SUBSYSTEM, DEVICE, DRIVER, the bus's own variables such as MODALIAS, SEQNUM), numbers
 * each event from one counter ({@code uevent_seqnum}) and hands it to the sink (Event Admin in
 * OSGi) on one dispatcher thread, in sequence order.
 *
 * <p>Events are queued, not submitted one by one: the first event of an empty queue submits one
 * drain task, which takes the whole queue at a time and delivers it; events emitted meanwhile join
 * the next batch. A drain task that finds the dispatcher woken for a queue of fewer than
 * {@value #BATCH} events first gathers for at most {@value #GATHER_MILLIS} ms, or until
 * {@value #BATCH} are queued (the emitter that queues the {@value #BATCH}th wakes it): when devices
 * come one every few microseconds, a dispatcher woken for each event or two (thousands of wake-ups
 * for 10k devices, each a futex call on the emitting thread and a context switch taking the CPU
 * from the probes on a small machine) was the largest cost of binding left. A lone event is thus
 * delivered at most {@value #GATHER_MILLIS} ms later than it would be otherwise; order and
 * numbering do not change. (The kernel hands events to netlink at once; its listeners, udevd
 * first, read the socket in batches.)
 *
 * <p>Locking: {@link #emit} may be called with or without the core's lock; it takes a sequence
 * number and queues under {@link #seqLock}, held for nothing else. The environment, the bus's
 * {@code uevent} callback and the sink run on the dispatcher, never under the core's lock.
 * {@link #history} is guarded by its own monitor.
 */
final class Uevents {
    private static final Logger LOG = LoggerFactory.getLogger(Uevents.class);
    /** How many uevents {@link #recent()} keeps. */
    static final int HISTORY = 512;
    /** A queue this long is delivered at once; a shorter one waits up to {@link #GATHER_MILLIS} for more. */
    static final int BATCH = 256;
    /** The longest a woken dispatcher waits for {@link #BATCH} events before delivering fewer. */
    static final long GATHER_MILLIS = 1;

    private final DriverCoreImpl core;
    private final ExecutorService dispatch = Workqueues.ordered("nova-uevent");
    /** Numbers and queues each event in one step, so the dispatcher delivers in SEQNUM order. */
    private final Object seqLock = new Object();
    /** uevent_seqnum: the last number given; guarded by {@link #seqLock}. */
    private long seqnum;
    /** Events numbered and not yet taken by the dispatcher, in SEQNUM order; guarded by {@link #seqLock}. */
    private ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Whether a drain task is submitted and has not yet found the queue empty; guarded by {@link #seqLock}. */
    private boolean draining;
    /** Whether the drain task waits on {@link #seqLock} for {@link #BATCH} events; guarded by it. */
    private boolean gathering;
    /** Drain tasks submitted (dispatcher wake-ups) since the core started; guarded by {@link #seqLock}. */
    private long wakeups;
    private final ArrayDeque<UeventRecord> history = new ArrayDeque<>();
    private volatile Consumer<UeventRecord> sink = e -> { };

    /** An event as {@link #emit} takes it; the dispatcher builds its environment. */
    private record Pending(long seq, Uevent.Action action, DeviceImpl dev, String driver, Map<String, String> extra) {
    }

    Uevents(DriverCoreImpl core) {
        this.core = core;
    }

    /** Where posted uevents go; called on the dispatcher thread. Null drops them. */
    void setSink(Consumer<UeventRecord> sink) {
        this.sink = sink == null ? e -> { } : sink;
    }

    /**
     * Queues a uevent for a device. The environment, the bus's variables and {@code extra} are
     * built on the dispatcher. Nothing is sent once the core is shutting down.
     *
     * @param driver the DRIVER variable, or null for none
     * @param extra more variables (CHANGE events), or null
     */
    void emit(Uevent.Action action, DeviceImpl dev, String driver, Map<String, String> extra) {
        Map<String, String> more = extra == null ? null : Map.copyOf(extra);
        synchronized (seqLock) {
            long seq = ++seqnum;
            if (core.isShuttingDown()) {
                return;
            }
            queue.addLast(new Pending(seq, action, dev, driver, more));
            if (gathering && queue.size() == BATCH) {
                seqLock.notifyAll();
            } else if (!draining) {
                wakeups++;
                draining = Workqueues.submit(dispatch, this::drain);
                if (!draining) {
                    queue.clear();
                }
            }
        }
    }

    /**
     * The dispatcher's task: delivers batch after batch until it finds the queue empty. Should a
     * delivery throw past {@link #deliver}'s own handling, the next event submits a new task.
     */
    private void drain() {
        boolean empty = false;
        try {
            gather();
            while (true) {
                ArrayDeque<Pending> batch;
                synchronized (seqLock) {
                    if (queue.isEmpty()) {
                        empty = true;
                        draining = false;
                        return;
                    }
                    batch = queue;
                    queue = new ArrayDeque<>();
                }
                for (Pending p : batch) {
                    deliver(p);
                }
            }
        } finally {
            if (!empty) {
                synchronized (seqLock) {
                    draining = false;
                }
            }
        }
    }

    /**
     * The woken dispatcher's wait for a batch: returns once {@link #BATCH} events are queued,
     * {@link #GATHER_MILLIS} ms have passed, or the core is shutting down. An interrupt (the
     * executor stopping) ends the wait and is kept.
     */
    private void gather() {
        synchronized (seqLock) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GATHER_MILLIS);
            gathering = true;
            try {
                while (queue.size() < BATCH && !core.isShuttingDown()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    TimeUnit.NANOSECONDS.timedWait(seqLock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                gathering = false;
            }
        }
    }

    /**
     * Builds the event's environment and posts it. As kobject_uevent_env, an event whose bus
     * callback fails, or whose variables do not fit ({@link UeventEnv.Full}, add_uevent_var's
     * -ENOMEM), is not sent: a warning says why. Its SEQNUM stays unused (the kernel numbers an
     * event after the callbacks; here the number is taken at {@link #emit}, which keeps delivery
     * in order).
     */
    private void deliver(Pending p) {
        DeviceImpl dev = p.dev();
        UeventEnv env = new UeventEnv();
        try {
            env.put(Uevent.ACTION, p.action().name());
            env.put(Uevent.DEVPATH, dev.devpath());
            env.put(Uevent.SUBSYSTEM, dev.bus.name());
            env.put(Uevent.DEVICE, dev.name());
            if (p.driver() != null) {
                env.put(Uevent.DRIVER, p.driver());
            }
            try {
                dev.bus.type.uevent(dev, env);
            } catch (UeventEnv.Full e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warn("uevent {} {} {} not sent: bus {} failed to describe the device: {}", p.seq(),
                        p.action(), dev.name(), dev.bus.name(), e.toString());
                return;
            }
            if (p.extra() != null) {
                env.putAll(p.extra());
            }
            env.put(Uevent.SEQNUM, Long.toString(p.seq()));
        } catch (UeventEnv.Full e) {
            LOG.warn("uevent {} {} {} not sent: {}", p.seq(), p.action(), dev.name(), e.getMessage());
            return;
        }
        // the map is no one else's from here on: read-only, in the order the variables were added
        UeventRecord rec = new UeventRecord(p.seq(), p.action(), dev.bus.name(), dev.name(), env.freeze());
        // as udevadm monitor --kernel shows it, so that dmesg and the log file carry the session's uevents
        if (LOG.isInfoEnabled()) {
            String driver = env.get(Uevent.DRIVER);
            LOG.info("uevent {} {} {} ({}){}", p.seq(), p.action().name().toLowerCase(Locale.ROOT),
                    env.get(Uevent.DEVPATH), dev.bus.name(), driver == null ? "" : " DRIVER=" + driver);
        }
        synchronized (history) {
            history.addLast(rec);
            while (history.size() > HISTORY) {
                history.removeFirst();
            }
        }
        try {
            sink.accept(rec);
        } catch (RuntimeException e) {
            LOG.warn("uevent {} {} not delivered: {}", p.action(), dev.name(), e.toString());
        }
    }

    /** @return how many times the dispatcher was woken for queued events (drain tasks submitted) */
    long wakeups() {
        synchronized (seqLock) {
            return wakeups;
        }
    }

    /** @return the latest {@value #HISTORY} uevents, oldest first. */
    List<UeventRecord> recent() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** Delivers what is queued (bounded wait), then stops the dispatcher. */
    void shutdown() {
        Workqueues.stop(dispatch);
    }
}
