package org.nova.hw.sim.gpu;

import java.util.Arrays;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.PACKED_REGISTRY_TABLE;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_control_v03_00;

/**
 * GSP-RM's side of continuation records: a command whose own size field says more than its
 * element carried is completed by the CONTINUATION_RECORD elements after it (the driver side is
 * nova-core gsp/cmdq/continuation.rs; nouveau r535 sends large RPCs the same way). The size a
 * command declares: SET_REGISTRY, its PACKED_REGISTRY_TABLE header and {@code size} (the entries
 * and names, as nova-core fills it); GSP_RM_CONTROL, its rpc_gsp_rm_control_v03_00 header and
 * {@code paramsSize}; any other command, what its element carried. What GSP-RM cannot make sense
 * of is refused: a continuation record with no command to continue, another command while one
 * still waits for its records, records carrying more than the command declared, a command that
 * declares more than {@link #MAX_COMMAND} or more than one element while its own element is not
 * full. Used by GSP-RM's thread only.
 */
final class SimRpcAssembly {
    /** The largest command GSP-RM assembles (its RPC buffer; a sanity bound, not a firmware fact). */
    static final int MAX_COMMAND = 16 << 20;

    /** What an element amounts to. */
    sealed interface Outcome {
    }

    /** A whole command, ready to run. */
    record Ready(GspMsgQueue.Message command) implements Outcome {
    }

    /** Part of a command: more continuation records must follow. */
    record Partial(int have, int declared) implements Outcome {
    }

    /** Nothing GSP-RM can run: the queue protocol was broken. */
    record Refused(String why) implements Outcome {
    }

    private final GspBindings abi;
    private GspMsgQueue.Message head;
    private byte[] assembled;
    private int have;

    SimRpcAssembly(GspBindings abi) {
        this.abi = abi;
    }

    /** @return what the element {@code m}, just read from the command queue, amounts to */
    Outcome accept(GspMsgQueue.Message m) {
        byte[] p = m.payload();
        if (m.function() == abi.FUNCTION_CONTINUATION_RECORD()) {
            if (head == null) {
                return new Refused("a continuation record (seq " + m.seqNum() + ", " + p.length
                        + " bytes) with no command to continue");
            }
            if (have + p.length > assembled.length) {
                String why = String.format("continuation records of %s carry %d bytes, the command declared %d",
                        abi.nameOf(head.function()), have + p.length, assembled.length);
                reset();
                return new Refused(why);
            }
            System.arraycopy(p, 0, assembled, have, p.length);
            have += p.length;
            if (have < assembled.length) {
                return new Partial(have, assembled.length);
            }
            GspMsgQueue.Message whole = new GspMsgQueue.Message(head.seqNum(), head.function(), head.rpcResult(),
                    head.sequence(), assembled, head.elemCount());
            reset();
            return new Ready(whole);
        }
        if (head != null) {
            String why = String.format("%s (seq %d) while %s still waits for %d bytes of continuation records",
                    abi.nameOf(m.function()), m.seqNum(), abi.nameOf(head.function()), assembled.length - have);
            reset();
            return new Refused(why);
        }
        long declared = declaredLength(m.function(), p);
        if (declared <= p.length) {
            return new Ready(m);
        }
        if (declared > MAX_COMMAND) {
            return new Refused(String.format("%s declares %d bytes, more than the %d GSP-RM assembles",
                    abi.nameOf(m.function()), declared, MAX_COMMAND));
        }
        if (p.length < GspMsgQueue.MAX_PAYLOAD) {
            // only a full element can be continued: a shorter one is the whole, truncated command
            return new Ready(m);
        }
        head = m;
        assembled = Arrays.copyOf(p, (int) declared);
        have = p.length;
        return new Partial(have, assembled.length);
    }

    private void reset() {
        head = null;
        assembled = null;
        have = 0;
    }

    /** @return the length the command's own header declares (unsigned), or its payload's when it has none */
    private long declaredLength(int function, byte[] p) {
        if (function == abi.FUNCTION_SET_REGISTRY()) {
            PACKED_REGISTRY_TABLE t = abi.PACKED_REGISTRY_TABLE();
            if (p.length >= t.size()) {
                return t.size() + Integer.toUnsignedLong(t.size(p, 0));
            }
        } else if (function == abi.FUNCTION_GSP_RM_CONTROL()) {
            rpc_gsp_rm_control_v03_00 h = abi.rpc_gsp_rm_control_v03_00();
            if (p.length >= h.size()) {
                return h.size() + Integer.toUnsignedLong(h.paramsSize(p, 0));
            }
        }
        return p.length;
    }
}
