package org.nova.driver.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver core's worker threads, the kernel's system workqueue and async domain as far as
 * drivers/base uses them: one ordered queue for the deferred-probe work, one for uevent dispatch,
 * a pool for asynchronous probes. Each queue belongs to the class that submits to it and is
 * stopped by that class's {@code shutdown}.
 */
final class Workqueues {
    private static final Logger LOG = LoggerFactory.getLogger(Workqueues.class);
    /** How long {@link #stop} waits for queued work to finish when the core shuts down. */
    private static final long STOP_WAIT_SECONDS = 10;

    private Workqueues() {
    }

    /** An ordered queue (one worker), like an ordered workqueue. */
    static ExecutorService ordered(String name) {
        return Executors.newSingleThreadExecutor(daemon(name));
    }

    /** A pool that grows with the work, like async_schedule. */
    static ExecutorService unbound(String name) {
        return Executors.newCachedThreadPool(daemon(name));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Queues work; false if the core is shutting down and the queue refused it. */
    static boolean submit(ExecutorService queue, Runnable work) {
        try {
            queue.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.debug("driver core shutting down: work refused");
            return false;
        }
    }

    /** Refuses new work and waits a bounded time for the queued work to finish. */
    static void stop(ExecutorService queue) {
        queue.shutdown();
        try {
            queue.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
