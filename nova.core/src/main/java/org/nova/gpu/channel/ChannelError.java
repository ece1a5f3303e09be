package org.nova.gpu.channel;

/**
 * Why a channel stopped: what the channel's error notifier holds and what GSP-RM's RC (robust
 * channel) event said, or the caller's reason for {@link GpuChannel#abort}.
 *
 * @param rcType the ROBUST_CHANNEL_* error code (e.g. 31, ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT,
 *     for an MMU fault), or 0 for an abort by the caller
 * @param reason a line naming what happened (the fault type and access, the bad method)
 * @param faultVa the faulting GPU VA, or -1 when the error is not an MMU fault
 * @param completedSeqno the last sequence number the channel completed before it stopped
 */
public record ChannelError(int rcType, String reason, long faultVa, long completedSeqno) {
}
