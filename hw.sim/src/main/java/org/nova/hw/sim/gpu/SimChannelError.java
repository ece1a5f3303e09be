package org.nova.hw.sim.gpu;

/**
 * What a stopped channel's error notifier holds: the robust-channel code
 * ({@link org.nova.nvidia.fifo.RobustChannel}), a line naming what failed, and the faulting VA
 * for an MMU fault (-1 otherwise).
 *
 * @param rcType the ROBUST_CHANNEL_* code
 * @param reason what the host or engine refused
 * @param faultVa the faulting VA, or -1
 */
public record SimChannelError(int rcType, String reason, long faultVa) {
}
