package org.nova.dma.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** DmaFence, FenceContext and DmaFenceArray: the dma-fence rules. */
class DmaFenceTest {
    private final FenceContext ctx = new FenceContext("test");

    @Test
    void contextsAndSeqnos() {
        FenceContext other = new FenceContext("other");
        assertTrue(other.context() > ctx.context(), "dma_fence_context_alloc numbers increase");
        DmaFence a = ctx.next();
        DmaFence b = ctx.next();
        assertEquals(1, a.seqno());
        assertEquals(2, b.seqno());
        assertEquals(ctx.context(), a.context());
        assertEquals(ctx.context() + ":2", b.id());
        assertEquals(2, ctx.lastSeqno());
    }

    @Test
    void signalOnceAndTheFirstErrorStays() {
        DmaFence f = ctx.next();
        assertFalse(f.isSignaled());
        assertEquals("pending", f.state());
        assertEquals(0, f.timestampNanos());
        assertTrue(f.signal(FenceError.ETIMEDOUT));
        assertFalse(f.signal(), "dma_fence_signal of a signalled fence is refused");
        assertFalse(f.signal(FenceError.EIO));
        assertTrue(f.isSignaled());
        assertEquals(FenceError.ETIMEDOUT, f.error());
        assertEquals("error ETIMEDOUT", f.state());
        assertTrue(f.timestampNanos() != 0);
        DmaFence ok = ctx.next();
        ok.signal();
        assertNull(ok.error());
        assertEquals("signaled", ok.state());
    }

    @RepeatedTest(20)
    void concurrentSignalersExactlyOneWins() throws Exception {
        DmaFence f = ctx.next();
        AtomicInteger runs = new AtomicInteger();
        f.addCallback(x -> runs.incrementAndGet());
        int n = 8;
        CyclicBarrier go = new CyclicBarrier(n);
        ExecutorService ex = Executors.newFixedThreadPool(n);
        try {
            List<Future<Boolean>> r = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                FenceError e = FenceError.values()[i % FenceError.values().length];
                r.add(ex.submit(() -> {
                    go.await();
                    return f.signal(e);
                }));
            }
            int wins = 0;
            FenceError winner = null;
            for (int i = 0; i < n; i++) {
                if (r.get(i).get()) {
                    wins++;
                    winner = FenceError.values()[i % FenceError.values().length];
                }
            }
            assertEquals(1, wins);
            assertEquals(winner, f.error(), "the winner's error is the fence's");
            assertEquals(1, runs.get(), "the callback ran once");
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void callbacksRunOnceInOrderWithTheFence() {
        DmaFence f = ctx.next();
        List<String> log = new ArrayList<>();
        assertTrue(f.addCallback(x -> log.add("a " + x.error())));
        assertTrue(f.addCallback(x -> log.add("b")));
        f.signal(FenceError.EIO);
        f.signal();
        assertEquals(List.of("a EIO", "b"), log);
    }

    @Test
    void addAfterSignalReturnsFalseAndNeverRuns() {
        DmaFence f = ctx.next();
        f.signal();
        AtomicInteger runs = new AtomicInteger();
        assertFalse(f.addCallback(x -> runs.incrementAndGet()), "dma_fence_add_callback's -ENOENT");
        assertEquals(0, runs.get());
    }

    @Test
    void addingOnePendingCallbackTwiceIsRefused() {
        DmaFence f = ctx.next();
        FenceCallback cb = x -> { };
        f.addCallback(cb);
        assertThrows(IllegalArgumentException.class, () -> f.addCallback(cb));
    }

    @Test
    void removedCallbacksDoNotRun() {
        DmaFence f = ctx.next();
        AtomicInteger runs = new AtomicInteger();
        FenceCallback cb = x -> runs.incrementAndGet();
        FenceCallback other = x -> runs.addAndGet(10);
        f.addCallback(cb);
        f.addCallback(other);
        assertTrue(f.removeCallback(cb));
        assertFalse(f.removeCallback(cb), "removed already");
        f.signal();
        assertEquals(10, runs.get());
        assertFalse(f.removeCallback(other), "it ran: too late to remove");
    }

    @Test
    void aThrowingCallbackDoesNotStopTheOthers() {
        DmaFence f = ctx.next();
        AtomicInteger runs = new AtomicInteger();
        f.addCallback(x -> {
            throw new IllegalStateException("callback failure on purpose");
        });
        f.addCallback(x -> runs.incrementAndGet());
        assertTrue(f.signal());
        assertEquals(1, runs.get());
    }

    /**
     * A callback that needs the fence's state from another thread (which takes the fence's lock)
     * completes: the callback does not run under the lock. Were it run under the lock, the other
     * thread's isSignaled() would block until the callback returns, which waits for that thread.
     */
    @Test
    void callbacksRunOutsideTheLock() throws Exception {
        DmaFence f = ctx.next();
        AtomicReference<String> seen = new AtomicReference<>();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            f.addCallback(x -> {
                try {
                    Future<Boolean> other = ex.submit(() -> {
                        f.addCallback(y -> { });
                        return f.isSignaled();
                    });
                    seen.set("other thread saw signaled=" + other.get(30, TimeUnit.SECONDS));
                } catch (Exception e) {
                    seen.set("blocked: " + e);
                }
            });
            f.signal();
            assertEquals("other thread saw signaled=true", seen.get());
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void awaitTimesOutThenSucceeds() throws Exception {
        DmaFence f = ctx.next();
        assertFalse(f.await(0, TimeUnit.MILLISECONDS), "a poll of a pending fence");
        assertFalse(f.await(20, TimeUnit.MILLISECONDS));
        CountDownLatch waiting = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                waiting.await();
            } catch (InterruptedException e) {
                return;
            }
            f.signal(FenceError.ECANCELED);
        });
        t.start();
        waiting.countDown();
        assertTrue(f.await(30, TimeUnit.SECONDS));
        assertEquals(FenceError.ECANCELED, f.error());
        t.join();
        assertTrue(f.await(0, TimeUnit.MILLISECONDS), "a poll of a signalled fence");
    }

    @Test
    void theStubIsSignaled() {
        assertTrue(DmaFence.signaledStub().isSignaled());
        assertNull(DmaFence.signaledStub().error());
        assertEquals(0, DmaFence.signaledStub().context());
    }

    @Test
    void arraySignalsWhenAllMembersDidWithTheFirstError() {
        DmaFence a = ctx.next();
        DmaFence b = ctx.next();
        DmaFence c = ctx.next();
        FenceContext actx = new FenceContext("array");
        DmaFenceArray all = new DmaFenceArray(actx, List.of(a, b, c));
        assertEquals(actx.context(), all.context());
        AtomicInteger runs = new AtomicInteger();
        all.addCallback(x -> runs.incrementAndGet());
        b.signal(FenceError.EIO);
        assertFalse(all.isSignaled(), "an error does not signal the array before the others");
        a.signal(FenceError.ETIMEDOUT);
        assertFalse(all.isSignaled());
        c.signal();
        assertTrue(all.isSignaled());
        assertEquals(FenceError.EIO, all.error(), "the first member error seen");
        assertEquals(1, runs.get());
        assertEquals(List.of(a, b, c), all.fences());
    }

    @Test
    void arrayOfSignalledOrNoMembersSignalsAtOnce() {
        DmaFence a = ctx.next();
        a.signal();
        assertTrue(new DmaFenceArray(ctx, List.of(a)).isSignaled());
        DmaFenceArray none = new DmaFenceArray(ctx, List.of());
        assertTrue(none.isSignaled());
        assertNull(none.error());
    }

    @Test
    void arrayRefusesOutsideSignals() {
        DmaFence a = ctx.next();
        DmaFenceArray all = new DmaFenceArray(ctx, List.of(a));
        assertThrows(IllegalStateException.class, () -> all.signal(FenceError.EIO));
        assertFalse(all.isSignaled());
        a.signal();
        assertTrue(all.isSignaled());
        assertFalse(all.signal());
    }
}
