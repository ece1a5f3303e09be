package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.drm.NovaDrm;
import org.nova.drm.NovaDrm.VmBindOp;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;

/**
 * drivers/gpu/drm/nova/file.rs: {@code File}, nova-drm's per-file data ({@code drm_file.driver_priv}),
 * and the ioctl handlers upstream keeps with it. Upstream's File holds nothing; this one holds the
 * file's GPU VA space once VM_INIT made it ({@link NovaVm}) and the channels CHANNEL_ALLOC made
 * ({@link NovaChannel}, each with its job queue), closed when the file closes or the device is
 * unplugged. {@link NovaDriver#open} makes one per open file and the handlers receive it
 * as the calling file's data.
 *
 * <p>The handlers are static, as file.rs' associated functions are: they take the device's driver
 * (its data) and the argument, which the uAPI lays out little-endian.
 */
public final class NovaFile {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The file's VA space, once VM_INIT made it; guarded by this. */
    private NovaVm vm;
    /** The file's channels by ID (CHANNEL_ALLOC), in allocation order; guarded by this. */
    private final java.util.LinkedHashMap<Integer, NovaChannel> channels = new java.util.LinkedHashMap<>();
    private boolean released;

    /** {@code DriverFile::open}: a file's data, made by {@link NovaDriver#open}. */
    NovaFile() {
    }

    /** @return the file's VA space, or null before VM_INIT */
    synchronized NovaVm vm() {
        return vm;
    }

    /** @return the channel {@code id} if this file allocated it, else null */
    synchronized NovaChannel channel(int id) {
        return channels.get(id);
    }

    /** @return the file's channels */
    synchronized List<NovaChannel> channels() {
        return List.copyOf(channels.values());
    }

    /**
     * Keeps a channel CHANNEL_ALLOC made.
     *
     * @throws DrmException ENODEV when the file is closing (the caller closes the channel)
     */
    synchronized void addChannel(NovaChannel c) {
        if (released) {
            throw new DrmException(DrmErrno.ENODEV, "the file is closing");
        }
        channels.put(c.id(), c);
    }

    /** @return the channel {@code id}, no longer the file's, or null */
    synchronized NovaChannel removeChannel(int id) {
        return channels.remove(id);
    }

    /**
     * File close or unplug: the channels' jobs are cancelled and the channels closed, then the VA
     * space goes, with every mapping and object reference.
     */
    void release() {
        NovaVm v;
        List<NovaChannel> chs;
        synchronized (this) {
            released = true;
            v = vm;
            chs = List.copyOf(channels.values());
            channels.clear();
        }
        for (NovaChannel c : chs) {
            c.queue().close();
        }
        if (v != null) {
            v.close();
        }
    }

    /**
     * vm_init (nouveau_uvmm_ioctl_vm_init): kernel_managed_addr + kernel_managed_size must not
     * overflow nor pass {@link NovaDrm#NOVA_VA_SPACE_END} (EINVAL); a file has one VA space (EBUSY
     * on a second VM_INIT); a GPU without VA spaces is ENODEV.
     */
    static void vmInit(NovaDriver dev, MemorySegment req, DrmFile file, NovaFile data) {
        long addr = req.get(U64, 0);
        long size = req.get(U64, 8);
        long end = addr + size;
        if (Long.compareUnsigned(end, addr) < 0 || Long.compareUnsigned(end, NovaDrm.NOVA_VA_SPACE_END) > 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format(
                    "kernel-managed range [%#x, +%#x) leaves the VA space [0, %#x)", addr, size, NovaDrm.NOVA_VA_SPACE_END));
        }
        GpuVmManager vms = dev.vms();
        if (vms == null) {
            throw new DrmException(DrmErrno.ENODEV, file + ": the GPU offers no VA spaces");
        }
        synchronized (data) {
            if (data.vm != null) {
                throw new DrmException(DrmErrno.EBUSY, file + " has its VA space already (VM_INIT is once per file)");
            }
            if (data.released) {
                throw new DrmException(DrmErrno.ENODEV, file + " is closing");
            }
            GpuVm space = vms.create(file.owner() + ":vm", NovaDrm.NOVA_VA_SPACE_END);
            data.vm = new NovaVm(file, space, addr, size,
                    dev.jobTimeout() != null ? dev.jobTimeout() : java.time.Duration.ZERO);
        }
    }

    /**
     * vm_bind (nouveau_uvmm_ioctl_vm_bind), synchronous only: ENOSYS before VM_INIT; RUN_ASYNC,
     * unknown flags and any wait/signal syncobj are EINVAL (asynchronous binds, a bind job on a
     * job queue, are not implemented); the ops are read from op_ptr (EFAULT outside the caller's memory) and
     * applied by {@link NovaVm#bind}.
     */
    static void vmBind(MemorySegment req, DrmFile file, NovaFile data) {
        NovaVm v = data.vm();
        if (v == null) {
            throw new DrmException(DrmErrno.ENOSYS, file + " has no VA space: VM_INIT first");
        }
        int count = req.get(U32, 0);
        int flags = req.get(U32, 4);
        if ((flags & NovaDrm.DRM_NOVA_VM_BIND_RUN_ASYNC) != 0) {
            throw new DrmException(DrmErrno.EINVAL,
                    "VM_BIND RUN_ASYNC: nova binds synchronously (asynchronous VM_BIND is not implemented)");
        }
        if (flags != 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format("unknown VM_BIND flags %#x", flags));
        }
        if (req.get(U32, 8) != 0 || req.get(U32, 12) != 0) {
            throw new DrmException(DrmErrno.EINVAL,
                    "VM_BIND wait/signal syncobjs: nova binds synchronously (asynchronous VM_BIND is not implemented)");
        }
        long opSize = NovaDrm.STRUCT_DRM_NOVA_VM_BIND_OP.byteSize();
        MemorySegment ops = count == 0 ? MemorySegment.NULL
                : DrmFile.copyFromUser(req.get(U64, 32), Integer.toUnsignedLong(count) * opSize);
        List<VmBindOp> list = new ArrayList<>();
        for (long i = 0; i < Integer.toUnsignedLong(count); i++) {
            MemorySegment o = ops.asSlice(i * opSize, opSize);
            list.add(new VmBindOp(o.get(U32, 0), o.get(U32, 4), o.get(U32, 8), o.get(U64, 16), o.get(U64, 24),
                    o.get(U64, 32)));
        }
        v.bind(list);
    }

    /**
     * get_param: {@code match getparam.param as u32} — the parameter is truncated to 32 bits as
     * upstream does; VRAM_BAR_SIZE answers the BAR size, anything else is EINVAL.
     */
    static void getParam(NovaDriver dev, MemorySegment getparam) {
        long param = getparam.get(U64, 0);
        if ((int) param != (int) NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE) {
            throw new DrmException(DrmErrno.EINVAL, "unknown nova parameter " + Long.toUnsignedString(param));
        }
        getparam.set(U64, 8, dev.vramBarSize());
    }

    /**
     * gem_create → gem.rs NovaObject::new: {@code aligned = size.next_multiple_of(4096);
     * if size == 0 || size > aligned → EINVAL} (a size whose rounding wraps is the overflow case);
     * the placement domain in the pad word ({@link NovaDrm#NOVA_GEM_DOMAINS}; other bits → EINVAL,
     * as nouveau_gem_new refuses a domain it cannot place); memory that cannot hold it → ENOMEM.
     */
    static void gemCreate(MemorySegment req, DrmFile file) {
        int domains = req.get(U32, 4);
        if ((domains & ~NovaDrm.NOVA_GEM_DOMAINS) != 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format("GEM domain %#x: only VRAM (%#x) and GART (%#x)",
                    domains, NovaDrm.NOVA_GEM_DOMAIN_VRAM, NovaDrm.NOVA_GEM_DOMAIN_GART));
        }
        long size = req.get(U64, 8);
        long aligned = (size + NovaDriver.GEM_ALIGN - 1) & -NovaDriver.GEM_ALIGN;
        if (size == 0 || Long.compareUnsigned(size, aligned) > 0) {
            throw new DrmException(DrmErrno.EINVAL, "GEM object size " + Long.toUnsignedString(size));
        }
        if (aligned < 0) {
            throw new DrmException(DrmErrno.ENOMEM, "GEM object size " + Long.toUnsignedString(size) + " exceeds VRAM");
        }
        req.set(U32, 0, file.device().gemCreate(file, aligned, domains));
    }

    /**
     * gem_info: handle → size, and (nova-drm here) the current placement domain in the pad word;
     * an unknown handle is ENOENT (lookup_handle).
     */
    static void gemInfo(MemorySegment req, DrmFile file) {
        GemObject o = file.device().lookup(file, req.get(U32, 0));
        req.set(U64, 8, o.size());
        req.set(U32, 4, o.placement() == GemObject.Placement.SYSMEM ? NovaDrm.NOVA_GEM_DOMAIN_GART
                : NovaDrm.NOVA_GEM_DOMAIN_VRAM);
    }
}
