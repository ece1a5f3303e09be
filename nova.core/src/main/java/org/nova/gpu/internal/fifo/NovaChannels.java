package org.nova.gpu.internal.fifo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.VmRange;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fifo.ChannelAllocFlags;
import org.nova.nvidia.fifo.Doorbell;
import org.nova.nvidia.fifo.FifoClasses;
import org.nova.nvidia.fifo.HostMethods;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL;
import org.nova.nvidia.gsp.bindings.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS;
import org.nova.nvidia.gsp.bindings.NV_CHANNEL_ALLOC_PARAMS;
import org.nova.nvidia.gsp.bindings.NV_MEMORY_DESC_PARAMS;
import org.nova.nvidia.gsp.bindings.rpc_rc_triggered_v17_02;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nova.core's {@link GpuChannels}: a channel is opened the way nouveau's r535 code opens one
 * (nvkm/subdev/gsp/rm/r535/fifo.c r535_chan_ramfc_write, vmm.c r535_mmu_promote_vmm, ce.c; Linux
 * v6.15): its instance block, USERD, ring and completion pushbuffers in one VRAM block
 * ({@link ChannelLayout}) whose page-directory words name the {@link GpuVm}'s tables (nouveau's
 * vmm join), mapped in the space's kernel range; then GSP-RM's objects: a {@code FERMI_VASPACE_A}
 * given the space's root directory (COPY_SERVER_RESERVED_PDES), the channel of the chip's GPFIFO
 * class with the memory descriptors, the copy object, BIND and GPFIFO_SCHEDULE, and the
 * work-submit token the doorbell takes. Every step undoes on failure; each is a fault point of the
 * device's fail-nth ("channel step ...").
 *
 * <p>Completions: {@link #interrupt} (nova.core's GPU interrupt handler) reads each channel's
 * semaphore; RC_TRIGGERED events ({@link #rcTriggered}) fail the channel they name. Both tell
 * listeners with no lock held. Thread-safe: the set of channels is guarded by this object, each
 * channel by its own.
 */
public final class NovaChannels implements GpuChannels {
    private static final Logger LOG = LoggerFactory.getLogger(NovaChannels.class);
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The largest ring: 2^20 entries. */
    static final int MAX_ENTRIES = 1 << 20;
    /**
     * The VA window GSP-RM is told it shares with the space (COPY_SERVER_RESERVED_PDES): 512 MiB,
     * the page size nouveau's r535_mmu_promote_vmm passes (its reserved range).
     */
    static final long RM_WINDOW = 0x2000_0000L;
    /** Level 0 of COPY_SERVER_RESERVED_PDES as nouveau passes it: the root's bytes, aperture and page shift. */
    private static final int ROOT_LEVEL_APERTURE_VIDMEM = 1;
    /** The first handle nova.core gives its channel objects (nouveau: 0xf1f00000 | chid; any unused handle does). */
    private static final int HANDLE_BASE = 0x4e6f_0000;

    private final String gpu;
    private final Chipset chip;
    private final VramManager vram;
    private final GpuVmManager vms;
    private final RmClient rm;
    private final IntConsumer doorbell;
    private final Predicate<String> faultPoint;
    private final KernelVas kernelVas = new KernelVas();
    private final AtomicInteger handles = new AtomicInteger(HANDLE_BASE);
    private final Map<NovaChannel, Boolean> open = new LinkedHashMap<>();
    private boolean revoked;
    /** The safety-net poll ({@link #safetyNet}) runs: at most one, while channels are open. */
    private Thread poller;

    /**
     * @param gpu the GPU's PCI name
     * @param chip its chip (the channel and copy classes, the doorbell)
     * @param vram where channels' memory comes from
     * @param vms the GPU's spaces (an open channel's space must be one of them)
     * @param rm GSP-RM's calls
     * @param doorbell writes a work-submit token to NOTIFY_CHANNEL_PENDING
     * @param faultPoint the device's fail-nth: true fails the named step with EIO
     */
    public NovaChannels(String gpu, Chipset chip, VramManager vram, GpuVmManager vms, RmClient rm, IntConsumer doorbell,
            Predicate<String> faultPoint) {
        this.gpu = gpu;
        this.chip = chip;
        this.vram = vram;
        this.vms = vms;
        this.rm = rm;
        this.doorbell = doorbell;
        this.faultPoint = faultPoint;
    }

    @Override
    public String gpu() {
        return gpu;
    }

    /** @return the chip's copy class (how a copy's methods are encoded) */
    int copyClass() {
        return FifoClasses.copyClass(chip).orElseThrow();
    }

    /** @return the chip's channel GPFIFO class (which host methods a pushbuffer may use) */
    int gpfifoClass() {
        return FifoClasses.gpfifoClass(chip.architecture()).orElseThrow();
    }

    private void step(String name) {
        if (faultPoint.test("channel step " + name)) {
            throw new DriverException(Errno.EIO, gpu + ": channel " + name + " failed: fault injected (fail-nth)");
        }
    }

    @Override
    public GpuChannel open(String owner, GpuVm vm, VmRange kernelRange, Engine engine, int gpfifoEntries) {
        if (owner == null || owner.isEmpty()) {
            throw new DriverException(Errno.EINVAL, gpu + ": a channel needs an owner");
        }
        if (engine != Engine.COPY0) {
            throw new DriverException(Errno.EINVAL, gpu + ": no engine " + engine);
        }
        if (gpfifoEntries < 2 || gpfifoEntries > MAX_ENTRIES || Integer.bitCount(gpfifoEntries) != 1) {
            throw new DriverException(Errno.EINVAL, gpu + ": a ring of " + gpfifoEntries
                    + " entries (a power of two from 2 to 2^20)");
        }
        if (vm == null || kernelRange == null) {
            throw new DriverException(Errno.EINVAL, gpu + ": a channel needs a space and a kernel range");
        }
        if (vm.isClosed()) {
            throw new DriverException(Errno.ENODEV, gpu + ": the space of " + vm.owner() + " is closed");
        }
        if (!vms.spaces().contains(vm)) {
            throw new DriverException(Errno.EINVAL, gpu + ": the space of " + vm.owner() + " is not this GPU's");
        }
        if (kernelRange.va() < 0 || kernelRange.size() <= 0 || kernelRange.end() > vm.vaSize()
                || kernelRange.end() < kernelRange.va()) {
            throw new DriverException(Errno.EINVAL, String.format("%s: kernel range [0x%x, +0x%x) outside the %#x-byte space",
                    gpu, kernelRange.va(), kernelRange.size(), vm.vaSize()));
        }
        int gpfifoClass = FifoClasses.gpfifoClass(chip.architecture()).orElse(-1);
        int copyClass = FifoClasses.copyClass(chip).orElse(-1);
        if (gpfifoClass < 0 || copyClass < 0 || Doorbell.notifyChannelPending(chip.architecture()).isEmpty()) {
            throw new DriverException(Errno.EOPNOTSUPP, gpu + ": channels on " + chip + " are not implemented");
        }
        synchronized (this) {
            if (revoked) {
                throw new DriverException(Errno.ENODEV, gpu + " is unbinding: no new channels");
            }
        }
        ChannelLayout layout = new ChannelLayout(gpfifoEntries);
        Deque<Runnable> undo = new ArrayDeque<>();
        try {
            step("VRAM");
            // in the CPU-visible part: nova.core writes the ring, USERD and completions through BAR1
            VramBlock block = vram.allocateBelow(layout.blockSize(), owner, vram.cpuVisibleSize());
            undo.push(() -> vram.free(block));
            MemorySegment mem = vram.map(block);
            mem.asSlice(0, layout.blockSize()).fill((byte) 0);
            // nouveau's vmm join: the instance block names the space's root directory and VA limit
            mem.set(LE64, ChannelLayout.INST + Ramin.PAGE_DIR_BASE_OFFSET, Ramin.pageDirBaseV2(vm.pageDirectory()));
            mem.set(LE64, ChannelLayout.INST + Ramin.ADR_LIMIT_OFFSET, Ramin.adrLimit(vm.vaSize() - 1));
            step("kernel VA");
            // the ring and the completion pushbuffer are named by GPFIFO/GP_GET addresses, which have
            // 40 bits: only the part of the kernel range below HostMethods.GP_ENTRY_ADDRESS_LIMIT serves
            // (NVK's kernel-managed range, [2^39, 2^40), lies there; a range above it holds no channel)
            VmRange reachable = kernelRange.va() >= HostMethods.GP_ENTRY_ADDRESS_LIMIT ? null
                    : new VmRange(kernelRange.va(),
                            Math.min(kernelRange.end(), HostMethods.GP_ENTRY_ADDRESS_LIMIT) - kernelRange.va());
            long va = reachable == null ? -1 : kernelVas.take(vm, reachable, layout.mappedSize(), ChannelLayout.PAGE);
            if (va < 0) {
                throw new DriverException(Errno.ENOSPC, String.format("%s: no %#x bytes free in the kernel range "
                        + "[0x%x, +0x%x) of %s below the GPFIFO address limit %#x", gpu, layout.mappedSize(),
                        kernelRange.va(), kernelRange.size(), vm.owner(), HostMethods.GP_ENTRY_ADDRESS_LIMIT));
            }
            undo.push(() -> kernelVas.give(vm, va));
            step("map");
            vm.map(va, block, ChannelLayout.USERD, layout.mappedSize(), true);
            undo.push(() -> vm.unmap(va, layout.mappedSize()));
            GspBindings abi = rm.abi();
            int hVas = handles.getAndIncrement();
            step("VA space");
            rmAlloc(rm.device(), hVas, FifoClasses.FERMI_VASPACE_A, new byte[abi.NV_VASPACE_ALLOCATION_PARAMETERS().size()],
                    "FERMI_VASPACE_A");
            undo.push(() -> rmFree(rm.device(), hVas));
            step("reserved PDEs");
            rmControl(hVas, abi.NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES(), reservedPdes(abi, vm, va),
                    "COPY_SERVER_RESERVED_PDES");
            int hChan = handles.getAndIncrement();
            step("channel");
            rmAlloc(rm.device(), hChan, gpfifoClass, channelParams(abi, block, hVas, va, layout), "channel");
            undo.push(() -> rmFree(rm.device(), hChan));
            int hCopy = handles.getAndIncrement();
            step("copy object");
            byte[] ce = new byte[abi.NVB0B5_ALLOCATION_PARAMETERS().size()];
            abi.NVB0B5_ALLOCATION_PARAMETERS().version(ce, 0, abi.NVB0B5_ALLOCATION_PARAMETERS_VERSION_1());
            abi.NVB0B5_ALLOCATION_PARAMETERS().engineType(ce, 0, abi.NV2080_ENGINE_TYPE_COPY0());
            rmAlloc(hChan, hCopy, copyClass, ce, "copy object");
            undo.push(() -> rmFree(hChan, hCopy));
            step("bind");
            byte[] bind = new byte[abi.NVA06F_CTRL_BIND_PARAMS().size()];
            abi.NVA06F_CTRL_BIND_PARAMS().engineType(bind, 0, abi.NV2080_ENGINE_TYPE_COPY0());
            rmControl(hChan, abi.NVA06F_CTRL_CMD_BIND(), bind, "BIND");
            step("schedule");
            rmControl(hChan, abi.NVA06F_CTRL_CMD_GPFIFO_SCHEDULE(), schedule(abi, true), "GPFIFO_SCHEDULE");
            step("work-submit token");
            byte[] tok = rmControl(hChan, abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN(),
                    new byte[abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN_PARAMS().size()], "GET_WORK_SUBMIT_TOKEN");
            int token = abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN_PARAMS().workSubmitToken(tok, 0);
            NovaChannel c = new NovaChannel(this, owner, vm, engine, layout, block, mem, va, hVas, hChan, hCopy, token);
            synchronized (this) {
                if (revoked) {
                    throw new DriverException(Errno.ENODEV, gpu + " is unbinding: no new channels");
                }
                open.put(c, Boolean.TRUE);
                if (poller == null) {
                    poller = Thread.ofVirtual().name("nova-core-channels-poll").start(this::safetyNet);
                }
            }
            LOG.debug("{}: channel {} of {} open: ring 0x{} ({} entries), token 0x{}", gpu, c.id(), owner,
                    Long.toHexString(c.ringVa()), gpfifoEntries, Integer.toHexString(token));
            return c;
        } catch (RuntimeException e) {
            while (!undo.isEmpty()) {
                try {
                    undo.pop().run();
                } catch (RuntimeException u) {
                    LOG.warn("{}: undoing a channel open: {}", gpu, u.getMessage());
                }
            }
            throw e;
        }
    }

    private byte[] reservedPdes(GspBindings abi, GpuVm vm, long va) {
        NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS c = abi.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS();
        NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL l = abi.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL();
        byte[] p = new byte[c.size()];
        long lo = va & -RM_WINDOW;
        c.pageSize(p, 0, RM_WINDOW);
        c.virtAddrLo(p, 0, lo);
        c.virtAddrHi(p, 0, lo + RM_WINDOW - 1);
        c.numLevelsToCopy(p, 0, 1);
        l.physAddress(p, c.levelsOffset(), vm.pageDirectory());
        l.size(p, c.levelsOffset(), MmuV2.PD3.tableBytes());
        l.aperture(p, c.levelsOffset(), ROOT_LEVEL_APERTURE_VIDMEM);
        l.pageShift(p, c.levelsOffset(), MmuV2.PD3.shift()); // nouveau: 0x2f
        return p;
    }

    private byte[] channelParams(GspBindings abi, VramBlock block, int hVas, long va, ChannelLayout layout) {
        NV_CHANNEL_ALLOC_PARAMS a = abi.NV_CHANNEL_ALLOC_PARAMS();
        NV_MEMORY_DESC_PARAMS d = abi.NV_MEMORY_DESC_PARAMS();
        byte[] p = new byte[a.size()];
        a.gpFifoOffset(p, 0, ChannelLayout.vaOf(va, ChannelLayout.RING));
        a.gpFifoEntries(p, 0, layout.entries());
        a.hVASpace(p, 0, hVas);
        a.engineType(p, 0, abi.NV2080_ENGINE_TYPE_COPY0());
        // failures come as RC_TRIGGERED events: no error notifier memory (nouveau does the same)
        a.internalFlags(p, 0, ChannelAllocFlags.userNoNotifiers());
        int fb = abi.NV_MEMORY_DESC_ADDRESS_SPACE_FBMEM();
        memDesc(d, p, a.instanceMemOffset(), block.offset() + ChannelLayout.INST, Ramin.SIZE, fb);
        memDesc(d, p, a.userdMemOffset(), block.offset() + ChannelLayout.USERD, HostMethods.USERD_SIZE, fb);
        memDesc(d, p, a.ramfcMemOffset(), block.offset() + ChannelLayout.INST, HostMethods.RAMFC_SIZE, fb);
        return p;
    }

    private static void memDesc(NV_MEMORY_DESC_PARAMS d, byte[] p, int at, long base, long size, int space) {
        d.base(p, at, base);
        d.size(p, at, size);
        d.addressSpace(p, at, space);
    }

    static byte[] schedule(GspBindings abi, boolean enable) {
        byte[] s = new byte[abi.NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS().size()];
        abi.NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS().bEnable(s, 0, enable ? 1 : 0);
        return s;
    }

    private void rmAlloc(int parent, int handle, int cls, byte[] params, String what) {
        int st = rm.alloc(parent, handle, cls, params);
        if (st != rm.abi().NV_OK()) {
            throw new DriverException(st == rm.abi().NV_ERR_NO_FREE_FIFOS() ? Errno.ENOSPC : Errno.EIO,
                    String.format("%s: GSP-RM refused the %s (class 0x%04x): NV_STATUS 0x%x", gpu, what, cls, st));
        }
    }

    /** Frees an RM object; a refusal is logged (nothing else can be done about it). */
    void rmFree(int parent, int handle) {
        try {
            int st = rm.free(parent, handle);
            if (st != rm.abi().NV_OK()) {
                LOG.warn("{}: GSP-RM refused to free object 0x{}: NV_STATUS 0x{}", gpu, Integer.toHexString(handle),
                        Integer.toHexString(st));
            }
        } catch (DriverException e) {
            if (e.errno() == Errno.ENODEV) {
                // unbind unloaded GSP-RM before devres revoked the channels: its objects went with it
                LOG.debug("{}: RM object 0x{} not freed, GSP-RM is gone: {}", gpu, Integer.toHexString(handle),
                        e.getMessage());
            } else {
                LOG.warn("{}: freeing RM object 0x{}: {}", gpu, Integer.toHexString(handle), e.getMessage());
            }
        }
    }

    byte[] rmControl(int handle, int cmd, byte[] params, String what) {
        byte[][] p = {params};
        int st = rm.control(handle, cmd, p);
        if (st != rm.abi().NV_OK()) {
            throw new DriverException(Errno.EIO, String.format("%s: GSP-RM refused %s: NV_STATUS 0x%x", gpu, what, st));
        }
        return p[0];
    }

    /** Gives a closed channel's VRAM back. */
    void freeVram(VramBlock b) {
        vram.free(b);
    }

    /** The channel's doorbell. */
    void ring(int token) {
        doorbell.accept(token);
    }

    /** @return the RM client (the channel's abort and close) */
    RmClient rm() {
        return rm;
    }

    /**
     * The safety net of a lost or missing interrupt (as the command queue's receive has one): while
     * channels are open their semaphores are read every {@link #SAFETY_NET_NANOS} as well, so a
     * completion whose non-stall interrupt never arrived (no vector, a lost MSI) is still reported.
     */
    private void safetyNet() {
        while (true) {
            java.util.concurrent.locks.LockSupport.parkNanos(SAFETY_NET_NANOS);
            synchronized (this) {
                if (open.isEmpty() || revoked) {
                    poller = null;
                    return;
                }
            }
            interrupt();
        }
    }

    /** How often the safety net reads the semaphores (the command queue's fallback poll is 20 ms). */
    static final long SAFETY_NET_NANOS = 20_000_000L;

    /** A channel closed: it leaves the set; its kernel VA goes back. */
    void closed(NovaChannel c) {
        synchronized (this) {
            open.remove(c);
        }
        kernelVas.give(c.vm(), c.mappedVa());
    }

    @Override
    public synchronized List<GpuChannel> channels() {
        return List.copyOf(open.keySet());
    }

    /** @return the open channels' state, in opening order ({@code nova:channels}) */
    public List<ChannelState> states() {
        List<ChannelState> out = new ArrayList<>();
        for (NovaChannel c : openChannels()) {
            out.add(new ChannelState(c.id(), c.owner(), c.engine(), c.freeEntries(), c.gpfifoEntries(), c.gpGet(),
                    c.gpPut(), c.completedSeqno(), c.error()));
        }
        return out;
    }

    private synchronized List<NovaChannel> openChannels() {
        return new ArrayList<>(open.keySet());
    }

    @Override
    public void revoke() {
        synchronized (this) {
            revoked = true;
        }
        for (NovaChannel c : openChannels()) {
            LOG.info("{}: channel {} of {} force-closed (the GPU is unbinding)", gpu, c.id(), c.owner());
            c.forceClose("the GPU " + gpu + " is unbinding");
        }
    }

    @Override
    public synchronized boolean isRevoked() {
        return revoked;
    }

    /**
     * The GPU interrupted (nova.core's interrupt handler, after acknowledging the cause): each
     * channel's completion semaphore is read and its listener told. Called with no lock held.
     */
    public void interrupt() {
        for (NovaChannel c : openChannels()) {
            c.poll();
        }
    }

    /**
     * GSP-RM's RC_TRIGGERED event: the channel it names failed (its listener told once).
     *
     * @param payload the event's payload in the running release's layout
     */
    public void rcTriggered(byte[] payload) {
        rpc_rc_triggered_v17_02 r = rm.abi().rpc_rc_triggered_v17_02();
        if (payload.length < r.size()) {
            LOG.warn("{}: RC_TRIGGERED of {} bytes, {} expected: ignored", gpu, payload.length, r.size());
            return;
        }
        int chid = r.chid(payload, 0);
        int type = r.exceptType(payload, 0);
        long faultVa = -1;
        if (r.hasMmuFaultAddrLo()) {
            long addr = Integer.toUnsignedLong(r.mmuFaultAddrHi(payload, 0)) << 32
                    | Integer.toUnsignedLong(r.mmuFaultAddrLo(payload, 0));
            faultVa = addr == 0 ? -1 : addr;
        }
        for (NovaChannel c : openChannels()) {
            if (c.id() == chid) {
                LOG.warn("{}: GSP-RM stopped channel {} of {}: RC type {}{}", gpu, chid, c.owner(), type,
                        faultVa >= 0 ? String.format(" (MMU fault at VA 0x%x)", faultVa) : "");
                c.failed(type, String.format("GSP-RM robust-channel recovery, ROBUST_CHANNEL error %d%s", type,
                        faultVa >= 0 ? String.format(" at VA 0x%x", faultVa) : ""), faultVa);
                return;
            }
        }
        LOG.warn("{}: RC_TRIGGERED for channel {}, which nova.core does not have open", gpu, chid);
    }
}
