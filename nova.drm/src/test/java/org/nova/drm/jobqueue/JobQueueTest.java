package org.nova.drm.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nova.dma.fence.DmaFence;
import org.nova.dma.fence.FenceContext;
import org.nova.dma.fence.FenceError;
import org.nova.drm.jobqueue.TestRing.TJob;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** The job queue over {@link TestRing}s: dependencies, credits, timeouts, failures, cancellation, stress. */
class JobQueueTest {
    /** Long enough never to fire in a test that does not want it to. */
    private static final Duration NEVER = Duration.ofHours(1);
    /** How long a test waits for something that must happen (a liveness bound, not a measurement). */
    private static final long BOUND_S = 30;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<JobQueue<TJob>> queues = new ArrayList<>();
    private final List<TestRing> rings = new ArrayList<>();
    private final FenceContext external = new FenceContext("external");

    @AfterEach
    void tearDown() {
        queues.forEach(JobQueue::close);
        timer.shutdownNow();
        for (TestRing r : rings) {
            assertEquals(List.of(), r.violations, "the ring saw no rule broken");
        }
    }

    private JobQueue<TJob> queue(String name, int credits, Duration timeout, boolean stalled) {
        TestRing r = new TestRing(name, credits);
        r.stall(stalled);
        JobQueue<TJob> q = new JobQueue<>(name, r, timer, timeout);
        r.queue = q;
        queues.add(q);
        rings.add(r);
        return q;
    }

    private static TestRing ring(JobQueue<TJob> q) {
        return (TestRing) ringOf(q);
    }

    private static Object ringOf(JobQueue<TJob> q) {
        try {
            var f = JobQueue.class.getDeclaredField("ring");
            f.setAccessible(true);
            return f.get(q);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static DmaFence submit(JobQueue<TJob> q, String name, int credits, DmaFence... deps) {
        return q.submit(new TJob(name, credits, List.of(deps)), credits, List.of(deps));
    }

    private static void signalled(DmaFence f, FenceError expected) throws InterruptedException {
        assertTrue(f.await(BOUND_S, TimeUnit.SECONDS), f + " never signalled");
        assertEquals(expected, f.error(), f.toString());
    }

    @Test
    void dependencyChainAcrossTwoQueues() throws Exception {
        JobQueue<TJob> q1 = queue("q1", 8, NEVER, true);
        JobQueue<TJob> q2 = queue("q2", 8, NEVER, true);
        DmaFence a = submit(q1, "a", 1);
        DmaFence b = submit(q2, "b", 1, a);
        DmaFence c = submit(q1, "c", 1, b);
        DmaFence d = submit(q2, "d", 1);
        assertEquals(List.of("a"), ring(q1).ran);
        assertEquals(List.of(), ring(q2).ran, "b waits for a; d may not overtake b");
        ring(q1).completeUpTo(a.seqno());
        signalled(a, null);
        assertEquals(List.of("b", "d"), ring(q2).ran, "b runs once a signalled, then d");
        assertEquals(List.of("a"), ring(q1).ran, "c waits for b");
        assertFalse(c.isSignaled());
        ring(q2).completeUpTo(b.seqno());
        assertEquals(List.of("a", "c"), ring(q1).ran);
        ring(q1).completeUpTo(c.seqno());
        ring(q2).completeUpTo(d.seqno());
        for (DmaFence f : List.of(b, c, d)) {
            signalled(f, null);
        }
    }

    @Test
    void creditFlowControlOnAFourEntryRing() throws Exception {
        JobQueue<TJob> q = queue("q", 4, NEVER, true);
        DmaFence j1 = submit(q, "j1", 2);
        DmaFence j2 = submit(q, "j2", 2);
        DmaFence j3 = submit(q, "j3", 2);
        DmaFence j4 = submit(q, "j4", 1);
        assertEquals(List.of("j1", "j2"), ring(q).ran, "two jobs of 2 fill 4 credits; j4 may not overtake j3");
        QueueStatus s = q.status();
        assertEquals(2, s.pending());
        assertEquals(2, s.inFlight());
        assertEquals(0, s.creditsFree());
        ring(q).completeUpTo(j1.seqno());
        signalled(j1, null);
        assertFalse(j2.isSignaled(), "only j1's seqno completed");
        assertEquals(List.of("j1", "j2", "j3"), ring(q).ran, "j3 got j1's credits; j4 needs one more");
        ring(q).completeUpTo(j2.seqno());
        assertEquals(List.of("j1", "j2", "j3", "j4"), ring(q).ran);
        ring(q).completeUpTo(j4.seqno());
        signalled(j3, null);
        signalled(j4, null);
        assertEquals(4, ring(q).maxCreditsInUse());
        assertEquals(4, q.status().creditsFree());
        DriverException e = assertThrows(DriverException.class, () -> submit(q, "big", 5));
        assertEquals(Errno.EINVAL, e.errno(), "a job larger than the ring");
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> submit(q, "none", 0)).errno());
    }

    @Test
    void aTimedOutJobFailsItsQueueAndDoesNotBlockAnother() throws Exception {
        JobQueue<TJob> hung = queue("hung", 4, Duration.ofMillis(50), true);
        JobQueue<TJob> fine = queue("fine", 4, NEVER, false);
        DmaFence h1 = submit(hung, "h1", 2);
        DmaFence h2 = submit(hung, "h2", 2);
        DmaFence h3 = submit(hung, "h3", 2);
        List<DmaFence> ok = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ok.add(submit(fine, "f" + i, 1 + i % 4));
        }
        for (DmaFence f : ok) {
            signalled(f, null);
        }
        signalled(h1, FenceError.ETIMEDOUT);
        signalled(h2, FenceError.EIO);
        signalled(h3, FenceError.ECANCELED);
        assertTrue(hung.isFailed());
        assertTrue(hung.failReason().contains("timed out"), hung.failReason());
        assertTrue(ring(hung).aborted.contains("timed out"), "the ring was aborted");
        DmaFence later = submit(hung, "later", 1);
        signalled(later, FenceError.ECANCELED);
        assertEquals(List.of("h1", "h2"), ring(hung).ran, "nothing runs on a failed queue");
        assertFalse(fine.isFailed());
        QueueStatus s = hung.status();
        assertEquals(0, s.pending());
        assertEquals(0, s.inFlight());
        assertEquals(4, s.creditsFree());
    }

    @Test
    void completionBeforeTheTimeoutCancelsIt() throws Exception {
        JobQueue<TJob> q = queue("q", 4, Duration.ofMillis(30), false);
        for (int i = 0; i < 10; i++) {
            signalled(submit(q, "j" + i, 1), null);
        }
        DmaFence last = submit(q, "last", 1);
        signalled(last, null);
        // a fence the queue does not own, awaited for longer than the timeout: the queue stays healthy
        assertFalse(external.next().await(100, TimeUnit.MILLISECONDS));
        assertFalse(q.isFailed(), "completed jobs' timers were cancelled");
    }

    @Test
    void doneFenceCallbacksRunOnce() throws Exception {
        JobQueue<TJob> q = queue("q", 4, NEVER, false);
        AtomicInteger runs = new AtomicInteger();
        List<DmaFence> fences = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            DmaFence f = submit(q, "j" + i, 1);
            if (!f.addCallback(x -> runs.incrementAndGet())) {
                runs.incrementAndGet();
            }
            fences.add(f);
        }
        for (DmaFence f : fences) {
            signalled(f, null);
        }
        ring(q).completeUpTo(fences.getLast().seqno());
        assertEquals(50, runs.get(), "each done fence's callback exactly once (completions reported twice)");
    }

    @Test
    void closeWithJobsInFlightCancelsEverything() throws Exception {
        JobQueue<TJob> q = queue("q", 4, NEVER, true);
        DmaFence gate = external.next();
        DmaFence a = submit(q, "a", 2);
        DmaFence b = submit(q, "b", 1);
        DmaFence c = submit(q, "c", 1, gate);
        DmaFence d = submit(q, "d", 3);
        ring(q).completeUpTo(a.seqno());
        signalled(a, null);
        q.close();
        for (DmaFence f : List.of(b, c, d)) {
            assertTrue(f.isSignaled(), f + " signalled when close returned");
            assertEquals(FenceError.ECANCELED, f.error());
        }
        assertTrue(ring(q).closed);
        QueueStatus s = q.status();
        assertTrue(s.closed());
        assertEquals(0, s.pending());
        assertEquals(0, s.inFlight());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> submit(q, "e", 1)).errno());
        gate.signal();
        assertEquals(List.of("a", "b"), ring(q).ran, "c's input signalling after close runs nothing");
        q.close();
    }

    /**
     * close() while another thread is signalling the queue's fences (its engine, stuck in a
     * callback): close still returns only once every fence signalled.
     */
    @Test
    void closeWaitsForAnotherThreadSignalling() throws Exception {
        JobQueue<TJob> q = queue("q", 4, NEVER, true);
        DmaFence a = submit(q, "a", 1);
        DmaFence b = submit(q, "b", 1, external.next());
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        a.addCallback(x -> {
            inCallback.countDown();
            try {
                release.await(BOUND_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread engine = new Thread(() -> {
            try {
                ring(q).completeUpTo(a.seqno());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        engine.start();
        assertTrue(inCallback.await(BOUND_S, TimeUnit.SECONDS));
        boolean[] seenAtReturn = new boolean[1];
        Thread closer = new Thread(() -> {
            q.close();
            seenAtReturn[0] = b.isSignaled();
        });
        closer.start();
        while (closer.getState() != Thread.State.WAITING && closer.getState() != Thread.State.TERMINATED) {
            Thread.onSpinWait();
        }
        release.countDown();
        closer.join();
        engine.join();
        assertTrue(seenAtReturn[0], "b was signalled when close returned");
        assertEquals(FenceError.ECANCELED, b.error());
    }

    @Test
    void aFailedDependencyFailsTheJobInItsTurn() throws Exception {
        JobQueue<TJob> q = queue("q", 4, NEVER, true);
        DmaFence dep = external.next();
        DmaFence a = submit(q, "a", 1);
        DmaFence b = submit(q, "b", 1, dep);
        DmaFence c = submit(q, "c", 1);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        for (DmaFence f : List.of(a, b, c)) {
            f.addCallback(x -> order.add(x.seqno() + " " + x.error()));
        }
        dep.signal(FenceError.ETIMEDOUT);
        assertEquals(List.of("a", "c"), ring(q).ran, "b runs nothing; c goes on");
        assertFalse(b.isSignaled(), "b signals after a, in order");
        ring(q).completeUpTo(c.seqno());
        signalled(b, FenceError.ETIMEDOUT);
        signalled(c, null);
        assertEquals(List.of(a.seqno() + " null", b.seqno() + " ETIMEDOUT", c.seqno() + " null"), order);
        assertFalse(q.isFailed(), "a job failing its input does not fail the queue");
        DmaFence err = external.next();
        err.signal(FenceError.EIO);
        signalled(submit(q, "d", 1, err), FenceError.EIO);
    }

    @Test
    void aRingFaultFailsWhatItDidNotComplete() throws Exception {
        JobQueue<TJob> q = queue("q", 8, NEVER, true);
        DmaFence a = submit(q, "a", 2);
        DmaFence b = submit(q, "b", 2);
        DmaFence gate = external.next();
        DmaFence c = submit(q, "c", 2, gate);
        ring(q).completeUpTo(a.seqno());
        ring(q).fault("MMU fault at 0xdead000");
        signalled(a, null);
        signalled(b, FenceError.EIO);
        signalled(c, FenceError.ECANCELED);
        assertTrue(q.failReason().contains("MMU fault"), q.failReason());
        signalled(submit(q, "d", 1), FenceError.ECANCELED);
    }

    /**
     * 8 threads submit 400 jobs to 3 queues with random credits and random inputs among the fences
     * already returned; the rings complete on their engine threads. Against the model: every fence
     * signals without error, each queue ran its jobs in submission order, no job ran before its
     * inputs signalled, no ring held more credits than it has (the rings check the last two).
     */
    @Test
    void stressEightSubmittersAgainstAModel() throws Exception {
        int nq = 3;
        List<JobQueue<TJob>> qs = new ArrayList<>();
        for (int i = 0; i < nq; i++) {
            qs.add(queue("s" + i, 6, NEVER, false));
        }
        List<DmaFence> all = Collections.synchronizedList(new ArrayList<>());
        Map<String, Long> seqnoOf = new ConcurrentHashMap<>();
        Map<String, Integer> queueOf = new ConcurrentHashMap<>();
        int threads = 8;
        int perThread = 50;
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            done.add(ex.submit(() -> {
                Random rnd = new Random(seed);
                go.await();
                for (int i = 0; i < perThread; i++) {
                    int qi = rnd.nextInt(nq);
                    List<DmaFence> deps = new ArrayList<>();
                    synchronized (all) {
                        for (int k = 0; k < rnd.nextInt(3) && !all.isEmpty(); k++) {
                            deps.add(all.get(rnd.nextInt(all.size())));
                        }
                    }
                    int credits = 1 + rnd.nextInt(6);
                    String name = "t" + seed + "j" + i;
                    JobQueue<TJob> q = qs.get(qi);
                    DmaFence f;
                    synchronized (q) {
                        f = q.submit(new TJob(name, credits, deps), credits, deps);
                        seqnoOf.put(name, f.seqno());
                        queueOf.put(name, qi);
                    }
                    all.add(f);
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(BOUND_S, TimeUnit.SECONDS);
        }
        ex.shutdown();
        assertEquals(threads * perThread, all.size());
        for (DmaFence f : List.copyOf(all)) {
            signalled(f, null);
        }
        Map<Integer, Integer> count = new HashMap<>();
        for (int i = 0; i < nq; i++) {
            List<String> ran = ring(qs.get(i)).ran;
            List<Long> seqnos = new ArrayList<>();
            synchronized (ring(qs.get(i))) {
                for (String n : ran) {
                    seqnos.add(seqnoOf.get(n));
                    assertEquals(i, queueOf.get(n), n + " ran on its own queue");
                }
            }
            List<Long> sorted = new ArrayList<>(seqnos);
            Collections.sort(sorted);
            assertEquals(sorted, seqnos, "queue " + i + " ran its jobs in submission order");
            count.put(i, seqnos.size());
            assertEquals(0, ring(qs.get(i)).creditsInUse());
            assertTrue(ring(qs.get(i)).maxCreditsInUse() <= 6);
        }
        assertEquals(threads * perThread, count.values().stream().mapToInt(Integer::intValue).sum(), "every job ran once");
        for (JobQueue<TJob> q : qs) {
            assertNull(q.failReason());
        }
    }
}
