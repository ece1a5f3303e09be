package org.nova.driver.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.nova.driver.DriverCall;

/**
 * The drivers' probe and remove callbacks running now, each with its start time: what the
 * kernel's hung-task detector (kernel/hung_task.c) would point at when a driver blocks. Written by
 * {@link Binding} only, around each callback; read by anyone for diagnostics.
 *
 * <p>The running calls are an intrusive list of their own records, oldest first: beginning and
 * ending a call links and unlinks one node under this object's monitor, with no key to box or
 * hash (every probe of every device passes here twice).
 *
 * <p>Locking: the list is guarded by this object's monitor, held for the link or unlink only.
 */
final class DriverCalls {
    /** One running callback, linked into the list until closed; closing it again does nothing. */
    private final class Running implements Call {
        final DeviceImpl dev;
        final String driver;
        final DriverCall.Kind kind;
        final long startNanos;
        /** Neighbours in the list; guarded by the list's monitor. */
        Running prev;
        Running next;
        boolean linked;

        Running(DeviceImpl dev, String driver, DriverCall.Kind kind, long startNanos) {
            this.dev = dev;
            this.driver = driver;
            this.kind = kind;
            this.startNanos = startNanos;
        }

        @Override
        public void close() {
            unlink(this);
        }
    }

    /** One running callback; closing it records that the callback returned. */
    interface Call extends AutoCloseable {
        @Override
        void close();
    }

    /** The oldest and newest running calls, null when none runs; guarded by this object's monitor. */
    private Running head;
    private Running tail;

    /** A driver callback starts on this thread; close the result when it returns or throws. */
    Call begin(DeviceImpl dev, DriverImpl drv, DriverCall.Kind kind) {
        Running r = new Running(dev, drv.desc.name(), kind, System.nanoTime());
        synchronized (this) {
            r.prev = tail;
            if (tail == null) {
                head = r;
            } else {
                tail.next = r;
            }
            tail = r;
            r.linked = true;
        }
        return r;
    }

    private synchronized void unlink(Running r) {
        if (!r.linked) {
            return;
        }
        if (r.prev == null) {
            head = r.next;
        } else {
            r.prev.next = r.next;
        }
        if (r.next == null) {
            tail = r.prev;
        } else {
            r.next.prev = r.prev;
        }
        r.prev = null;
        r.next = null;
        r.linked = false;
    }

    /** @return the callbacks running now, longest-running first */
    List<DriverCall> inProgress() {
        List<Running> now;
        synchronized (this) {
            now = new ArrayList<>();
            for (Running r = head; r != null; r = r.next) {
                now.add(r);
            }
        }
        long t = System.nanoTime();
        return now.stream()
                .sorted(Comparator.comparingLong((Running r) -> r.startNanos))
                .map(r -> new DriverCall(r.dev.bus.name(), r.dev.name(), r.driver, r.kind,
                        Duration.ofNanos(t - r.startNanos)))
                .toList();
    }
}
