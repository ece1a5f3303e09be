package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_control_v03_00;

/** GSP-RM's reassembly of continuation records and its reading of SET_REGISTRY, malformed input first. */
class SimRpcAssemblyTest {
    private final GspBindings abi = GspBindings.of("535.113.01").orElseThrow();
    private final SimRpcAssembly a = new SimRpcAssembly(abi);
    private int seq;

    private GspMsgQueue.Message msg(int function, byte[] payload) {
        seq++;
        return new GspMsgQueue.Message(seq, function, GspMsgQueue.RESULT_PENDING, seq, payload, 1);
    }

    /** An RM control whose params make it {@code total} bytes long, patterned. */
    private byte[] control(int total) {
        rpc_gsp_rm_control_v03_00 h = abi.rpc_gsp_rm_control_v03_00();
        byte[] p = new byte[total];
        for (int i = h.size(); i < total; i++) {
            p[i] = (byte) (i * 13);
        }
        h.paramsSize(p, 0, total - h.size());
        return p;
    }

    private SimRpcAssembly.Outcome send(byte[] whole) {
        int max = GspMsgQueue.MAX_PAYLOAD;
        SimRpcAssembly.Outcome o = a.accept(msg(abi.FUNCTION_GSP_RM_CONTROL(), Arrays.copyOf(whole, Math.min(max,
                whole.length))));
        for (int at = max; at < whole.length; at += max) {
            assertInstanceOf(SimRpcAssembly.Partial.class, o);
            o = a.accept(msg(abi.FUNCTION_CONTINUATION_RECORD(), Arrays.copyOfRange(whole, at, Math.min(whole.length,
                    at + max))));
        }
        return o;
    }

    @Test
    void aCommandThatFitsIsReadyAsItCame() {
        GspMsgQueue.Message m = msg(abi.FUNCTION_GSP_RM_CONTROL(), control(100));
        assertSame(m, ((SimRpcAssembly.Ready) a.accept(m)).command());
    }

    @Test
    void continuationRecordsCompleteTheCommandTheyFollow() {
        byte[] whole = control(2 * GspMsgQueue.MAX_PAYLOAD + 77);
        var ready = assertInstanceOf(SimRpcAssembly.Ready.class, send(whole));
        assertEquals(abi.FUNCTION_GSP_RM_CONTROL(), ready.command().function());
        assertArrayEquals(whole, ready.command().payload());
        // and the next command starts afresh
        assertInstanceOf(SimRpcAssembly.Ready.class, a.accept(msg(abi.FUNCTION_GSP_RM_CONTROL(), control(64))));
    }

    @Test
    void aContinuationRecordWithNoCommandIsRefused() {
        var r = assertInstanceOf(SimRpcAssembly.Refused.class,
                a.accept(msg(abi.FUNCTION_CONTINUATION_RECORD(), new byte[10])));
        assertTrue(r.why().contains("no command to continue"), r.why());
    }

    @Test
    void anotherCommandBeforeTheLastRecordIsRefused() {
        byte[] whole = control(GspMsgQueue.MAX_PAYLOAD + 500);
        assertInstanceOf(SimRpcAssembly.Partial.class, a.accept(msg(abi.FUNCTION_GSP_RM_CONTROL(),
                Arrays.copyOf(whole, GspMsgQueue.MAX_PAYLOAD))));
        var r = assertInstanceOf(SimRpcAssembly.Refused.class, a.accept(msg(abi.FUNCTION_SET_REGISTRY(), new byte[8])));
        assertTrue(r.why().contains("still waits for 500 bytes"), r.why());
    }

    @Test
    void recordsCarryingMoreThanDeclaredAreRefused() {
        byte[] whole = control(GspMsgQueue.MAX_PAYLOAD + 500);
        a.accept(msg(abi.FUNCTION_GSP_RM_CONTROL(), Arrays.copyOf(whole, GspMsgQueue.MAX_PAYLOAD)));
        var r = assertInstanceOf(SimRpcAssembly.Refused.class,
                a.accept(msg(abi.FUNCTION_CONTINUATION_RECORD(), new byte[501])));
        assertTrue(r.why().contains("declared"), r.why());
    }

    @Test
    void aCommandDeclaringMoreThanGspRmAssemblesIsRefused() {
        byte[] p = control(GspMsgQueue.MAX_PAYLOAD);
        abi.rpc_gsp_rm_control_v03_00().paramsSize(p, 0, SimRpcAssembly.MAX_COMMAND);
        var r = assertInstanceOf(SimRpcAssembly.Refused.class, a.accept(msg(abi.FUNCTION_GSP_RM_CONTROL(), p)));
        assertTrue(r.why().contains("more than"), r.why());
    }

    @Test
    void aShortElementDeclaringMoreIsTheTruncatedCommandNotAContinuation() {
        byte[] p = control(200);
        abi.rpc_gsp_rm_control_v03_00().paramsSize(p, 0, 100_000);
        assertInstanceOf(SimRpcAssembly.Ready.class, a.accept(msg(abi.FUNCTION_GSP_RM_CONTROL(), p)));
    }

    /** A registry table as nova-core packs it: the header, the entries, the NUL-terminated names. */
    private byte[] registry(String... keys) {
        var t = abi.PACKED_REGISTRY_TABLE();
        var e = abi.PACKED_REGISTRY_ENTRY();
        int names = t.size() + keys.length * e.size();
        int len = names;
        for (String k : keys) {
            len += k.length() + 1;
        }
        byte[] p = new byte[len];
        t.size(p, 0, len - t.size());
        t.numEntries(p, 0, keys.length);
        int name = names;
        for (int i = 0; i < keys.length; i++) {
            int at = t.size() + i * e.size();
            e.nameOffset(p, at, name);
            e.type(p, at, abi.REGISTRY_TABLE_ENTRY_TYPE_DWORD());
            e.data(p, at, i + 1);
            e.length(p, at, 4);
            System.arraycopy(keys[i].getBytes(), 0, p, name, keys[i].length());
            name += keys[i].length() + 1;
        }
        return p;
    }

    @Test
    void theRegistryTableIsReadAndMalformedOnesAreRefusedWithTheReason() {
        assertEquals(Map.of("A", 1, "Bb", 2), SimRegistry.parse(abi, registry("A", "Bb")));
        byte[] p = registry("A", "Bb");
        abi.PACKED_REGISTRY_TABLE().size(p, 0, p.length); // 8 bytes more than arrived
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimRegistry.parse(abi, p)).getMessage()
                .contains("arrived"));
        byte[] q = registry("A", "Bb");
        abi.PACKED_REGISTRY_TABLE().numEntries(q, 0, 3); // the entries would run into the names
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimRegistry.parse(abi, q)).getMessage()
                .contains("overrun"));
        byte[] r = registry("A", "Bb");
        abi.PACKED_REGISTRY_ENTRY().nameOffset(r, abi.PACKED_REGISTRY_TABLE().size(), 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimRegistry.parse(abi, r)).getMessage()
                .contains("outside the names"));
        byte[] s = registry("A", "Bb");
        s[s.length - 1] = 'x'; // the last name loses its NUL
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimRegistry.parse(abi, s)).getMessage()
                .contains("no NUL"));
    }
}
