package org.nova.hw.vfio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one interrupt-delivery thread of a bridge: poll(2) over every registered eventfd (and a
 * private wake-up eventfd), reading each signalled counter and calling its callback, one at a
 * time. Registered eventfds must be non-blocking ({@link LibC#eventfd()}), so that a stale
 * readiness report never blocks the thread.
 *
 * <p>Ownership: the poller owns only its wake-up eventfd and its thread ({@link #close()}); the
 * registered eventfds stay their registrants' to close, after {@link #unregister(int)} returned
 * (which guarantees the thread no longer polls them).
 */
final class IrqPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IrqPoller.class);
    /** How long unregister and close wait for the thread before giving up with a warning. */
    private static final long THREAD_WAIT_MS = 5_000;

    /** Called on the poller thread with the eventfd counter (how many signals were merged). */
    @FunctionalInterface
    interface Callback {
        void signalled(long count);
    }

    private final Map<Integer, Callback> callbacks = new ConcurrentHashMap<>();
    private final int wakeFd;
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Incremented by the thread each time it (re)builds its poll set. */
    private long generation;

    IrqPoller(String name) {
        wakeFd = LibC.eventfd();
        thread = Thread.ofPlatform().daemon().name("vfio-irq-" + name).unstarted(this::loop);
        thread.start();
    }

    /** @return the wake-up eventfd (for diagnostics: the poller's own open fd) */
    int wakeFd() {
        return wakeFd;
    }

    /** @return the number of registered eventfds */
    int registered() {
        return callbacks.size();
    }

    /** @return whether the caller runs on the poller thread */
    boolean onPollerThread() {
        return Thread.currentThread() == thread;
    }

    /** Starts delivering fd's signals to callback. */
    void register(int fd, Callback callback) {
        callbacks.put(fd, callback);
        LibC.signalEventfd(wakeFd);
    }

    /**
     * Stops delivering fd's signals. When this returns the thread no longer polls fd (unless the
     * caller is the poller thread itself, which polls nothing while it runs a callback), so the
     * caller may close it.
     */
    void unregister(int fd) {
        if (callbacks.remove(fd) == null || onPollerThread() || !running) {
            return;
        }
        synchronized (this) {
            long target = generation + 1;
            LibC.signalEventfd(wakeFd);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(THREAD_WAIT_MS);
            while (generation < target && running && thread.isAlive()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    LOG.warn("interrupt poller did not acknowledge removal of fd {} within {} ms", fd, THREAD_WAIT_MS);
                    return;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** {@link #unregister(int)} for several fds, waiting once. */
    void unregisterAll(int[] fds) {
        for (int i = 0; i < fds.length - 1; i++) {
            callbacks.remove(fds[i]);
        }
        if (fds.length > 0) {
            unregister(fds[fds.length - 1]);
        }
    }

    private void loop() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = MemorySegment.NULL;
            int capacity = 0;
            while (running) {
                List<Map.Entry<Integer, Callback>> set = new ArrayList<>(callbacks.entrySet());
                synchronized (this) {
                    generation++;
                    notifyAll();
                }
                int n = set.size() + 1;
                if (n > capacity) {
                    capacity = Math.max(n, capacity * 2);
                    pollfds = arena.allocate(LibC.POLLFD, capacity);
                }
                LibC.setPollfd(pollfds, 0, wakeFd);
                for (int i = 0; i < set.size(); i++) {
                    LibC.setPollfd(pollfds, i + 1, set.get(i).getKey());
                }
                int ready = LibC.poll(pollfds, n, -1);
                if (ready <= 0) {
                    continue;
                }
                if (LibC.revents(pollfds, 0) != 0) {
                    LibC.readEventfd(wakeFd);
                }
                for (int i = 0; i < set.size() && running; i++) {
                    if (LibC.revents(pollfds, i + 1) == 0) {
                        continue;
                    }
                    int fd = set.get(i).getKey();
                    Callback cb = callbacks.get(fd);
                    if (cb == null || cb != set.get(i).getValue()) {
                        continue; // unregistered (or its number reused) since the poll began
                    }
                    long count;
                    try {
                        count = LibC.readEventfd(fd);
                    } catch (RuntimeException e) {
                        LOG.warn("reading interrupt eventfd {} failed: {}", fd, e.getMessage());
                        continue;
                    }
                    if (count == 0) {
                        continue;
                    }
                    try {
                        cb.signalled(count);
                    } catch (RuntimeException | LinkageError e) {
                        LOG.error("interrupt handler for eventfd {} threw", fd, e);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("interrupt poller failed; no more interrupts are delivered", e);
        } finally {
            synchronized (this) {
                running = false;
                notifyAll();
            }
        }
    }

    /** Stops the thread, waits for it, closes the wake-up eventfd. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running = false;
        LibC.signalEventfd(wakeFd);
        if (!onPollerThread()) {
            try {
                thread.join(THREAD_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread.isAlive() && !onPollerThread()) {
            LOG.warn("interrupt poller thread {} did not stop within {} ms", thread.getName(), THREAD_WAIT_MS);
        } else {
            LibC.close(wakeFd);
        }
    }
}
