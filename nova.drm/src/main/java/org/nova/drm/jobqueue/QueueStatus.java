package org.nova.drm.jobqueue;

import java.util.List;
import org.nova.dma.fence.DmaFence;

/**
 * A snapshot of a {@link JobQueue} (for {@code drm:jobs}).
 *
 * @param name the queue's name
 * @param pending jobs submitted and not yet on the ring (waiting for fences or credits)
 * @param inFlight jobs on the ring, not completed
 * @param creditsFree credits not held by jobs on the ring
 * @param capacity the ring's credits
 * @param completedSeqno the last sequence number the ring reported completed
 * @param failed true once the queue failed (a timeout or a ring failure)
 * @param reason why it failed, or null
 * @param closed true once closed
 * @param recent the done fences of the last jobs submitted, oldest first
 */
public record QueueStatus(String name, int pending, int inFlight, int creditsFree, int capacity, long completedSeqno,
        boolean failed, String reason, boolean closed, List<DmaFence> recent) {
}
