package org.nova.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.nova.nvidia.gsp.GspMsgQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 6 and 16: the GSP message queues ({@link GspMsgQueue}, the code nova.core's Cmdq and the
 * simulated GSP both run) in coherent memory, between the benchmark thread playing the driver (the
 * CPU queue's writer) and a peer thread playing GSP-RM (the GSP queue's writer). Every message is a
 * full queue element: element header, {@code rpc_message_header_v03_00}, payload, checksum
 * computed by the sender and verified by the receiver, sequence numbers, read and write pointers
 * with their fences. Both sides use the shared memory directly, as the driver does its coherent DMA
 * buffer and the GSP does over the bus (the simulator's IOMMU path is not measured here).
 *
 * <p>One RPC round trip, compared like with like, in pairs that wait the same way:
 * <ul>
 * <li><b>Both parking.</b> {@link #interruptRpc}: the path the driver really uses (Cmdq with its
 * interrupt handler, {@code interruptDriven}): the command is written and the doorbell rung; the
 * peer, asleep until the doorbell, reads it, writes the reply and raises the interrupt; the
 * driver's receive checks the queue and otherwise sleeps on a monitor until the interrupt's
 * signal count moves (with Cmdq's {@value #FALLBACK_POLL_MS} ms safety poll), as
 * {@code Cmdq.receive} does. Its reference, {@link #synchronousQueueRpc}: the request handed to
 * a peer and the reply handed back through two {@link SynchronousQueue}s (which may spin a little
 * before parking, its own policy).</li>
 * <li><b>Both spinning.</b> {@link #spinningRpc}: the same queues with a peer that busy-polls the
 * command queue and a driver that busy-polls the message queue ({@link Thread#onSpinWait}), no
 * doorbell, interrupt or sleep. Its reference, {@link #spinningHandoffRpc}: the request and the
 * reply handed over through two volatile fields, each side busy-polling.</li>
 * </ul>
 * In both references the peer copies the request's payload into its reply, as the queue's peer
 * builds its reply from the command it read; the queues' own encoding and checksum cost, without
 * any thread handoff, is {@link #rpcSameThread}. The round trips take a {@link Busy} state: its
 * {@code busy} threads burn CPU for the whole trial, so that the pairs can be reported with 0, 1
 * and 2 of the machine's cores already busy (spinning degrades first when the cores run out).
 *
 * <p>{@link #pipelinedRpc}: commands sent while replies come back, up to the ring's capacity in
 * flight (62 one-page elements per direction); one operation is one command answered by its reply
 * (two queue messages). {@link #pipelinedOneWay}: commands only, the peer consumes them (one
 * operation = one message). Goal: at least 1 M messages/s. There a waiting side spins
 * {@code SPINS_BEFORE_PARK} times, then parks until the other side unparks it after writing, with a
 * {@value #PARK_NANOS} ns safety timeout.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GspRpcBench {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** A function number for the commands (NV_VGPU_MSG_FUNCTION_GSP_RM_CONTROL in both releases). */
    static final int FUNCTION = 76;
    /** Messages per pipelined invocation. */
    static final int BATCH = 4096;
    /** Spins between checks that the peer is still alive. */
    private static final int CHECK_EVERY = 1 << 16;
    /**
     * Busy spins before a waiting side parks until the other side's signal (doorbell or interrupt);
     * {@code -jvmArgsAppend -Dnova.bench.gsp.spins=N} changes it.
     */
    private static final int SPINS_BEFORE_PARK = Integer.getInteger("nova.bench.gsp.spins", 256);
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

        /** Sleeps until a signal after {@code seen}, at most {@link #FALLBACK_POLL_MS} ms. */
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
    private static int checkReply(GspMsgQueue.Message r, int seq) {
        if (r.sequence() != seq || r.rpcResult() != GspMsgQueue.RESULT_SUCCESS) {
            throw new IllegalStateException("reply " + r.sequence() + " to command " + seq);
        }
        return r.payload().length;
    }

    /**
     * Both parking: one RPC as the driver makes it, interrupt-driven (see the class comment): send,
     * doorbell, then check the queue and sleep until the interrupt until the reply is there.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int interruptRpc(InterruptRpc q, Busy busy) throws InterruptedException {
        int seq = q.nextSequence++;
        if (!q.driver.trySend(FUNCTION, GspMsgQueue.RESULT_PENDING, seq, q.payload)) {
            throw new IllegalStateException("command queue full with one RPC in flight");
        }
        q.doorbell.ring();
        while (true) {
            long seen = q.interrupt.seen();
            Optional<GspMsgQueue.Message> m = q.driver.poll();
            if (m.isPresent()) {
                return checkReply(m.get(), seq);
            }
            q.check();
            q.interrupt.await(seen);
        }
    }

    /** Both parking, the reference: the request and the reply handed over through SynchronousQueues. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int synchronousQueueRpc(Handoff h, Busy busy) throws InterruptedException {
        h.requests.put(h.payload);
        return h.replies.take().length;
    }

    /** Both spinning: one RPC through the queues, each side busy-polling its queue. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int spinningRpc(SpinningRpc q, Busy busy) {
        int seq = q.nextSequence++;
        if (!q.driver.trySend(FUNCTION, GspMsgQueue.RESULT_PENDING, seq, q.payload)) {
            throw new IllegalStateException("command queue full with one RPC in flight");
        }
        int spins = 0;
        while (true) {
            Optional<GspMsgQueue.Message> m = q.driver.poll();
            if (m.isPresent()) {
                return checkReply(m.get(), seq);
            }
            if (++spins % CHECK_EVERY == 0) {
                q.check();
            }
            Thread.onSpinWait();
        }
    }

    /** Both spinning, the reference: the request and the reply handed over through volatile fields. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int spinningHandoffRpc(SpinningHandoff h, Busy busy) {
        h.request = h.payload;
        int spins = 0;
        byte[] r;
        while ((r = h.reply) == null) {
            if (++spins % CHECK_EVERY == 0) {
                h.check();
            }
            Thread.onSpinWait();
        }
        h.reply = null;
        return r.length;
    }

    /**
     * One RPC with both sides on the benchmark thread (command sent, read by the GSP side, reply
     * sent, read by the driver side): the CPU cost of the two messages without any thread
     * handoff, the bound for what two cores could pipeline. One operation = one RPC.
     */
    @Benchmark
    public int rpcSameThread(Local q) {
        int seq = q.nextSequence++;
        if (!q.driver.trySend(FUNCTION, GspMsgQueue.RESULT_PENDING, seq, q.payload)) {
            throw new IllegalStateException("command queue full");
        }
        GspMsgQueue.Message c = q.gsp.poll().orElseThrow();
        if (!q.gsp.trySend(c.function(), GspMsgQueue.RESULT_SUCCESS, c.sequence(), c.payload())) {
            throw new IllegalStateException("message queue full");
        }
        GspMsgQueue.Message r = q.driver.poll().orElseThrow();
        if (r.sequence() != seq) {
            throw new IllegalStateException("reply " + r.sequence() + " to command " + seq);
        }
        return r.payload().length;
    }

    /**
     * {@link #BATCH} RPCs pipelined: commands go out while the ring has room, replies are read as
     * they come. One operation = one command and its reply.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long pipelinedRpc(Rpc q) {
        int sent = 0;
        int answered = 0;
        long sum = 0;
        int spins = 0;
        int first = q.nextSequence;
        q.driverThread = Thread.currentThread();
        while (answered < BATCH) {
            boolean progress = false;
            while (sent < BATCH && q.driver.trySend(FUNCTION, GspMsgQueue.RESULT_PENDING, first + sent, q.payload)) {
                sent++;
                progress = true;
                q.wakePeer();
            }
            Optional<GspMsgQueue.Message> m;
            while ((m = q.driver.poll()).isPresent()) {
                GspMsgQueue.Message r = m.get();
                if (r.sequence() != first + answered) {
                    throw new IllegalStateException("reply " + r.sequence() + ", expected " + (first + answered));
                }
                sum += r.payload().length;
                answered++;
                progress = true;
            }
            if (progress) {
                q.wakePeer(); // room in the reply queue for a peer waiting on it
            }
            if (progress) {
                spins = 0;
            } else {
                if (++spins % CHECK_EVERY == 0) {
                    q.check();
                }
                idle(spins);
            }
        }
        q.nextSequence = first + BATCH;
        return sum;
    }

    /** {@link #BATCH} commands streamed to a peer that reads them. One operation = one message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pipelinedOneWay(Sink q) {
        q.driverThread = Thread.currentThread();
        int spins = 0;
        for (int i = 0; i < BATCH; i++) {
            spins = 0;
            while (!q.driver.trySend(FUNCTION, GspMsgQueue.RESULT_PENDING, i, q.payload)) {
                if (++spins % CHECK_EVERY == 0) {
                    q.check();
                }
                idle(spins);
            }
            q.wakePeer();
        }
        return q.driver.nextSeqNum();
    }
}
