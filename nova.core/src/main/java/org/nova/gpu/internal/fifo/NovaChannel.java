package org.nova.gpu.internal.fifo;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.ChannelListener;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.PushSegment;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vram.VramBlock;
import org.nova.nvidia.mmu.EntryField;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.Doorbell;
import org.nova.nvidia.fifo.HostMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel ({@link GpuChannel}) as {@link NovaChannels} opened it: {@link #submit} writes the
 * GPFIFO entries of the segments and of a completion slot (SEMAPHOREA..D releasing the low 32 bits
 * of the sequence number to the channel's semaphore, then NON_STALL_INTERRUPT; clc46f.h/clc56f.h
 * methods every chip's GPFIFO class has), moves GP_PUT in USERD and rings the doorbell with the
 * work-submit token, as nouveau's nvkm/engine/fifo/chan.c and nvif push code do. The semaphore is
 * 32 bits wide: the 64-bit completed sequence number is rebuilt from it (a submission is never
 * 2^32 numbers ahead of the last completion). Failure is told once ({@link #failed}); close frees
 * GSP-RM's objects in reverse order, unmaps, and gives the VA and the VRAM back. Guarded by itself;
 * listeners are called outside the lock.
 */
final class NovaChannel implements GpuChannel {
    private static final Logger LOG = LoggerFactory.getLogger(NovaChannel.class);
    /**
     * The subchannel the copy object is used on: nouveau's NvSubCopy (nvif/push906f.h's
     * convention); the host binds a subchannel to the channel's engine object on first use.
     */
    static final int COPY_SUBCHANNEL = 4;

    private final NovaChannels owner;
    private final String ownerName;
    private final GpuVm vm;
    private final Engine engine;
    private final ChannelLayout layout;
    private final VramBlock block;
    private final MemorySegment mem;
    private final long va;
    private final int hVas;
    private final int hChan;
    private final int hCopy;
    private final int token;
    private final AtomicBoolean failedOnce = new AtomicBoolean();
    private volatile ChannelListener listener;
    private volatile ChannelError error;
    private volatile boolean closed;
    private int put;
    private long submissions;
    private long lastSubmitted;
    /** The completed sequence number rebuilt from the 32-bit semaphore. */
    private long completed;
    /** What the listener was last told (poll). */
    private long reported;

    NovaChannel(NovaChannels owner, String ownerName, GpuVm vm, Engine engine, ChannelLayout layout, VramBlock block,
            MemorySegment mem, long va, int hVas, int hChan, int hCopy, int token) {
        this.owner = owner;
        this.ownerName = ownerName;
        this.vm = vm;
        this.engine = engine;
        this.layout = layout;
        this.block = block;
        this.mem = mem;
        this.va = va;
        this.hVas = hVas;
        this.hChan = hChan;
        this.hCopy = hCopy;
        this.token = token;
    }

    @Override
    public int id() {
        return Doorbell.chidOf(token);
    }

    @Override
    public String owner() {
        return ownerName;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public GpuVm vm() {
        return vm;
    }

    @Override
    public int[] copyMethods(long src, long dst, int pitch, int lineLength, int lineCount) {
        if (engine != Engine.COPY0) {
            throw new DriverException(Errno.EOPNOTSUPP, this + ": " + engine + " is not a copy engine");
        }
        if (lineLength < 1 || lineCount < 1 || pitch < 1 || (lineCount > 1 && pitch < lineLength)) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "copy of %d lines of %d bytes with pitch %d: lengths, counts and pitches are at least 1,"
                            + " and a pitch of several lines at least the line length", lineCount, lineLength, pitch));
        }
        EntryField upper = CopyMethods.upperField(owner.copyClass());
        long last = ((long) lineCount - 1) * pitch + lineLength;
        for (long a : new long[] {src, dst}) {
            if (a < 0 || Long.compareUnsigned(a + last, 1L << (Integer.SIZE + upper.width())) > 0) {
                throw new DriverException(Errno.EINVAL, String.format(
                        "copy at VA 0x%x + 0x%x: past what copy class 0x%x names (%d address bits)", a, last,
                        owner.copyClass(), Integer.SIZE + upper.width()));
            }
        }
        return new int[] {
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.OFFSET_IN_UPPER, 4),
            (int) upper.of(src >>> Integer.SIZE), (int) src,
            (int) upper.of(dst >>> Integer.SIZE), (int) dst,
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.PITCH_IN, 4),
            pitch, pitch, lineLength, lineCount,
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.LAUNCH_DMA, 1),
            CopyMethods.launch(true, true, false),
        };
    }

    @Override
    public int gpfifoEntries() {
        return layout.entries();
    }

    /** @return the VA the channel's objects are mapped from */
    long mappedVa() {
        return va;
    }

    /** @return the ring's VA */
    long ringVa() {
        return ChannelLayout.vaOf(va, ChannelLayout.RING);
    }

    /** @return the VRAM block holding everything */
    VramBlock block() {
        return block;
    }

    /** @return GP_GET as the host last wrote it to USERD (-1 once closed) */
    public synchronized int gpGet() {
        return closed ? -1 : mem.get(NovaChannels.LE32, ChannelLayout.USERD + HostMethods.USERD_GP_GET);
    }

    /** @return GP_PUT as nova.core last wrote it */
    public synchronized int gpPut() {
        return put;
    }

    @Override
    public synchronized int freeEntries() {
        if (closed) {
            return 0;
        }
        int n = layout.entries();
        return n - 1 - Math.floorMod(put - gpGet(), n);
    }

    @Override
    public void submit(List<PushSegment> segments, long seqno) {
        if (segments == null || segments.isEmpty()) {
            throw new DriverException(Errno.EINVAL, owner.gpu() + ": a submission needs a segment");
        }
        for (PushSegment s : segments) {
            if ((s.va() & 3) != 0 || s.va() < 0 || s.words() < 1 || s.words() > MAX_SEGMENT_WORDS
                    || s.va() + 4L * s.words() > HostMethods.GP_ENTRY_ADDRESS_LIMIT) {
                throw new DriverException(Errno.EINVAL, String.format("%s: bad segment at VA 0x%x of %d words",
                        owner.gpu(), s.va(), s.words()));
            }
        }
        synchronized (this) {
            if (closed) {
                throw new DriverException(Errno.ENODEV, owner.gpu() + ": channel " + id() + " is closed");
            }
            if (error != null) {
                throw new DriverException(Errno.EIO, owner.gpu() + ": channel " + id() + " failed: " + error.reason());
            }
            if (seqno <= lastSubmitted) {
                throw new DriverException(Errno.EINVAL, String.format("%s: sequence number %d is not past %d",
                        owner.gpu(), seqno, lastSubmitted));
            }
            if (segments.size() + 1 > freeEntries()) {
                throw new DriverException(Errno.EAGAIN, String.format("%s: channel %d has %d free entries, %d needed",
                        owner.gpu(), id(), freeEntries(), segments.size() + 1));
            }
            long slot = layout.slotsAt() + (submissions % layout.slots()) * ChannelLayout.SLOT_BYTES;
            long sem = ChannelLayout.vaOf(va, ChannelLayout.SEMAPHORE);
            int[] words = FenceMethods.release(owner.gpfifoClass(), sem, (int) seqno);
            for (int i = 0; i < words.length; i++) {
                mem.set(NovaChannels.LE32, slot + 4L * i, words[i]);
            }
            int p = put;
            for (PushSegment s : segments) {
                entry(p, HostMethods.gpEntry(s.va(), s.words()));
                p = (p + 1) % layout.entries();
            }
            entry(p, HostMethods.gpEntry(ChannelLayout.vaOf(va, slot), words.length));
            p = (p + 1) % layout.entries();
            put = p;
            submissions++;
            lastSubmitted = seqno;
            mem.set(NovaChannels.LE32, ChannelLayout.USERD + HostMethods.USERD_GP_PUT, p);
            owner.ring(token);
        }
    }

    private void entry(int index, long e) {
        mem.set(NovaChannels.LE64, ChannelLayout.RING + (long) index * HostMethods.GP_ENTRY_SIZE, e);
    }

    @Override
    public synchronized long completedSeqno() {
        if (!closed) {
            long v = Integer.toUnsignedLong(mem.get(NovaChannels.LE32, ChannelLayout.SEMAPHORE));
            long c = (completed & ~0xffff_ffffL) | v;
            if (c < completed) {
                c += 1L << 32;
            }
            if (c <= lastSubmitted) {
                completed = c;
            }
        }
        return completed;
    }

    /** The interrupt: tells the listener if the semaphore moved (outside the lock). */
    void poll() {
        long c = completedSeqno();
        ChannelListener l = listener;
        boolean tell;
        synchronized (this) {
            tell = c > reported;
            if (tell) {
                reported = c;
            }
        }
        if (tell && l != null) {
            try {
                l.completed(c);
            } catch (RuntimeException e) {
                LOG.warn("{}: listener of channel {} threw on completion: {}", owner.gpu(), id(), e.toString());
            }
        }
    }

    @Override
    public void setListener(ChannelListener listener) {
        this.listener = listener;
    }

    @Override
    public ChannelError error() {
        return error;
    }

    /** The channel stopped for good: recorded and told once (outside any lock). */
    void failed(int rcType, String reason, long faultVa) {
        if (!failedOnce.compareAndSet(false, true)) {
            return;
        }
        ChannelError e = new ChannelError(rcType, reason, faultVa, completedSeqno());
        error = e;
        ChannelListener l = listener;
        if (l != null) {
            try {
                l.failed(e);
            } catch (RuntimeException x) {
                LOG.warn("{}: listener of channel {} threw on failure: {}", owner.gpu(), id(), x.toString());
            }
        }
    }

    @Override
    public void abort(String reason) {
        if (closed || error != null) {
            return;
        }
        try {
            owner.rmControl(hChan, owner.rm().abi().NVA06F_CTRL_CMD_GPFIFO_SCHEDULE(),
                    NovaChannels.schedule(owner.rm().abi(), false), "GPFIFO_SCHEDULE (disable)");
        } catch (DriverException e) {
            LOG.warn("{}: disabling channel {}: {}", owner.gpu(), id(), e.getMessage());
        }
        failed(0, reason == null ? "aborted" : reason, -1);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        forceClose(ownerName + " closed the channel");
    }

    /** Frees everything; the listener is told first if it was not. Never throws. */
    void forceClose(String why) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        failed(0, why, -1);
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        owner.rmFree(hChan, hCopy);
        owner.rmFree(owner.rm().device(), hChan);
        owner.rmFree(owner.rm().device(), hVas);
        try {
            if (!vm.isClosed()) {
                vm.unmap(va, layout.mappedSize());
            }
        } catch (DriverException e) {
            LOG.warn("{}: unmapping channel {}: {}", owner.gpu(), id(), e.getMessage());
        }
        owner.closed(this);
        try {
            owner.freeVram(block);
        } catch (RuntimeException e) {
            LOG.warn("{}: freeing channel {}'s VRAM: {}", owner.gpu(), id(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return String.format("channel %d of %s (%s, %d entries)", id(), ownerName, engine, layout.entries());
    }
}
