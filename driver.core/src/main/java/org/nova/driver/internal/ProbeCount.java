package org.nova.driver.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * dd.c's {@code probe_count} and {@code probe_waitqueue}: how much probing is running or queued,
 * and {@code wait_for_device_probe} over it. Every probe, asynchronous probe, deferred-probe
 * work item and device queued while probing is blocked counts from {@link #begin} to its
 * {@link #done}; devices that stay deferred do not count.
 *
 * <p>Locking: the count is atomic; {@link #idleLock} only pairs the wake-up with the waiters and
 * is never held while anything else is taken.
 */
final class ProbeCount {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    /** Told of every {@link #begin}: the settle condition counts a new probe as activity. */
    private volatile Runnable beginListener = () -> { };

    /** One more probe or queued probe work. */
    void begin() {
        inFlight.incrementAndGet();
        beginListener.run();
    }

    /** Sets what {@link #begin} tells; it runs on the prober's thread and must not block. */
    void setBeginListener(Runnable listener) {
        beginListener = listener == null ? () -> { } : listener;
    }

    /** That probe or work has finished; the last one wakes the waiters. */
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

    /**
     * wait_for_device_probe: waits until nothing is in flight.
     *
     * @return false if the timeout passed first or the thread was interrupted (its flag set again)
     */
    boolean awaitIdle(Duration timeout) {
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
}
