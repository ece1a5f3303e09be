package org.nova.driver.internal;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
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
 * <p>Locking: {@link #emit} may be called with or without the core's lock; it takes a sequence
 * number and queues under {@link #seqLock}, held for nothing else. The bus's {@code uevent}
 * callback and the sink run on the dispatcher, never under the core's lock. {@link #history} is
 * guarded by its own monitor.
 */
final class Uevents {
    private static final Logger LOG = LoggerFactory.getLogger(Uevents.class);
    /** How many uevents {@link #recent()} keeps. */
    static final int HISTORY = 512;

    private final DriverCoreImpl core;
    private final ExecutorService dispatch = Workqueues.ordered("nova-uevent");
    /** Numbers and queues each event in one step, so the dispatcher delivers in SEQNUM order. */
    private final Object seqLock = new Object();
    /** uevent_seqnum: the last number given; guarded by {@link #seqLock}. */
    private long seqnum;
    private final ArrayDeque<UeventRecord> history = new ArrayDeque<>();
    private volatile Consumer<UeventRecord> sink = e -> { };

    Uevents(DriverCoreImpl core) {
        this.core = core;
    }

    /** Where posted uevents go; called on the dispatcher thread. Null drops them. */
    void setSink(Consumer<UeventRecord> sink) {
        this.sink = sink == null ? e -> { } : sink;
    }

    /**
     * Queues a uevent for a device. The bus's variables and {@code extra} are added on the
     * dispatcher. Nothing is sent once the core is shutting down.
     *
     * @param driver the DRIVER variable, or null for none
     * @param extra more variables (CHANGE events), or null
     */
    void emit(Uevent.Action action, DeviceImpl dev, String driver, Map<String, String> extra) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Uevent.ACTION, action.name());
        env.put(Uevent.DEVPATH, dev.devpath());
        env.put(Uevent.SUBSYSTEM, dev.bus.name());
        env.put(Uevent.DEVICE, dev.name());
        if (driver != null) {
            env.put(Uevent.DRIVER, driver);
        }
        Map<String, String> more = extra == null ? null : Map.copyOf(extra);
        synchronized (seqLock) {
            long seq = ++seqnum;
            if (core.isShuttingDown()) {
                return;
            }
            Workqueues.submit(dispatch, () -> deliver(seq, action, dev, env, more));
        }
    }

    private void deliver(long seq, Uevent.Action action, DeviceImpl dev, Map<String, String> env,
            Map<String, String> more) {
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
        // as udevadm monitor --kernel shows it, so that dmesg and the log file carry the session's uevents
        String driver = env.get(Uevent.DRIVER);
        LOG.info("uevent {} {} {} ({}){}", seq, action.name().toLowerCase(Locale.ROOT), env.get(Uevent.DEVPATH),
                dev.bus.name(), driver == null ? "" : " DRIVER=" + driver);
        synchronized (history) {
            history.addLast(rec);
            while (history.size() > HISTORY) {
                history.removeFirst();
            }
        }
        try {
            sink.accept(rec);
        } catch (RuntimeException e) {
            LOG.warn("uevent {} {} not delivered: {}", action, dev.name(), e.toString());
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
