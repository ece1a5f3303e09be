package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nova.nvidia.gsp.GspMsgQueue;

/** The split of continuation.rs's kunit test (split_command), payload sizes at every boundary. */
class ContinuationTest {
    private static final int MAX = Continuation.MAX_CMD_SIZE;

    /** A pattern that does not repeat every 256 bytes, as the kunit test's. */
    private static byte[] pattern(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i ^ (i >> 8));
        }
        return b;
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 0", "65456, 0", "65457, 1", "130912, 1", "130913, 2", "294552, 4"})
    void splitsAtTheElementMaximumAndLosesNothing(int size, int records) {
        assertEquals(GspMsgQueue.ELEMENT_SIZE_MAX - GspMsgQueue.PAYLOAD_OFFSET, MAX);
        assertEquals(65456, MAX, "GSP_MSG_QUEUE_ELEMENT_SIZE_MAX less the element and RPC headers");
        byte[] payload = pattern(size);
        Continuation.Split s = Continuation.split(payload);
        assertEquals(records, s.records().size());
        assertEquals(1 + records, s.elements());
        if (records == 0) {
            assertSame(payload, s.command(), "a command that fits is sent as it is");
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.writeBytes(s.command());
        assertTrue(s.command().length <= MAX);
        for (byte[] r : s.records()) {
            assertTrue(r.length > 0 && r.length <= MAX, "record of " + r.length);
            whole.writeBytes(r);
        }
        assertArrayEquals(payload, whole.toByteArray());
    }
}
