package org.nova.gpu.channel;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told about a channel's progress, with no lock of nova.core held: completions from nova.core's
 * interrupt thread (or its poll for a lost interrupt), a failure from the thread that saw it
 * (GSP-RM's RC event is handed to a thread of its own, since events arrive under the command
 * queue's lock; an abort or close from the caller's). A listener must not block for long (it hands
 * work on) and may call the channel back. An exception it throws is logged and otherwise ignored.
 */
@ConsumerType
public interface ChannelListener {
    /**
     * The engine released the channel's completion semaphore: every submission with a sequence
     * number up to {@code seqno} has completed. Called at least once per completion interrupt;
     * the same {@code seqno} may be reported twice, never a smaller one after a larger one.
     */
    void completed(long seqno);

    /**
     * The channel stopped for good (an engine or MMU fault, a GSP-RM recovery, an
     * {@link GpuChannel#abort abort}, or the GPU unbinding). Called exactly once per channel;
     * submissions after {@code error.completedSeqno()} will never complete.
     */
    void failed(ChannelError error);
}
