package org.nova.gpu;

/**
 * Accounting of one client's commands on one GPU.
 *
 * @param client the client name given to {@link GspCommands#open}
 * @param calls commands sent
 * @param failures commands that ended with an error (timeouts included)
 * @param timeouts commands that timed out
 * @param totalNanos time spent from send to reply, summed
 * @param open whether the channel is open
 */
public record RpcStats(String client, long calls, long failures, long timeouts, long totalNanos, boolean open) {
}
