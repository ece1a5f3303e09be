package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.nova.dma.fence.DmaFence;
import org.nova.dma.fence.FenceCallback;

/**
 * drivers/gpu/drm/drm_syncobj.c (Linux 6.12) for one device: per-file sync object handles
 * (idr_alloc from 1, lowest free) and the ioctls, with the kernel's rules and errnos:
 * <ul>
 * <li>CREATE: flags other than SIGNALED → EINVAL; SIGNALED installs the signalled stub fence.</li>
 * <li>DESTROY: pad ≠ 0 → EINVAL; an unknown handle → EINVAL (drm_syncobj_destroy).</li>
 * <li>WAIT: flags other than WAIT_ALL, WAIT_FOR_SUBMIT, WAIT_DEADLINE → EINVAL; count 0 → 0;
 * the handle array unreadable → EFAULT, an unknown handle → ENOENT (drm_syncobj_array_find); an
 * object without fence and no WAIT_FOR_SUBMIT → EINVAL; the timeout is an absolute
 * CLOCK_MONOTONIC time ({@link DrmSyncobj#monotonicNanos}), 0 or past meaning a poll
 * (drm_timeout_abs_to_jiffies); not satisfied by then → ETIME; interrupted → EINTR; the device
 * unplugging → ENODEV. On success first_signaled is the lowest index signalled when the wait
 * ended. A fence's error does not fail the wait (as upstream without ABORT_ON_ERROR).</li>
 * <li>RESET (fence removed) and SIGNAL (the signalled stub installed): pad ≠ 0 or count 0 →
 * EINVAL; EFAULT and ENOENT as for WAIT; all or nothing.</li>
 * </ul>
 * HANDLE_TO_FD and FD_TO_HANDLE share sync objects between files (an fd standing for the object)
 * and move fences through sync files ({@link SyncFile}), in the fd table of {@link DrmClass};
 * their rules are on {@link #handleToFdIoctl} and {@link #fdToHandleIoctl}. Timeline points are
 * not implemented (their flags are EINVAL).
 * The handle tables are guarded by the device's lock; waits hold no lock while they sleep.
 */
final class DrmSyncobjs {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Object lock;
    private final DrmClass cls;
    /** The waits sleeping now, woken when the device unplugs. */
    private final Set<Object> sleepers = ConcurrentHashMap.newKeySet();
    private volatile boolean unplugging;

    DrmSyncobjs(Object lock, DrmClass cls) {
        this.lock = lock;
        this.cls = cls;
    }

    /** idr_alloc(&file->syncobj_idr, syncobj, 1, 0): the lowest free handle from 1. */
    private int addHandle(DrmFile f, Syncobj s) {
        synchronized (lock) {
            int h = 1;
            for (int k : f.syncobjs.keySet()) {
                if (k != h) {
                    break;
                }
                h++;
            }
            f.syncobjs.put(h, s);
            return h;
        }
    }

    void createIoctl(DrmFile f, MemorySegment arg) {
        int flags = arg.get(U32, 4);
        if ((flags & ~DrmSyncobj.DRM_SYNCOBJ_CREATE_SIGNALED) != 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format("SYNCOBJ_CREATE flags %#x", flags));
        }
        Syncobj s = new Syncobj((flags & DrmSyncobj.DRM_SYNCOBJ_CREATE_SIGNALED) != 0 ? DmaFence.signaledStub() : null);
        arg.set(U32, 0, addHandle(f, s));
    }

    /**
     * drm_syncobj_handle_to_fd_ioctl: pad ≠ 0 or flags other than 0 and EXPORT_SYNC_FILE → EINVAL;
     * EXPORT_SYNC_FILE: a sync file of the object's fence (an unknown handle → ENOENT, no fence →
     * EINVAL, as drm_syncobj_find_fence); otherwise the object's own fd (an unknown handle →
     * EINVAL, as drm_syncobj_handle_to_fd).
     */
    void handleToFdIoctl(DrmFile f, MemorySegment arg) {
        int handle = arg.get(U32, 0);
        int flags = arg.get(U32, 4);
        if (arg.get(U32, 12) != 0) {
            throw new DrmException(DrmErrno.EINVAL, "SYNCOBJ_HANDLE_TO_FD pad is not 0");
        }
        if (flags != 0 && flags != DrmSyncobj.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE) {
            throw new DrmException(DrmErrno.EINVAL, String.format("SYNCOBJ_HANDLE_TO_FD flags %#x", flags));
        }
        if (flags != 0) {
            DmaFence fence = find(f, handle).fence();
            if (fence == null) {
                throw new DrmException(DrmErrno.EINVAL, "sync object " + handle + " has no fence to export");
            }
            arg.set(U32, 8, cls.installFd(new SyncFile(fence)));
        } else {
            Syncobj s;
            synchronized (lock) {
                s = f.syncobjs.get(handle);
            }
            if (s == null) {
                throw new DrmException(DrmErrno.EINVAL, f + " has no sync object " + Integer.toUnsignedString(handle));
            }
            arg.set(U32, 8, cls.installFd(s));
        }
    }

    /**
     * drm_syncobj_fd_to_handle_ioctl: pad ≠ 0 or flags other than 0 and IMPORT_SYNC_FILE → EINVAL;
     * IMPORT_SYNC_FILE: the sync file's fence replaces the fence of the object {@code handle}
     * (an fd that is not a sync file → EINVAL, as sync_file_get_fence; an unknown handle →
     * ENOENT); otherwise a new handle for the object behind a sync object fd (an fd not open →
     * EBADF, of another kind → EINVAL), shared with the exporter.
     */
    void fdToHandleIoctl(DrmFile f, MemorySegment arg) {
        int handle = arg.get(U32, 0);
        int flags = arg.get(U32, 4);
        int fd = arg.get(U32, 8);
        if (arg.get(U32, 12) != 0) {
            throw new DrmException(DrmErrno.EINVAL, "SYNCOBJ_FD_TO_HANDLE pad is not 0");
        }
        if (flags != 0 && flags != DrmSyncobj.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE) {
            throw new DrmException(DrmErrno.EINVAL, String.format("SYNCOBJ_FD_TO_HANDLE flags %#x", flags));
        }
        if (flags != 0) {
            SyncFile sf;
            try {
                sf = cls.lookup(fd, SyncFile.class, "a sync file");
            } catch (DrmException e) {
                throw new DrmException(DrmErrno.EINVAL, e.getMessage());
            }
            find(f, handle).replace(sf.fence);
        } else {
            arg.set(U32, 0, addHandle(f, cls.lookup(fd, Syncobj.class, "a sync object")));
        }
    }

    void destroyIoctl(DrmFile f, MemorySegment arg) {
        if (arg.get(U32, 4) != 0) {
            throw new DrmException(DrmErrno.EINVAL, "SYNCOBJ_DESTROY pad is not 0");
        }
        int h = arg.get(U32, 0);
        synchronized (lock) {
            if (f.syncobjs.remove(h) == null) {
                throw new DrmException(DrmErrno.EINVAL, f + " has no sync object " + Integer.toUnsignedString(h));
            }
        }
    }

    /** drm_syncobj_find for a driver: ENOENT for an unknown handle. */
    Syncobj find(DrmFile f, int handle) {
        synchronized (lock) {
            Syncobj s = f.syncobjs.get(handle);
            if (s == null) {
                throw new DrmException(DrmErrno.ENOENT, f + " has no sync object " + Integer.toUnsignedString(handle));
            }
            return s;
        }
    }

    /** drm_syncobj_array_find: reads {@code count} handles at {@code ptr}. */
    private List<Syncobj> findArray(DrmFile f, long ptr, int count) {
        MemorySegment hs = DrmFile.copyFromUser(ptr, Integer.toUnsignedLong(count) * Integer.BYTES);
        List<Syncobj> l = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            l.add(find(f, hs.getAtIndex(U32, i)));
        }
        return l;
    }

    void resetIoctl(DrmFile f, MemorySegment arg) {
        for (Syncobj s : arrayArgs(f, arg, "RESET")) {
            s.replace(null);
        }
    }

    void signalIoctl(DrmFile f, MemorySegment arg) {
        for (Syncobj s : arrayArgs(f, arg, "SIGNAL")) {
            s.replace(DmaFence.signaledStub());
        }
    }

    private List<Syncobj> arrayArgs(DrmFile f, MemorySegment arg, String what) {
        int count = arg.get(U32, 8);
        if (arg.get(U32, 12) != 0) {
            throw new DrmException(DrmErrno.EINVAL, "SYNCOBJ_" + what + " pad is not 0");
        }
        if (count == 0) {
            throw new DrmException(DrmErrno.EINVAL, "SYNCOBJ_" + what + " of no handle");
        }
        return findArray(f, arg.get(U64, 0), count);
    }

    void waitIoctl(DrmFile f, MemorySegment arg) {
        long timeoutNsec = arg.get(U64, 8);
        int count = arg.get(U32, 16);
        int flags = arg.get(U32, 20);
        int possible = DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT
                | DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
        if ((flags & ~possible) != 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format("SYNCOBJ_WAIT flags %#x", flags));
        }
        if (count == 0) {
            return;
        }
        List<Syncobj> objs = findArray(f, arg.get(U64, 0), count);
        boolean all = (flags & DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) != 0;
        boolean forSubmit = (flags & DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) != 0;
        if (!forSubmit) {
            for (int i = 0; i < objs.size(); i++) {
                if (objs.get(i).fence() == null) {
                    throw new DrmException(DrmErrno.EINVAL, "SYNCOBJ_WAIT: sync object " + i
                            + " of the array has no fence (and no WAIT_FOR_SUBMIT)");
                }
            }
        }
        arg.set(U32, 24, waitFor(objs, all, timeoutNsec));
    }

    /** drm_syncobj_array_wait_timeout: @return first_signaled */
    private int waitFor(List<Syncobj> objs, boolean all, long deadline) {
        Object wake = new Object();
        Runnable notify = () -> {
            synchronized (wake) {
                wake.notifyAll();
            }
        };
        FenceCallback cb = fence -> notify.run();
        Map<DmaFence, Boolean> hooked = new IdentityHashMap<>();
        objs.forEach(s -> s.addWaiter(notify));
        sleepers.add(wake);
        try {
            synchronized (wake) {
                while (true) {
                    int first = -1;
                    int signaled = 0;
                    for (int i = 0; i < objs.size(); i++) {
                        DmaFence fence = objs.get(i).fence();
                        if (fence == null) {
                            continue;
                        }
                        if (fence.isSignaled()) {
                            signaled++;
                            if (first < 0) {
                                first = i;
                            }
                        } else if (!hooked.containsKey(fence)) {
                            hooked.put(fence, Boolean.TRUE);
                            if (!fence.addCallback(cb)) {
                                hooked.remove(fence);
                                signaled++;
                                if (first < 0) {
                                    first = i;
                                }
                            }
                        }
                    }
                    if (all ? signaled == objs.size() : signaled > 0) {
                        return first;
                    }
                    if (unplugging) {
                        throw new DrmException(DrmErrno.ENODEV, "the device is unplugging");
                    }
                    long left = deadline - DrmSyncobj.monotonicNanos();
                    if (deadline == 0 || left <= 0) {
                        throw new DrmException(DrmErrno.ETIME, "SYNCOBJ_WAIT timed out");
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(wake, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new DrmException(DrmErrno.EINTR, "SYNCOBJ_WAIT interrupted");
                    }
                }
            }
        } finally {
            sleepers.remove(wake);
            objs.forEach(s -> s.removeWaiter(notify));
            hooked.keySet().forEach(fence -> fence.removeCallback(cb));
        }
    }

    /** Wakes every sleeping wait with ENODEV and refuses to sleep from now on (before unplug waits for ioctls). */
    void unplugging() {
        unplugging = true;
        for (Object w : sleepers) {
            synchronized (w) {
                w.notifyAll();
            }
        }
    }

    /** drm_syncobj_release at file close: the file's handles go. Lock held. */
    void release(DrmFile f) {
        f.syncobjs.clear();
    }
}
