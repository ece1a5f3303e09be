package org.nova.hw.sim.gpu;

import org.nova.nvidia.NvidiaPciIds;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.Arrays;
import java.util.Map;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspStaticConfigInfo;
import org.nova.nvidia.gsp.RegistryKeys;
import org.nova.nvidia.gsp.bindings.GspSystemInfo;
import org.nova.nvidia.fifo.RobustChannel;
import org.nova.nvidia.gsp.bindings.rpc_free_v03_00;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_alloc_v03_00;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_control_v03_00;
import org.nova.nvidia.gsp.bindings.rpc_rc_triggered_v17_02;
import org.nova.nvidia.gsp.bindings.rpc_run_cpu_sequencer_v17_00;
import org.nova.nvidia.gsp.LibosArgs;
import org.nova.nvidia.gsp.LibosLog;
import org.nova.nvidia.regs.Pbus;

/**
 * GSP-RM as the simulated GPU runs it once the booter started the RISC-V core: on its own
 * thread, it finds the message queues through the LibOS arguments (the address the driver put
 * in the GSP falcon's mailboxes), reads commands from the CPU queue in the driver's DMA memory
 * (through the IOMMU), answers them in the GSP queue with the firmware release's generated
 * bindings ({@link GspAbi}), sends the asynchronous events (init done after SetRegistry) and
 * appends its log records to the LOGINIT, LOGINTR and LOGRM buffers in LibOS's binary format
 * ({@link SimLibosLog}; without all three registered LibOS's init fails and GSP-RM never runs).
 * The driver's doorbell write wakes it; each message it writes to the GSP queue raises the GPU's interrupt ({@link NvidiaGpu#raiseMsgqInterrupt}).
 * UNLOADING_GUEST_DRIVER is handled by its {@link SimGspUnload}; the channel objects
 * (GSP_RM_ALLOC, FREE and their controls) by its {@link SimRmChannels}, and a channel the host
 * stopped ({@link SimFifo}) is reported with an RC_TRIGGERED event.
 *
 * <p>Why one class: it is GSP-RM's one RPC loop — the queues' endpoint, the dispatch by function
 * number, the init sequence's order (SetSystemInfo, SetRegistry, INIT_DONE) and the events it
 * interleaves with replies — whose state (the endpoint, the init flags, the pending events) every
 * handler touches. The handlers with state of their own are carved out (SimGspUnload, SimGspBar1,
 * SimRmChannels, SimRegistry, SimVgpuManager, SimLibosLog); what is left decodes a message and
 * answers it in the release's layout.
 */
final class SimGsp implements Runnable {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /**
     * The register the simulated GSP-RM has the driver's CPU sequencer program before it reports
     * init done (a software scratch register; GSP-RM's real sequences touch falcon registers).
     */
    static final int SEQUENCER_SCRATCH = Pbus.SW_SCRATCH.address(0x10);
    /** Value the sequence writes first. */
    static final int SEQUENCER_MAGIC = 0x5e90_0000;
    /** Low byte the sequence then sets with REG_MODIFY. */
    static final int SEQUENCER_MODIFY = 0xa5;
    /** How long GSP-RM waits for the driver to run the sequence. */
    static final long SEQUENCER_WAIT_NANOS = 5_000_000_000L;
    /** Unused words GSP-RM's sequencer buffer carries after the commands. */
    private static final int SEQUENCER_SPARE_WORDS = 8;
    /** How long the thread sleeps when idle and no doorbell rang. */
    static final long IDLE_NANOS = 2_000_000L;
    /**
     * The handles of the simulated GSP-RM's internal client, device and subdevice, which it reports
     * in GspStaticConfigInfo (hInternalClient, ...). GSP-RM chooses them; these follow its internal
     * client handle base, RS_CLIENT_INTERNAL_HANDLE_BASE 0xC1E00000 (open-gpu-kernel-modules
     * g_resserv_nvoc.h), device and subdevice numbered after their client.
     */
    static final int INTERNAL_CLIENT = 0xc1e0_0000;
    static final int INTERNAL_DEVICE = INTERNAL_CLIENT + 1;
    static final int INTERNAL_SUBDEVICE = INTERNAL_CLIENT + 2;

    private final NvidiaGpu gpu;
    private final GspBindings abi;
    /** Commands arriving in several elements (continuation records). */
    private final SimRpcAssembly assembly;
    private final long libosAddr;
    private final GpuFault fault;
    /** What GSP-RM occupies after this boot (from the WPR metadata booter_load accepted). */
    private final SimFbRegions fbRegions;
    /** UNLOADING_GUEST_DRIVER: the acknowledgement, the teardown and the suspend report. */
    private final SimGspUnload unload;
    private volatile boolean stop;
    private volatile boolean awaitingResume;
    private volatile Thread thread;
    private long[] ptes;
    /** LOGINIT, LOGINTR and LOGRM once LibOS mapped them (null before). */
    private volatile SimLibosLog.Buffers logs;
    private boolean initDone;
    /** GSP-RM's BAR1: set up at init, reported in the static information, given back at unload. */
    private final SimGspBar1 bar1;
    /** Commands answered (for diagnostics). */
    volatile long answered;
    /** The channel objects under the internal device. */
    private final SimRmChannels channels;
    /** RC_TRIGGERED payloads the host reported, sent by GSP-RM's thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> rcEvents = new java.util.concurrent.ConcurrentLinkedQueue<>();

    SimGsp(NvidiaGpu gpu, GspAbi abi, long libosAddr, GpuFault fault, SimFbRegions fbRegions) {
        this.gpu = gpu;
        this.fbRegions = fbRegions;
        this.bar1 = new SimGspBar1(gpu, fbRegions);
        this.abi = GspBindings.of(abi.version()).orElseThrow();
        this.assembly = new SimRpcAssembly(this.abi);
        this.libosAddr = libosAddr;
        this.fault = fault;
        this.unload = new SimGspUnload(this, gpu, this.abi);
        this.channels = new SimRmChannels(gpu, this.abi, INTERNAL_CLIENT, INTERNAL_DEVICE);
        gpu.fifo().listener(new SimFifo.Listener() {
            @Override
            public void rcTriggered(int chid, SimChannelError error) {
                rcEvents.add(rcTriggeredPayload(chid, error));
                kick();
            }

            @Override
            public void nonstall() {
                gpu.raiseNonstallInterrupt();
            }
        });
    }

    /**
     * @return the RC_TRIGGERED event for a channel the host stopped, in the release's layout
     *     (535.113.01: engine, chid, exceptType, scope, partition; 570.144 adds the fault address and
     *     type, with an empty RC journal)
     */
    private byte[] rcTriggeredPayload(int chid, SimChannelError e) {
        rpc_rc_triggered_v17_02 r = abi.rpc_rc_triggered_v17_02();
        byte[] p = new byte[r.size()];
        r.nv2080EngineType(p, 0, abi.NV2080_ENGINE_TYPE_COPY0());
        r.chid(p, 0, chid);
        r.exceptType(p, 0, e.rcType());
        r.scope(p, 0, RobustChannel.SCOPE_CHANNEL);
        if (r.hasMmuFaultAddrLo() && e.faultVa() >= 0) {
            r.mmuFaultAddrLo(p, 0, (int) e.faultVa());
            r.mmuFaultAddrHi(p, 0, (int) (e.faultVa() >>> 32));
        }
        return p;
    }

    void start(String name) {
        Thread t = Thread.ofPlatform().daemon().name("sim-gsp-" + name).unstarted(this);
        thread = t;
        t.start();
    }

    /** The doorbell. */
    void kick() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    void stop() {
        stop = true;
        kick();
    }

    /** @return whether GSP-RM was stopped from outside (a reset, WPR2 torn down) */
    boolean stopping() {
        return stop;
    }

    private boolean dmaRead(long addr, byte[] dst, int at, int len) {
        MemorySegment seg = MemorySegment.ofArray(new byte[len]);
        if (!gpu.host().dmaRead(addr, seg)) {
            return false;
        }
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst, at, len);
        return true;
    }

    private long u64(long addr) {
        byte[] b = new byte[8];
        return dmaRead(addr, b, 0, 8) ? GspMsgQueue.getLe64(b, 0) : -1;
    }

    /** The shared memory through the driver's PTE page. */
    private final class SharedMemory implements GspMsgQueue.Memory {
        private long addr(long off, int len) {
            int page = (int) (off / GspMsgQueue.PAGE_SIZE);
            if (page >= ptes.length || (off % GspMsgQueue.PAGE_SIZE) + len > GspMsgQueue.PAGE_SIZE) {
                throw new IllegalStateException("GSP access at shared offset 0x" + Long.toHexString(off)
                        + " outside the mapped pages");
            }
            return ptes[page] + off % GspMsgQueue.PAGE_SIZE;
        }

        @Override
        public int getInt(long off) {
            MemorySegment s = MemorySegment.ofArray(new byte[4]);
            if (!gpu.host().dmaRead(addr(off, 4), s)) {
                throw new IllegalStateException("DMA read refused");
            }
            return s.get(LE32, 0);
        }

        @Override
        public void putInt(long off, int value) {
            MemorySegment s = MemorySegment.ofArray(new byte[4]);
            s.set(LE32, 0, value);
            if (!gpu.host().dmaWrite(addr(off, 4), s)) {
                throw new IllegalStateException("DMA write refused");
            }
        }

        @Override
        public void read(long off, byte[] dst, int at, int len) {
            if (!dmaRead(addr(off, len), dst, at, len)) {
                throw new IllegalStateException("DMA read refused");
            }
        }

        @Override
        public void write(long off, byte[] src, int at, int len) {
            MemorySegment s = MemorySegment.ofArray(new byte[len]);
            MemorySegment.copy(src, at, s, ValueLayout.JAVA_BYTE, 0, len);
            if (!gpu.host().dmaWrite(addr(off, len), s)) {
                throw new IllegalStateException("DMA write refused");
            }
        }
    }

    /** Appends one record to the buffer its format names (nothing before LibOS mapped the buffers). */
    void log(SimLibosLog.Format f, long... args) {
        SimLibosLog.Buffers b = logs;
        if (b != null) {
            b.write(f, args);
        }
    }

    /**
     * LibOS's init, on the booter's hand-off before GSP-RM's thread starts ({@link SimLibosLog.Buffers#map}):
     * a missing or malformed log buffer stops the boot here (the RISC-V core halts, GSP-RM never runs).
     *
     * @return false if the init failed
     */
    boolean libosInit() {
        try {
            logs = SimLibosLog.Buffers.map(gpu.host(), libosAddr);
            return true;
        } catch (IllegalStateException e) {
            gpu.log("GSP: LibOS init failed: {}: the RISC-V core halts", e.getMessage());
            gpu.gspCrashed();
            return false;
        }
    }

    @Override
    public void run() {
        try {
            Optional<long[]> rmargs = SimLibosLog.region(gpu.host(), libosAddr, LibosArgs.RMARGS);
            if (rmargs.isEmpty()) {
                gpu.log("GSP: no {} region in the LibOS arguments at 0x{}: GSP-RM idles", LibosArgs.RMARGS,
                        Long.toHexString(libosAddr));
                return;
            }
            long base = rmargs.get()[0];
            long shared = u64(base + LibosArgs.MQ_SHARED_MEM_PHYS_ADDR);
            byte[] cnt = new byte[4];
            dmaRead(base + LibosArgs.MQ_PTE_COUNT, cnt, 0, 4);
            int n = GspMsgQueue.getLe(cnt, 0);
            if (n < GspMsgQueue.SHARED_PAGES) {
                gpu.log("GSP: {} PTEs for the message queues, {} needed", n, GspMsgQueue.SHARED_PAGES);
                return;
            }
            ptes = new long[n];
            for (int i = 0; i < n; i++) {
                ptes[i] = u64(shared + 8L * i);
            }
            SharedMemory mem = new SharedMemory();
            GspMsgQueue.initQueue(mem, GspMsgQueue.GSP_QUEUE_OFFSET);
            GspMsgQueue.Endpoint ep = GspMsgQueue.Endpoint.gsp(mem);
            String[] release = abi.version().split("\\.");
            log(SimLibosLog.Format.RM_START, Long.parseLong(release[0]), Long.parseLong(release[1]));
            log(SimLibosLog.Format.LIBOS_INIT, LibosLog.PAGES, base);
            while (!stop) {
                for (byte[] rc = rcEvents.poll(); rc != null && initDone; rc = rcEvents.poll()) {
                    log(SimLibosLog.Format.RPC, abi.EVENT_RC_TRIGGERED(), 0, rc.length);
                    send(ep, abi.EVENT_RC_TRIGGERED(), GspMsgQueue.RESULT_SUCCESS, 0, rc);
                }
                Optional<GspMsgQueue.Message> m;
                try {
                    m = ep.poll();
                } catch (GspMsgQueue.QueueException e) {
                    gpu.log("GSP: bad command: {}", e.getMessage());
                    return;
                }
                if (m.isEmpty()) {
                    LockSupport.parkNanos(IDLE_NANOS);
                    continue;
                }
                SimRpcAssembly.Outcome o = assembly.accept(m.get());
                if (o instanceof SimRpcAssembly.Refused r) {
                    gpu.log("GSP: bad command: {}", r.why());
                    log(SimLibosLog.Format.BAD_COMMAND);
                    return;
                }
                if (o instanceof SimRpcAssembly.Ready ready && !handle(ep, ready.command())) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            if (!stop) {
                gpu.log("GSP-RM stopped: {}", e.toString());
            }
        } finally {
            thread = null;
        }
    }

    /** Writes one message to the GSP queue and raises the GPU's interrupt (unless a fault silences it). */
    void send(GspMsgQueue.Endpoint ep, int function, int result, int sequence, byte[] payload) {
        if (fault == GpuFault.GSP_SILENT) {
            return;
        }
        while (!ep.trySend(function, result, sequence, payload)) {
            if (stop) {
                return;
            }
            LockSupport.parkNanos(IDLE_NANOS); // backpressure: wait for the driver to read
        }
        if (fault == GpuFault.GSP_BAD_CHECKSUM && initDone) {
            // corrupt the element just written: flip a payload byte of the last page written
            SharedMemory mem = new SharedMemory();
            int wp = mem.getInt(GspMsgQueue.GSP_QUEUE_OFFSET + GspMsgQueue.TX_WRITE_PTR);
            int slot = Math.floorMod(wp - GspMsgQueue.elemCount(payload.length), GspMsgQueue.MSG_COUNT);
            long at = GspMsgQueue.GSP_QUEUE_OFFSET + GspMsgQueue.ENTRY_OFF + (long) slot * GspMsgQueue.PAGE_SIZE
                    + GspMsgQueue.ELEM_HEADER_SIZE + GspMsgQueue.RPC_SPARE;
            mem.putInt(at, mem.getInt(at) ^ 0x5a);
        }
        log(SimLibosLog.Format.MSGQ_IRQ, Integer.toUnsignedLong(new SharedMemory().getInt(GspMsgQueue.GSP_QUEUE_OFFSET
                + GspMsgQueue.TX_WRITE_PTR)));
        gpu.raiseMsgqInterrupt();
    }

    /**
     * @return the RUN_CPU_SEQUENCER payload: write, modify, poll, delay and store on the scratch
     *         register, then GSP-RM's mid-initialisation reset: reset the GSP core and resume it
     *         (SEC2-RTOS, staged before this is sent, restarts GSP-RM from its saved state)
     */
    private byte[] sequence() {
        rpc_run_cpu_sequencer_v17_00 h = abi.rpc_run_cpu_sequencer_v17_00();
        int[] w = {
            abi.GSP_SEQ_BUF_OPCODE_REG_WRITE(), SEQUENCER_SCRATCH, SEQUENCER_MAGIC,
            abi.GSP_SEQ_BUF_OPCODE_REG_MODIFY(), SEQUENCER_SCRATCH, 0xff, SEQUENCER_MODIFY,
            abi.GSP_SEQ_BUF_OPCODE_REG_POLL(), SEQUENCER_SCRATCH, -1, SEQUENCER_MAGIC | SEQUENCER_MODIFY,
                1000, 0,
            abi.GSP_SEQ_BUF_OPCODE_DELAY_US(), 5,
            abi.GSP_SEQ_BUF_OPCODE_REG_STORE(), SEQUENCER_SCRATCH, 0,
            abi.GSP_SEQ_BUF_OPCODE_CORE_RESET(),
            abi.GSP_SEQ_BUF_OPCODE_CORE_RESUME(),
        };
        // GSP-RM's buffer has room to spare: cmdIndex (words written) ends the sequence, not its capacity
        int capacity = w.length + SEQUENCER_SPARE_WORDS;
        byte[] p = new byte[h.size() + 4 * capacity];
        h.bufferSizeDWord(p, 0, capacity);
        h.cmdIndex(p, 0, w.length);
        for (int i = 0; i < w.length; i++) {
            GspMsgQueue.putLe(p, h.size() + 4 * i, w[i]);
        }
        return p;
    }

    /** @return whether GSP-RM saved its state and waits for the core resume (a GSP reset does not stop it) */
    boolean awaitingResume() {
        return awaitingResume;
    }

    /** SEC2-RTOS resumed GSP-RM on the GSP's RISC-V core. */
    void resume() {
        awaitingResume = false;
        kick();
    }

    /** @return false if GSP-RM stops */
    private boolean handle(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m) {
        int fn = m.function();
        log(SimLibosLog.Format.RPC, fn, Integer.toUnsignedLong(m.seqNum()), m.payload().length);
        answered++;
        if (fn == abi.FUNCTION_GSP_SET_SYSTEM_INFO()) {
            GspSystemInfo si = abi.GspSystemInfo();
            if (m.payload().length < si.size()) {
                log(SimLibosLog.Format.SYSINFO_SHORT, m.payload().length, si.size());
            }
            String why = SimBootParams.checkSystemInfo(gpu, abi, m.payload());
            if (why != null) {
                // GSP-RM cannot initialise on a wrong view of its PCIe function: its init fails
                log(SimLibosLog.Format.SYSINFO_REFUSED);
                gpu.log("GSP: SetSystemInfo refused, GSP-RM init fails: {}", why);
                gpu.gspInitFailed();
                return false;
            }
            return true;
        }
        if (fn == abi.FUNCTION_SET_REGISTRY()) {
            try {
                Map<String, Integer> entries = SimRegistry.parse(abi, m.payload());
                gpu.registrySet(entries);
                log(SimLibosLog.Format.REGISTRY, entries.size());
                // the registry GSP-RM initialises with; a later table only updates what it holds
                String why = initDone ? null : SimBootParams.checkRegistry(gpu, entries);
                if (why != null) {
                    log(SimLibosLog.Format.INIT_FAILED);
                    gpu.log("GSP: GSP-RM init fails on the registry: {}", why);
                    gpu.gspInitFailed();
                    return false;
                }
                if (!initDone) {
                    gpu.sriovMode(entries.getOrDefault(RegistryKeys.SET_SRIOV_MODE, 0) != 0);
                }
            } catch (IllegalArgumentException e) {
                log(SimLibosLog.Format.REGISTRY_REFUSED);
                gpu.log("GSP: SET_REGISTRY refused: {}", e.getMessage());
                gpu.gspCrashed();
                return false;
            }
            if (!initDone && gpu.bootsThroughFsp()) {
                // GSP-FMC set GSP-RM up: no mid-initialisation core resume, no CPU sequencer
                // (nova-core gsp/hal/gh100.rs has no post-boot step)
                initDone = true;
                log(SimLibosLog.Format.INIT_DONE);
                bar1.setUp();
                send(ep, abi.EVENT_GSP_INIT_DONE(), GspMsgQueue.RESULT_SUCCESS, 0, new byte[0]);
            }
            if (!initDone) {
                initDone = true;
                gpu.sequencerScratch = 0;
                awaitingResume = true;
                gpu.prepareCoreResume();
                send(ep, abi.EVENT_GSP_RUN_CPU_SEQUENCER(), GspMsgQueue.RESULT_SUCCESS, 0, sequence());
                long until = System.nanoTime() + SEQUENCER_WAIT_NANOS;
                while (awaitingResume || gpu.sequencerScratch != (SEQUENCER_MAGIC | SEQUENCER_MODIFY)) {
                    if (stop) {
                        return false; // stopped from outside (a reset, WPR2 torn down): not a crash of its own
                    }
                    if (System.nanoTime() > until) {
                        boolean resumed = !awaitingResume;
                        log(SimLibosLog.Format.SEQ_STALL, Integer.toUnsignedLong(gpu.sequencerScratch), resumed ? 1 : 0);
                        if (!resumed) {
                            // never resumed: GSP-RM gives up, its core stays halted
                            awaitingResume = false;
                            gpu.gspCrashed();
                            return false;
                        }
                        return true;
                    }
                    LockSupport.parkNanos(IDLE_NANOS / 4);
                }
                log(SimLibosLog.Format.SEQ_DONE);
                log(SimLibosLog.Format.INIT_DONE);
                bar1.setUp();
                send(ep, abi.EVENT_GSP_INIT_DONE(), GspMsgQueue.RESULT_SUCCESS, 0, new byte[0]);
            }
            return true;
        }
        if (fn == abi.FUNCTION_GET_GSP_STATIC_INFO()) {
            if (fault == GpuFault.GSP_CRASH) {
                log(SimLibosLog.Format.CRASHED);
                gpu.gspCrashed();
                return false;
            }
            GspStaticConfigInfo s = abi.GspStaticConfigInfo();
            byte[] p = new byte[s.size()];
            s.gpuNameStringString(p, 0, gpu.boardName());
            s.gpuShortNameStringString(p, 0, gpu.options().chipset().name());
            s.fb_length(p, 0, gpu.options().fbSizeMiB() << 20);
            fbRegions.write(abi, p);
            s.l2_cache_size(p, 0, (int) gpu.l2CacheSize());
            s.fb_bus_width(p, 0, NvidiaGpu.FB_BUS_WIDTH);
            s.sriovMaxGfid(p, 0, gpu.totalVfs());
            s.bVbiosValid(p, 0, 1);
            s.vbiosSubVendor(p, 0, NvidiaPciIds.PCI_VENDOR_ID_NVIDIA);
            s.vbiosSubDevice(p, 0, gpu.deviceId());
            s.bar1PdeBase(p, 0, bar1.root());
            if (s.hasGpcMask()) {
                s.gpcMask(p, 0, 0x7f);
            }
            s.hInternalClient(p, 0, INTERNAL_CLIENT);
            s.hInternalDevice(p, 0, INTERNAL_DEVICE);
            s.hInternalSubdevice(p, 0, INTERNAL_SUBDEVICE);
            int replyFn = fault == GpuFault.GSP_WRONG_FUNCTION ? abi.FUNCTION_GSP_RM_CONTROL() : fn;
            send(ep, replyFn, GspMsgQueue.RESULT_SUCCESS, m.sequence(), p);
            return true;
        }
        if (fn == abi.FUNCTION_UNLOADING_GUEST_DRIVER()) {
            return unload.handle(ep, m);
        }
        if (fn == abi.FUNCTION_GSP_RM_ALLOC() && m.payload().length >= abi.rpc_gsp_rm_alloc_v03_00().size()
                && rmAlloc(ep, m)) {
            return true;
        }
        if (fn == abi.FUNCTION_FREE() && m.payload().length >= abi.rpc_free_v03_00().size() && rmFree(ep, m)) {
            return true;
        }
        if (fn == abi.FUNCTION_GSP_RM_CONTROL() && m.payload().length >= abi.rpc_gsp_rm_control_v03_00().size()
                && (channelControl(ep, m) || rmControl(ep, m))) {
            return true;
        }
        // anything else: echo the payload back as the reply (the RPC transport's loopback)
        send(ep, fn, GspMsgQueue.RESULT_SUCCESS, m.sequence(), m.payload());
        return true;
    }

    /** @return true if the allocation was of a channel object and was answered (others are echoed) */
    private boolean rmAlloc(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m) {
        rpc_gsp_rm_alloc_v03_00 h = abi.rpc_gsp_rm_alloc_v03_00();
        byte[] in = m.payload();
        int size = (int) Math.min(Integer.toUnsignedLong(h.paramsSize(in, 0)), in.length - h.size());
        byte[] params = Arrays.copyOfRange(in, h.size(), h.size() + Math.max(0, size));
        int status = channels.alloc(h.hClient(in, 0), h.hParent(in, 0), h.hObject(in, 0), h.hClass(in, 0), params);
        if (status < 0) {
            return false;
        }
        log(SimLibosLog.Format.RM_CONTROL, Integer.toUnsignedLong(h.hClass(in, 0)), Integer.toUnsignedLong(status));
        byte[] out = in.clone();
        h.status(out, 0, status);
        send(ep, m.function(), GspMsgQueue.RESULT_SUCCESS, m.sequence(), out);
        return true;
    }

    /** @return true if the object freed was a channel object and the free was answered */
    private boolean rmFree(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m) {
        rpc_free_v03_00 h = abi.rpc_free_v03_00();
        byte[] in = m.payload();
        int status = channels.free(h.hRoot(in, 0), h.hObjectParent(in, 0), h.hObjectOld(in, 0));
        if (status < 0) {
            return false;
        }
        byte[] out = in.clone();
        h.status(out, 0, status);
        send(ep, m.function(), GspMsgQueue.RESULT_SUCCESS, m.sequence(), out);
        return true;
    }

    /** @return true if the control was addressed to a channel object and was answered */
    private boolean channelControl(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m) {
        rpc_gsp_rm_control_v03_00 h = abi.rpc_gsp_rm_control_v03_00();
        byte[] in = m.payload();
        if (!channels.owns(h.hClient(in, 0), h.hObject(in, 0))) {
            return false;
        }
        byte[][] params = {controlParams(h, in)};
        int status = channels.control(h.hObject(in, 0), h.cmd(in, 0), params);
        answerControl(ep, m, h, status, params[0]);
        return true;
    }

    /** @return the parameters a control RPC carries, as far as its payload holds them */
    private static byte[] controlParams(rpc_gsp_rm_control_v03_00 h, byte[] in) {
        int size = (int) Math.min(Integer.toUnsignedLong(h.paramsSize(in, 0)), in.length - h.size());
        return Arrays.copyOfRange(in, h.size(), h.size() + Math.max(0, size));
    }

    /** Logs a control RPC's status and sends its answer: the request's header with status and the (updated) parameters. */
    private void answerControl(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m, rpc_gsp_rm_control_v03_00 h,
            int status, byte[] params) {
        byte[] in = m.payload();
        log(SimLibosLog.Format.RM_CONTROL, Integer.toUnsignedLong(h.cmd(in, 0)), Integer.toUnsignedLong(status));
        byte[] out = new byte[h.size() + params.length];
        System.arraycopy(in, 0, out, 0, h.size());
        h.status(out, 0, status);
        h.paramsSize(out, 0, params.length);
        System.arraycopy(params, 0, out, h.size(), params.length);
        send(ep, m.function(), GspMsgQueue.RESULT_SUCCESS, m.sequence(), out);
    }

    /** @return GSP-RM's channel objects (tests) */
    SimRmChannels channels() {
        return channels;
    }

    /**
     * @return true if the control was the vGPU manager's, addressed to the internal subdevice
     *     this GSP-RM reported, and was answered (others are echoed as any RPC)
     */
    private boolean rmControl(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m) {
        rpc_gsp_rm_control_v03_00 h = abi.rpc_gsp_rm_control_v03_00();
        byte[] in = m.payload();
        if (h.hClient(in, 0) != INTERNAL_CLIENT || h.hObject(in, 0) != INTERNAL_SUBDEVICE) {
            log(SimLibosLog.Format.RM_CONTROL_FOREIGN, Integer.toUnsignedLong(h.hClient(in, 0)),
                    Integer.toUnsignedLong(h.hObject(in, 0)));
            return false;
        }
        byte[][] params = {controlParams(h, in)};
        int status = gpu.vgpu().control(abi, h.cmd(in, 0), params);
        if (status < 0) {
            return false;
        }
        answerControl(ep, m, h, status, params[0]);
        return true;
    }

    /** @return GSP-RM's BAR1 ownership ({@link SimGspUnload} gives it back) */
    SimGspBar1 bar1() {
        return bar1;
    }
}
