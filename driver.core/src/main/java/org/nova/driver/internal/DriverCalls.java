package org.nova.driver.internal;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.nova.driver.DriverCall;

/**
 * The drivers' probe and remove callbacks running now, each with its start time: what the
 * kernel's hung-task detector (kernel/hung_task.c) would point at when a driver blocks. Written by
 * {@link Binding} only, around each callback; read by anyone for diagnostics.
 *
 * <p>Locking: none; the map is concurrent and each entry is written once.
 */
final class DriverCalls {
    private record Running(DeviceImpl dev, String driver, DriverCall.Kind kind, long startNanos) {
    }

    /** One running callback; closing it records that the callback returned. */
    interface Call extends AutoCloseable {
        @Override
        void close();
    }

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Running> running = new ConcurrentHashMap<>();

    /** A driver callback starts on this thread; close the result when it returns or throws. */
    Call begin(DeviceImpl dev, DriverImpl drv, DriverCall.Kind kind) {
        long id = ids.incrementAndGet();
        running.put(id, new Running(dev, drv.desc.name(), kind, System.nanoTime()));
        return () -> running.remove(id);
    }

    /** @return the callbacks running now, longest-running first */
    List<DriverCall> inProgress() {
        long now = System.nanoTime();
        return running.values().stream()
                .sorted(Comparator.comparingLong(Running::startNanos))
                .map(r -> new DriverCall(r.dev().bus.name(), r.dev().name(), r.driver(), r.kind(),
                        Duration.ofNanos(now - r.startNanos())))
                .toList();
    }
}
