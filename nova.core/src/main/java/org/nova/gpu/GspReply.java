package org.nova.gpu;

/**
 * A firmware reply.
 *
 * @param function the function's ABI name
 * @param result the RPC result ({@code NV_VGPU_MSG_RESULT_*}; 0 = success)
 * @param payload the reply's payload (the caller's copy)
 */
public record GspReply(String function, int result, byte[] payload) {
}
