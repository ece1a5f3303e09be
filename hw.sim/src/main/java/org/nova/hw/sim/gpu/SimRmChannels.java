package org.nova.hw.sim.gpu;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nova.nvidia.fifo.ChannelAllocFlags;
import org.nova.nvidia.fifo.Doorbell;
import org.nova.nvidia.fifo.FifoClasses;
import org.nova.nvidia.fifo.HostMethods;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL;
import org.nova.nvidia.gsp.bindings.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS;
import org.nova.nvidia.gsp.bindings.NVB0B5_ALLOCATION_PARAMETERS;
import org.nova.nvidia.gsp.bindings.NV_CHANNEL_ALLOC_PARAMS;
import org.nova.nvidia.gsp.bindings.NV_MEMORY_DESC_PARAMS;
import org.nova.nvidia.gsp.bindings.NV_VASPACE_ALLOCATION_PARAMETERS;
import org.nova.nvidia.mmu.Ramin;

/**
 * GSP-RM's channel objects under its internal device: VA spaces ({@code FERMI_VASPACE_A}), channels
 * (the chip's GPFIFO class) and copy objects (the chip's copy class), allocated by GSP_RM_ALLOC,
 * freed by FREE, and the controls on them (NV90F1 COPY_SERVER_RESERVED_PDES, NVA06F BIND and
 * GPFIFO_SCHEDULE, NVC36F GET_WORK_SUBMIT_TOKEN), each with the release's layout ({@link
 * GspBindings}). The allocation sequence and the memory descriptors follow what nouveau sends
 * (nvkm/subdev/gsp/rm/r535/fifo.c r535_chan_ramfc_write, vmm.c r535_mmu_promote_vmm, ce.c); what
 * RM would refuse is refused with the NV_STATUS it returns: an unknown class for the chip
 * (INVALID_CLASS), a parent that is not the internal device or a channel (INVALID_OBJECT_PARENT),
 * a handle in use (INSERT_DUPLICATE_NAME), an unknown VA space (INVALID_OBJECT_HANDLE), short
 * parameters (INVALID_PARAM_STRUCT), a ring size that is not a power of two in [2, 2^20], an
 * engine other than COPY0, memory descriptors outside VRAM, misaligned, of the wrong size or not
 * matching each other (INVALID_ARGUMENT, INVALID_ADDRESS, INVALID_OFFSET), a VA space whose PDEs
 * were not copied or an instance block that does not name its page directory (INVALID_STATE),
 * no free channel ID (NO_FREE_FIFOS). A channel set up here is handed to the host ({@link SimFifo}).
 *
 * <p>Used by GSP-RM's thread only.
 */
final class SimRmChannels {
    /**
     * Channel IDs the simulated GSP-RM hands out. GSP-RM's pool is 2048 (nouveau
     * r535_fifo_runl_ctor); the simulator keeps a smaller one so that exhausting it is testable.
     */
    static final int CHANNEL_IDS = 64;

    private sealed interface RmObject permits VaSpace, Chan, CopyObj {
    }

    private static final class VaSpace implements RmObject {
        /** levels[0].physAddress of COPY_SERVER_RESERVED_PDES, or -1 before. */
        long pageDirectory = -1;
    }

    private record Chan(int chid, int hVaSpace, int copyHandle) implements RmObject {
    }

    private record CopyObj(int hChannel) implements RmObject {
    }

    private final NvidiaGpu gpu;
    private final GspBindings abi;
    private final int client;
    private final int device;
    private final Map<Integer, RmObject> objects = new LinkedHashMap<>();
    private final BitSet chids = new BitSet(CHANNEL_IDS);

    SimRmChannels(NvidiaGpu gpu, GspBindings abi, int client, int device) {
        this.gpu = gpu;
        this.abi = abi;
        this.client = client;
        this.device = device;
    }

    /** @return whether {@code handle} is one of these objects (its controls are answered here) */
    boolean owns(int hClient, int handle) {
        return hClient == client && objects.containsKey(handle);
    }

    /**
     * GSP_RM_ALLOC.
     *
     * @return the NV_STATUS, or -1 when the class is none of a channel's (another part of GSP-RM answers)
     */
    int alloc(int hClient, int hParent, int hObject, int hClass, byte[] p) {
        boolean vaspace = hClass == FifoClasses.FERMI_VASPACE_A;
        boolean gpfifo = FifoClasses.gpfifoClass(gpu.architecture()).orElse(-1) == hClass;
        boolean copy = FifoClasses.copyClass(gpu.options().chipset()).orElse(-1) == hClass;
        if (!vaspace && !gpfifo && !copy) {
            return isChannelClass(hClass) ? abi.NV_ERR_INVALID_CLASS() : -1;
        }
        if (hClient != client) {
            return abi.NV_ERR_INVALID_OBJECT_PARENT();
        }
        if (objects.containsKey(hObject) || hObject == client || hObject == device) {
            return abi.NV_ERR_INSERT_DUPLICATE_NAME();
        }
        if (vaspace) {
            return allocVaSpace(hParent, hObject, p);
        }
        if (gpfifo) {
            return allocChannel(hParent, hObject, hClass, p);
        }
        return allocCopy(hParent, hObject, hClass, p);
    }

    /** @return whether {@code cls} is a channel or copy class of any chip (refused on the wrong chip) */
    private static boolean isChannelClass(int cls) {
        return FifoClasses.isGpfifoClass(cls) || FifoClasses.isCopyClass(cls);
    }

    private int allocVaSpace(int hParent, int hObject, byte[] p) {
        NV_VASPACE_ALLOCATION_PARAMETERS a = abi.NV_VASPACE_ALLOCATION_PARAMETERS();
        if (hParent != device) {
            return abi.NV_ERR_INVALID_OBJECT_PARENT();
        }
        if (p.length < a.size()) {
            return abi.NV_ERR_INVALID_PARAM_STRUCT();
        }
        if (a.index(p, 0) != abi.NV_VASPACE_ALLOCATION_INDEX_GPU_NEW()) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        objects.put(hObject, new VaSpace());
        return abi.NV_OK();
    }

    private int allocChannel(int hParent, int hObject, int hClass, byte[] p) {
        NV_CHANNEL_ALLOC_PARAMS a = abi.NV_CHANNEL_ALLOC_PARAMS();
        if (hParent != device) {
            return abi.NV_ERR_INVALID_OBJECT_PARENT();
        }
        if (p.length < a.size()) {
            return abi.NV_ERR_INVALID_PARAM_STRUCT();
        }
        if (!(objects.get(a.hVASpace(p, 0)) instanceof VaSpace vas)) {
            return abi.NV_ERR_INVALID_OBJECT_HANDLE();
        }
        if (a.engineType(p, 0) != abi.NV2080_ENGINE_TYPE_COPY0()) {
            return abi.NV_ERR_INVALID_ARGUMENT(); // the simulated GPU has one engine: COPY0
        }
        int entries = a.gpFifoEntries(p, 0);
        if (entries < 2 || entries > 1 << 20 || Integer.bitCount(entries) != 1) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        long gpfifo = a.gpFifoOffset(p, 0);
        if ((gpfifo & (HostMethods.GP_ENTRY_SIZE - 1)) != 0
                || gpfifo + (long) entries * HostMethods.GP_ENTRY_SIZE > HostMethods.GP_ENTRY_ADDRESS_LIMIT) {
            return abi.NV_ERR_INVALID_OFFSET();
        }
        NV_MEMORY_DESC_PARAMS d = abi.NV_MEMORY_DESC_PARAMS();
        int inst = a.instanceMemOffset();
        int userd = a.userdMemOffset();
        int ramfc = a.ramfcMemOffset();
        int fb = abi.NV_MEMORY_DESC_ADDRESS_SPACE_FBMEM();
        if (d.addressSpace(p, inst) != fb || d.addressSpace(p, userd) != fb || d.addressSpace(p, ramfc) != fb) {
            return abi.NV_ERR_INVALID_ARGUMENT(); // the simulator keeps instance blocks and USERD in VRAM only
        }
        long instBase = d.base(p, inst);
        long userdBase = d.base(p, userd);
        if ((instBase & (Ramin.SIZE - 1)) != 0 || d.size(p, inst) < Ramin.SIZE || instBase + Ramin.SIZE > vramSize()
                || (userdBase & (HostMethods.USERD_SIZE - 1)) != 0 || userdBase + HostMethods.USERD_SIZE > vramSize()) {
            return abi.NV_ERR_INVALID_ADDRESS();
        }
        if (d.size(p, userd) != HostMethods.USERD_SIZE || d.base(p, ramfc) != instBase
                || d.size(p, ramfc) > d.size(p, inst)) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        long flags = Integer.toUnsignedLong(a.internalFlags(p, 0));
        int errorMem = a.errorNotifierMemOffset();
        if ((ChannelAllocFlags.ERROR_NOTIFIER_TYPE.get(flags) == ChannelAllocFlags.NOTIFIER_MEMORY
                && d.size(p, errorMem) == 0)
                || ChannelAllocFlags.PRIVILEGE.get(flags) != ChannelAllocFlags.PRIVILEGE_USER) {
            // a notifier in memory needs its memory; a client's channel is a user channel
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        if (vas.pageDirectory < 0) {
            return abi.NV_ERR_INVALID_STATE(); // the VA space was never given its page directory
        }
        long dirBase = gpu.vramRead(instBase + Ramin.PAGE_DIR_BASE_OFFSET, Long.BYTES);
        if (Ramin.pageDir(dirBase) != vas.pageDirectory) {
            return abi.NV_ERR_INVALID_STATE(); // the instance block names another page directory
        }
        int chid = chids.nextClearBit(0);
        if (chid >= CHANNEL_IDS) {
            return abi.NV_ERR_NO_FREE_FIFOS();
        }
        chids.set(chid);
        objects.put(hObject, new Chan(chid, a.hVASpace(p, 0), 0));
        // RAMFC: GSP-RM's copy of the channel's setup; the host reads it from its table
        gpu.fifo().add(new SimFifo.Setup(chid, hClass, instBase, userdBase, gpfifo, entries));
        return abi.NV_OK();
    }

    private int allocCopy(int hParent, int hObject, int hClass, byte[] p) {
        NVB0B5_ALLOCATION_PARAMETERS a = abi.NVB0B5_ALLOCATION_PARAMETERS();
        if (!(objects.get(hParent) instanceof Chan ch)) {
            return abi.NV_ERR_INVALID_OBJECT_PARENT();
        }
        if (p.length < a.size()) {
            return abi.NV_ERR_INVALID_PARAM_STRUCT();
        }
        if (a.version(p, 0) != abi.NVB0B5_ALLOCATION_PARAMETERS_VERSION_1()
                || a.engineType(p, 0) != abi.NV2080_ENGINE_TYPE_COPY0()) {
            return abi.NV_ERR_INVALID_ARGUMENT();
        }
        if (ch.copyHandle() != 0) {
            return abi.NV_ERR_IN_USE();
        }
        objects.put(hObject, new CopyObj(hParent));
        objects.put(hParent, new Chan(ch.chid(), ch.hVaSpace(), hObject));
        SimFifo.Channel c = gpu.fifo().channel(ch.chid());
        if (c != null) {
            c.copyClass = hClass;
            c.copyObject = true;
        }
        return abi.NV_OK();
    }

    /** @return the NV_STATUS of FREE, or -1 when the object is not one of these */
    int free(int hClient, int hParent, int hObject) {
        RmObject o = hClient == client ? objects.get(hObject) : null;
        if (o == null) {
            return -1;
        }
        switch (o) {
            case VaSpace v -> {
                if (objects.values().stream().anyMatch(x -> x instanceof Chan c && c.hVaSpace() == hObject)) {
                    return abi.NV_ERR_IN_USE();
                }
                objects.remove(hObject);
            }
            case Chan c -> {
                if (c.copyHandle() != 0) {
                    objects.remove(c.copyHandle()); // RM frees the children with their parent
                }
                objects.remove(hObject);
                gpu.fifo().remove(c.chid());
                chids.clear(c.chid());
            }
            case CopyObj k -> {
                objects.remove(hObject);
                if (objects.get(k.hChannel()) instanceof Chan c) {
                    objects.put(k.hChannel(), new Chan(c.chid(), c.hVaSpace(), 0));
                    SimFifo.Channel hc = gpu.fifo().channel(c.chid());
                    if (hc != null) {
                        hc.copyObject = false;
                    }
                }
            }
        }
        return abi.NV_OK();
    }

    /**
     * A control on one of these objects.
     *
     * @param params in: the parameters; out: replaced with the returned parameters
     * @return the NV_STATUS
     */
    int control(int hObject, int cmd, byte[][] params) {
        RmObject o = objects.get(hObject);
        byte[] p = params[0];
        if (o instanceof VaSpace v && cmd == abi.NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES()) {
            NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS c = abi.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS();
            NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL l = abi.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL();
            if (p.length < c.size()) {
                return abi.NV_ERR_INVALID_PARAM_STRUCT();
            }
            int n = c.numLevelsToCopy(p, 0);
            long lo = c.virtAddrLo(p, 0);
            long hi = c.virtAddrHi(p, 0);
            long page = c.pageSize(p, 0);
            if (n < 1 || n > abi.GMMU_FMT_MAX_LEVELS() || page <= 0 || Long.bitCount(page) != 1
                    || (lo & (page - 1)) != 0 || ((hi + 1) & (page - 1)) != 0 || hi < lo) {
                return abi.NV_ERR_INVALID_ARGUMENT();
            }
            long root = l.physAddress(p, c.levelsOffset());
            if ((root & (Ramin.SIZE - 1)) != 0 || root >= vramSize()) {
                return abi.NV_ERR_INVALID_ADDRESS();
            }
            v.pageDirectory = root;
            return abi.NV_OK();
        }
        if (o instanceof Chan ch) {
            if (cmd == abi.NVA06F_CTRL_CMD_BIND()) {
                return p.length < abi.NVA06F_CTRL_BIND_PARAMS().size() ? abi.NV_ERR_INVALID_PARAM_STRUCT()
                        : abi.NVA06F_CTRL_BIND_PARAMS().engineType(p, 0) == abi.NV2080_ENGINE_TYPE_COPY0()
                                ? abi.NV_OK() : abi.NV_ERR_INVALID_ARGUMENT();
            }
            if (cmd == abi.NVA06F_CTRL_CMD_GPFIFO_SCHEDULE()) {
                if (p.length < abi.NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS().size()) {
                    return abi.NV_ERR_INVALID_PARAM_STRUCT();
                }
                gpu.fifo().schedule(ch.chid(), abi.NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS().bEnable(p, 0) != 0);
                return abi.NV_OK();
            }
            if (cmd == abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN()) {
                if (p.length < abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN_PARAMS().size()) {
                    return abi.NV_ERR_INVALID_PARAM_STRUCT();
                }
                abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN_PARAMS().workSubmitToken(p, 0,
                        Doorbell.token(gpu.architecture(), SimFifo.COPY0_RUNLIST, ch.chid()));
                return abi.NV_OK();
            }
        }
        return abi.NV_ERR_NOT_SUPPORTED();
    }

    /** @return the channel ID of channel object {@code handle}, or -1 */
    int chid(int handle) {
        return objects.get(handle) instanceof Chan c ? c.chid() : -1;
    }

    private long vramSize() {
        return gpu.options().fbSizeMiB() << 20;
    }
}
