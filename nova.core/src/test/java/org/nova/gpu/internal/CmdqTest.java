package org.nova.gpu.internal;

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
