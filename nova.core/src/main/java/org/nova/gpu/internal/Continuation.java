package org.nova.gpu.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nova.nvidia.gsp.GspMsgQueue;

/**
 * Splitting a GSP command too large for one queue element (nova-core gsp/cmdq/continuation.rs):
 * the command keeps its function and carries as much of its payload as one element holds; the
 * rest follows in CONTINUATION_RECORD elements of at most as much each, which GSP-RM appends to
 * the command before it runs it. A payload here is the command's structure and its variable part
 * in one array, so the first element's share is {@link #MAX_CMD_SIZE} as continuation.rs's
 * {@code MAX_FIRST_PAYLOAD} plus the structure.
 */
final class Continuation {
    /** The most payload one element carries (continuation.rs {@code MAX_CMD_SIZE}). */
    static final int MAX_CMD_SIZE = GspMsgQueue.MAX_PAYLOAD;

    /**
     * A command as it goes on the queue.
     *
     * @param command the payload of the element that carries the command's function
     * @param records the payloads of the continuation records after it, in order; empty when
     *     the command fits one element (continuation.rs {@code SplitState::Single})
     */
    record Split(byte[] command, List<byte[]> records) {
        /** @return the elements the command takes on the queue */
        int elements() {
            return 1 + records.size();
        }
    }

    private Continuation() {
    }

    /** @return {@code payload} as a command element and its continuation records */
    static Split split(byte[] payload) {
        if (payload.length <= MAX_CMD_SIZE) {
            return new Split(payload, List.of());
        }
        List<byte[]> records = new ArrayList<>();
        for (int at = MAX_CMD_SIZE; at < payload.length; at += MAX_CMD_SIZE) {
            records.add(Arrays.copyOfRange(payload, at, Math.min(payload.length, at + MAX_CMD_SIZE)));
        }
        return new Split(Arrays.copyOf(payload, MAX_CMD_SIZE), List.copyOf(records));
    }
}
