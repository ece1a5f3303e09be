package org.nova.bench;

import static org.nova.bench.GspRpcStates.CHECK_EVERY;
import static org.nova.bench.GspRpcStates.idle;

import java.util.Optional;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

import org.nova.bench.GspRpcStates.Busy;
import org.nova.bench.GspRpcStates.Handoff;
import org.nova.bench.GspRpcStates.InterruptRpc;
import org.nova.bench.GspRpcStates.Local;
import org.nova.bench.GspRpcStates.Rpc;
import org.nova.bench.GspRpcStates.Sink;
import org.nova.bench.GspRpcStates.SpinningHandoff;
import org.nova.bench.GspRpcStates.SpinningRpc;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * peer, asleep until the doorbell (the simulated GSP parks and the doorbell unparks it; here it
 * sleeps on a {@link GspRpcStates.Bell} like the driver's), reads it, writes the reply and raises
 * the interrupt (SWGEN0, which the simulated GPU raises for every message it writes); the
 * driver's receive checks the queue and otherwise sleeps on a monitor until the interrupt's
 * signal count moves (with Cmdq's {@value GspRpcStates#FALLBACK_POLL_MS} ms safety poll), as
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
 * {@link GspRpcStates#SPINS_BEFORE_PARK} times, then parks until the other side unparks it after writing, with a
 * {@value GspRpcStates#PARK_NANOS} ns safety timeout.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GspRpcBench {
    /** A function number for the commands (NV_VGPU_MSG_FUNCTION_GSP_RM_CONTROL in both releases). */
    static final int FUNCTION = 76;
    /** Messages per pipelined invocation. */
    static final int BATCH = 4096;

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
