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
 * RUN_ASYNC flag and the syncobjs are refused with EINVAL until nova has job submission). The
 * file's VA space spans [0, {@link #NOVA_VA_SPACE_END}).
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
    /** {@code DRM_NOVA_VM_BIND_RUN_ASYNC}: refused (EINVAL) until nova has job submission. */
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
