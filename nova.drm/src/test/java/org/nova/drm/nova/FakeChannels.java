package org.nova.drm.nova;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.ChannelListener;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.channel.PushSegment;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.VmRange;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.HostMethods;

/**
 * TEST DOUBLE, never shipped: nova.core's channel contract ({@link GpuChannels}, {@link GpuChannel})
 * over an in-test "engine" thread per channel that executes a submission by walking each segment's
 * first and last word through the channel's {@link GpuVm} (an unmapped VA faults the channel as an
 * MMU fault, ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT = 31) and then completing its sequence number.
 * A channel can be stalled (a hung job). It keeps the contract's rules (EINVAL, EAGAIN, EIO, ENODEV)
 * so nova-drm meets them as it will meet nova.core's channels; the lead's end-to-end tests run on
 * the real ones.
 */
final class FakeChannels implements GpuChannels {
    /** ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT, what the fake reports for an unmapped push. */
    static final int RC_MMU_FAULT = 31;

    private final List<FakeChannel> open = new ArrayList<>();
    private int nextId = 1;
    private boolean revoked;
    /** Set to stall every channel opened from now on. */
    volatile boolean stallNew;
    /** Set to make the next opens fail as GSP-RM's refusal (EIO). */
    volatile boolean refuse;

    @Override
    public String gpu() {
        return "0000:00:05.0";
    }

    @Override
    public synchronized GpuChannel open(String owner, GpuVm vm, VmRange kernelRange, Engine engine, int gpfifoEntries) {
        if (refuse) {
            throw new DriverException(Errno.EIO, "GSP-RM: NV_ERR_INSUFFICIENT_RESOURCES (test double refusal)");
        }
        if (revoked || vm.isClosed()) {
            throw new DriverException(Errno.ENODEV, "revoked or closed space");
        }
        if (owner == null || Integer.bitCount(gpfifoEntries) != 1 || gpfifoEntries < 2 || gpfifoEntries > 1 << 20) {
            throw new DriverException(Errno.EINVAL, "bad owner or ring size " + gpfifoEntries);
        }
        if (kernelRange.size() < (1 << 16) || kernelRange.end() > vm.vaSize()) {
            throw new DriverException(Errno.ENOSPC, "kernel range " + kernelRange + " cannot hold a channel's objects");
        }
        FakeChannel c = new FakeChannel(nextId++, owner, vm, gpfifoEntries, stallNew);
        open.add(c);
        return c;
    }

    @Override
    public synchronized List<GpuChannel> channels() {
        return List.copyOf(open.stream().filter(c -> !c.isClosed()).toList());
    }

    synchronized List<FakeChannel> all() {
        return List.copyOf(open);
    }

    @Override
    public void revoke() {
        List<FakeChannel> l;
        synchronized (this) {
            revoked = true;
            l = List.copyOf(open);
        }
        l.forEach(FakeChannel::close);
    }

    @Override
    public synchronized boolean isRevoked() {
        return revoked;
    }

    /** One fake channel; its engine is a single thread. */
    static final class FakeChannel implements GpuChannel {
        /**
         * The real channel's encoding of a copy (Ampere's copy class on subchannel 4), so the words
         * a caller writes have the real count; this double's engine does not execute them.
         */
        @Override
        public int[] copyMethods(long src, long dst, int pitch, int lineLength, int lineCount) {
            if (lineLength < 1 || lineCount < 1 || pitch < 1) {
                throw new DriverException(Errno.EINVAL, "bad copy");
            }
            return new int[] {
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 4, CopyMethods.OFFSET_IN_UPPER, 4),
                (int) (src >>> 32), (int) src, (int) (dst >>> 32), (int) dst,
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 4, CopyMethods.PITCH_IN, 4),
                pitch, pitch, lineLength, lineCount,
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 4, CopyMethods.LAUNCH_DMA, 1),
                CopyMethods.launch(true, true, false),
            };
        }

        private final int id;
        private final String owner;
        private final GpuVm vm;
        private final int entries;
        private final ExecutorService engine;
        private ChannelListener listener;
        private boolean stalled;
        private long lastSeqno;
        private long completed;
        private int inUse;
        private ChannelError error;
        private boolean closed;
        private final List<long[]> queued = new ArrayList<>();
        /** Every submission: its seqno and segments, in order. */
        final List<List<PushSegment>> submitted = new ArrayList<>();

        FakeChannel(int id, String owner, GpuVm vm, int entries, boolean stalled) {
            this.id = id;
            this.owner = owner;
            this.vm = vm;
            this.entries = entries;
            this.stalled = stalled;
            this.engine = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "fake-engine-" + id);
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public int id() {
            return id;
        }

        @Override
        public String owner() {
            return owner;
        }

        @Override
        public Engine engine() {
            return Engine.COPY0;
        }

        @Override
        public GpuVm vm() {
            return vm;
        }

        @Override
        public int gpfifoEntries() {
            return entries;
        }

        /** A ring keeps one entry empty (GP_PUT == GP_GET means empty). */
        @Override
        public synchronized int freeEntries() {
            return entries - 1 - inUse;
        }

        @Override
        public synchronized void submit(List<PushSegment> segments, long seqno) {
            if (closed) {
                throw new DriverException(Errno.ENODEV, "channel " + id + " is closed");
            }
            if (error != null) {
                throw new DriverException(Errno.EIO, "channel " + id + " failed: " + error.reason());
            }
            if (segments.isEmpty() || seqno <= lastSeqno) {
                throw new DriverException(Errno.EINVAL, "no segment or seqno " + seqno + " after " + lastSeqno);
            }
            for (PushSegment s : segments) {
                if ((s.va() & 3) != 0 || s.words() < 1 || s.words() > MAX_SEGMENT_WORDS) {
                    throw new DriverException(Errno.EINVAL, "bad segment " + s);
                }
            }
            if (freeEntries() < segments.size() + 1) {
                throw new DriverException(Errno.EAGAIN, "ring full");
            }
            lastSeqno = seqno;
            inUse += segments.size() + 1;
            submitted.add(List.copyOf(segments));
            queued.add(new long[] {seqno, segments.size() + 1});
            engine.execute(this::execute);
        }

        /** The engine: runs the queued submissions unless stalled; faults on an unmapped push. */
        private void execute() {
            while (true) {
                long seqno;
                List<PushSegment> segs;
                ChannelListener l;
                synchronized (this) {
                    if (stalled || closed || error != null || queued.isEmpty()) {
                        return;
                    }
                    long[] q = queued.getFirst();
                    seqno = q[0];
                    segs = submitted.get(submitted.size() - queued.size());
                    l = listener;
                }
                for (PushSegment s : segs) {
                    for (long va : new long[] {s.va(), s.va() + 4L * (s.words() - 1)}) {
                        if (vm.isClosed() || !vm.walk(va).mapped()) {
                            fail(new ChannelError(RC_MMU_FAULT, "MMU fault: read of unmapped VA", va, completedSeqno()));
                            return;
                        }
                    }
                }
                synchronized (this) {
                    if (closed || error != null) {
                        return;
                    }
                    long[] q = queued.removeFirst();
                    inUse -= (int) q[1];
                    completed = seqno;
                }
                if (l != null) {
                    l.completed(seqno);
                }
            }
        }

        /** Stops (a hung job) or resumes executing. */
        void stall(boolean s) {
            synchronized (this) {
                stalled = s;
            }
            if (!s) {
                engine.execute(this::execute);
            }
        }

        private void fail(ChannelError e) {
            ChannelListener l;
            synchronized (this) {
                if (error != null) {
                    return;
                }
                error = e;
                queued.clear();
                inUse = 0;
                l = listener;
            }
            if (l != null) {
                l.failed(e);
            }
        }

        @Override
        public synchronized long completedSeqno() {
            return completed;
        }

        @Override
        public synchronized void setListener(ChannelListener listener) {
            this.listener = listener;
        }

        @Override
        public synchronized ChannelError error() {
            return error;
        }

        @Override
        public void abort(String reason) {
            fail(new ChannelError(0, reason, -1, completedSeqno()));
        }

        @Override
        public synchronized boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
            }
            fail(new ChannelError(0, "channel closed", -1, completedSeqno()));
            synchronized (this) {
                closed = true;
            }
            engine.shutdownNow();
        }
    }
}
