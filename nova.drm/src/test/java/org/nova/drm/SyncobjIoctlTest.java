package org.nova.drm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.drm.DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
import static org.nova.drm.DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
import static org.nova.drm.DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
import static org.nova.drm.DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.dma.fence.DmaFence;
import org.nova.dma.fence.FenceContext;
import org.nova.dma.fence.FenceError;
import org.nova.drm.DrmFile.Node;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vram.BuddyVramManager;

/** The core's sync object ioctls (drm_syncobj.c): each rule and errno, isolation, unplug. */
class SyncobjIoctlTest {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** A deadline far enough never to be reached in a test that expects a wake-up. */
    private static final long FAR = TimeUnit.SECONDS.toNanos(30);

    private Arena arena;
    private DrmClass cls;
    private DrmDevice dev;
    private DrmFile f;
    private final FenceContext ctx = new FenceContext("test");
    private final ExecutorService ex = Executors.newSingleThreadExecutor();

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        cls = new DrmClass();
        BuddyVramManager vram = BuddyVramManager.of("0000:00:05.0", 0, 16L << 20);
        dev = cls.register(new NovaDriver(256L << 20), "NovaCore.nova-drm.0", vram, MemorySegment.NULL);
        f = dev.open(Node.RENDER);
    }

    @AfterEach
    void tearDown() {
        ex.shutdownNow();
        if (!dev.isUnplugged()) {
            cls.unregister(dev);
        }
        arena.close();
    }

    private static void errno(DrmErrno e, int r) {
        errno(e, r, "");
    }

    private static void errno(DrmErrno e, int r, String why) {
        assertEquals(-e.value(), r, why + ": expected " + e + ", got " + DrmErrno.of(r));
    }

    private int poll(int flags, int... handles) {
        return DrmSyncobj.wait(f, handles, 0, flags, null);
    }

    @Test
    void createHandlesFromOneLowestFree() {
        assertEquals(1, DrmSyncobj.create(f, false));
        assertEquals(2, DrmSyncobj.create(f, true));
        assertEquals(3, DrmSyncobj.create(f, false));
        assertEquals(0, DrmSyncobj.destroy(f, 2));
        assertEquals(2, DrmSyncobj.create(f, false), "idr_alloc takes the lowest free");
        assertEquals(List.of(1, 2, 3), f.syncobjHandles());
    }

    @Test
    void createRefusesUnknownFlags() {
        MemorySegment s = arena.allocate(DrmSyncobj.DRM_SYNCOBJ_CREATE_SIZE);
        s.set(U32, 4, 2);
        errno(DrmErrno.EINVAL, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_CREATE, s));
        assertEquals(List.of(), f.syncobjHandles());
    }

    @Test
    void createSignaledHoldsASignalledFenceAndPlainHoldsNone() {
        int plain = DrmSyncobj.create(f, false);
        int sig = DrmSyncobj.create(f, true);
        assertNull(f.syncobjFence(plain));
        assertTrue(f.syncobjFence(sig).isSignaled());
        errno(DrmErrno.EINVAL, poll(0, plain));
        assertEquals(0, poll(0, sig));
    }

    @Test
    void destroyRules() {
        int h = DrmSyncobj.create(f, false);
        errno(DrmErrno.EINVAL, DrmSyncobj.destroy(f, 7));
        MemorySegment s = arena.allocate(DrmSyncobj.DRM_SYNCOBJ_DESTROY_SIZE);
        s.set(U32, 0, h);
        s.set(U32, 4, 1);
        errno(DrmErrno.EINVAL, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_DESTROY, s));
        assertEquals(0, DrmSyncobj.destroy(f, h));
        errno(DrmErrno.EINVAL, DrmSyncobj.destroy(f, h));
        errno(DrmErrno.ENOENT, poll(0, h));
    }

    @Test
    void waitArgumentRules() {
        int h = DrmSyncobj.create(f, true);
        errno(DrmErrno.EINVAL, poll(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, h));
        errno(DrmErrno.EINVAL, poll(1 << 4, h));
        assertEquals(0, poll(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, h), "the deadline is a hint");
        assertEquals(0, poll(0), "count 0 is no error");
        errno(DrmErrno.ENOENT, poll(0, h, 99));
        MemorySegment s = arena.allocate(DrmSyncobj.DRM_SYNCOBJ_WAIT_SIZE);
        s.set(U64, 0, 0x1000);
        s.set(U32, 16, 1);
        errno(DrmErrno.EFAULT, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_WAIT, s));
    }

    @Test
    void waitWithoutFenceNeedsWaitForSubmit() throws Exception {
        int h = DrmSyncobj.create(f, false);
        errno(DrmErrno.EINVAL, poll(0, h));
        errno(DrmErrno.ETIME, poll(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, h));
        DmaFence fence = ctx.next();
        Future<Integer> w = ex.submit(() -> DrmSyncobj.wait(f, new int[] {h}, DrmSyncobj.monotonicNanos() + FAR,
                DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, null));
        f.syncobjReplaceFence(h, fence);
        fence.signal();
        assertEquals(0, w.get(FAR, TimeUnit.NANOSECONDS), "woken by the submit, then by the signal");
    }

    @Test
    void waitTimesOutWithETimeAtAnAbsoluteDeadline() {
        int h = DrmSyncobj.create(f, false);
        f.syncobjReplaceFence(h, ctx.next());
        errno(DrmErrno.ETIME, poll(0, h));
        errno(DrmErrno.ETIME, DrmSyncobj.wait(f, new int[] {h}, DrmSyncobj.monotonicNanos() - 1, 0, null));
        errno(DrmErrno.ETIME, DrmSyncobj.wait(f, new int[] {h},
                DrmSyncobj.monotonicNanos() + TimeUnit.MILLISECONDS.toNanos(20), 0, null));
    }

    @Test
    void waitAnyAndAllWithFirstSignaled() throws Exception {
        int a = DrmSyncobj.create(f, false);
        int b = DrmSyncobj.create(f, false);
        int c = DrmSyncobj.create(f, false);
        DmaFence fa = ctx.next();
        DmaFence fb = ctx.next();
        DmaFence fc = ctx.next();
        f.syncobjReplaceFence(a, fa);
        f.syncobjReplaceFence(b, fb);
        f.syncobjReplaceFence(c, fc);
        fc.signal(FenceError.EIO);
        int[] first = new int[1];
        assertEquals(0, DrmSyncobj.wait(f, new int[] {a, b, c}, 0, 0, first), "a fence error does not fail the wait");
        assertEquals(2, first[0]);
        errno(DrmErrno.ETIME, poll(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, a, b, c));
        Future<Integer> all = ex.submit(() -> DrmSyncobj.wait(f, new int[] {a, b, c},
                DrmSyncobj.monotonicNanos() + FAR, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, null));
        fb.signal();
        fa.signal();
        assertEquals(0, all.get(FAR, TimeUnit.NANOSECONDS));
        assertEquals(0, DrmSyncobj.wait(f, new int[] {a, b, c}, 0, 0, first));
        assertEquals(0, first[0]);
    }

    @Test
    void resetAndSignalRules() {
        int a = DrmSyncobj.create(f, false);
        int b = DrmSyncobj.create(f, false);
        errno(DrmErrno.EINVAL, DrmSyncobj.signal(f));
        errno(DrmErrno.EINVAL, DrmSyncobj.reset(f));
        errno(DrmErrno.ENOENT, DrmSyncobj.signal(f, a, 42));
        assertNull(f.syncobjFence(a), "all or nothing: a stays without fence");
        MemorySegment s = arena.allocate(DrmSyncobj.DRM_SYNCOBJ_ARRAY_SIZE);
        MemorySegment hs = arena.allocate(4);
        hs.set(U32, 0, a);
        s.set(U64, 0, hs.address());
        s.set(U32, 8, 1);
        s.set(U32, 12, 1);
        errno(DrmErrno.EINVAL, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_SIGNAL, s, hs));
        s.set(U32, 12, 0);
        s.set(U64, 0, 0x2000);
        errno(DrmErrno.EFAULT, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_SIGNAL, s, hs));
        assertEquals(0, DrmSyncobj.signal(f, a, b));
        assertEquals(0, poll(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, a, b));
        assertEquals(0, DrmSyncobj.reset(f, a));
        assertNull(f.syncobjFence(a));
        errno(DrmErrno.EINVAL, poll(0, a));
        assertSame(DmaFence.signaledStub(), f.syncobjFence(b));
    }

    @Test
    void filesCannotUseEachOthersSyncobjsAndPrimaryNodesMayCall() {
        DrmFile master = dev.open(Node.PRIMARY);
        DrmFile other = dev.open(Node.PRIMARY);
        int h = DrmSyncobj.create(f, true);
        int hm = DrmSyncobj.create(master, true);
        assertEquals(1, hm, "handles are per file");
        assertEquals(1, DrmSyncobj.create(other, false), "DRM_RENDER_ALLOW without DRM_AUTH: unauthenticated files may");
        errno(DrmErrno.EINVAL, DrmSyncobj.wait(other, new int[] {h}, 0, 0, null));
        DrmSyncobj.destroy(other, 1);
        errno(DrmErrno.ENOENT, DrmSyncobj.wait(other, new int[] {h}, 0, 0, null));
        assertThrows(DrmException.class, () -> other.syncobjFence(h));
        master.close();
        other.close();
    }

    @Test
    void syncobjFdsShareTheObjectBetweenFiles() {
        DrmFile other = dev.open(Node.RENDER);
        int h = DrmSyncobj.create(f, false);
        int fd = DrmSyncobj.handleToFd(f, h, 0);
        assertTrue(fd >= DrmClass.FIRST_FD, "an fd: " + fd);
        int oh = DrmSyncobj.fdToHandle(other, fd, 0, 0);
        assertEquals(1, oh);
        DmaFence fence = ctx.next();
        f.syncobjReplaceFence(h, fence);
        assertSame(fence, other.syncobjFence(oh), "one object behind both handles");
        cls.closeFd(fd);
        errno(DrmErrno.EBADF, DrmSyncobj.fdToHandle(other, fd, 0, 0));
        errno(DrmErrno.EINVAL, DrmSyncobj.handleToFd(f, 99, 0));
        other.close();
    }

    @Test
    void syncFilesCarryAFenceToAnotherObject() {
        DrmFile other = dev.open(Node.RENDER);
        int h = DrmSyncobj.create(f, false);
        int target = DrmSyncobj.create(other, false);
        errno(DrmErrno.EINVAL, DrmSyncobj.handleToFd(f, h, DrmSyncobj.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE));
        errno(DrmErrno.ENOENT, DrmSyncobj.handleToFd(f, 99, DrmSyncobj.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE));
        DmaFence fence = ctx.next();
        f.syncobjReplaceFence(h, fence);
        int sf = DrmSyncobj.handleToFd(f, h, DrmSyncobj.DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE);
        f.syncobjReplaceFence(h, null);
        assertEquals(target, DrmSyncobj.fdToHandle(other, sf, target,
                DrmSyncobj.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE));
        assertSame(fence, other.syncobjFence(target), "the fence at export time");
        errno(DrmErrno.ENOENT, DrmSyncobj.fdToHandle(other, sf, 42, DrmSyncobj.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE));
        errno(DrmErrno.EINVAL, DrmSyncobj.fdToHandle(other, sf, 0, 0), "a sync file is not a sync object's fd");
        int objFd = DrmSyncobj.handleToFd(f, h, 0);
        errno(DrmErrno.EINVAL, DrmSyncobj.fdToHandle(other, objFd, target,
                DrmSyncobj.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE), "a sync object's fd is not a sync file");
        errno(DrmErrno.EINVAL, DrmSyncobj.fdToHandle(other, 1000, target,
                DrmSyncobj.DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE), "sync_file_get_fence of no file");
        assertThrows(DrmException.class, () -> org.nova.drm.NovaDrm.primeFdToHandle(other, sf));
        assertEquals(List.of(sf, objFd), cls.openFds());
        cls.closeFd(sf);
        cls.closeFd(objFd);
        other.close();
    }

    @Test
    void handleFdArgumentRules() {
        int h = DrmSyncobj.create(f, true);
        errno(DrmErrno.EINVAL, DrmSyncobj.handleToFd(f, h, 2));
        errno(DrmErrno.EINVAL, DrmSyncobj.fdToHandle(f, 3, h, 2));
        MemorySegment s = arena.allocate(DrmSyncobj.DRM_SYNCOBJ_HANDLE_SIZE);
        s.set(U32, 0, h);
        s.set(U32, 12, 1);
        errno(DrmErrno.EINVAL, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, s));
        errno(DrmErrno.EINVAL, f.ioctl(DrmSyncobj.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, s));
        assertEquals(List.of(), cls.openFds(), "nothing installed by a refused call");
    }

    @Test
    void closeDropsTheFilesSyncobjs() {
        DrmFile g = dev.open(Node.RENDER);
        DrmSyncobj.create(g, true);
        g.close();
        assertEquals(List.of(), g.syncobjHandles());
        errno(DrmErrno.EBADF, DrmSyncobj.signal(g, 1));
    }

    @Test
    void unplugWakesSleepingWaitsWithENoDev() throws Exception {
        int h = DrmSyncobj.create(f, false);
        f.syncobjReplaceFence(h, ctx.next());
        Future<Integer> w = ex.submit(() -> DrmSyncobj.wait(f, new int[] {h}, DrmSyncobj.monotonicNanos() + FAR * 10, 0,
                null));
        // the wait may not have started sleeping yet: unplug wakes it or makes it refuse to sleep
        cls.unregister(dev);
        int r = w.get(FAR, TimeUnit.NANOSECONDS);
        errno(DrmErrno.ENODEV, r);
    }
}
