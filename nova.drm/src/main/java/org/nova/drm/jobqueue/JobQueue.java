package org.nova.drm.jobqueue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.nova.dma.fence.DmaFence;
import org.nova.dma.fence.FenceCallback;
import org.nova.dma.fence.FenceContext;
import org.nova.dma.fence.FenceError;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ring's job queue: the Jobqueue of the Rust DRM RFC for firmware-scheduled GPUs, doing what
 * drm_sched did for nouveau (drivers/gpu/drm/nouveau/nouveau_sched.c and drm/scheduler, Linux
 * 6.12) minus the scheduling: dependency resolution, ring flow control and timeouts.
 *
 * <h2>A job's life</h2>
 * <ol>
 * <li>{@link #submit} gives the job a done fence on the queue's {@link FenceContext} (sequence
 * numbers in submission order) and puts it at the end of the pending list.</li>
 * <li>The job at the head of the pending list goes to the ring once its input fences all
 * signalled and its credits fit: the credits of the jobs on the ring plus its own at most the
 * ring's {@link JobRing#capacity} (drm_sched's credit_limit). Jobs never overtake each other: a
 * job waiting for a fence or for credits holds back every job after it on this queue (other
 * queues go on).</li>
 * <li>An input fence that signals with an error fails the job without running it: its done fence
 * signals with that error, in its turn (after the jobs before it).</li>
 * <li>On the ring, the job's sequence number is its done fence's; when the ring reports
 * {@link #completed} up to it, the done fence signals and its credits come back. Done fences of
 * one queue signal in sequence order.</li>
 * <li>A job still on the ring {@code timeout} after it went there times out: the ring is aborted
 * ({@link JobRing#abort}), then its done fence signals ETIMEDOUT and the queue fails: the other
 * jobs on the ring signal EIO, the pending ones ECANCELED, and every later {@link #submit}
 * returns a fence already signalled ECANCELED. Timers run on a shared scheduled executor and are
 * cancelled when the job completes; there is no thread per job.</li>
 * <li>A ring failure reported through {@link #failed} (a channel fault, the GPU unbinding) does
 * the same with EIO for the jobs on the ring past its completed sequence number.</li>
 * <li>{@link #close} (file close, unbind) cancels: pending jobs signal ECANCELED at once, the ring
 * is closed, and the jobs it did not complete signal ECANCELED too.</li>
 * </ol>
 *
 * <p>Fences are signalled, and so their callbacks run, never under the queue's lock: signals are
 * queued in order under the lock and run after it is released, by one thread at a time.
 *
 * <p>Ownership: the queue owns its ring once constructed and closes it in {@link #close}; the
 * timer executor is the caller's (shared, not shut down here). Thread-safe.
 *
 * <p>Why one class: the pending list, the ring's list, the credits, the timers and
 * the ordered signalling are one state under one lock, and every transition (submit, input
 * signalled, completion, timeout, ring failure, close) touches all of them.
 *
 * @param <P> what a job carries to the ring
 */
public final class JobQueue<P> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobQueue.class);
    /** How many done fences {@link #status} lists. */
    public static final int RECENT_FENCES = 16;
    /** What the jobs on the ring signal when it fails: EIO unless the ring said otherwise. Guarded by the lock. */
    private FenceError ringError = FenceError.EIO;

    private final String name;
    private final JobRing<P> ring;
    private final ScheduledExecutorService timer;
    private final Duration timeout;
    private final FenceContext context;
    private final int capacity;

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Job> pending = new ArrayDeque<>();
    private final ArrayDeque<Job> inFlight = new ArrayDeque<>();
    private final ArrayDeque<DmaFence> recent = new ArrayDeque<>();
    private int creditsOnRing;
    private long completedSeqno;
    private boolean failed;
    private String failReason;
    private boolean closed;

    /** Signals queued under the lock, run in order outside it. */
    private final ConcurrentLinkedQueue<Runnable> signals = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /** The thread running the signals now, or null. */
    private volatile Thread drainer;
    /** Notified when a thread stops draining. */
    private final Object drained = new Object();

    /** A submitted job. Its fields are guarded by the queue's lock. */
    private final class Job implements FenceCallback {
        final P payload;
        final int credits;
        final DmaFence done;
        final List<DmaFence> deps;
        int unsignaledDeps;
        /** Set when an input fence failed: the job runs no work and signals this. */
        FenceError error;
        boolean onRing;
        ScheduledFuture<?> timeoutTask;

        Job(P payload, int credits, DmaFence done, List<DmaFence> deps) {
            this.payload = payload;
            this.credits = credits;
            this.done = done;
            this.deps = deps;
        }

        /** An input fence signalled. */
        @Override
        public void signaled(DmaFence dep) {
            lock.lock();
            try {
                depSignaledLocked(this, dep.error());
                pumpLocked();
            } finally {
                lock.unlock();
            }
            drain();
        }
    }

    /**
     * @param name the queue's name (its fences' timeline name), e.g. "card0/1:ch3"
     * @param ring the ring it drives, owned by the queue from now on
     * @param timer the shared executor job timeouts run on (not owned)
     * @param timeout how long a job may stay on the ring
     * @throws IllegalArgumentException for a ring without credits or a non-positive timeout
     */
    public JobQueue(String name, JobRing<P> ring, ScheduledExecutorService timer, Duration timeout) {
        if (ring.capacity() < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(name + ": a ring of " + ring.capacity() + " credits, timeout " + timeout);
        }
        this.name = name;
        this.ring = ring;
        this.timer = timer;
        this.timeout = timeout;
        this.context = new FenceContext(name);
        this.capacity = ring.capacity();
    }

    /** @return the queue's name */
    public String name() {
        return name;
    }

    /** @return the timeline its done fences are on */
    public FenceContext context() {
        return context;
    }

    /** @return the ring's credits */
    public int capacity() {
        return capacity;
    }

    /**
     * Submits a job.
     *
     * @param payload the work {@link JobRing#run} gets
     * @param credits the ring entries it takes, 1 to {@link #capacity}
     * @param dependencies fences that must signal before it runs; one failing fails the job
     * @return the job's done fence, owned by the queue (signalled by it); already signalled with
     *     ECANCELED when the queue has failed
     * @throws DriverException EINVAL for credits out of range; ENODEV once the queue is closed.
     *     Nothing is queued on error.
     */
    public DmaFence submit(P payload, int credits, List<DmaFence> dependencies) {
        if (credits < 1 || credits > capacity) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: a job of %d credits on a ring of %d", name, credits, capacity));
        }
        lock.lock();
        try {
            if (closed) {
                throw new DriverException(Errno.ENODEV, name + " is closed");
            }
            DmaFence done = context.next();
            recent.addLast(done);
            if (recent.size() > RECENT_FENCES) {
                recent.removeFirst();
            }
            if (failed) {
                signalLater(done, FenceError.ECANCELED);
            } else {
                // an input named twice is waited for once (drm_sched_job_add_dependency keeps one per fence)
                List<DmaFence> deps = new ArrayList<>();
                for (DmaFence d : dependencies) {
                    if (deps.stream().noneMatch(x -> x == d)) {
                        deps.add(d);
                    }
                }
                Job j = new Job(payload, credits, done, List.copyOf(deps));
                pending.addLast(j);
                j.unsignaledDeps = j.deps.size();
                for (DmaFence d : j.deps) {
                    if (!d.addCallback(j)) {
                        depSignaledLocked(j, d.error());
                    }
                }
                pumpLocked();
            }
            return done;
        } finally {
            lock.unlock();
            drain();
        }
    }

    /**
     * The ring completed every job up to {@code seqno} (a smaller or repeated value is ignored).
     * Called by the ring, with no lock of its own held.
     */
    public void completed(long seqno) {
        lock.lock();
        try {
            if (seqno > completedSeqno) {
                completedSeqno = seqno;
            }
            retireLocked();
            pumpLocked();
        } finally {
            lock.unlock();
        }
        drain();
    }

    /**
     * The ring stopped for good: jobs it completed up to {@code completed} signal successfully,
     * the others on it EIO, pending ones ECANCELED; the queue is failed. Ignored once the queue
     * failed or closed. Called by the ring, with no lock of its own held.
     */
    public void failed(long completed, String reason) {
        failed(completed, reason, FenceError.EIO);
    }

    /**
     * As {@link #failed(long, String)}, with the error the jobs on the ring past {@code completed}
     * signal: a driver names its kernel model's (nouveau kills a faulted channel's fences with
     * ENODEV, nouveau_channel_kill).
     *
     * @param onRing the error of the jobs the ring did not complete
     * @since 1.1
     */
    public void failed(long completed, String reason, FenceError onRing) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (completed > completedSeqno) {
                completedSeqno = completed;
            }
            ringError = onRing;
            failLocked("ring failed: " + reason, null);
        } finally {
            lock.unlock();
        }
        drain();
    }

    private void timedOut(Job j) {
        boolean abort;
        lock.lock();
        try {
            if (failed || closed || !j.onRing || !inFlight.contains(j)) {
                return;
            }
            long c = ring.completedSeqno();
            if (c > completedSeqno) {
                completedSeqno = c;
            }
            retireLocked();
            if (!inFlight.contains(j)) {
                pumpLocked();
                return;
            }
            abort = failLocked(String.format("job %s timed out after %d ms", j.done.id(), timeout.toMillis()), j);
        } finally {
            lock.unlock();
        }
        if (abort) {
            // the ring stops before anyone is told the job timed out
            LOG.warn("{}: {}; ring aborted", name, failReason());
            try {
                ring.abort(failReason());
            } catch (RuntimeException e) {
                LOG.error("{}: aborting the ring failed", name, e);
            }
        }
        drain();
    }

    /** @return true once failed */
    public boolean isFailed() {
        lock.lock();
        try {
            return failed;
        } finally {
            lock.unlock();
        }
    }

    /** @return why the queue failed, or null */
    public String failReason() {
        lock.lock();
        try {
            return failReason;
        } finally {
            lock.unlock();
        }
    }

    /** @return a snapshot for status listings */
    public QueueStatus status() {
        lock.lock();
        try {
            return new QueueStatus(name, pending.size(), inFlight.size(), capacity - creditsOnRing, capacity,
                    completedSeqno, failed, failReason, closed, List.copyOf(recent));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Cancels everything and closes the ring: pending jobs signal ECANCELED, then the ring is closed
     * and the jobs on it that it did not complete signal ECANCELED. Every done fence of the queue
     * has signalled when this returns (their callbacks may still be running on another thread that
     * was signalling). Idempotent; later submits fail with ENODEV.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cancelPendingLocked(FenceError.ECANCELED);
        } finally {
            lock.unlock();
        }
        drainAll();
        try {
            ring.close();
        } catch (RuntimeException e) {
            LOG.error("{}: closing the ring failed", name, e);
        }
        lock.lock();
        try {
            long c = ring.completedSeqno();
            if (c > completedSeqno) {
                completedSeqno = c;
            }
            retireLocked();
            for (Job j : inFlight) {
                finishLocked(j, j.error != null ? j.error : FenceError.ECANCELED);
            }
            inFlight.clear();
            creditsOnRing = 0;
        } finally {
            lock.unlock();
        }
        drainAll();
    }

    /** @return true once closed */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private void depSignaledLocked(Job j, FenceError e) {
        j.unsignaledDeps--;
        if (e != null && j.error == null) {
            j.error = e;
        }
    }

    /** Moves jobs from the head of the pending list to the ring while they may go. */
    private void pumpLocked() {
        while (!pending.isEmpty() && !failed && !closed) {
            Job j = pending.peekFirst();
            if (j.error != null) {
                // an input failed: the job runs nothing and signals its error in its turn
                pending.removeFirst();
                for (DmaFence d : j.deps) {
                    d.removeCallback(j);
                }
                inFlight.addLast(j);
                retireLocked();
                continue;
            }
            if (j.unsignaledDeps > 0 || creditsOnRing + j.credits > capacity) {
                return;
            }
            try {
                ring.run(j.payload, j.done.seqno());
            } catch (DriverException e) {
                if (e.errno() == Errno.EAGAIN && !inFlight.isEmpty()) {
                    return;
                }
                if (e.errno() == Errno.EIO) {
                    failLocked("ring refused job " + j.done.id() + ": " + e.getMessage(), null);
                    return;
                }
                LOG.warn("{}: ring refused job {}: {}", name, j.done.id(), e.getMessage());
                j.error = FenceError.EIO;
                continue;
            }
            pending.removeFirst();
            j.onRing = true;
            creditsOnRing += j.credits;
            inFlight.addLast(j);
            j.timeoutTask = timer.schedule(() -> timedOut(j), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Signals the jobs at the head of the ring that completed, in order. */
    private void retireLocked() {
        while (!inFlight.isEmpty()) {
            Job j = inFlight.peekFirst();
            if (j.onRing && j.done.seqno() > completedSeqno) {
                return;
            }
            inFlight.removeFirst();
            finishLocked(j, j.onRing ? null : j.error);
        }
    }

    private void finishLocked(Job j, FenceError e) {
        if (j.onRing) {
            creditsOnRing -= j.credits;
            j.onRing = false;
        }
        if (j.timeoutTask != null) {
            j.timeoutTask.cancel(false);
            j.timeoutTask = null;
        }
        signalLater(j.done, e);
    }

    /**
     * Fails the queue: completed jobs retire, the rest on the ring signal EIO ({@code timedOut}
     * ETIMEDOUT), pending ones ECANCELED.
     *
     * @return true if this call failed it
     */
    private boolean failLocked(String reason, Job timedOutJob) {
        if (failed) {
            return false;
        }
        failed = true;
        failReason = reason;
        retireLocked();
        for (Job j : inFlight) {
            finishLocked(j, j == timedOutJob ? FenceError.ETIMEDOUT : j.onRing ? ringError : j.error);
        }
        inFlight.clear();
        creditsOnRing = 0;
        cancelPendingLocked(FenceError.ECANCELED);
        return true;
    }

    private void cancelPendingLocked(FenceError e) {
        for (Job j : pending) {
            for (DmaFence d : j.deps) {
                d.removeCallback(j);
            }
            signalLater(j.done, j.error != null ? j.error : e);
        }
        pending.clear();
    }

    private void signalLater(DmaFence f, FenceError e) {
        signals.add(() -> f.signal(e));
    }

    /**
     * Runs the queued signals, outside the lock, one thread at a time and in order. A thread that
     * is draining already (a fence callback calling back into the queue) runs the new ones inline.
     */
    private void drain() {
        if (lock.isHeldByCurrentThread()) {
            return;
        }
        if (drainer == Thread.currentThread()) {
            runSignals();
            return;
        }
        while (!signals.isEmpty()) {
            if (!draining.compareAndSet(false, true)) {
                return;
            }
            drainer = Thread.currentThread();
            try {
                runSignals();
            } finally {
                drainer = null;
                draining.set(false);
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    private void runSignals() {
        Runnable r;
        while ((r = signals.poll()) != null) {
            r.run();
        }
    }

    /** {@link #drain}, then waits for another thread draining to finish: every queued signal is done. */
    private void drainAll() {
        while (true) {
            drain();
            synchronized (drained) {
                boolean otherDraining = draining.get() && drainer != Thread.currentThread();
                if (!otherDraining && (signals.isEmpty() || drainer == Thread.currentThread())) {
                    return;
                }
                if (otherDraining) {
                    try {
                        drained.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "job queue " + name;
    }
}
