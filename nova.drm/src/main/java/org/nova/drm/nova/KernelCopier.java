package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.driver.DriverException;
import org.nova.drm.GemCopier;
import org.nova.drm.GemObject;
import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.ChannelListener;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.channel.PushSegment;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.VmRange;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A nova-drm device's accelerated GEM moves (TTM's accelerated move): nouveau_bo.c
 * {@code nouveau_bo_move_m2mf} on the device's kernel channel ({@code drm->channel}) with the copy
 * engine's pitch copy of nouveau_bo90b5.c {@code nvc0_bo_move_copy} (Linux 6.12): page-pitched
 * multi-line LAUNCH_DMAs of at most {@link #MAX_LINES} lines each, then the wait for the channel's
 * completion as {@code ttm_bo_move_accel_cleanup} waits for the move's fence.
 *
 * <p>The kernel channel is opened at the first move in a VA space of its own
 * ({@link GpuVmManager#create}), with a 64 KiB pushbuffer in system memory mapped at {@link #PB_VA};
 * for each move the source is mapped at {@link #SRC_VA} and the destination at {@link #DST_VA},
 * unmapped again after the copy completed (or the channel stopped). The wait is bounded by the
 * job timeout; a timeout aborts the channel.
 *
 * <p>Fallback: when no channel can be had (the GPU has none: ENODEV, GSP-RM refuses, VRAM is full)
 * or the channel failed or timed out, {@link #copy} answers false and the device copies with the CPU;
 * the first such reason is logged (WARN) once, later moves go to the CPU without trying again.
 *
 * <p>Locks: {@link #copy} runs under the device's placement lock and waits on this object's monitor,
 * which the channel's completion callback ({@link ChannelListener}, nova.core's interrupt thread)
 * takes only to notify; nothing the callback needs is held across the wait.
 */
final class KernelCopier implements GemCopier, ChannelListener {
    private static final Logger LOG = LoggerFactory.getLogger(KernelCopier.class);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The page the copy is pitched by: nvc0_bo_move_copy's PAGE_SIZE (nova-drm's GEM alignment). */
    static final long PAGE = NovaDriver.GEM_ALIGN;
    /** Lines per LAUNCH_DMA: nvc0_bo_move_copy's {@code (page_count > 8191) ? 8191 : page_count}. */
    static final int MAX_LINES = 8191;
    /** Where the pushbuffer is mapped in the kernel space. */
    static final long PB_VA = 1L << 20;
    /** The pushbuffer's size: 64 KiB, room for 1365 launches (44 GiB of copy). */
    static final long PB_SIZE = 1L << 16;
    /** Where a move's source is mapped in the kernel space (objects up to 64 GiB). */
    static final long SRC_VA = 1L << 36;
    /** Where a move's destination is mapped in the kernel space. */
    static final long DST_VA = 1L << 37;
    /**
     * The kernel-managed range the channel's own objects go in: [2^39, 2^40), NVK's kernel
     * reservation, below the GPFIFO address limit ({@link GpuChannel#SEGMENT_VA_LIMIT}).
     */
    static final VmRange KERNEL_RANGE = new VmRange(1L << 39, GpuChannel.SEGMENT_VA_LIMIT - (1L << 39));
    /** The kernel channel's ring: nouveau's kernel channel is as large as a client's. */
    static final int GPFIFO_ENTRIES = org.nova.drm.NovaDrm.NOVA_CHANNEL_GPFIFO_ENTRIES;
    /** Words of one launch: OFFSET_IN/OUT (1 + 4), PITCH_IN..LINE_COUNT (1 + 4), LAUNCH_DMA (1 + 1). */
    private static final int LAUNCH_WORDS = 12;

    private final String owner;
    private final GpuVmManager vms;
    private final GpuChannels channels;
    private final GpuSysmem sysmem;
    private final Duration timeout;

    // guarded by the placement lock (copy, close) and this monitor (the fields the listener reads)
    private GpuVm space;
    private SysmemBuffer pb;
    private GpuChannel channel;
    private long seqno;
    /** Why moves go to the CPU for good, or null. */
    private String broken;
    private long copies;
    private boolean closed;

    KernelCopier(String owner, GpuVmManager vms, GpuChannels channels, GpuSysmem sysmem, Duration timeout) {
        this.owner = owner;
        this.vms = vms;
        this.channels = channels;
        this.sysmem = sysmem;
        this.timeout = timeout;
    }

    /** @return the kernel channel, or null before the first move or after it failed */
    synchronized GpuChannel channel() {
        return channel;
    }

    /** @return the kernel VA space, or null */
    synchronized GpuVm space() {
        return space;
    }

    /** @return why moves go to the CPU, or null while the copy engine does them */
    synchronized String broken() {
        return broken;
    }

    @Override
    public synchronized long copies() {
        return copies;
    }

    @Override
    public boolean copy(GemObject o, VramBlock fromBlock, SysmemBuffer fromSys, VramBlock toBlock,
            SysmemBuffer toSys, long size) {
        if (size <= 0 || size > DST_VA - SRC_VA) {
            return false;
        }
        GpuChannel ch = open();
        if (ch == null) {
            return false;
        }
        long words = launches(size) * LAUNCH_WORDS;
        if (4 * words > PB_SIZE) {
            LOG.debug("{}: {} needs {} pushbuffer words: CPU copy", owner, o, words);
            return false;
        }
        boolean srcMapped = false;
        boolean dstMapped = false;
        try {
            map(SRC_VA, fromBlock, fromSys, size, false);
            srcMapped = true;
            map(DST_VA, toBlock, toSys, size, true);
            dstMapped = true;
            long written = writePush(ch, size);
            if (written != words) {
                throw new IllegalStateException(owner + ": wrote " + written + " pushbuffer words, sized " + words);
            }
            long s;
            synchronized (this) {
                s = ++seqno;
            }
            ch.submit(List.of(new PushSegment(PB_VA, (int) words)), s);
            if (!await(ch, s)) {
                return false;
            }
            synchronized (this) {
                copies++;
            }
            LOG.debug("{}: {} ({} bytes) copied by the copy engine (seqno {})", owner, o, size, s);
            return true;
        } catch (DriverException e) {
            giveUp("the kernel channel's move of " + o + " failed: " + e.getMessage());
            return false;
        } finally {
            if (srcMapped) {
                unmap(SRC_VA, size);
            }
            if (dstMapped) {
                unmap(DST_VA, size);
            }
        }
    }

    /** @return the number of LAUNCH_DMAs for {@code size} bytes */
    static long launches(long size) {
        long pages = size / PAGE;
        return (pages + MAX_LINES - 1) / MAX_LINES + (size % PAGE != 0 ? 1 : 0);
    }

    /** Opens the kernel channel at the first move; @return it, or null when moves go to the CPU. */
    private synchronized GpuChannel open() {
        if (broken != null || closed) {
            return null;
        }
        if (channel != null) {
            return channel;
        }
        if (channels == null || vms == null) {
            giveUpLocked("the GPU offers no channels (ENODEV)");
            return null;
        }
        try {
            space = vms.create(owner + ":kernel", org.nova.drm.NovaDrm.NOVA_VA_SPACE_END);
            pb = sysmem.allocate(PB_SIZE, owner + ":kernel-push");
            space.mapSysmem(PB_VA, pb, 0, PB_SIZE, false);
            channel = channels.open(owner + ":kernel", space, KERNEL_RANGE, Engine.COPY0, GPFIFO_ENTRIES);
            channel.setListener(this);
            LOG.info("{}: kernel channel {} opened for accelerated GEM moves", owner, channel.id());
            return channel;
        } catch (DriverException e) {
            // nothing stays allocated: what was made before the failure goes back
            if (pb != null) {
                pb.close();
                pb = null;
            }
            if (space != null) {
                space.close();
                space = null;
            }
            giveUpLocked("no kernel channel: " + e.getMessage());
            return null;
        }
    }

    private void map(long va, VramBlock block, SysmemBuffer sys, long size, boolean writable) {
        GpuVm s = space();
        if (block != null) {
            s.map(va, block, 0, size, writable);
        } else {
            s.mapSysmem(va, sys, 0, size, writable);
        }
    }

    private void unmap(long va, long size) {
        GpuVm s = space();
        if (s == null || s.isClosed()) {
            return;
        }
        try {
            s.unmap(va, size);
        } catch (DriverException e) {
            giveUp("unmapping the kernel space at VA " + Long.toHexString(va) + ": " + e.getMessage());
        }
    }

    /**
     * nvc0_bo_move_copy: PAGE-pitched lines, at most MAX_LINES per launch, the tail as one short
     * line, each launch in the channel's copy-class encoding ({@link GpuChannel#copyMethods}).
     *
     * @return the words written
     */
    private long writePush(GpuChannel ch, long size) {
        MemorySegment m = pb.memory();
        long w = 0;
        long pages = size / PAGE;
        long off = 0;
        while (pages > 0) {
            int lines = (int) Math.min(pages, MAX_LINES);
            w = launch(m, w, ch.copyMethods(SRC_VA + off, DST_VA + off, (int) PAGE, (int) PAGE, lines));
            off += lines * PAGE;
            pages -= lines;
        }
        if (size % PAGE != 0) {
            w = launch(m, w, ch.copyMethods(SRC_VA + off, DST_VA + off, (int) PAGE, (int) (size % PAGE), 1));
        }
        return w;
    }

    private static long launch(MemorySegment m, long w, int[] words) {
        for (int x : words) {
            m.set(U32, 4 * w++, x);
        }
        return w;
    }

    /**
     * Waits, bounded by the job timeout, for the channel to complete {@code s}.
     *
     * @return true when it completed; false when the channel failed, timed out (aborted) or the wait
     *     was interrupted (the flag stays set): moves go to the CPU from now on
     */
    private boolean await(GpuChannel ch, long s) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (ch.completedSeqno() < s) {
                ChannelError err = ch.error();
                if (err != null || ch.isClosed()) {
                    giveUpLocked("the kernel channel stopped: " + (err == null ? "closed" : err.reason()));
                    return false;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    giveUpLocked("the kernel channel's move timed out after " + timeout.toMillis() + " ms");
                    ch.abort("nova-drm: a GEM move timed out");
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ch.abort("nova-drm: a GEM move was interrupted");
                    giveUpLocked("a move's wait was interrupted");
                    return false;
                }
            }
            return true;
        }
    }

    private synchronized void giveUp(String why) {
        giveUpLocked(why);
    }

    private void giveUpLocked(String why) {
        if (broken == null) {
            broken = why;
            LOG.warn("{}: GEM moves fall back to the CPU copy: {}", owner, why);
        }
    }

    @Override
    public synchronized void completed(long s) {
        notifyAll();
    }

    @Override
    public synchronized void failed(ChannelError error) {
        notifyAll();
    }

    @Override
    public void close() {
        GpuChannel ch;
        GpuVm s;
        SysmemBuffer p;
        synchronized (this) {
            closed = true;
            ch = channel;
            s = space;
            p = pb;
            channel = null;
            space = null;
            pb = null;
        }
        if (ch != null) {
            ch.close();
        }
        if (s != null) {
            s.close();
        }
        if (p != null) {
            p.close();
        }
    }
}
