package org.nova.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
 * Issue 6: the GSP message queues ({@link GspMsgQueue}, the code nova.core's Cmdq and the simulated
 * GSP both run) in coherent memory, between the benchmark thread playing the driver (the CPU
 * queue's writer) and a peer thread playing GSP-RM (the GSP queue's writer). Every message is a
 * full queue element: element header, {@code rpc_message_header_v03_00}, payload, checksum
 * computed by the sender and verified by the receiver, sequence numbers, read and write pointers
 * with their fences.
 *
 * <ul>
 * <li>{@link #rpcRoundTrip}: one command, the peer reads it and writes the reply, the driver reads
 * the reply. Compared with {@link #synchronousQueueRoundTrip}: the same request/reply handoff
 * through two {@link SynchronousQueue}s between the benchmark thread and a peer thread, in the
 * same run. Goal: not slower. Both wait alike: spin briefly, then park until the other side's signal
 * (SynchronousQueue's own policy; for the queues, the doorbell and the GSP's interrupt).</li>
 * <li>{@link #pipelinedRpc}: commands sent while replies come back, up to the ring's capacity in
 * flight (62 one-page elements per direction); one operation is one command answered by its reply
 * (two queue messages). {@link #pipelinedOneWay}: commands only, the peer consumes them (one
 * operation = one message). Goal: at least 1 M messages/s.</li>
 * </ul>
 *
 * <p>Both sides use the shared memory directly, as the driver does its coherent DMA buffer and the
 * GSP does over the bus; the simulator's GSP reaches it through the simulated IOMMU instead
 * (SimGsp.SharedMemory), which is not measured here. A waiting side spins {@code SPINS_BEFORE_PARK}
 * times, then parks until the other side unparks it after writing (the doorbell for the GSP, the
 * interrupt for the driver; every send rings it, as Cmdq.send does), with a 50 µs safety timeout.
 * nova.core's Cmdq instead parks its poll interval ({@code POLL_NANOS}) and the simulated GSP its
 * idle time: policies above the queues, not their cost. {@link #rpcSameThread} gives the queue
 * code's own CPU cost without any thread handoff.
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
    /** The longest park, should a signal be missed: Cmdq's poll interval. */
    private static final long PARK_NANOS = 50_000L;

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
            payload = new byte[payloadSize];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 31 + 7);
            }
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

    /** Two SynchronousQueues and a peer that hands every request back as the reply. */
    @State(Scope.Benchmark)
    public static class Handoff extends Peer {
        final SynchronousQueue<byte[]> requests = new SynchronousQueue<>();
        final SynchronousQueue<byte[]> replies = new SynchronousQueue<>();
        byte[] payload;

        @Setup(Level.Trial)
        public void setUp() {
            payload = new byte[64];
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
                    replies.put(requests.take());
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }
    }

    /** One RPC: the command written with its header and checksum, read and answered by the peer. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int rpcRoundTrip(Rpc q) {
        q.driverThread = Thread.currentThread();
        int seq = q.nextSequence++;
        while (!q.driver.trySend(FUNCTION, GspMsgQueue.RESULT_PENDING, seq, q.payload)) {
            Thread.onSpinWait(); // cannot happen with one RPC in flight
        }
        q.wakePeer();
        GspMsgQueue.Message r = q.receive();
        if (r.sequence() != seq || r.rpcResult() != GspMsgQueue.RESULT_SUCCESS) {
            throw new IllegalStateException("reply " + r.sequence() + " to command " + seq);
        }
        return r.payload().length;
    }

    /** The baseline: a request handed to the peer and the reply handed back, through SynchronousQueues. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int synchronousQueueRoundTrip(Handoff h) throws InterruptedException {
        h.requests.put(h.payload);
        return h.replies.take().length;
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
