package org.nova.nvidia.gsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nova.nvidia.fw.FuzzLimits;

/**
 * The GSP message queues' reading of what the other side wrote, on both sides (the driver reads
 * the GSP's queue, the simulated GSP the driver's): everything in the shared memory the peer
 * writes is fuzzed, its queue's header page (write pointer included) and its ring pages. The
 * reader's own queue is read-only for the peer (nova-core gsp/cmdq.rs {@code GspMem}), so its read
 * pointer is not outside input. Contract: {@link GspMsgQueue.Endpoint#poll} returns a message, nothing, or
 * throws {@link GspMsgQueue.QueueException}; nothing else. And the round trip: what one side sends
 * the other receives, field for field, wherever the ring's pointers stand.
 */
class GspMsgQueueFuzzTest {

    private static GspMsgQueueTest.Heap pair() {
        GspMsgQueueTest.Heap h = new GspMsgQueueTest.Heap();
        GspMsgQueue.initQueue(h, GspMsgQueue.CPU_QUEUE_OFFSET);
        GspMsgQueue.initQueue(h, GspMsgQueue.GSP_QUEUE_OFFSET);
        return h;
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void receive(FuzzedDataProvider in) {
        boolean driverReads = in.consumeBoolean();
        GspMsgQueueTest.Heap h = pair();
        long peerQueue = driverReads ? GspMsgQueue.GSP_QUEUE_OFFSET : GspMsgQueue.CPU_QUEUE_OFFSET;
        GspMsgQueue.Endpoint reader = driverReads ? GspMsgQueue.Endpoint.cpu(h) : GspMsgQueue.Endpoint.gsp(h);
        byte[] header = in.consumeBytes(GspMsgQueue.RX_HDR_OFF + Integer.BYTES);
        h.write(peerQueue, header, 0, header.length);
        int page = in.consumeInt(0, GspMsgQueue.MSG_COUNT - 1);
        byte[] ring = in.consumeRemainingAsBytes();
        int len = Math.min(ring.length, GspMsgQueue.MSG_COUNT * GspMsgQueue.PAGE_SIZE
                - page * GspMsgQueue.PAGE_SIZE);
        h.write(peerQueue + GspMsgQueue.ENTRY_OFF + (long) page * GspMsgQueue.PAGE_SIZE, ring, 0, len);
        try {
            for (int i = 0; i <= GspMsgQueue.MSG_COUNT; i++) {
                Optional<GspMsgQueue.Message> m = reader.poll();
                if (m.isEmpty()) {
                    return;
                }
                assertTrue(m.get().elemCount() >= 1, "a message takes a ring page at least");
            }
        } catch (GspMsgQueue.QueueException e) {
            // the documented refusal: the reader's pointer stays before the corrupt element
        }
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void roundTrip(FuzzedDataProvider in) {
        GspMsgQueueTest.Heap h = pair();
        GspMsgQueue.Endpoint cpu = GspMsgQueue.Endpoint.cpu(h);
        GspMsgQueue.Endpoint gsp = GspMsgQueue.Endpoint.gsp(h);
        // move both rings' pointers anywhere, so that the element may wrap around the ring's end
        int skip = in.consumeInt(0, GspMsgQueue.MSG_COUNT - 1);
        for (int i = 0; i < skip; i++) {
            assertTrue(cpu.trySend(0, 0, i, new byte[0]));
            assertTrue(gsp.trySend(0, 0, i, new byte[0]));
            cpu.poll().orElseThrow();
            gsp.poll().orElseThrow();
        }
        boolean fromDriver = in.consumeBoolean();
        GspMsgQueue.Endpoint tx = fromDriver ? cpu : gsp;
        GspMsgQueue.Endpoint rx = fromDriver ? gsp : cpu;
        int function = in.consumeInt();
        int result = in.consumeInt();
        int sequence = in.consumeInt();
        int seq = tx.nextSeqNum();
        byte[] payload = in.consumeRemainingAsBytes();
        assertTrue(tx.trySend(function, result, sequence, payload), "an empty ring takes any payload that fits");
        GspMsgQueue.Message m = rx.poll().orElseThrow();
        assertEquals(seq, m.seqNum());
        assertEquals(function, m.function());
        assertEquals(result, m.rpcResult());
        assertEquals(sequence, m.sequence());
        assertEquals(GspMsgQueue.elemCount(payload.length), m.elemCount());
        assertArrayEquals(payload, m.payload());
        assertTrue(rx.poll().isEmpty(), "one element sent, one received");
    }
}
