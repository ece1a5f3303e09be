package org.nova.drm;

import java.lang.foreign.Arena;
import java.util.List;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The nova-drm uAPI, include/uapi/drm/nova_drm.h (declared unstable upstream), with the structure
 * layouts and typed helpers over {@link DrmFile#ioctl}. Every ioctl is
 * {@code DRM_IOWR(DRM_COMMAND_BASE + nr, struct)}.
 *
 * <p>VM_INIT and VM_BIND are nova's GPU VA spaces (issue 19), not upstream's yet: numbers 0x03
 * and 0x04 after GEM_INFO, with nouveau's structures and rules (include/uapi/drm/nouveau_drm.h,
 * nouveau_uvmm.c): VM_INIT once per file with a kernel-managed range user space may not bind in;
 * VM_BIND an array of MAP/UNMAP operations, SPARSE for sparse regions, run synchronously (the
 * RUN_ASYNC flag and the syncobjs are refused with EINVAL: asynchronous binds are not implemented). The
 * file's VA space spans [0, {@link #NOVA_VA_SPACE_END}).
 *
 * <p>CHANNEL_ALLOC (0x05), CHANNEL_FREE (0x06) and EXEC (0x07) are nova's job submission
 * (issue 20), in nouveau's structures and with nouveau_abi16.c's and nouveau_exec.c's rules: a
 * channel of {@link #NOVA_CHANNEL_GPFIFO_ENTRIES} GPFIFO entries on the copy engine in the file's VA
 * space (VM_INIT first), whose objects go in the file's kernel-managed range; an EXEC of pushbuffers
 * (one GPFIFO entry each) waiting for sync objects and installing its done fence in others. The
 * rules and errnos are listed on {@code org.nova.drm.nova.NovaExec}.
 */
public final class NovaDrm {
    private NovaDrm() {
    }

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code NOVA_GETPARAM_VRAM_BAR_SIZE}: the VRAM BAR size in bytes. */
    public static final long NOVA_GETPARAM_VRAM_BAR_SIZE = 0x1;

    /** {@code struct drm_nova_getparam} {u64 param; u64 value}. */
    public static final StructLayout STRUCT_DRM_NOVA_GETPARAM = MemoryLayout.structLayout(
            U64.withName("param"), U64.withName("value"));
    /**
     * {@code struct drm_nova_gem_create} {u32 handle; u32 pad; u64 size}. nova-drm here reads the
     * {@code pad} word as the placement domain ({@link #NOVA_GEM_DOMAIN_VRAM},
     * {@link #NOVA_GEM_DOMAIN_GART}: nouveau's drm_nouveau_gem_info.domain bits, since upstream
     * nova_drm.h has no placement field yet); 0, what every upstream caller passes, is VRAM. GEM_INFO
     * returns the object's current placement in the same word.
     */
    public static final StructLayout STRUCT_DRM_NOVA_GEM_CREATE = MemoryLayout.structLayout(
            U32.withName("handle"), U32.withName("pad"), U64.withName("size"));
    /** {@code struct drm_nova_gem_info}: the same layout as gem_create. */
    public static final StructLayout STRUCT_DRM_NOVA_GEM_INFO = STRUCT_DRM_NOVA_GEM_CREATE;

    /** {@code struct drm_nova_vm_init} {u64 kernel_managed_addr; u64 kernel_managed_size} (nouveau's). */
    public static final StructLayout STRUCT_DRM_NOVA_VM_INIT = MemoryLayout.structLayout(
            U64.withName("kernel_managed_addr"), U64.withName("kernel_managed_size"));
    /**
     * {@code struct drm_nova_vm_bind_op} {u32 op; u32 flags; u32 handle; u32 pad; u64 addr;
     * u64 bo_offset; u64 range} (nouveau's drm_nouveau_vm_bind_op).
     */
    public static final StructLayout STRUCT_DRM_NOVA_VM_BIND_OP = MemoryLayout.structLayout(
            U32.withName("op"), U32.withName("flags"), U32.withName("handle"), U32.withName("pad"),
            U64.withName("addr"), U64.withName("bo_offset"), U64.withName("range"));
    /**
     * {@code struct drm_nova_vm_bind} {u32 op_count; u32 flags; u32 wait_count; u32 sig_count;
     * u64 wait_ptr; u64 sig_ptr; u64 op_ptr} (nouveau's drm_nouveau_vm_bind); {@code op_ptr}
     * points at {@code op_count} operations in the caller's memory.
     */
    public static final StructLayout STRUCT_DRM_NOVA_VM_BIND = MemoryLayout.structLayout(
            U32.withName("op_count"), U32.withName("flags"), U32.withName("wait_count"), U32.withName("sig_count"),
            U64.withName("wait_ptr"), U64.withName("sig_ptr"), U64.withName("op_ptr"));

    /** {@code DRM_NOVA_VM_BIND_OP_MAP}. */
    public static final int DRM_NOVA_VM_BIND_OP_MAP = 0x0;
    /** {@code DRM_NOVA_VM_BIND_OP_UNMAP}. */
    public static final int DRM_NOVA_VM_BIND_OP_UNMAP = 0x1;
    /** {@code DRM_NOVA_VM_BIND_SPARSE}: the operation creates (MAP) or destroys (UNMAP) a sparse region. */
    public static final int DRM_NOVA_VM_BIND_SPARSE = 1 << 8;
    /** {@code DRM_NOVA_VM_BIND_RUN_ASYNC}: refused (EINVAL): asynchronous binds are not implemented. */
    public static final int DRM_NOVA_VM_BIND_RUN_ASYNC = 0x1;
    /** The end of a file's VA space: 2^47 bytes, as nouveau's NOUVEAU_VA_SPACE_END. */
    public static final long NOVA_VA_SPACE_END = 1L << 47;

    /** {@code NOUVEAU_GEM_DOMAIN_VRAM} (include/uapi/drm/nouveau_drm.h): the object lives in VRAM. */
    public static final int NOVA_GEM_DOMAIN_VRAM = 1 << 1;
    /** {@code NOUVEAU_GEM_DOMAIN_GART} (nouveau_drm.h): the object lives in GPU-reachable system memory. */
    public static final int NOVA_GEM_DOMAIN_GART = 1 << 2;
    /** The domain bits GEM_CREATE accepts; nouveau's CPU, MAPPABLE, COHERENT and NO_SHARE are EINVAL here. */
    public static final int NOVA_GEM_DOMAINS = NOVA_GEM_DOMAIN_VRAM | NOVA_GEM_DOMAIN_GART;

    /** {@code DRM_NOVA_GETPARAM}. */
    public static final int DRM_NOVA_GETPARAM = 0x00;
    /** {@code DRM_NOVA_GEM_CREATE}. */
    public static final int DRM_NOVA_GEM_CREATE = 0x01;
    /** {@code DRM_NOVA_GEM_INFO}. */
    public static final int DRM_NOVA_GEM_INFO = 0x02;

    /** {@code DRM_NOVA_VM_INIT}. */
    public static final int DRM_NOVA_VM_INIT = 0x03;
    /** {@code DRM_NOVA_VM_BIND}. */
    public static final int DRM_NOVA_VM_BIND = 0x04;

    /** {@code DRM_IOCTL_NOVA_VM_INIT}. */
    public static final int DRM_IOCTL_NOVA_VM_INIT = DrmIoctl.iowr(DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_VM_INIT,
            (int) STRUCT_DRM_NOVA_VM_INIT.byteSize());
    /** {@code DRM_IOCTL_NOVA_VM_BIND}. */
    public static final int DRM_IOCTL_NOVA_VM_BIND = DrmIoctl.iowr(DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_VM_BIND,
            (int) STRUCT_DRM_NOVA_VM_BIND.byteSize());

    /**
     * One VM_BIND operation, as {@link #vmBind} lays it out.
     *
     * @param op {@link #DRM_NOVA_VM_BIND_OP_MAP} or {@link #DRM_NOVA_VM_BIND_OP_UNMAP}
     * @param flags 0 or {@link #DRM_NOVA_VM_BIND_SPARSE}
     * @param handle the GEM handle (MAP)
     * @param addr the GPU VA
     * @param boOffset the offset in the object (MAP)
     * @param range bytes
     */
    public record VmBindOp(int op, int flags, int handle, long addr, long boOffset, long range) {
        /** @return a MAP of {@code range} bytes of {@code handle} from {@code boOffset} at {@code addr} */
        public static VmBindOp map(int handle, long addr, long boOffset, long range) {
            return new VmBindOp(DRM_NOVA_VM_BIND_OP_MAP, 0, handle, addr, boOffset, range);
        }

        /** @return an UNMAP of [addr, addr + range) */
        public static VmBindOp unmap(long addr, long range) {
            return new VmBindOp(DRM_NOVA_VM_BIND_OP_UNMAP, 0, 0, addr, 0, range);
        }

        /** @return a MAP with SPARSE: a sparse region [addr, addr + range) */
        public static VmBindOp sparse(long addr, long range) {
            return new VmBindOp(DRM_NOVA_VM_BIND_OP_MAP, DRM_NOVA_VM_BIND_SPARSE, 0, addr, 0, range);
        }

        /** @return an UNMAP with SPARSE: destroys the sparse region [addr, addr + range) */
        public static VmBindOp unsparse(long addr, long range) {
            return new VmBindOp(DRM_NOVA_VM_BIND_OP_UNMAP, DRM_NOVA_VM_BIND_SPARSE, 0, addr, 0, range);
        }
    }

    /** VM_INIT: the file's VA space, [kernelManagedAddr, + kernelManagedSize) kept from user binds. */
    public static void vmInit(DrmFile f, long kernelManagedAddr, long kernelManagedSize) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_VM_INIT);
            s.set(U64, 0, kernelManagedAddr);
            s.set(U64, 8, kernelManagedSize);
            f.ioctlOrThrow(DRM_IOCTL_NOVA_VM_INIT, s);
        }
    }

    /**
     * VM_BIND of {@code ops}, synchronously.
     *
     * @return 0 or the negative errno
     */
    public static int vmBind(DrmFile f, List<VmBindOp> ops) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocate(STRUCT_DRM_NOVA_VM_BIND_OP, Math.max(1, ops.size()));
            for (int i = 0; i < ops.size(); i++) {
                VmBindOp o = ops.get(i);
                MemorySegment e = arr.asSlice(i * STRUCT_DRM_NOVA_VM_BIND_OP.byteSize(), STRUCT_DRM_NOVA_VM_BIND_OP);
                e.set(U32, 0, o.op());
                e.set(U32, 4, o.flags());
                e.set(U32, 8, o.handle());
                e.set(U64, 16, o.addr());
                e.set(U64, 24, o.boOffset());
                e.set(U64, 32, o.range());
            }
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_VM_BIND);
            s.set(U32, 0, ops.size());
            s.set(U64, 32, arr.address());
            return f.ioctl(DRM_IOCTL_NOVA_VM_BIND, s, arr);
        }
    }

    /** {@link #vmBind}, throwing the errno as a DrmException. */
    public static void vmBindOrThrow(DrmFile f, List<VmBindOp> ops) {
        int r = vmBind(f, ops);
        if (r != 0) {
            throw new DrmException(DrmErrno.of(r), f.name() + ": VM_BIND of " + ops + " failed");
        }
    }

    /**
     * {@code struct drm_nova_channel_alloc}, nouveau's drm_nouveau_channel_alloc: {u32
     * fb_ctxdma_handle; u32 tt_ctxdma_handle; s32 channel; u32 pushbuf_domains; u32
     * notifier_handle; struct {u32 handle; u32 grclass;} subchan[8]; u32 nr_subchan}. In: the
     * engine (fb_ctxdma_handle ~0 and tt_ctxdma_handle {@link #NOVA_FIFO_ENGINE_CE}, or
     * fb_ctxdma_handle not ~0 for the default, the copy engine); out: channel.
     */
    public static final StructLayout STRUCT_DRM_NOVA_CHANNEL_ALLOC = MemoryLayout.structLayout(
            U32.withName("fb_ctxdma_handle"), U32.withName("tt_ctxdma_handle"), U32.withName("channel"),
            U32.withName("pushbuf_domains"), U32.withName("notifier_handle"),
            MemoryLayout.sequenceLayout(8, MemoryLayout.structLayout(U32.withName("handle"), U32.withName("grclass")))
                    .withName("subchan"),
            U32.withName("nr_subchan"));
    /** {@code struct drm_nova_channel_free} {s32 channel} (nouveau's drm_nouveau_channel_free). */
    public static final StructLayout STRUCT_DRM_NOVA_CHANNEL_FREE = MemoryLayout.structLayout(U32.withName("channel"));
    /**
     * {@code struct drm_nova_sync} {u32 flags; u32 handle; u64 timeline_value} (nouveau's
     * drm_nouveau_sync): a wait or signal sync object of an EXEC.
     */
    public static final StructLayout STRUCT_DRM_NOVA_SYNC = MemoryLayout.structLayout(
            U32.withName("flags"), U32.withName("handle"), U64.withName("timeline_value"));
    /**
     * {@code struct drm_nova_exec_push} {u64 va; u32 va_len; u32 flags} (nouveau's
     * drm_nouveau_exec_push): one pushbuffer, {@code va_len} bytes at GPU VA {@code va}.
     */
    public static final StructLayout STRUCT_DRM_NOVA_EXEC_PUSH = MemoryLayout.structLayout(
            U64.withName("va"), U32.withName("va_len"), U32.withName("flags"));
    /**
     * {@code struct drm_nova_exec} {u32 channel; u32 push_count; u32 wait_count; u32 sig_count;
     * u64 wait_ptr; u64 sig_ptr; u64 push_ptr} (nouveau's drm_nouveau_exec).
     */
    public static final StructLayout STRUCT_DRM_NOVA_EXEC = MemoryLayout.structLayout(
            U32.withName("channel"), U32.withName("push_count"), U32.withName("wait_count"), U32.withName("sig_count"),
            U64.withName("wait_ptr"), U64.withName("sig_ptr"), U64.withName("push_ptr"));

    /** {@code NOUVEAU_FIFO_ENGINE_CE} (nouveau_drm.h): CHANNEL_ALLOC's tt_ctxdma_handle for a copy engine. */
    public static final int NOVA_FIFO_ENGINE_CE = 0x30;
    /** {@code DRM_NOUVEAU_SYNC_SYNCOBJ}: a binary sync object. */
    public static final int DRM_NOVA_SYNC_SYNCOBJ = 0x0;
    /** {@code DRM_NOUVEAU_SYNC_TIMELINE_SYNCOBJ}: a timeline point (EOPNOTSUPP: nova has no timeline syncobjs yet). */
    public static final int DRM_NOVA_SYNC_TIMELINE_SYNCOBJ = 0x1;
    /** {@code DRM_NOUVEAU_SYNC_TYPE_MASK}: the bits of a sync's flags that hold its type. */
    public static final int DRM_NOVA_SYNC_TYPE_MASK = 0xf;
    /** {@code DRM_NOUVEAU_EXEC_PUSH_NO_PREFETCH}: the push's GPFIFO entry has NO_PREFETCH set. */
    public static final int DRM_NOVA_EXEC_PUSH_NO_PREFETCH = 0x1;
    /** {@code NV50_DMA_PUSH_MAX_LENGTH} (nouveau_dma.h): a push's va_len limit in bytes. */
    public static final int NV50_DMA_PUSH_MAX_LENGTH = 0x7fffff;
    /** The GPFIFO entries of a CHANNEL_ALLOC'd ring: nouveau's 0x2000-byte IB of 8-byte entries. */
    public static final int NOVA_CHANNEL_GPFIFO_ENTRIES = 0x2000 / 8;

    /** {@code DRM_NOVA_CHANNEL_ALLOC}. */
    public static final int DRM_NOVA_CHANNEL_ALLOC = 0x05;
    /** {@code DRM_NOVA_CHANNEL_FREE}. */
    public static final int DRM_NOVA_CHANNEL_FREE = 0x06;
    /** {@code DRM_NOVA_EXEC}. */
    public static final int DRM_NOVA_EXEC = 0x07;
    /** {@code DRM_IOCTL_NOVA_CHANNEL_ALLOC} = DRM_IOWR(CHANNEL_ALLOC, struct drm_nova_channel_alloc). */
    public static final int DRM_IOCTL_NOVA_CHANNEL_ALLOC = DrmIoctl.iowr(
            DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_CHANNEL_ALLOC, (int) STRUCT_DRM_NOVA_CHANNEL_ALLOC.byteSize());
    /** {@code DRM_IOCTL_NOVA_CHANNEL_FREE} = DRM_IOW(CHANNEL_FREE, struct drm_nova_channel_free), as nouveau's. */
    public static final int DRM_IOCTL_NOVA_CHANNEL_FREE = DrmIoctl.iow(
            DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_CHANNEL_FREE, (int) STRUCT_DRM_NOVA_CHANNEL_FREE.byteSize());
    /** {@code DRM_IOCTL_NOVA_EXEC} = DRM_IOWR(EXEC, struct drm_nova_exec). */
    public static final int DRM_IOCTL_NOVA_EXEC = DrmIoctl.iowr(
            DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_EXEC, (int) STRUCT_DRM_NOVA_EXEC.byteSize());

    /** One EXEC push: {@code vaLen} bytes at {@code va}. */
    public record ExecPush(long va, int vaLen, int flags) {
    }

    /** One EXEC sync: a sync object {@code handle} ({@link #DRM_NOVA_SYNC_SYNCOBJ} in {@code flags}). */
    public record Sync(int flags, int handle, long timelineValue) {
        /** @return a binary sync object */
        public static Sync syncobj(int handle) {
            return new Sync(DRM_NOVA_SYNC_SYNCOBJ, handle, 0);
        }
    }

    /** @return CHANNEL_ALLOC's channel (on the default engine, the copy engine) */
    public static int channelAlloc(DrmFile f) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_CHANNEL_ALLOC);
            f.ioctlOrThrow(DRM_IOCTL_NOVA_CHANNEL_ALLOC, s);
            return s.get(U32, 8);
        }
    }

    /** @return CHANNEL_FREE's result: 0 or the negative errno */
    public static int channelFree(DrmFile f, int channel) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_CHANNEL_FREE);
            s.set(U32, 0, channel);
            return f.ioctl(DRM_IOCTL_NOVA_CHANNEL_FREE, s);
        }
    }

    /** @return EXEC's result: 0 or the negative errno */
    public static int exec(DrmFile f, int channel, List<ExecPush> pushes, List<Sync> waits, List<Sync> sigs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(STRUCT_DRM_NOVA_EXEC_PUSH, Math.max(1, pushes.size()));
            for (int i = 0; i < pushes.size(); i++) {
                MemorySegment e = p.asSlice(i * STRUCT_DRM_NOVA_EXEC_PUSH.byteSize(), STRUCT_DRM_NOVA_EXEC_PUSH);
                e.set(U64, 0, pushes.get(i).va());
                e.set(U32, 8, pushes.get(i).vaLen());
                e.set(U32, 12, pushes.get(i).flags());
            }
            MemorySegment w = syncs(a, waits);
            MemorySegment sg = syncs(a, sigs);
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_EXEC);
            s.set(U32, 0, channel);
            s.set(U32, 4, pushes.size());
            s.set(U32, 8, waits.size());
            s.set(U32, 12, sigs.size());
            s.set(U64, 16, w.address());
            s.set(U64, 24, sg.address());
            s.set(U64, 32, p.address());
            return f.ioctl(DRM_IOCTL_NOVA_EXEC, s, p, w, sg);
        }
    }

    private static MemorySegment syncs(Arena a, List<Sync> l) {
        MemorySegment m = a.allocate(STRUCT_DRM_NOVA_SYNC, Math.max(1, l.size()));
        for (int i = 0; i < l.size(); i++) {
            MemorySegment e = m.asSlice(i * STRUCT_DRM_NOVA_SYNC.byteSize(), STRUCT_DRM_NOVA_SYNC);
            e.set(U32, 0, l.get(i).flags());
            e.set(U32, 4, l.get(i).handle());
            e.set(U64, 8, l.get(i).timelineValue());
        }
        return m;
    }

    /** {@code DRM_IOCTL_NOVA_GETPARAM}. */
    public static final int DRM_IOCTL_NOVA_GETPARAM = DrmIoctl.iowr(DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_GETPARAM,
            (int) STRUCT_DRM_NOVA_GETPARAM.byteSize());
    /** {@code DRM_IOCTL_NOVA_GEM_CREATE}. */
    public static final int DRM_IOCTL_NOVA_GEM_CREATE = DrmIoctl.iowr(DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_GEM_CREATE,
            (int) STRUCT_DRM_NOVA_GEM_CREATE.byteSize());
    /** {@code DRM_IOCTL_NOVA_GEM_INFO}. */
    public static final int DRM_IOCTL_NOVA_GEM_INFO = DrmIoctl.iowr(DrmIoctl.DRM_COMMAND_BASE + DRM_NOVA_GEM_INFO,
            (int) STRUCT_DRM_NOVA_GEM_INFO.byteSize());

    /** @return GETPARAM's value for {@code param} */
    public static long getParam(DrmFile f, long param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_GETPARAM);
            s.set(U64, 0, param);
            f.ioctlOrThrow(DRM_IOCTL_NOVA_GETPARAM, s);
            return s.get(U64, 8);
        }
    }

    /** @return the handle of a new GEM object of at least {@code size} bytes */
    public static int gemCreate(DrmFile f, long size) {
        return gemCreate(f, size, 0);
    }

    /** @return the handle of a new GEM object of at least {@code size} bytes placed in {@code domains} */
    public static int gemCreate(DrmFile f, long size, int domains) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_GEM_CREATE);
            s.set(U32, 4, domains);
            s.set(U64, 8, size);
            f.ioctlOrThrow(DRM_IOCTL_NOVA_GEM_CREATE, s);
            return s.get(U32, 0);
        }
    }

    /** @return the size of the object behind {@code handle} */
    public static long gemInfo(DrmFile f, int handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_GEM_INFO);
            s.set(U32, 0, handle);
            f.ioctlOrThrow(DRM_IOCTL_NOVA_GEM_INFO, s);
            return s.get(U64, 8);
        }
    }

    /** @return the domain ({@link #NOVA_GEM_DOMAIN_VRAM} or {@link #NOVA_GEM_DOMAIN_GART}) the object behind {@code handle} is in now */
    public static int gemDomain(DrmFile f, int handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_GEM_INFO);
            s.set(U32, 0, handle);
            f.ioctlOrThrow(DRM_IOCTL_NOVA_GEM_INFO, s);
            return s.get(U32, 4);
        }
    }

    /** DRM_IOCTL_GEM_CLOSE. */
    public static void gemClose(DrmFile f, int handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DrmIoctl.DRM_GEM_CLOSE_SIZE);
            s.set(U32, 0, handle);
            f.ioctlOrThrow(DrmIoctl.DRM_IOCTL_GEM_CLOSE, s);
        }
    }

    /** @return DRM_IOCTL_PRIME_HANDLE_TO_FD's fd (flags DRM_CLOEXEC | DRM_RDWR) */
    public static int primeHandleToFd(DrmFile f, int handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DrmIoctl.DRM_PRIME_HANDLE_SIZE);
            s.set(U32, 0, handle);
            s.set(U32, 4, DrmIoctl.DRM_CLOEXEC | DrmIoctl.DRM_RDWR);
            f.ioctlOrThrow(DrmIoctl.DRM_IOCTL_PRIME_HANDLE_TO_FD, s);
            return s.get(U32, 8);
        }
    }

    /** @return DRM_IOCTL_PRIME_FD_TO_HANDLE's handle */
    public static int primeFdToHandle(DrmFile f, int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DrmIoctl.DRM_PRIME_HANDLE_SIZE);
            s.set(U32, 8, fd);
            f.ioctlOrThrow(DrmIoctl.DRM_IOCTL_PRIME_FD_TO_HANDLE, s);
            return s.get(U32, 0);
        }
    }

    /** @return DRM_IOCTL_GET_MAGIC's magic */
    public static int getMagic(DrmFile f) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DrmIoctl.DRM_AUTH_SIZE);
            f.ioctlOrThrow(DrmIoctl.DRM_IOCTL_GET_MAGIC, s);
            return s.get(U32, 0);
        }
    }

    /** DRM_IOCTL_AUTH_MAGIC, by the master. */
    public static void authMagic(DrmFile master, int magic) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DrmIoctl.DRM_AUTH_SIZE);
            s.set(U32, 0, magic);
            master.ioctlOrThrow(DrmIoctl.DRM_IOCTL_AUTH_MAGIC, s);
        }
    }
}
