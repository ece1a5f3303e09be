package org.nova.nvidia.gsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The queue layout and algorithm shared by the driver and the simulated GSP. */
class GspMsgQueueTest {
    /** Shared memory on the heap. */
    static final class Heap implements GspMsgQueue.Memory {
        final byte[] b = new byte[GspMsgQueue.SHARED_SIZE];

        @Override
        public int getInt(long off) {
            return GspMsgQueue.getLe(b, (int) off);
        }

        @Override
        public void putInt(long off, int value) {
            GspMsgQueue.putLe(b, (int) off, value);
        }

        @Override
        public void read(long off, byte[] dst, int at, int len) {
            System.arraycopy(b, (int) off, dst, at, len);
        }

        @Override
        public void write(long off, byte[] src, int at, int len) {
            System.arraycopy(src, at, b, (int) off, len);
        }
    }

    private static Heap pair() {
        Heap h = new Heap();
        GspMsgQueue.initQueue(h, GspMsgQueue.CPU_QUEUE_OFFSET);
        GspMsgQueue.initQueue(h, GspMsgQueue.GSP_QUEUE_OFFSET);
        return h;
    }

    @Test
    void layoutMatchesNovaCore() {
        assertEquals(0x40 * 4096, GspMsgQueue.QUEUE_SIZE);
        assertEquals(4096 + 2 * 0x40 * 4096, GspMsgQueue.SHARED_SIZE);
        assertEquals(80, GspMsgQueue.PAYLOAD_OFFSET);
        assertEquals(0x4350_5256, GspMsgQueue.SIGNATURE_VALID);
        assertEquals(1, GspMsgQueue.elemCount(0));
        assertEquals(1, GspMsgQueue.elemCount(4096 - 80));
        assertEquals(2, GspMsgQueue.elemCount(4096 - 79));
    }

    @Test
    void checksumOfAnElementWithItsChecksumIsZero() {
        byte[] e = new byte[200];
        new SplittableRandom(1).nextBytes(e);
        GspMsgQueue.putLe(e, GspMsgQueue.ELEM_CHECKSUM, 0);
        int sum = GspMsgQueue.checksum(e, e.length);
        GspMsgQueue.putLe(e, GspMsgQueue.ELEM_CHECKSUM, sum);
        assertEquals(0, GspMsgQueue.checksum(e, e.length));
    }

    @Test
    void messagesWrapAroundTheRing() {
        Heap h = pair();
        var cpu = GspMsgQueue.Endpoint.cpu(h);
        var gsp = GspMsgQueue.Endpoint.gsp(h);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 500; i++) {
            byte[] p = new byte[r.nextInt(3 * 4096)];
            r.nextBytes(p);
            assertTrue(cpu.trySend(100 + i, GspMsgQueue.RESULT_PENDING, i, p));
            GspMsgQueue.Message m = gsp.poll().orElseThrow();
            assertEquals(i, m.seqNum());
            assertEquals(100 + i, m.function());
            assertEquals(i, m.sequence());
            assertArrayEquals(p, m.payload());
            assertTrue(gsp.poll().isEmpty());
        }
    }

    @Test
    void aFullQueueRefusesAndLosesNothing() {
        Heap h = pair();
        var cpu = GspMsgQueue.Endpoint.cpu(h);
        var gsp = GspMsgQueue.Endpoint.gsp(h);
        int sent = 0;
        while (cpu.trySend(1, 0, sent, new byte[] {(byte) sent})) {
            sent++;
        }
        assertEquals(GspMsgQueue.MSG_COUNT - 1, sent, "one ring page always stays free");
        assertEquals(0, cpu.freePages());
        assertFalse(cpu.trySend(1, 0, 999, new byte[1]), "still full");
        List<Integer> got = new ArrayList<>();
        Optional<GspMsgQueue.Message> m;
        while ((m = gsp.poll()).isPresent()) {
            got.add(m.get().sequence());
        }
        assertEquals(sent, got.size());
        for (int i = 0; i < sent; i++) {
            assertEquals(i, got.get(i));
        }
        assertTrue(cpu.trySend(1, 0, 1000, new byte[1]), "room again after the reader advanced");
    }

    @Test
    void aBadChecksumIsReportedAndThePointerStays() {
        Heap h = pair();
        var cpu = GspMsgQueue.Endpoint.cpu(h);
        var gsp = GspMsgQueue.Endpoint.gsp(h);
        cpu.trySend(5, 0, 1, new byte[] {1, 2, 3});
        h.b[GspMsgQueue.CPU_QUEUE_OFFSET + GspMsgQueue.ENTRY_OFF + GspMsgQueue.PAYLOAD_OFFSET + 1] ^= 0x10;
        var e = assertThrows(GspMsgQueue.QueueException.class, gsp::poll);
        assertEquals(GspMsgQueue.QueueException.Kind.BAD_CHECKSUM, e.kind());
        assertEquals(1, gsp.pendingPages());
    }

    @Test
    void anElementLargerThanTheElementMaximumIsNeitherSentNorRead() {
        Heap h = pair();
        var cpu = GspMsgQueue.Endpoint.cpu(h);
        var gsp = GspMsgQueue.Endpoint.gsp(h);
        assertEquals(0x10000, GspMsgQueue.ELEMENT_SIZE_MAX, "GSP_MSG_QUEUE_ELEMENT_SIZE_MAX");
        var refused = assertThrows(IllegalArgumentException.class,
                () -> cpu.trySend(5, 0, 1, new byte[GspMsgQueue.MAX_PAYLOAD + 1]));
        assertTrue(refused.getMessage().contains("GSP_MSG_QUEUE_ELEMENT_SIZE_MAX"), refused.getMessage());
        assertEquals(0, gsp.pendingPages(), "nothing written");
        // the largest element fills exactly 16 pages
        assertTrue(cpu.trySend(5, 0, 1, new byte[GspMsgQueue.MAX_PAYLOAD]));
        assertEquals(16, gsp.pendingPages());
        assertEquals(GspMsgQueue.MAX_PAYLOAD, gsp.poll().orElseThrow().payload().length);
        // a writer that ignores the maximum: one byte more, over a 17th page that is there to read
        cpu.trySend(5, 0, 2, new byte[GspMsgQueue.MAX_PAYLOAD]);
        cpu.trySend(5, 0, 3, new byte[1]);
        int elem = GspMsgQueue.CPU_QUEUE_OFFSET + GspMsgQueue.ENTRY_OFF + 16 * GspMsgQueue.PAGE_SIZE;
        GspMsgQueue.putLe(h.b, elem + GspMsgQueue.ELEM_COUNT, 17);
        GspMsgQueue.putLe(h.b, elem + GspMsgQueue.ELEM_HEADER_SIZE + GspMsgQueue.RPC_LENGTH,
                GspMsgQueue.RPC_HEADER_SIZE + GspMsgQueue.MAX_PAYLOAD + 1);
        var e = assertThrows(GspMsgQueue.QueueException.class, gsp::poll);
        assertEquals(GspMsgQueue.QueueException.Kind.BAD_HEADER, e.kind());
        assertTrue(e.getMessage().contains("GSP_MSG_QUEUE_ELEMENT_SIZE_MAX"), e.getMessage());
        assertEquals(17, gsp.pendingPages(), "the pointer stays");
    }

    @Test
    void anImpossibleElementCountIsABadHeader() {
        Heap h = pair();
        var cpu = GspMsgQueue.Endpoint.cpu(h);
        var gsp = GspMsgQueue.Endpoint.gsp(h);
        cpu.trySend(5, 0, 1, new byte[] {1});
        GspMsgQueue.putLe(h.b, GspMsgQueue.CPU_QUEUE_OFFSET + GspMsgQueue.ENTRY_OFF + GspMsgQueue.ELEM_COUNT, 9);
        assertEquals(GspMsgQueue.QueueException.Kind.BAD_HEADER,
                assertThrows(GspMsgQueue.QueueException.class, gsp::poll).kind());
    }

    @Test
    void bothReleasesHaveGeneratedBindings() {
        GspAbi r535 = GspAbi.forVersion("535.113.01").orElseThrow();
        GspAbi r570 = GspAbi.forVersion("570.144").orElseThrow();
        assertEquals("org.nova.nvidia.gsp.r535_113_01", r535.bindingsPackage());
        assertEquals(72, r535.function("GSP_SET_SYSTEM_INFO"));
        assertEquals(0x1001, r570.event("GSP_INIT_DONE"));
        // the releases' structures differ: r570 added PCI IDs, a MUX table and hostPageSize
        assertEquals(664, r535.struct("GspSystemInfo").size());
        assertEquals(0x3a0, r570.struct("GspSystemInfo").size());
        assertFalse(r535.struct("GspSystemInfo").has("hostPageSize"));
        assertEquals(920, org.nova.nvidia.gsp.r570_144.GspSystemInfo.HOST_PAGE_SIZE_AT);
        assertEquals(88, org.nova.nvidia.gsp.r535_113_01.GspSystemInfo.CHIPSET_AT);
        assertFalse(r535.expectsReply(r535.function("SET_REGISTRY")));
        assertTrue(r570.expectsReply(r570.function("GET_GSP_STATIC_INFO")));
        byte[] b = new byte[r570.struct("GspStaticConfigInfo").size()];
        r570.struct("GspStaticConfigInfo").putString(b, 0, "gpuNameString", "NVIDIA X");
        assertEquals("NVIDIA X", r570.struct("GspStaticConfigInfo").getString(b, 0, "gpuNameString"));
        org.nova.nvidia.gsp.r570_144.GspSystemInfo.INSTANCE.hostPageSize(b, 0, 4096L);
        assertEquals(4096L, org.nova.nvidia.gsp.r570_144.GspSystemInfo.INSTANCE.hostPageSize(b, 0));
    }

    @Test
    void wprMetaLayout() {
        assertEquals(256, GspFwWprMeta.SIZE);
        assertEquals(176, GspFwWprMeta.FB_SIZE);
        assertEquals(0x4c4f4752_4dL, LibosArgs.id8("LOGRM"));
    }
}
