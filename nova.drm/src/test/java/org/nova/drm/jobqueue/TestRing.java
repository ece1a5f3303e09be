package org.nova.drm.jobqueue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.nova.dma.fence.DmaFence;

/**
 * TEST DOUBLE, never shipped: a ring whose "engine" is one thread that completes each job's
 * sequence number in order after it was run, unless stalled; it can be told to fail. It checks
 * what a ring can check: sequence numbers increase, the queue never puts more credits on it than
 * it holds, and every input fence of a job signalled before the job runs. Violations are recorded
 * for the test to assert on.
 */
final class TestRing implements JobRing<TestRing.TJob> {
    /** A test job: its name, its credits and its inputs (for the ring's checks). */
    record TJob(String name, int credits, List<DmaFence> deps) {
        TJob(String name, int credits) {
            this(name, credits, List.of());
        }
    }

    private final int capacity;
    private final ExecutorService engine;
    JobQueue<TJob> queue;
    private boolean stalled;
    private long completed;
    private long lastRun;
    private int creditsInUse;
    private int maxCreditsInUse;
    private final TreeMap<Long, TJob> onRing = new TreeMap<>();
    final List<String> ran = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    volatile String aborted;
    volatile boolean closed;

    TestRing(String name, int capacity) {
        this.capacity = capacity;
        this.engine = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-engine-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public synchronized void run(TJob job, long seqno) {
        if (closed || aborted != null) {
            violations.add("run of " + job.name() + " after close/abort");
        }
        if (seqno <= lastRun) {
            violations.add("seqno " + seqno + " after " + lastRun);
        }
        for (DmaFence d : job.deps()) {
            if (!d.isSignaled()) {
                violations.add(job.name() + " ran before its input " + d + " signalled");
            }
        }
        lastRun = seqno;
        creditsInUse += job.credits();
        maxCreditsInUse = Math.max(maxCreditsInUse, creditsInUse);
        if (creditsInUse > capacity) {
            violations.add(job.name() + ": " + creditsInUse + " credits on a ring of " + capacity);
        }
        onRing.put(seqno, job);
        ran.add(job.name());
        if (!stalled) {
            engine.execute(this::completeAll);
        }
    }

    /** The engine: completes everything on the ring, reporting the last seqno (twice, as the contract allows). */
    private void completeAll() {
        long c;
        synchronized (this) {
            if (onRing.isEmpty() || aborted != null || closed) {
                return;
            }
            c = onRing.lastKey();
            completeUpToLocked(c);
        }
        queue.completed(c);
        queue.completed(c);
    }

    private void completeUpToLocked(long seqno) {
        while (!onRing.isEmpty() && onRing.firstKey() <= seqno) {
            creditsInUse -= onRing.pollFirstEntry().getValue().credits();
        }
        completed = Math.max(completed, seqno);
    }

    /** Stops completing (a hung job) or resumes, completing what is on the ring. */
    void stall(boolean s) {
        synchronized (this) {
            stalled = s;
        }
        if (!s) {
            engine.execute(this::completeAll);
        }
    }

    /** Completes the ring up to {@code seqno} on the engine thread and reports it. */
    void completeUpTo(long seqno) throws Exception {
        engine.submit(() -> {
            synchronized (this) {
                completeUpToLocked(seqno);
            }
            queue.completed(seqno);
        }).get(30, TimeUnit.SECONDS);
    }

    /** The hardware faults: reported on the engine thread. */
    void fault(String reason) throws Exception {
        engine.submit(() -> {
            long c;
            synchronized (this) {
                aborted = reason;
                c = completed;
            }
            queue.failed(c, reason);
        }).get(30, TimeUnit.SECONDS);
    }

    synchronized int maxCreditsInUse() {
        return maxCreditsInUse;
    }

    synchronized int creditsInUse() {
        return creditsInUse;
    }

    @Override
    public synchronized long completedSeqno() {
        return completed;
    }

    @Override
    public void abort(String reason) {
        synchronized (this) {
            aborted = reason;
        }
        long c = completedSeqno();
        if (!closed) {
            engine.execute(() -> queue.failed(c, "aborted: " + reason));
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        engine.shutdown();
    }
}
