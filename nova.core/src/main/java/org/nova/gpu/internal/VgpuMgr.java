package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GspReply;
import org.nova.gpu.PluginTask;
import org.nova.gpu.RpcStats;
import org.nova.gpu.VgpuControl;
import org.nova.gpu.VgpuTypeInfo;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.hw.pci.PciAddress;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS;
import org.nova.nvidia.gsp.bindings.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS;
import org.nova.nvidia.gsp.bindings.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS;
import org.nova.nvidia.gsp.bindings.NVA081_CTRL_VGPU_INFO;
import org.nova.nvidia.gsp.bindings.VGPU_CPU_GSP_CTRL_BUFF_REGION;

/**
 * The vGPU manager's controls of one GPU ({@link VgpuControl}) over a client's {@link Channel}:
 * the host side of NVIDIA's vGPU manager interface as the vGPU RFC's nvidia-vgpu driver calls it
 * (vgpu_mgr.c: the types; vgpu.c: bootload, shutdown, cleanup; the plugin heap of its
 * setup_mgmt_heap and init_ctrl_buf_offsets), laid out by the release's typed bindings. One piece
 * of code serves every release; what a release lacks (the kernel log of the plugin heap, say) is
 * asked with the bindings' {@code has} methods.
 */
final class VgpuMgr implements VgpuControl {
    /** GSP-RM gives NVA081_CTRL_VGPU_INFO.bar1Length in MiB (the RFC sizes the VF's BAR1 so). */
    static final int BAR1_LENGTH_SHIFT = 20;
    /** How long one control may take. */
    static final Duration TIMEOUT = Duration.ofMillis(Gpu.RPC_TIMEOUT_MS);
    /** Plugin channels per vGPU (the RFC's numPluginChannels). */
    static final int PLUGIN_CHANNELS = 1;
    /** Guest framebuffer segments the RFC hands GSP-RM: the framebuffer is one block. */
    static final int GUEST_FB_SEGMENTS = 1;

    private final GspBindings abi;
    private final Channel channel;
    private final VramManager vram;

    VgpuMgr(GspBindings abi, Channel channel, VramManager vram) {
        this.abi = abi;
        this.channel = channel;
        this.vram = vram;
    }

    /**
     * Asks GSP-RM for its supported vGPU types: NOT_SUPPORTED, a failed control or no types mean
     * no vGPU on this GPU.
     */
    static boolean supported(GspBindings abi, RmControl rm, long timeoutMs) {
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS types = abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS();
        try {
            GspReply r = rm.control(abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES(), new byte[types.size()],
                    timeoutMs);
            return r.result() == abi.NV_OK() && r.payload().length >= types.size()
                    && types.numVgpuTypes(r.payload(), 0) > 0;
        } catch (DriverException e) {
            return false;
        }
    }

    @Override
    public PciAddress device() {
        return PciAddress.parse(channel.device());
    }

    @Override
    public String firmwareVersion() {
        return abi.version();
    }

    @Override
    public boolean revoked() {
        return channel.revoked();
    }

    @Override
    public RpcStats stats() {
        return channel.stats();
    }

    @Override
    public void close() {
        channel.close();
    }

    /** @return the control's reply parameters; a refused control is a DriverException */
    private byte[] control(String what, int cmd, byte[] params) {
        GspReply r = channel.control(cmd, params, TIMEOUT);
        if (r.result() != abi.NV_OK()) {
            throw new DriverException(errnoOf(r.result()), String.format("%s: %s refused: NV_STATUS 0x%x",
                    channel.device(), what, r.result()));
        }
        if (r.payload().length < params.length) {
            throw new DriverException(Errno.EIO, String.format("%s: %s returned %d bytes of parameters, not %d",
                    channel.device(), what, r.payload().length, params.length));
        }
        return r.payload();
    }

    /** @return the errno of an NV_STATUS (the RFC's: busy, no space, no device, else I/O) */
    Errno errnoOf(int nvStatus) {
        if (nvStatus == abi.NV_ERR_IN_USE() || nvStatus == abi.NV_ERR_INVALID_STATE()) {
            return Errno.EBUSY;
        }
        if (nvStatus == abi.NV_ERR_INSUFFICIENT_RESOURCES()) {
            return Errno.ENOSPC;
        }
        if (nvStatus == abi.NV_ERR_NOT_SUPPORTED()) {
            return Errno.ENODEV;
        }
        return Errno.EIO;
    }

    @Override
    public List<VgpuTypeInfo> supportedTypes() {
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS tl = abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS();
        GspReply r = channel.control(abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES(), new byte[tl.size()],
                TIMEOUT);
        if (r.result() == abi.NV_ERR_NOT_SUPPORTED()) {
            throw new DriverException(Errno.ENODEV, channel.device() + ": the firmware offers no vGPU types");
        }
        if (r.result() != abi.NV_OK() || r.payload().length < tl.size()) {
            throw new DriverException(Errno.EIO, channel.device() + ": GET_SUPPORTED_VGPU_TYPES failed: status 0x"
                    + Integer.toHexString(r.result()));
        }
        byte[] p = r.payload();
        int n = (int) Math.min(Integer.toUnsignedLong(tl.numVgpuTypes(p, 0)), tl.vgpuTypesLength() / Integer.BYTES);
        NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS il = abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS();
        NVA081_CTRL_VGPU_INFO vi = abi.NVA081_CTRL_VGPU_INFO();
        int base = il.vgpuTypeInfoOffset();
        List<VgpuTypeInfo> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = tl.vgpuTypesU32(p, 0, i);
            byte[] q = new byte[il.size()];
            il.vgpuType(q, 0, id);
            byte[] v = control("GET_VGPU_TYPE_INFO 0x" + Integer.toHexString(id),
                    abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO(), q);
            out.add(new VgpuTypeInfo(vi.vgpuType(v, base), vi.vgpuNameString(v, base), vi.vgpuClassString(v, base),
                    vi.fbLength(v, base), vi.bar1Length(v, base) << BAR1_LENGTH_SHIFT, vi.maxInstance(v, base),
                    vi.gspHeapSize(v, base)));
        }
        return List.copyOf(out);
    }

    /**
     * Where the plugin heap's regions lie, from its start (the RFC's heap layout: control,
     * response, message, migration, error, then the init task, vGPU task and, where the release
     * has it, the kernel log).
     *
     * @param kernelLogSize 0 when the release's bootload parameters have no kernel log
     */
    record HeapLayout(long response, long message, long migration, long error, long initLog, long initLogSize,
            long vgpuLog, long vgpuLogSize, long kernelLog, long kernelLogSize) {
        long end() {
            return kernelLog + kernelLogSize;
        }
    }

    HeapLayout heapLayout() {
        long response = abi.VGPU_CPU_GSP_CTRL_BUFF_REGION_SIZE();
        long message = response + abi.VGPU_CPU_GSP_RESPONSE_BUFF_REGION_SIZE();
        long migration = message + abi.VGPU_CPU_GSP_MESSAGE_BUFF_REGION_SIZE();
        long error = migration + abi.VGPU_CPU_GSP_MIGRATION_BUFF_REGION_SIZE();
        long initLog = error + abi.VGPU_CPU_GSP_ERROR_BUFF_REGION_SIZE();
        long initSize = abi.VGPU_CPU_GSP_INIT_TASK_LOG_BUFF_REGION_SIZE();
        long vgpuLog = initLog + initSize;
        long vgpuSize = abi.VGPU_CPU_GSP_VGPU_TASK_LOG_BUFF_REGION_SIZE();
        boolean kernel = abi.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS().hasKernelLogBuffOffset();
        long kernelSize = kernel ? abi.VGPU_CPU_GSP_KERNEL_TASK_LOG_BUFF_REGION_SIZE() : 0;
        return new HeapLayout(response, message, migration, error, initLog, initSize, vgpuLog, vgpuSize,
                vgpuLog + vgpuSize, kernelSize);
    }

    @Override
    public long pluginHeapMinimum() {
        return heapLayout().end();
    }

    /**
     * The control buffer at the heap's start as the RFC's init_ctrl_buf_offsets leaves it: the
     * version, the regions' offsets, and message_seq_num cleared so that only this boot's report
     * counts.
     */
    void initControlBuffer(MemorySegment heap, HeapLayout h) {
        VGPU_CPU_GSP_CTRL_BUFF_REGION c = abi.VGPU_CPU_GSP_CTRL_BUFF_REGION();
        heap.asSlice(0, c.size()).fill((byte) 0);
        c.version(heap, 0, abi.VGPU_CPU_GSP_CTRL_BUFF_VERSION());
        c.response_buff_offset(heap, 0, h.response());
        c.message_buff_offset(heap, 0, h.message());
        c.migration_buff_offset(heap, 0, h.migration());
        c.error_buff_offset(heap, 0, h.error());
    }

    /**
     * NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS as the RFC fills it: the
     * VF's dbdf, gfid, type, its channels (every engine's chidOffset is the vGPU's first channel),
     * the framebuffer as one guest FB segment, and the plugin heap: its VRAM address and length,
     * the control buffer at its start, the log buffers as VRAM addresses (heap + their offset, as
     * NVIDIA's RM hands them to GSP-RM).
     */
    byte[] bootParams(PluginTask t, HeapLayout h) {
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS l =
                abi.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS();
        byte[] p = new byte[l.size()];
        long heap = t.heap().offset();
        l.dbdf(p, 0, (int) Commands.domainBusDeviceFunc(t.vf()));
        l.gfid(p, 0, t.gfid());
        l.vgpuType(p, 0, t.vgpuType());
        l.numChannels(p, 0, t.channels());
        l.numPluginChannels(p, 0, PLUGIN_CHANNELS);
        for (int e = 0; e < l.chidOffsetLength() / Integer.BYTES; e++) {
            l.chidOffsetU32(p, 0, e, t.firstChannel());
        }
        l.numGuestFbSegments(p, 0, GUEST_FB_SEGMENTS);
        l.guestFbPhysAddrListU64(p, 0, 0, t.framebuffer().offset());
        l.guestFbLengthListU64(p, 0, 0, t.framebuffer().size());
        l.pluginHeapMemoryPhysAddr(p, 0, heap);
        l.pluginHeapMemoryLength(p, 0, t.heap().size());
        l.ctrlBuffOffset(p, 0, 0);
        l.initTaskLogBuffOffset(p, 0, heap + h.initLog());
        l.initTaskLogBuffSize(p, 0, h.initLogSize());
        l.vgpuTaskLogBuffOffset(p, 0, heap + h.vgpuLog());
        l.vgpuTaskLogBuffSize(p, 0, h.vgpuLogSize());
        if (l.hasKernelLogBuffOffset()) {
            l.kernelLogBuffOffset(p, 0, heap + h.kernelLog());
            l.kernelLogBuffSize(p, 0, h.kernelLogSize());
        }
        return p;
    }

    @Override
    public void bootloadPluginTask(PluginTask t) {
        HeapLayout h = heapLayout();
        if (t.heap().size() < h.end()) {
            throw new DriverException(Errno.EINVAL, String.format("%s: a %d KiB plugin heap for %s; its regions need "
                    + "%d KiB", channel.device(), t.heap().size() >> 10, t.vf(), h.end() >> 10));
        }
        initControlBuffer(heapView(t.heap()), h);
        control("BOOTLOAD_GSP_VGPU_PLUGIN_TASK of " + t.vf(),
                abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK(), bootParams(t, h));
    }

    @Override
    public boolean pluginTaskBooted(VramBlock heap) {
        return abi.VGPU_CPU_GSP_CTRL_BUFF_REGION().message_seq_num(heapView(heap), 0)
                == abi.NV_VGPU_PLUGIN_SUCCESS_MAGIC();
    }

    @Override
    public void shutdownPluginTask(int gfid) {
        var l = abi.NV2080_CTRL_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS();
        byte[] p = new byte[l.size()];
        l.gfid(p, 0, gfid);
        control("SHUTDOWN_GSP_VGPU_PLUGIN_TASK of gfid " + gfid,
                abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK(), p);
    }

    @Override
    public void cleanupPlugin(int gfid) {
        var l = abi.NV2080_CTRL_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP_PARAMS();
        byte[] p = new byte[l.size()];
        l.gfid(p, 0, gfid);
        control("VGPU_PLUGIN_CLEANUP of gfid " + gfid, abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP(), p);
    }

    /**
     * The CPU's view of a plugin heap: inside BAR1's kernel carve-out where BAR1 translates (the
     * heap is a buffer nova.core fills for GSP-RM, not a client's), the VRAM manager's view
     * otherwise.
     */
    private java.lang.foreign.MemorySegment heapView(VramBlock heap) {
        return vram instanceof org.nova.gpu.internal.mm.Bar1VramManager b ? b.mapKernel(heap) : vram.map(heap);
    }
}
