package org.nova.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.nova.dma.fence.DmaFence;
import org.nova.drm.jobqueue.JobQueue;
import org.nova.drm.jobqueue.JobRing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 20's figure without the GPU: submit → done-fence-signalled latency of an empty job through
 * {@link JobQueue} (input-fence check, credits, the ring call under the queue's lock, the timeout
 * timer armed and cancelled, the fence signalled outside the lock) over a ring whose "engine" is
 * one thread completing each sequence number as soon as it is handed over. The reference does the
 * same handoff with no queue: a {@link CompletableFuture} completed by the same kind of engine
 * thread. The ratio of the pair is the queue's cost; run with {@code -t 1} and {@code -t 8} for 1
 * and 8 submitting threads (each thread has its own queue and ring; with 8 they share the 2 cores
 * and the timer). {@link JobBench} times the real path: EXEC over nova.core's channels over the
 * simulated GPU's host and copy engine, empty and 4 KiB-copy jobs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JobQueueBench {
    /** The credits of the benchmark's ring (nova's GPFIFO less the entry kept empty). */
    static final int CREDITS = 1023;

    /** A ring completing each job on its engine thread at once. */
    static final class ImmediateRing implements JobRing<Object> {
        final ExecutorService engine = Executors.newSingleThreadExecutor();
        volatile JobQueue<Object> queue;
        private volatile long completed;

        @Override
        public int capacity() {
            return CREDITS;
        }

        @Override
        public void run(Object payload, long seqno) {
            engine.execute(() -> {
                completed = seqno;
                queue.completed(seqno);
            });
        }

        @Override
        public long completedSeqno() {
            return completed;
        }

        @Override
        public void abort(String reason) {
        }

        @Override
        public void close() {
            engine.shutdownNow();
        }
    }

    private ScheduledExecutorService timer;
    private ImmediateRing ring;
    private JobQueue<Object> queue;
    private ExecutorService engine;
    private final Object payload = new Object();

    @Setup(Level.Trial)
    public void setUp() {
        timer = Executors.newSingleThreadScheduledExecutor();
        ring = new ImmediateRing();
        queue = new JobQueue<>("bench", ring, timer, Duration.ofSeconds(10));
        ring.queue = queue;
        engine = Executors.newSingleThreadExecutor();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        queue.close();
        timer.shutdownNow();
        engine.shutdownNow();
    }

    /** One empty job of 2 credits (a push and the completion entry), awaited until its fence signalled. */
    @Benchmark
    public DmaFence submitToSignalled() throws InterruptedException {
        DmaFence f = queue.submit(payload, 2, List.of());
        if (!f.await(10, TimeUnit.SECONDS) || f.error() != null) {
            throw new IllegalStateException(f.toString());
        }
        return f;
    }

    /** The reference: the same handoff to an engine thread and back, without a queue. */
    @Benchmark
    public Object handoffReference() throws Exception {
        CompletableFuture<Object> c = new CompletableFuture<>();
        engine.execute(() -> c.complete(payload));
        return c.get(10, TimeUnit.SECONDS);
    }
}
