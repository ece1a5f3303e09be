package org.nova.gpu.channel;

import java.util.List;
import org.nova.gpu.vm.GpuVm;
import org.nova.nvidia.fifo.HostMethods;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One GPU channel (nouveau's {@code nvif_chan}, NVIDIA's channel GPFIFO class): a ring of GPFIFO
 * entries, its USERD (GP_GET/GP_PUT) and an instance block, allocated by GSP-RM in a
 * {@link GpuVm} on one {@link Engine}. Each {@link #submit} writes one GPFIFO entry per segment,
 * then one for the channel's own completion pushbuffer (a semaphore release of the submission's
 * sequence number to the channel's semaphore, then a non-stall interrupt), moves GP_PUT and rings
 * the doorbell with the channel's work-submit token.
 *
 * <p>Ownership: the channel belongs to whoever {@link GpuChannels#open opened} it and is closed
 * by it; its ring, USERD, semaphore and instance block are nova.core's. The pushbuffers and the
 * memory they touch stay the caller's and must stay mapped in the space until their submission
 * completed or the channel failed. When the GPU unbinds the channel is force-closed (the listener
 * is told {@code failed}); afterwards every call but {@link #close} and the read-only ones fails
 * with ENODEV. Thread-safe.
 */
@ProviderType
public interface GpuChannel extends AutoCloseable {
    /** The largest segment: NVC56F_GP_ENTRY1_LENGTH is 21 bits of 32-bit words. */
    int MAX_SEGMENT_WORDS = (1 << 21) - 1;

    /**
     * The first GPU VA a segment may not reach: a GPFIFO entry names 40-bit addresses
     * (NVC56F_GP_ENTRY0/1: GET 31:2 and GET_HI 7:0).
     *
     * @since 1.1
     */
    long SEGMENT_VA_LIMIT = HostMethods.GP_ENTRY_ADDRESS_LIMIT;

    /**
     * The pushbuffer words of one pitch-linear copy on this channel's copy engine, for a segment
     * the caller writes into its pushbuffer: {@code lineCount} lines of {@code lineLength} bytes
     * from VA {@code src} to VA {@code dst}, each line {@code pitch} bytes after the one before on
     * both sides (the copy class's OFFSET_IN/OUT, PITCH_IN/OUT, LINE_LENGTH_IN, LINE_COUNT and a
     * LAUNCH_DMA with multi-line, pitch layouts and flush, no semaphore: the channel's completion
     * follows every submission). The encoding is the chip's copy class's (Hopper's widens the upper
     * address fields), on the subchannel nova.core bound the copy object to.
     *
     * @return the words, in order
     * @throws org.nova.driver.DriverException EINVAL for a line length, count or pitch below 1, a
     *     pitch below the line length with more than one line, or an address the class cannot
     *     name; EOPNOTSUPP on an engine that is not a copy engine
     * @since 1.1
     */
    int[] copyMethods(long src, long dst, int pitch, int lineLength, int lineCount);

    /** @return the channel ID GSP-RM assigned (unique on the GPU while the channel is open) */
    int id();

    /** @return who opened it (e.g. "nova-drm:card0:file3") */
    String owner();

    /** @return the engine it runs on */
    Engine engine();

    /** @return the address space its pushbuffers and the engine's accesses translate in */
    GpuVm vm();

    /** @return the ring's size in GPFIFO entries */
    int gpfifoEntries();

    /**
     * @return the entries free now: a submission of n segments takes n + 1 (its completion
     *     entry) and they come back as the engine consumes them (GP_GET moves)
     */
    int freeEntries();

    /**
     * Queues {@code segments} and the channel's completion for {@code seqno}, and rings the doorbell.
     *
     * @param segments 1 or more segments, in execution order
     * @param seqno the submission's sequence number: greater than every earlier one on this channel
     * @throws org.nova.driver.DriverException EINVAL for no segment, a segment that is unaligned
     *     or of a bad length, or a {@code seqno} not greater than the last; EAGAIN when fewer than
     *     {@code segments.size() + 1} entries are free; EIO once the channel failed (see
     *     {@link #error}); ENODEV once closed. Nothing is queued on error.
     */
    void submit(List<PushSegment> segments, long seqno);

    /** @return the last sequence number the engine released (the semaphore's value), 0 before any */
    long completedSeqno();

    /** Sets the listener told about completions and the failure (null: none). */
    void setListener(ChannelListener listener);

    /** @return why the channel stopped, or null while it runs */
    ChannelError error();

    /**
     * Stops the channel for good (the caller gave up on it, e.g. a job timed out): GSP-RM disables
     * it, its pending entries are dropped and the listener is told {@code failed} with rcType 0
     * and {@code reason}. Idempotent; no effect on a channel that already failed.
     */
    void abort(String reason);

    /** @return true once closed (by its owner or because the GPU unbound) */
    boolean isClosed();

    /**
     * Frees the channel through GSP-RM and gives its ring, USERD, semaphore and instance block
     * back. Submissions not completed never will be (the listener is told {@code failed} first if
     * it was not). Idempotent; never fails for the caller (a firmware error is logged).
     */
    @Override
    void close();
}
