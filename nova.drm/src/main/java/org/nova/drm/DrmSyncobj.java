package org.nova.drm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The sync object uAPI of the DRM core (include/uapi/drm/drm.h, Linux 6.12): ioctl numbers,
 * structure sizes and flags, and typed helpers over {@link DrmFile#ioctl}. The rules are
 * {@link DrmSyncobjs}'. Timeouts are absolute {@code CLOCK_MONOTONIC} nanoseconds, which this
 * runtime reads as {@link #monotonicNanos()}.
 */
public final class DrmSyncobj {
    private DrmSyncobj() {
    }

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code struct drm_syncobj_create} {u32 handle; u32 flags}. */
    public static final int DRM_SYNCOBJ_CREATE_SIZE = 8;
    /** {@code struct drm_syncobj_destroy} {u32 handle; u32 pad}. */
    public static final int DRM_SYNCOBJ_DESTROY_SIZE = 8;
    /**
     * {@code struct drm_syncobj_wait} {u64 handles; s64 timeout_nsec; u32 count_handles; u32 flags;
     * u32 first_signaled; u32 pad; u64 deadline_nsec}.
     */
    public static final int DRM_SYNCOBJ_WAIT_SIZE = 40;
    /** {@code struct drm_syncobj_handle} {u32 handle; u32 flags; s32 fd; u32 pad}. */
    public static final int DRM_SYNCOBJ_HANDLE_SIZE = 16;
    /** {@code struct drm_syncobj_array} {u64 handles; u32 count_handles; u32 pad}. */
    public static final int DRM_SYNCOBJ_ARRAY_SIZE = 16;

    /** {@code DRM_SYNCOBJ_CREATE_SIGNALED}: the new object holds a signalled fence. */
    public static final int DRM_SYNCOBJ_CREATE_SIGNALED = 1 << 0;
    /** {@code DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE}: export the fence as a sync file. */
    public static final int DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE = 1 << 0;
    /** {@code DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE}: import a sync file's fence into a handle. */
    public static final int DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE = 1 << 0;
    /** {@code DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL}: wait for every fence, not the first. */
    public static final int DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL = 1 << 0;
    /** {@code DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT}: an object without fence is waited on until it gets one. */
    public static final int DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT = 1 << 1;
    /** {@code DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE}: timeline waits only (EINVAL in SYNCOBJ_WAIT). */
    public static final int DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE = 1 << 2;
    /** {@code DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE}: deadline_nsec is a hint for the fences (ignored here). */
    public static final int DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE = 1 << 3;

    /** {@code DRM_IOCTL_SYNCOBJ_CREATE} = DRM_IOWR(0xBF, struct drm_syncobj_create); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_CREATE = DrmIoctl.iowr(0xBF, DRM_SYNCOBJ_CREATE_SIZE);
    /** {@code DRM_IOCTL_SYNCOBJ_DESTROY} = DRM_IOWR(0xC0, struct drm_syncobj_destroy); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_DESTROY = DrmIoctl.iowr(0xC0, DRM_SYNCOBJ_DESTROY_SIZE);
    /** {@code DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD} = DRM_IOWR(0xC1, struct drm_syncobj_handle); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD = DrmIoctl.iowr(0xC1, DRM_SYNCOBJ_HANDLE_SIZE);
    /** {@code DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE} = DRM_IOWR(0xC2, struct drm_syncobj_handle); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE = DrmIoctl.iowr(0xC2, DRM_SYNCOBJ_HANDLE_SIZE);
    /** {@code DRM_IOCTL_SYNCOBJ_WAIT} = DRM_IOWR(0xC3, struct drm_syncobj_wait); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_WAIT = DrmIoctl.iowr(0xC3, DRM_SYNCOBJ_WAIT_SIZE);
    /** {@code DRM_IOCTL_SYNCOBJ_RESET} = DRM_IOWR(0xC4, struct drm_syncobj_array); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_RESET = DrmIoctl.iowr(0xC4, DRM_SYNCOBJ_ARRAY_SIZE);
    /** {@code DRM_IOCTL_SYNCOBJ_SIGNAL} = DRM_IOWR(0xC5, struct drm_syncobj_array); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_SYNCOBJ_SIGNAL = DrmIoctl.iowr(0xC5, DRM_SYNCOBJ_ARRAY_SIZE);

    /** @return now on the clock SYNCOBJ_WAIT's absolute timeouts are read against ({@link System#nanoTime}) */
    public static long monotonicNanos() {
        return System.nanoTime();
    }

    /** @return the handle of a new sync object, holding a signalled fence if {@code signaled} */
    public static int create(DrmFile f, boolean signaled) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DRM_SYNCOBJ_CREATE_SIZE);
            s.set(U32, 4, signaled ? DRM_SYNCOBJ_CREATE_SIGNALED : 0);
            f.ioctlOrThrow(DRM_IOCTL_SYNCOBJ_CREATE, s);
            return s.get(U32, 0);
        }
    }

    /** @return SYNCOBJ_DESTROY's result: 0 or the negative errno */
    public static int destroy(DrmFile f, int handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DRM_SYNCOBJ_DESTROY_SIZE);
            s.set(U32, 0, handle);
            return f.ioctl(DRM_IOCTL_SYNCOBJ_DESTROY, s);
        }
    }

    /**
     * SYNCOBJ_WAIT.
     *
     * @param timeoutNsec the absolute deadline on {@link #monotonicNanos()}, 0 to poll
     * @param firstSignaled where first_signaled is stored (index 0), or null
     * @return 0 or the negative errno (-ETIME on timeout)
     */
    public static int wait(DrmFile f, int[] handles, long timeoutNsec, int flags, int[] firstSignaled) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocate(U32, Math.max(1, handles.length));
            for (int i = 0; i < handles.length; i++) {
                arr.setAtIndex(U32, i, handles[i]);
            }
            MemorySegment s = a.allocate(DRM_SYNCOBJ_WAIT_SIZE);
            s.set(U64, 0, arr.address());
            s.set(U64, 8, timeoutNsec);
            s.set(U32, 16, handles.length);
            s.set(U32, 20, flags);
            int r = f.ioctl(DRM_IOCTL_SYNCOBJ_WAIT, s, arr);
            if (firstSignaled != null) {
                firstSignaled[0] = s.get(U32, 24);
            }
            return r;
        }
    }

    /**
     * SYNCOBJ_HANDLE_TO_FD.
     *
     * @param flags 0 (the object's own fd) or {@link #DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE}
     * @return the fd (≥ 0) or the negative errno
     */
    public static int handleToFd(DrmFile f, int handle, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DRM_SYNCOBJ_HANDLE_SIZE);
            s.set(U32, 0, handle);
            s.set(U32, 4, flags);
            int r = f.ioctl(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, s);
            return r != 0 ? r : s.get(U32, 8);
        }
    }

    /**
     * SYNCOBJ_FD_TO_HANDLE.
     *
     * @param handle with {@link #DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE}: the object the
     *     sync file's fence goes into; ignored otherwise
     * @return the handle (the new one, or {@code handle} on import) or the negative errno
     */
    public static int fdToHandle(DrmFile f, int fd, int handle, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(DRM_SYNCOBJ_HANDLE_SIZE);
            s.set(U32, 0, handle);
            s.set(U32, 4, flags);
            s.set(U32, 8, fd);
            int r = f.ioctl(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, s);
            return r != 0 ? r : s.get(U32, 0);
        }
    }

    /** @return SYNCOBJ_RESET's result: 0 or the negative errno */
    public static int reset(DrmFile f, int... handles) {
        return array(f, DRM_IOCTL_SYNCOBJ_RESET, handles);
    }

    /** @return SYNCOBJ_SIGNAL's result: 0 or the negative errno */
    public static int signal(DrmFile f, int... handles) {
        return array(f, DRM_IOCTL_SYNCOBJ_SIGNAL, handles);
    }

    private static int array(DrmFile f, int cmd, int[] handles) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment arr = a.allocate(U32, Math.max(1, handles.length));
            for (int i = 0; i < handles.length; i++) {
                arr.setAtIndex(U32, i, handles[i]);
            }
            MemorySegment s = a.allocate(DRM_SYNCOBJ_ARRAY_SIZE);
            s.set(U64, 0, arr.address());
            s.set(U32, 8, handles.length);
            return f.ioctl(cmd, s, arr);
        }
    }
}
