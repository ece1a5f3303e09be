package org.nova.drm.nova;

import java.util.List;
import org.nova.dma.fence.FenceError;
import org.nova.drm.jobqueue.JobQueue;
import org.nova.drm.jobqueue.JobRing;
import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.ChannelListener;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.PushSegment;

/**
 * One channel a file allocated with CHANNEL_ALLOC (nouveau_abi16.c's {@code nouveau_abi16_chan}
 * with its {@code nouveau_sched}): a nova.core {@link GpuChannel} as the {@link JobRing} of the
 * channel's {@link JobQueue}. A job's pushes are one {@link PushSegment} each and its credits are
 * pushes + 1 (the channel's completion entry), so the ring's credits are its free GPFIFO entries
 * when opened. The channel's completions and failure go to the queue; a failed channel (an MMU
 * fault, a robust-channel error, GPU removal) signals the jobs it did not complete with ENODEV, as
 * nouveau_channel_kill (nouveau_chan.c, Linux 6.12) kills a channel's fence context.
 *
 * <p>Ownership: the file's {@link NovaFile} owns it; {@link #close} (CHANNEL_FREE, file close,
 * unplug) closes the queue, which cancels its jobs and closes the GPU channel.
 */
final class NovaChannel implements JobRing<List<PushSegment>>, ChannelListener {
    private final GpuChannel channel;
    private final int capacity;
    private JobQueue<List<PushSegment>> queue;

    NovaChannel(GpuChannel channel) {
        this.channel = channel;
        this.capacity = channel.freeEntries();
    }

    /** Makes the queue and starts listening to the channel. */
    void start(JobQueue<List<PushSegment>> q) {
        this.queue = q;
        channel.setListener(this);
    }

    int id() {
        return channel.id();
    }

    GpuChannel channel() {
        return channel;
    }

    JobQueue<List<PushSegment>> queue() {
        return queue;
    }

    /**
     * nouveau_exec_push_max_from_ib_max: half the ring's usable entries less one, so two jobs fit.
     *
     * @return the most pushes one EXEC may carry on this channel
     */
    int pushMax() {
        return capacity > 1 ? capacity / 2 - 1 : 0;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void run(List<PushSegment> payload, long seqno) {
        channel.submit(payload, seqno);
    }

    @Override
    public long completedSeqno() {
        return channel.completedSeqno();
    }

    @Override
    public void abort(String reason) {
        channel.abort(reason);
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public void completed(long seqno) {
        queue.completed(seqno);
    }

    @Override
    public void failed(ChannelError error) {
        // nouveau_channel_kill: the killed channel's fences signal ENODEV
        queue.failed(error.completedSeqno(), error.reason()
                + (error.faultVa() >= 0 ? String.format(" at VA %#x", error.faultVa()) : "")
                + (error.rcType() != 0 ? " (RC type " + error.rcType() + ")" : ""), FenceError.ENODEV);
    }
}
