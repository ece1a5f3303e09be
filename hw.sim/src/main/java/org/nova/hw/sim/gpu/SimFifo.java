package org.nova.hw.sim.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.Doorbell;
import org.nova.nvidia.fifo.FifoClasses;
import org.nova.nvidia.fifo.HostMethods;
import org.nova.nvidia.fifo.RobustChannel;

/**
 * The GPU's host (PBDMA) and the channels GSP-RM set up on it: the usermode doorbell
 * ({@code NOTIFY_CHANNEL_PENDING}, {@link Doorbell}) wakes the host's thread, which runs
 * asynchronously as the hardware does: per pending channel it reads GP_PUT from the channel's
 * USERD in VRAM, fetches each GPFIFO entry and its pushbuffer segment through the MMU in the
 * channel's instance block ({@link SimVaAccess}), decodes the method headers ({@link HostMethods}:
 * incrementing, non-incrementing, immediate, increment-once), executes the host methods (the
 * semaphore release, the non-stall interrupt) and hands the rest to the channel's copy engine
 * ({@link SimCopyEngine}), then advances GP_GET in USERD. A fault (an MMU fault, a bad header or
 * GPFIFO entry, an unknown method, a LAUNCH_DMA with fields the model refuses) stops that channel
 * for good, records the error in its notifier ({@link #error}) and reports it to GSP-RM
 * ({@link Listener#rcTriggered}), which posts RC_TRIGGERED; other channels keep running.
 *
 * <p>Per chip: the doorbell takes only a channel's exact work-submit token ({@link
 * Doorbell#token(org.nova.nvidia.Architecture, int, int)}: on GB20x with RUNLIST_DOORBELL_ENABLE;
 * any other value is counted in {@link #strayDoorbells} and runs nothing); a host method the
 * channel's class does not declare ({@link FifoClasses#hasSemaphoreAtoD}, {@link
 * FifoClasses#hasSemExecute}: SEMAPHOREA..D on Hopper and Blackwell, SEM_* on Turing) is a PBDMA
 * error; SEM_ADDR_HI and the copy engine's upper-address fields are as wide as the class makes them
 * ({@link HostMethods#semAddrHi}, {@link CopyMethods#upperField}).
 *
 * <p>Channel memory is read and written with the function's lock held ({@link GpuHost#locked}),
 * one GPFIFO entry at a time; the channel table is guarded by this object.
 */
final class SimFifo implements Bar0Unit {
    /** The client name the host's and the copy engine's translations are recorded under. */
    static final String CLIENT = "HOST/CE0";
    /**
     * The runlist the simulated COPY0 is on: the simulator's device-information table has one
     * copy engine on runlist 1 (GSP-RM reports the runlist in NV2080_CTRL_CMD_FIFO_GET_DEVICE_INFO_TABLE;
     * the number is the simulator's choice).
     */
    static final int COPY0_RUNLIST = 1;

    /** What the host tells GSP-RM and the interrupt tree. */
    interface Listener {
        /** Channel {@code chid} stopped with {@code error} (GSP-RM posts RC_TRIGGERED). */
        void rcTriggered(int chid, SimChannelError error);

        /** A NON_STALL_INTERRUPT method or a non-blocking LAUNCH_DMA interrupt ran. */
        void nonstall();
    }

    /**
     * A channel as GSP-RM programmed it into the host (RAMFC, RAMUSERD).
     *
     * @param chid the channel ID
     * @param gpfifoClass the channel's class (which host methods it has)
     * @param inst the instance block's VRAM address (the space the host and engine translate in)
     * @param userd USERD's VRAM address
     * @param gpfifoVa the ring's VA
     * @param entries the ring's size in entries
     */
    record Setup(int chid, int gpfifoClass, long inst, long userd, long gpfifoVa, int entries) {
    }

    /** A channel's host state. */
    static final class Channel {
        final Setup setup;
        final SimCopyEngine ce;
        /** Whether GSP-RM scheduled it (NVA06F_CTRL_CMD_GPFIFO_SCHEDULE bEnable). */
        volatile boolean enabled;
        volatile boolean copyObject;
        volatile int copyClass;
        volatile SimChannelError error;
        volatile int gpGet;
        /** Host semaphore state (SEMAPHOREA..C, SEM_ADDR_*, SEM_PAYLOAD_*). */
        long semAddr;
        long semPayload;
        long entriesDone;

        Channel(Setup setup, int chipCopyClass) {
            this.setup = setup;
            this.ce = new SimCopyEngine(CopyMethods.upperField(chipCopyClass));
        }
    }

    private final NvidiaGpu gpu;
    private final SimVaAccess mem;
    private final int doorbellReg;
    private final Map<Integer, Channel> channels = new TreeMap<>();
    private final ConcurrentLinkedQueue<Integer> pending = new ConcurrentLinkedQueue<>();
    private volatile Listener listener;
    private volatile Thread thread;
    private volatile boolean stop;
    /** Doorbell writes whose token named no channel (diagnostics). */
    volatile long strayDoorbells;

    SimFifo(NvidiaGpu gpu, SimMmu mmu, SimVram vram) {
        this.gpu = gpu;
        this.mem = new SimVaAccess(gpu, mmu, vram, CLIENT);
        this.doorbellReg = Doorbell.notifyChannelPending(gpu.architecture()).orElse(-1);
    }

    void listener(Listener l) {
        this.listener = l;
    }

    // ---- BAR0: the doorbell ----

    @Override
    public boolean decodes(int off) {
        return off == doorbellReg;
    }

    @Override
    public int read(int off) {
        return 0; // NOTIFY_CHANNEL_PENDING is write-only
    }

    @Override
    public void write(int off, int token) {
        int chid = Doorbell.chidOf(token);
        synchronized (this) {
            Channel c = channels.get(chid);
            // the whole token must be the channel's: the runlist, and on GB20x RUNLIST_DOORBELL_ENABLE
            if (c == null || token != Doorbell.token(gpu.architecture(), COPY0_RUNLIST, chid)) {
                strayDoorbells++;
                gpu.log("host: doorbell with token 0x{} names no channel", Integer.toHexString(token));
                return;
            }
        }
        pending.add(chid);
        ensureThread();
        LockSupport.unpark(thread);
    }

    // ---- GSP-RM's side ----

    /** GSP-RM set a channel up (its RAMFC written): the host knows it, disabled until scheduled. */
    synchronized void add(Setup s) {
        channels.put(s.chid(), new Channel(s, FifoClasses.copyClass(gpu.options().chipset()).orElseThrow()));
    }

    /** GSP-RM freed the channel: the host forgets it (work not fetched never runs). */
    synchronized void remove(int chid) {
        channels.remove(chid);
    }

    /** @return the channel, or null */
    synchronized Channel channel(int chid) {
        return channels.get(chid);
    }

    /** @return the channels known, by ID */
    synchronized List<Channel> channels() {
        return new ArrayList<>(channels.values());
    }

    /** @return the error notifier of channel {@code chid}: null while it runs (or if there is no such channel) */
    SimChannelError error(int chid) {
        Channel c = channel(chid);
        return c == null ? null : c.error;
    }

    /** Schedules or disables the channel (a disabled channel's doorbell is remembered, not run). */
    void schedule(int chid, boolean enable) {
        Channel c = channel(chid);
        if (c != null) {
            c.enabled = enable;
            if (enable) {
                pending.add(chid);
                ensureThread();
                LockSupport.unpark(thread);
            }
        }
    }

    /** A power-on or GSP-RM's end: every channel is gone and the host idles. */
    void reset() {
        synchronized (this) {
            channels.clear();
        }
        pending.clear();
        stop = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private synchronized void ensureThread() {
        Thread t = thread;
        if (t == null || !t.isAlive()) {
            stop = false;
            t = Thread.ofPlatform().daemon().name("sim-host-" + gpu.options().chipset()).unstarted(this::run);
            thread = t;
            t.start();
        }
    }

    private void run() {
        while (!stop) {
            Integer chid = pending.poll();
            if (chid == null) {
                LockSupport.park(this); // a doorbell, a schedule or the reset unparks it (the permit covers a race)
                continue;
            }
            Channel c = channel(chid);
            if (c != null && c.enabled && c.error == null) {
                runChannel(c);
            }
        }
    }

    /** Runs the channel until GP_GET reaches GP_PUT or it faults. */
    private void runChannel(Channel c) {
        Setup s = c.setup;
        while (!stop && c.enabled && c.error == null && channel(s.chid()) == c) {
            boolean[] nonstall = {false};
            SimChannelError[] err = {null};
            boolean more = gpu.host().locked(() -> {
                int put = (int) gpu.vramRead(s.userd() + HostMethods.USERD_GP_PUT, Integer.BYTES);
                if (put == c.gpGet) {
                    return false;
                }
                if (Integer.toUnsignedLong(put) >= s.entries()) {
                    err[0] = new SimChannelError(RobustChannel.PBDMA_ERROR,
                            String.format("GP_PUT %d is beyond the %d-entry GPFIFO", Integer.toUnsignedLong(put),
                                    s.entries()), -1);
                    return false;
                }
                try {
                    entry(c, nonstall);
                } catch (Stop e) {
                    err[0] = e.error;
                    return false;
                }
                c.gpGet = (c.gpGet + 1) % s.entries();
                c.entriesDone++;
                gpu.vramWrite(s.userd() + HostMethods.USERD_GP_GET, Integer.BYTES, c.gpGet);
                return true;
            });
            if (nonstall[0]) {
                Listener l = listener;
                if (l != null) {
                    l.nonstall();
                }
            }
            if (err[0] != null) {
                fail(c, err[0]);
                return;
            }
            if (!more) {
                return;
            }
        }
    }

    private void fail(Channel c, SimChannelError e) {
        c.error = e;
        c.enabled = false;
        gpu.log("host: channel {} stopped: {}", c.setup.chid(), e);
        Listener l = listener;
        if (l != null) {
            l.rcTriggered(c.setup.chid(), e);
        }
    }

    /** The channel stops: why. */
    private static final class Stop extends Exception {
        private static final long serialVersionUID = 1L;
        final SimChannelError error;

        Stop(SimChannelError error) {
            super(error.reason(), null, false, false);
            this.error = error;
        }
    }

    private static Stop pbdma(String fmt, Object... args) {
        return new Stop(new SimChannelError(RobustChannel.PBDMA_ERROR, String.format(fmt, args), -1));
    }

    private static Stop mmuFault(SimVaAccess.Fault f, String what) {
        return new Stop(new SimChannelError(RobustChannel.FIFO_ERROR_MMU_ERR_FLT, String.format(
                "%s: %s at VA 0x%x (%s)", what, f.write ? "write" : "read", f.va, f.getMessage()), f.va));
    }

    /** Fetches and executes the GPFIFO entry at GP_GET. */
    private void entry(Channel c, boolean[] nonstall) throws Stop {
        Setup s = c.setup;
        long at = s.gpfifoVa() + (long) c.gpGet * HostMethods.GP_ENTRY_SIZE;
        byte[] e = new byte[HostMethods.GP_ENTRY_SIZE];
        try {
            mem.read(s.inst(), at, e, 0, e.length);
        } catch (SimVaAccess.Fault f) {
            throw mmuFault(f, "GPFIFO fetch");
        }
        long entry = java.nio.ByteBuffer.wrap(e).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        int words = HostMethods.gpEntryWords(entry);
        if (words == 0) {
            return; // a control entry: the only opcode modelled is NOP (OPCODE 0)
        }
        if (HostMethods.GP_ENTRY1_LEVEL.isSet(entry >>> 32)) {
            throw pbdma("GPFIFO entry %d: SUBROUTINE level is not modelled", c.gpGet);
        }
        long va = HostMethods.gpEntryAddress(entry);
        byte[] pb = new byte[words * Integer.BYTES];
        try {
            mem.read(s.inst(), va, pb, 0, pb.length);
        } catch (SimVaAccess.Fault f) {
            throw mmuFault(f, "pushbuffer fetch");
        }
        java.nio.IntBuffer w = java.nio.ByteBuffer.wrap(pb).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        int i = 0;
        while (i < words) {
            int h = w.get(i++);
            if (h == HostMethods.DMA_NOP) {
                continue;
            }
            long hl = Integer.toUnsignedLong(h);
            int op = (int) HostMethods.DMA_SEC_OP.get(hl);
            int method = (int) HostMethods.DMA_METHOD_ADDRESS.get(hl) << 2;
            int subc = (int) HostMethods.DMA_METHOD_SUBCHANNEL.get(hl);
            int count = (int) HostMethods.DMA_METHOD_COUNT.get(hl);
            switch (op) {
                case HostMethods.SEC_OP_IMMD_DATA_METHOD -> method(c, subc, method, count, nonstall);
                case HostMethods.SEC_OP_INC_METHOD, HostMethods.SEC_OP_NON_INC_METHOD, HostMethods.SEC_OP_ONE_INC -> {
                    if (i + count > words) {
                        throw pbdma("header 0x%08x at VA 0x%x: %d data words, %d left in the segment", h,
                                va + 4L * (i - 1), count, words - i);
                    }
                    for (int k = 0; k < count; k++) {
                        int m = switch (op) {
                            case HostMethods.SEC_OP_INC_METHOD -> method + 4 * k;
                            case HostMethods.SEC_OP_ONE_INC -> method + (k == 0 ? 0 : 4);
                            default -> method;
                        };
                        method(c, subc, m, w.get(i++), nonstall);
                    }
                }
                case HostMethods.SEC_OP_END_PB_SEGMENT -> {
                    return;
                }
                default -> throw pbdma("bad method header 0x%08x at VA 0x%x (SEC_OP %d)", h, va + 4L * (i - 1), op);
            }
        }
    }

    /** One method write. */
    private void method(Channel c, int subc, int method, int data, boolean[] nonstall) throws Stop {
        if (method < HostMethods.HOST_METHOD_LIMIT) {
            hostMethod(c, method, data, nonstall);
            return;
        }
        if (!c.copyObject) {
            throw new Stop(new SimChannelError(RobustChannel.CE0_ERROR, String.format(
                    "method 0x%03x on subchannel %d: the channel has no copy object", method, subc), -1));
        }
        try {
            if (c.ce.method(method, data, c.setup.inst(), mem)) {
                nonstall[0] = true;
            }
        } catch (SimCopyEngine.Refused r) {
            throw new Stop(new SimChannelError(RobustChannel.CE0_ERROR, r.getMessage(), -1));
        } catch (SimVaAccess.Fault f) {
            throw mmuFault(f, "copy engine");
        }
    }

    private void hostMethod(Channel c, int method, int data, boolean[] nonstall) throws Stop {
        long d = Integer.toUnsignedLong(data);
        int cls = c.setup.gpfifoClass();
        switch (method) {
            case 0 -> { // NVC56F_SET_OBJECT: binds the subchannel to an object of the channel's engine
                if ((data & 0xffff) != c.copyClass || !c.copyObject) {
                    throw pbdma("SET_OBJECT class 0x%04x: the channel's copy object is 0x%04x", data & 0xffff,
                            c.copyClass);
                }
            }
            case HostMethods.NOP -> {
            }
            case HostMethods.SEMAPHOREA, HostMethods.SEMAPHOREB, HostMethods.SEMAPHOREC, HostMethods.SEMAPHORED -> {
                if (!FifoClasses.hasSemaphoreAtoD(cls)) {
                    throw pbdma("host method 0x%03x is not a method of class 0x%04x", method, cls);
                }
                switch (method) {
                    case HostMethods.SEMAPHOREA -> c.semAddr = (c.semAddr & 0xffff_ffffL) | (d & 0xff) << 32;
                    case HostMethods.SEMAPHOREB -> c.semAddr = (c.semAddr & ~0xffff_ffffL) | (d & ~3L);
                    case HostMethods.SEMAPHOREC -> c.semPayload = d;
                    default -> {
                        if (HostMethods.SEMAPHORED_OPERATION.get(d) != HostMethods.SEMAPHORED_OPERATION_RELEASE) {
                            throw pbdma("SEMAPHORED 0x%08x: only RELEASE is modelled", data);
                        }
                        boolean fourBytes = HostMethods.SEMAPHORED_RELEASE_SIZE.get(d)
                                == HostMethods.SEMAPHORED_RELEASE_SIZE_4BYTE;
                        release(c, fourBytes ? Integer.BYTES : SEMAPHORE_16BYTE);
                    }
                }
            }
            case HostMethods.NON_STALL_INTERRUPT -> nonstall[0] = true;
            case HostMethods.SEM_ADDR_LO, HostMethods.SEM_ADDR_HI, HostMethods.SEM_PAYLOAD_LO, HostMethods.SEM_PAYLOAD_HI,
                    HostMethods.SEM_EXECUTE -> {
                if (!FifoClasses.hasSemExecute(cls)) {
                    throw pbdma("host method 0x%03x is not a method of class 0x%04x", method, cls);
                }
                switch (method) {
                    case HostMethods.SEM_ADDR_LO -> c.semAddr = (c.semAddr & ~0xffff_ffffL) | (d & ~3L);
                    case HostMethods.SEM_ADDR_HI -> c.semAddr = (c.semAddr & 0xffff_ffffL)
                            | HostMethods.semAddrHi(cls).get(d) << 32;
                    case HostMethods.SEM_PAYLOAD_LO -> c.semPayload = (c.semPayload & ~0xffff_ffffL) | d;
                    case HostMethods.SEM_PAYLOAD_HI -> c.semPayload = (c.semPayload & 0xffff_ffffL) | d << 32;
                    default -> {
                        if (HostMethods.SEM_EXECUTE_OPERATION.get(d) != HostMethods.SEM_EXECUTE_OPERATION_RELEASE) {
                            throw pbdma("SEM_EXECUTE 0x%08x: only RELEASE is modelled", data);
                        }
                        release(c, HostMethods.SEM_EXECUTE_PAYLOAD_SIZE.get(d)
                                == HostMethods.SEM_EXECUTE_PAYLOAD_SIZE_64BIT ? Long.BYTES : Integer.BYTES);
                    }
                }
            }
            default -> throw pbdma("host method 0x%03x is not one the host executes", method);
        }
    }

    /** SEMAPHORED_RELEASE_SIZE_16BYTE: the 32-bit payload, a zero word, the 64-bit timestamp. */
    private static final int SEMAPHORE_16BYTE = 16;

    private void release(Channel c, int size) throws Stop {
        try {
            if (size == SEMAPHORE_16BYTE) {
                mem.writeLe(c.setup.inst(), c.semAddr, c.semPayload, Integer.BYTES);
                mem.writeLe(c.setup.inst(), c.semAddr + Integer.BYTES, 0, Integer.BYTES);
                mem.writeLe(c.setup.inst(), c.semAddr + Long.BYTES, System.nanoTime(), Long.BYTES);
                return;
            }
            mem.writeLe(c.setup.inst(), c.semAddr, c.semPayload, size);
        } catch (SimVaAccess.Fault f) {
            throw mmuFault(f, "semaphore release");
        }
    }
}
