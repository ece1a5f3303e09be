package org.nova.dma.fence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fence ({@code struct dma_fence}, drivers/dma-buf/dma-fence.c of Linux 6.12): a point
 * {@link #seqno} on a timeline {@link #context}, signalled exactly once — successfully, or with a
 * {@link FenceError} set at the moment it signals ({@code dma_fence_set_error} followed by
 * {@code dma_fence_signal}).
 *
 * <p>Callbacks ({@code dma_fence_add_callback}): {@link #addCallback} registers one to run once
 * when the fence signals, or returns false if it has signalled already (the kernel's -ENOENT), in
 * which case the callback never runs; {@link #removeCallback} takes one back before it ran. Unlike
 * the kernel, callbacks never run under the fence's lock: the signaller takes the list under the
 * lock and runs it after releasing it, on its own thread, in the order they were added.
 *
 * <p>Ownership: whoever made the fence (its {@link FenceContext}'s owner: a job queue, a test)
 * signals it; everyone else only observes it. Java references replace the kernel's refcount. An
 * attempt to signal twice changes nothing and returns false ({@code dma_fence_signal}'s -EINVAL).
 * Thread-safe.
 */
public class DmaFence {
    private static final Logger LOG = LoggerFactory.getLogger(DmaFence.class);
    /** dma_fence_get_stub's context: 0, sequence 0, always signalled. */
    private static final DmaFence STUB = new DmaFence(0, 0, "stub");

    static {
        STUB.signal();
    }

    private final long context;
    private final long seqno;
    private final String timeline;
    /** Guards the state; never held while a callback runs. */
    private final Object lock = new Object();
    private List<FenceCallback> callbacks = new ArrayList<>();
    private boolean signaled;
    private FenceError error;
    private long timestampNanos;

    /**
     * A fence on {@code ctx} with {@code seqno}; usually made by {@link FenceContext#next}.
     *
     * @param ctx the timeline
     * @param seqno its sequence number on it
     */
    public DmaFence(FenceContext ctx, long seqno) {
        this(ctx.context(), seqno, ctx.name());
    }

    DmaFence(long context, long seqno, String timeline) {
        this.context = context;
        this.seqno = seqno;
        this.timeline = timeline;
    }

    /**
     * {@code dma_fence_get_stub}: a fence that signalled successfully (what DRM_IOCTL_SYNCOBJ_SIGNAL
     * and SYNCOBJ_CREATE with SIGNALED install).
     *
     * @return the shared signalled stub
     */
    public static DmaFence signaledStub() {
        return STUB;
    }

    /** @return the timeline's context number */
    public long context() {
        return context;
    }

    /** @return the sequence number on the timeline */
    public long seqno() {
        return seqno;
    }

    /** @return the timeline's name */
    public String timeline() {
        return timeline;
    }

    /** @return true once signalled ({@code dma_fence_is_signaled}) */
    public boolean isSignaled() {
        synchronized (lock) {
            return signaled;
        }
    }

    /** @return the error it signalled with, or null (not signalled yet, or signalled successfully) */
    public FenceError error() {
        synchronized (lock) {
            return error;
        }
    }

    /** @return {@link System#nanoTime} when it signalled, or 0 while unsignalled */
    public long timestampNanos() {
        synchronized (lock) {
            return timestampNanos;
        }
    }

    /**
     * {@code dma_fence_signal}: signals successfully and runs the callbacks.
     *
     * @return true if this call signalled it, false if it had signalled already
     */
    public boolean signal() {
        return signal(null);
    }

    /**
     * {@code dma_fence_set_error} + {@code dma_fence_signal}: signals with {@code error} (null:
     * success) and runs the callbacks, on this thread, outside the fence's lock.
     *
     * @return true if this call signalled it, false if it had signalled already (nothing changes:
     *     the first error stays)
     */
    public boolean signal(FenceError error) {
        List<FenceCallback> run;
        synchronized (lock) {
            if (signaled) {
                return false;
            }
            signaled = true;
            this.error = error;
            timestampNanos = System.nanoTime();
            run = callbacks;
            callbacks = null;
            lock.notifyAll();
        }
        for (FenceCallback cb : run) {
            try {
                cb.signaled(this);
            } catch (RuntimeException e) {
                LOG.error("{}: a fence callback failed", this, e);
            }
        }
        return true;
    }

    /**
     * {@code dma_fence_add_callback}: {@code cb} runs once when the fence signals.
     *
     * @param cb the callback; the same object may not be pending twice on one fence
     * @return true if added; false if the fence signalled already (the callback will not run; the
     *     caller handles the signalled case itself, as with -ENOENT)
     * @throws IllegalArgumentException if {@code cb} is already pending on this fence
     */
    public boolean addCallback(FenceCallback cb) {
        synchronized (lock) {
            if (signaled) {
                return false;
            }
            for (FenceCallback c : callbacks) {
                if (c == cb) {
                    throw new IllegalArgumentException(cb + " is already pending on " + this);
                }
            }
            callbacks.add(cb);
            return true;
        }
    }

    /**
     * {@code dma_fence_remove_callback}.
     *
     * @return true if {@code cb} was pending and will now not run; false if it was not pending
     *     (never added, removed already, or the fence signalled and it ran or is running)
     */
    public boolean removeCallback(FenceCallback cb) {
        synchronized (lock) {
            if (signaled) {
                return false;
            }
            for (int i = 0; i < callbacks.size(); i++) {
                if (callbacks.get(i) == cb) {
                    callbacks.remove(i);
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * {@code dma_fence_wait_timeout}: waits until signalled or {@code timeout} passed.
     *
     * @param timeout how long at most; 0 only tests
     * @return true if signalled (with or without error), false on timeout
     * @throws InterruptedException if interrupted while waiting (the fence is unaffected)
     */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (lock) {
            while (!signaled) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** @return "context:seqno" */
    public String id() {
        return context + ":" + seqno;
    }

    /** @return "pending", "signaled" or "error ETIMEDOUT" */
    public String state() {
        synchronized (lock) {
            return !signaled ? "pending" : error == null ? "signaled" : "error " + error;
        }
    }

    @Override
    public String toString() {
        return "fence " + id() + " (" + timeline + ", " + state() + ")";
    }
}
