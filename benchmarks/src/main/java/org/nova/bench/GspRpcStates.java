package org.nova.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.nova.nvidia.gsp.GspMsgQueue;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The states of {@link GspRpcBench}: the queue pair in shared memory and the peer threads playing
 * GSP-RM, one per waiting discipline, the references' handoffs, the wakeups ({@link Bell}) and the
 * busy threads ({@link Busy}). Set up once per trial, outside the timed region.
 */
public final class GspRpcStates {
    /** Spins between checks that the peer is still alive. */
    static final int CHECK_EVERY = 1 << 16;
    /**
     * Busy spins before a waiting side parks until the other side's signal (doorbell or interrupt);
     * {@code -jvmArgsAppend -Dnova.bench.gsp.spins=N} changes it.
     */
    static final int SPINS_BEFORE_PARK = Integer.getInteger("nova.bench.gsp.spins", 256);
    /** The longest park, should a signal be missed: Cmdq's poll interval (Cmdq.POLL_NANOS). */
    static final long PARK_NANOS = 50_000L;
    /**
     * The interrupt-driven receive's safety poll: how long it sleeps at most without a signal
     * (nova.core Cmdq.FALLBACK_POLL_MS).
     */
    static final long FALLBACK_POLL_MS = 20L;

    /** Waiting for the other side: spin a while, then park until it signals (or the safety timeout). */
    static void idle(int spins) {
        if (spins < SPINS_BEFORE_PARK) {
            Thread.onSpinWait();
        } else {
            LockSupport.parkNanos(PARK_NANOS);
        }
    }

    /** The shared memory as a {@link GspMsgQueue.Memory}. */
    static GspMsgQueue.Memory memory(MemorySegment seg) {
        return GspMsgQueue.Memory.of(seg);
    }

    /** A peer thread; its failure is reported to the benchmark thread. */
    abstract static class Peer {
        volatile boolean stop;
        volatile Throwable failure;
        /** The benchmark thread (the driver), which the peer signals (the GSP's interrupt). */
        volatile Thread driverThread;
        private Thread thread;

        /** The doorbell: wakes the peer if it parked. */
        void wakePeer() {
            LockSupport.unpark(thread);
        }

        /** The interrupt: wakes the driver if it parked. */
        void wakeDriver() {
            LockSupport.unpark(driverThread);
        }

        abstract void loop() throws Exception;

        void start(String name) {
            thread = Thread.ofPlatform().daemon().name(name).start(() -> {
                try {
                    loop();
                } catch (Throwable t) {
                    failure = t;
                }
            });
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.interrupt();
            thread.join(5_000);
        }

        void check() {
            Throwable t = failure;
            if (t != null) {
                throw new IllegalStateException("the peer thread failed", t);
            }
        }
    }

    /** The queue pair in shared memory with both endpoints initialised by their owners. */
    @State(Scope.Benchmark)
    public abstract static class Queues extends Peer {
        /** Payload bytes of each command and reply. */
        @Param({"64", "1024"})
        public int payloadSize;

        Arena arena;
        GspMsgQueue.Endpoint driver;
        GspMsgQueue.Endpoint gsp;
        byte[] payload;

        void open() {
            arena = Arena.ofShared();
            MemorySegment shared = arena.allocate(GspMsgQueue.SHARED_SIZE, GspMsgQueue.PAGE_SIZE);
            GspMsgQueue.Memory mem = memory(shared);
            GspMsgQueue.initQueue(mem, GspMsgQueue.CPU_QUEUE_OFFSET);
            GspMsgQueue.initQueue(mem, GspMsgQueue.GSP_QUEUE_OFFSET);
            driver = GspMsgQueue.Endpoint.cpu(mem);
            gsp = GspMsgQueue.Endpoint.gsp(mem);
            payload = payload(payloadSize);
        }

        void close() throws InterruptedException {
            stop();
            arena.close();
        }

        /** The driver's receive: spins until a message is there. */
        GspMsgQueue.Message receive() {
            int spins = 0;
            while (true) {
                Optional<GspMsgQueue.Message> m = driver.poll();
                if (m.isPresent()) {
                    return m.get();
                }
                if (++spins % CHECK_EVERY == 0) {
                    check();
                }
                idle(spins);
            }
        }
    }

    /** The peer answers every command with a reply carrying its sequence and payload. */
    @State(Scope.Benchmark)
    public static class Rpc extends Queues {
        int nextSequence = 1;

        @Setup(Level.Trial)
        public void setUp() {
            open();
            start("gsp-rpc-peer");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            close();
        }

        @Override
        void loop() {
            int spins = 0;
            while (!stop) {
                Optional<GspMsgQueue.Message> m = gsp.poll();
                if (m.isEmpty()) {
                    idle(spins++);
                    continue;
                }
                spins = 0;
                GspMsgQueue.Message c = m.get();
                while (!gsp.trySend(c.function(), GspMsgQueue.RESULT_SUCCESS, c.sequence(), c.payload())) {
                    if (stop) {
                        return;
                    }
                    idle(spins++); // backpressure: the driver has not read the replies yet
                }
                wakeDriver();
            }
        }
    }

    /** The peer reads every command and answers none. */
    @State(Scope.Benchmark)
    public static class Sink extends Queues {
        @Setup(Level.Trial)
        public void setUp() {
            open();
            start("gsp-sink-peer");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            close();
        }

        @Override
        void loop() {
            int spins = 0;
            while (!stop) {
                if (gsp.poll().isEmpty()) {
                    idle(spins++);
                } else {
                    spins = 0;
                    wakeDriver(); // room again for a driver waiting on a full queue
                }
            }
        }
    }

    /** No peer: the benchmark thread plays both sides, which measures the queue code's own CPU cost. */
    @State(Scope.Benchmark)
    public static class Local extends Queues {
        int nextSequence = 1;

        @Setup(Level.Trial)
        public void setUp() {
            open();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }

        @Override
        void loop() {
            throw new UnsupportedOperationException("no peer thread");
        }
    }

    /**
     * Threads that burn CPU for the whole trial: {@code busy} of the machine's cores taken before
     * the benchmark's two threads run.
     */
    @State(Scope.Benchmark)
    public static class Busy {
        /** Threads spinning on a counter of their own. */
        @Param({"0", "1", "2"})
        public int busy;

        volatile boolean stop;
        private final List<Thread> threads = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < busy; i++) {
                threads.add(Thread.ofPlatform().daemon().name("busy-" + i).start(this::burn));
            }
        }

        private void burn() {
            long n = 0;
            while (!stop) {
                n++;
            }
            if (n == 0) {
                throw new IllegalStateException("the busy thread never ran");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
    }

    /**
     * A wakeup as Cmdq's: a signal count under a monitor; a waiter notes the count, checks its
     * queue, and sleeps until the count moves (or the safety poll). The doorbell (NV_PGSP_QUEUE_HEAD
     * write) wakes the GSP; the interrupt (the GSP falcon's SWGEN0) wakes the driver.
     */
    static final class Bell {
        private long signals;

        /** @return the signals so far, to wait for the next one after a check */
        synchronized long seen() {
            return signals;
        }

        /** Rings: every waiter wakes. */
        synchronized void ring() {
            signals++;
            notifyAll();
        }

        /** Sleeps until a signal after {@code seen}, at most {@link GspRpcStates#FALLBACK_POLL_MS} ms. */
        synchronized void await(long seen) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FALLBACK_POLL_MS);
            while (signals == seen) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** The peer sleeps until the doorbell, answers every command, and raises the interrupt. */
    @State(Scope.Benchmark)
    public static class InterruptRpc extends Queues {
        final Bell doorbell = new Bell();
        final Bell interrupt = new Bell();
        int nextSequence = 1;

        @Setup(Level.Trial)
        public void setUp() {
            open();
            start("gsp-interrupt-peer");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            close();
        }

        @Override
        void loop() throws InterruptedException {
            while (!stop) {
                long seen = doorbell.seen();
                Optional<GspMsgQueue.Message> m = gsp.poll();
                if (m.isEmpty()) {
                    doorbell.await(seen);
                    continue;
                }
                GspMsgQueue.Message c = m.get();
                if (!gsp.trySend(c.function(), GspMsgQueue.RESULT_SUCCESS, c.sequence(), c.payload())) {
                    throw new IllegalStateException("message queue full with one RPC in flight");
                }
                interrupt.ring();
            }
        }
    }

    /** The peer busy-polls the command queue and answers every command; nobody sleeps. */
    @State(Scope.Benchmark)
    public static class SpinningRpc extends Queues {
        int nextSequence = 1;

        @Setup(Level.Trial)
        public void setUp() {
            open();
            start("gsp-spinning-peer");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            close();
        }

        @Override
        void loop() {
            while (!stop) {
                Optional<GspMsgQueue.Message> m = gsp.poll();
                if (m.isEmpty()) {
                    Thread.onSpinWait();
                    continue;
                }
                GspMsgQueue.Message c = m.get();
                if (!gsp.trySend(c.function(), GspMsgQueue.RESULT_SUCCESS, c.sequence(), c.payload())) {
                    throw new IllegalStateException("message queue full with one RPC in flight");
                }
            }
        }
    }

    /** A payload of {@code size} bytes, the same for every state. */
    static byte[] payload(int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (i * 31 + 7);
        }
        return p;
    }

    /** Two SynchronousQueues and a peer that answers every request with a copy of it. */
    @State(Scope.Benchmark)
    public static class Handoff extends Peer {
        /** Payload bytes of each request and reply. */
        @Param({"64", "1024"})
        public int payloadSize;

        final SynchronousQueue<byte[]> requests = new SynchronousQueue<>();
        final SynchronousQueue<byte[]> replies = new SynchronousQueue<>();
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp() {
            payload = payload(payloadSize);
            start("handoff-peer");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop();
        }

        @Override
        void loop() {
            try {
                while (!stop) {
                    replies.put(requests.take().clone());
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }
    }

    /** Two volatile slots and a peer that busy-polls for a request and answers with a copy of it. */
    @State(Scope.Benchmark)
    public static class SpinningHandoff extends Peer {
        /** Payload bytes of each request and reply. */
        @Param({"64", "1024"})
        public int payloadSize;

        volatile byte[] request;
        volatile byte[] reply;
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp() {
            payload = payload(payloadSize);
            start("spinning-handoff-peer");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop();
        }

        @Override
        void loop() {
            while (!stop) {
                byte[] r = request;
                if (r == null) {
                    Thread.onSpinWait();
                    continue;
                }
                request = null;
                reply = r.clone();
            }
        }
    }

    /** Checks a reply against the command it answers. */

    private GspRpcStates() {
    }
}
