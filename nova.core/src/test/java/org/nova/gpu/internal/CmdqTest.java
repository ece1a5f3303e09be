package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;

/** The driver's queue side against a hand-driven GSP endpoint over the same memory. */
class CmdqTest {
    private final GspAbi abi = GspAbi.forVersion("570.144").orElseThrow();
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment shared = arena.allocate(GspMsgQueue.SHARED_SIZE, 4096);
    private final List<GspMsgQueue.Message> events = new ArrayList<>();
    private int doorbells;
    private final Cmdq q = new Cmdq(abi, shared, 0x1_0000_0000L, v -> doorbells++, events::add);
    private final GspMsgQueue.Endpoint gsp;

    CmdqTest() {
        GspMsgQueue.Memory mem = Cmdq.memory(shared);
        GspMsgQueue.initQueue(mem, GspMsgQueue.GSP_QUEUE_OFFSET);
        gsp = GspMsgQueue.Endpoint.gsp(mem);
    }

    @Test
    void ptesMapTheSharedPages() {
        assertEquals(0x1_0000_0000L + 4096, shared.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8));
    }

    @Test
    void aFullQueueIsEagainNotLoss() {
        int fn = abi.function("GSP_RM_CONTROL");
        int n = 0;
        DriverException e = null;
        while (e == null) {
            try {
                q.send(fn, new byte[100], 20);
                n++;
            } catch (DriverException x) {
                e = x;
            }
        }
        assertEquals(Errno.EAGAIN, e.errno());
        assertTrue(e.getMessage().contains("stayed full"), e.getMessage());
        assertEquals(GspMsgQueue.MSG_COUNT - 1, n);
        assertEquals(n, doorbells);
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, gsp.poll().orElseThrow().sequence(), "every command arrives, in order");
        }
        q.send(fn, new byte[100], 20); // room again
    }

    @Test
    void aLargeCommandGoesAsContinuationRecordsInOrder() {
        int fn = abi.function("GSP_RM_CONTROL");
        int cont = abi.function("CONTINUATION_RECORD");
        byte[] payload = new byte[2 * GspMsgQueue.MAX_PAYLOAD + 100];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        int seq = q.send(fn, payload, 100);
        GspMsgQueue.Message first = gsp.poll().orElseThrow();
        assertEquals(fn, first.function());
        assertEquals(seq, first.sequence(), "the reply answers the command element's sequence");
        assertEquals(GspMsgQueue.MAX_PAYLOAD, first.payload().length);
        GspMsgQueue.Message second = gsp.poll().orElseThrow();
        GspMsgQueue.Message third = gsp.poll().orElseThrow();
        assertEquals(cont, second.function());
        assertEquals(cont, third.function());
        assertEquals(seq + 1, second.sequence(), "each element its own sequence, as cmdq.rs counts");
        assertEquals(100, third.payload().length);
        byte[] joined = new byte[payload.length];
        System.arraycopy(first.payload(), 0, joined, 0, first.payload().length);
        System.arraycopy(second.payload(), 0, joined, first.payload().length, second.payload().length);
        System.arraycopy(third.payload(), 0, joined, 2 * GspMsgQueue.MAX_PAYLOAD, 100);
        assertArrayEquals(payload, joined);
        assertEquals(3, doorbells);
        assertTrue(gsp.poll().isEmpty());
    }

    @Test
    void oneElementOverTheMaximumIsEmsgsizeAndQueuesNothing() {
        int free = q.freePages();
        DriverException e = assertThrows(DriverException.class,
                () -> q.sendSingle(abi.function("GSP_RM_CONTROL"), new byte[GspMsgQueue.MAX_PAYLOAD + 1], 100));
        assertEquals(Errno.EMSGSIZE, e.errno());
        assertTrue(e.getMessage().contains("GSP_RM_CONTROL"), e.getMessage());
        assertEquals(free, q.freePages());
        assertEquals(0, doorbells);
        q.send(abi.function("GSP_RM_CONTROL"), new byte[8], 100); // the queue still works
    }

    @Test
    void aCommandCutShortByAFullQueueKillsTheQueues() {
        int fn = abi.function("GSP_RM_CONTROL");
        // 16 + 16 + 1 of the 62 usable pages: the next command's element fits, its record does not
        q.send(fn, new byte[2 * GspMsgQueue.MAX_PAYLOAD + 1], 20);
        DriverException e = assertThrows(DriverException.class, () -> q.send(fn, new byte[2 * GspMsgQueue.MAX_PAYLOAD], 20));
        assertEquals(Errno.EAGAIN, e.errno());
        assertTrue(q.dead().isPresent(), "GSP-RM waits for the rest of a command that never comes");
        assertTrue(q.dead().get().contains("cut short"), q.dead().get());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> q.send(fn, new byte[8], 20)).errno());
    }

    @Test
    void aReplyForAnotherFunctionIsErange() {
        int seq = q.send(abi.function("GET_GSP_STATIC_INFO"), new byte[8], 100);
        gsp.trySend(abi.function("GSP_RM_CONTROL"), 0, seq, new byte[4]);
        DriverException e = assertThrows(DriverException.class,
                () -> q.awaitReply(abi.function("GET_GSP_STATIC_INFO"), seq, 500));
        assertEquals(Errno.ERANGE, e.errno());
    }

    @Test
    void eventsAreRoutedWhileWaitingForAReply() {
        int fn = abi.function("GSP_RM_CONTROL");
        int seq = q.send(fn, new byte[8], 100);
        gsp.trySend(abi.event("OS_ERROR_LOG"), 0, 0, new byte[16]);
        gsp.trySend(fn, 0, seq, new byte[] {9});
        assertEquals(9, q.awaitReply(fn, seq, 500).payload()[0]);
        assertEquals(1, events.size());
    }

    @Test
    void aBadChecksumIsEioAndKillsTheQueues() {
        int fn = abi.function("GSP_RM_CONTROL");
        int seq = q.send(fn, new byte[8], 100);
        gsp.trySend(fn, 0, seq, new byte[] {1, 2, 3});
        long at = GspMsgQueue.GSP_QUEUE_OFFSET + GspMsgQueue.ENTRY_OFF + GspMsgQueue.PAYLOAD_OFFSET;
        shared.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, (byte) 0x77);
        assertEquals(Errno.EIO, assertThrows(DriverException.class, () -> q.awaitReply(fn, seq, 500)).errno());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> q.send(fn, new byte[1], 10)).errno());
    }

    @Test
    void noReplyIsEtimedout() {
        int fn = abi.function("GSP_RM_CONTROL");
        int seq = q.send(fn, new byte[8], 100);
        assertEquals(Errno.ETIMEDOUT, assertThrows(DriverException.class, () -> q.awaitReply(fn, seq, 50)).errno());
    }
}
