package org.nova.drm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The nova-drm uAPI, include/uapi/drm/nova_drm.h (declared unstable upstream), with the structure
 * layouts and typed helpers over {@link DrmFile#ioctl}. All three ioctls are
 * {@code DRM_IOWR(DRM_COMMAND_BASE + nr, struct)}.
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
    /** {@code struct drm_nova_gem_create} {u32 handle; u32 pad; u64 size}. */
    public static final StructLayout STRUCT_DRM_NOVA_GEM_CREATE = MemoryLayout.structLayout(
            U32.withName("handle"), U32.withName("pad"), U64.withName("size"));
    /** {@code struct drm_nova_gem_info}: the same layout as gem_create. */
    public static final StructLayout STRUCT_DRM_NOVA_GEM_INFO = STRUCT_DRM_NOVA_GEM_CREATE;

    /** {@code DRM_NOVA_GETPARAM}. */
    public static final int DRM_NOVA_GETPARAM = 0x00;
    /** {@code DRM_NOVA_GEM_CREATE}. */
    public static final int DRM_NOVA_GEM_CREATE = 0x01;
    /** {@code DRM_NOVA_GEM_INFO}. */
    public static final int DRM_NOVA_GEM_INFO = 0x02;

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
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STRUCT_DRM_NOVA_GEM_CREATE);
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
