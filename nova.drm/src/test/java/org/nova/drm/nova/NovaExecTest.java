package org.nova.drm.nova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.drm.NovaDrm.VmBindOp.map;
import static org.nova.drm.NovaDrm.VmBindOp.unmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.dma.fence.DmaFence;
import org.nova.dma.fence.FenceError;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmSyncobj;
import org.nova.drm.NovaDrm;
import org.nova.drm.NovaDrm.ExecPush;
import org.nova.drm.NovaDrm.Sync;
import org.nova.gpu.channel.PushSegment;

/**
 * CHANNEL_ALLOC, CHANNEL_FREE and EXEC through the ioctl dispatch on a nova-drm device over the
 * simulated GPU's VA spaces, with {@link FakeChannels} (a test double of nova.core's channels) as
 * the hardware: each rule and errno, dependencies through sync objects across channels, a
 * timed-out and a faulted channel, two files isolated, cancellation at close and unplug.
 */
class NovaExecTest {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long KM_ADDR = 1L << 44;
    private static final long KM_SIZE = 1L << 32;
    private static final long PUSH_VA = 0x100000;
    private static final long OBJ = 1L << 16;
    private static final long BOUND_S = 30;

    @TempDir
    Path tmp;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final FakeChannels channels = new FakeChannels();
    private VmGpu g;
    private long start;
    private DrmFile f;

    @BeforeEach
    void setUp() {
        g = new VmGpu(tmp, channels, timer, Duration.ofMillis(100));
        start = g.vram.stats().allocated();
        f = g.dev.open(DrmFile.Node.RENDER);
    }

    @AfterEach
    void tearDown() {
        if (!g.dev.isUnplugged()) {
            g.cls.unregister(g.dev);
        }
        for (FakeChannels.FakeChannel c : channels.all()) {
            assertTrue(c.isClosed(), "channel " + c.id() + " closed by unplug at the latest");
        }
        g.vms.revoke();
        timer.shutdownNow();
        assertEquals(start, g.vram.stats().allocated(), "every object and table back in the buddy");
    }

    private static void errno(DrmErrno expected, int r) {
        assertEquals(-expected.value(), r, "expected " + expected + ", got " + DrmErrno.of(r));
    }

    /** VM_INIT, a 64 KiB object mapped at PUSH_VA, a channel. @return the channel */
    private int ready(DrmFile file) {
        NovaDrm.vmInit(file, KM_ADDR, KM_SIZE);
        int h = NovaDrm.gemCreate(file, OBJ);
        NovaDrm.vmBindOrThrow(file, List.of(map(h, PUSH_VA, 0, OBJ)));
        return NovaDrm.channelAlloc(file);
    }

    private FakeChannels.FakeChannel fake(int id) {
        return channels.all().stream().filter(c -> c.id() == id).findFirst().orElseThrow();
    }

    private static List<ExecPush> push(long va, int len) {
        return List.of(new ExecPush(va, len, 0));
    }

    private static DmaFence fence(DrmFile file, int syncobj) throws InterruptedException {
        DmaFence fe = file.syncobjFence(syncobj);
        assertTrue(fe != null && fe.await(BOUND_S, TimeUnit.SECONDS), "the job's fence signalled");
        return fe;
    }

    @Test
    void channelAllocRules() {
        errno(DrmErrno.ENOSYS, ioctlAlloc(f, 0, 0));
        NovaDrm.vmInit(f, KM_ADDR, KM_SIZE);
        int a = NovaDrm.channelAlloc(f);
        int b = ioctlAllocId(f, ~0, NovaDrm.NOVA_FIFO_ENGINE_CE);
        assertTrue(a != b);
        errno(DrmErrno.ENOSYS, ioctlAlloc(f, ~0, 0x01));
        assertEquals(List.of(a, b), ((NovaDriver) g.dev.driver()).fileData(f).channels().stream().map(NovaChannel::id).toList());
        assertEquals(NovaDrm.NOVA_CHANNEL_GPFIFO_ENTRIES, fake(a).gpfifoEntries());
        assertEquals(f.owner(), fake(a).owner());
        channels.refuse = true;
        errno(DrmErrno.EIO, ioctlAlloc(f, 0, 0));
        channels.refuse = false;
        DrmFile small = g.dev.open(DrmFile.Node.RENDER);
        NovaDrm.vmInit(small, KM_ADDR, 0);
        errno(DrmErrno.ENOMEM, ioctlAlloc(small, 0, 0));
        small.close();
        assertEquals(2, channels.all().size(), "nothing left by the refused allocations");
    }

    @Test
    void channelAllocWithoutChannelsIsENoDev(@TempDir Path other) {
        VmGpu plain = new VmGpu(other);
        try (DrmFile file = plain.dev.open(DrmFile.Node.RENDER)) {
            NovaDrm.vmInit(file, KM_ADDR, KM_SIZE);
            errno(DrmErrno.ENODEV, ioctlAlloc(file, 0, 0));
        } finally {
            plain.cls.unregister(plain.dev);
            plain.vms.revoke();
        }
    }

    private int ioctlAlloc(DrmFile file, int fb, int tt) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(NovaDrm.STRUCT_DRM_NOVA_CHANNEL_ALLOC);
            s.set(U32, 0, fb);
            s.set(U32, 4, tt);
            return file.ioctl(NovaDrm.DRM_IOCTL_NOVA_CHANNEL_ALLOC, s);
        }
    }

    private int ioctlAllocId(DrmFile file, int fb, int tt) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(NovaDrm.STRUCT_DRM_NOVA_CHANNEL_ALLOC);
            s.set(U32, 0, fb);
            s.set(U32, 4, tt);
            assertEquals(0, file.ioctl(NovaDrm.DRM_IOCTL_NOVA_CHANNEL_ALLOC, s));
            return s.get(U32, 8);
        }
    }

    @Test
    void execRunsThePushesAndSignalsTheSyncobj() throws Exception {
        int ch = ready(f);
        int out = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, ch, List.of(new ExecPush(PUSH_VA, 64, 0),
                new ExecPush(PUSH_VA + 0x1000, 8, NovaDrm.DRM_NOVA_EXEC_PUSH_NO_PREFETCH)), List.of(),
                List.of(Sync.syncobj(out))));
        DmaFence done = fence(f, out);
        assertNull(done.error());
        assertEquals(List.of(List.of(new PushSegment(PUSH_VA, 16), new PushSegment(PUSH_VA + 0x1000, 2))),
                fake(ch).submitted, "one segment per push, va_len in words");
        assertEquals(0, DrmSyncobj.wait(f, new int[] {out}, 0, 0, null));
        assertTrue(DrmCommands.fileJobs(f).contains("running"), DrmCommands.fileJobs(f));
        assertTrue(DrmCommands.fileJobs(f).contains(done.id()), DrmCommands.fileJobs(f));
    }

    @Test
    void execRulesAndErrnos() {
        errno(DrmErrno.ENOSYS, NovaDrm.exec(f, 1, push(PUSH_VA, 4), List.of(), List.of()));
        int ch = ready(f);
        int sig = DrmSyncobj.create(f, false);
        int empty = DrmSyncobj.create(f, false);
        errno(DrmErrno.ENOENT, NovaDrm.exec(f, ch + 100, push(PUSH_VA, 4), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, List.of(), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA, NovaDrm.NV50_DMA_PUSH_MAX_LENGTH + 1), List.of(),
                List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA, 0), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA, 6), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA + 2, 4), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, List.of(new ExecPush(PUSH_VA, 4, 2)), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA + OBJ - 4, 8), List.of(), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(0x10000000, 4), List.of(), List.of()));
        // mapped, but above what a GPFIFO entry can name (40 bits)
        int high = NovaDrm.gemCreate(f, OBJ);
        NovaDrm.vmBindOrThrow(f, List.of(map(high, org.nova.nvidia.fifo.HostMethods.GP_ENTRY_ADDRESS_LIMIT, 0, OBJ)));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(org.nova.nvidia.fifo.HostMethods.GP_ENTRY_ADDRESS_LIMIT, 4),
                List.of(), List.of()));
        errno(DrmErrno.EOPNOTSUPP, NovaDrm.exec(f, ch, push(PUSH_VA, 4),
                List.of(new Sync(NovaDrm.DRM_NOVA_SYNC_TIMELINE_SYNCOBJ, sig, 1)), List.of()));
        errno(DrmErrno.EOPNOTSUPP, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(),
                List.of(new Sync(NovaDrm.DRM_NOVA_SYNC_TIMELINE_SYNCOBJ, sig, 1))));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(new Sync(0x10, sig, 0)), List.of()));
        errno(DrmErrno.EOPNOTSUPP, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(new Sync(2, sig, 0)), List.of()));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of(new Sync(2, sig, 0))));
        errno(DrmErrno.ENOENT, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(Sync.syncobj(77)), List.of()));
        errno(DrmErrno.ENOENT, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(77))));
        errno(DrmErrno.EINVAL, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(Sync.syncobj(empty)), List.of()));
        assertEquals(List.of(), fake(ch).submitted, "nothing was queued by a refused EXEC");
        assertNull(f.syncobjFence(sig), "nor installed");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(NovaDrm.STRUCT_DRM_NOVA_EXEC);
            s.set(U32, 0, ch);
            s.set(U32, 4, 1);
            s.set(U64, 32, 0x1000);
            errno(DrmErrno.EFAULT, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_EXEC, s));
            s.set(U32, 4, (NovaDrm.NOVA_CHANNEL_GPFIFO_ENTRIES - 1) / 2);
            errno(DrmErrno.EINVAL, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_EXEC, s));
        }
        // a push across two adjacent mappings is inside the space
        int h2 = NovaDrm.gemCreate(f, OBJ);
        NovaDrm.vmBindOrThrow(f, List.of(map(h2, PUSH_VA + OBJ, 0, OBJ)));
        assertEquals(0, NovaDrm.exec(f, ch, push(PUSH_VA + OBJ - 4, 8), List.of(), List.of()));
    }

    @Test
    void dependenciesAcrossTwoChannels() throws Exception {
        int c1 = ready(f);
        int c2 = NovaDrm.channelAlloc(f);
        fake(c1).stall(true);
        int s1 = DrmSyncobj.create(f, false);
        int s2 = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, c1, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s1))));
        assertEquals(0, NovaDrm.exec(f, c2, push(PUSH_VA, 8), List.of(Sync.syncobj(s1)), List.of(Sync.syncobj(s2))));
        assertEquals(List.of(), fake(c2).submitted, "c2's job waits for c1's");
        assertFalse(f.syncobjFence(s2).isSignaled());
        fake(c1).stall(false);
        assertNull(fence(f, s2).error());
        assertEquals(1, fake(c2).submitted.size());
        assertNull(fence(f, s1).error());
    }

    @Test
    void aTimedOutJobKillsItsChannelOnly() throws Exception {
        int hung = ready(f);
        int fine = NovaDrm.channelAlloc(f);
        fake(hung).stall(true);
        int s1 = DrmSyncobj.create(f, false);
        int s2 = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, hung, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s1))));
        assertEquals(0, NovaDrm.exec(f, fine, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s2))));
        assertNull(fence(f, s2).error(), "the other channel completes");
        assertEquals(FenceError.ETIMEDOUT, fence(f, s1).error());
        assertTrue(fake(hung).error() != null && fake(hung).error().reason().contains("timed out"), "the channel was aborted");
        errno(DrmErrno.ENODEV, NovaDrm.exec(f, hung, push(PUSH_VA, 4), List.of(), List.of()));
        assertEquals(0, NovaDrm.exec(f, fine, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s2))));
        assertNull(fence(f, s2).error());
        String jobs = DrmCommands.fileJobs(f);
        assertTrue(jobs.contains("FAILED") && jobs.contains("timed out") && jobs.contains("ETIMEDOUT"), jobs);
    }

    @Test
    void aPushUnmappedAfterSubmitFaultsTheChannel() throws Exception {
        int ch = ready(f);
        fake(ch).stall(true);
        int s = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s))));
        NovaDrm.vmBindOrThrow(f, List.of(unmap(PUSH_VA, OBJ)));
        fake(ch).stall(false);
        assertEquals(FenceError.ENODEV, fence(f, s).error(), "the fault is reported to the submitter (nouveau_channel_kill's ENODEV)");
        assertEquals(FakeChannels.RC_MMU_FAULT, fake(ch).error().rcType());
        assertEquals(PUSH_VA, fake(ch).error().faultVa());
        errno(DrmErrno.ENODEV, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of()));
        assertTrue(DrmCommands.fileJobs(f).contains("MMU fault"), DrmCommands.fileJobs(f));
    }

    @Test
    void twoFilesCannotUseEachOthersChannelsOrSyncobjs() {
        int ch = ready(f);
        int s = DrmSyncobj.create(f, true);
        DrmFile other = g.dev.open(DrmFile.Node.RENDER);
        int och = ready(other);
        errno(DrmErrno.ENOENT, NovaDrm.exec(other, ch == och ? ch + 100 : ch, push(PUSH_VA, 4), List.of(), List.of()));
        errno(DrmErrno.ENOENT, NovaDrm.exec(other, och, push(PUSH_VA, 4), List.of(Sync.syncobj(s + 5)), List.of()));
        errno(DrmErrno.ENOENT, NovaDrm.channelFree(other, ch));
        errno(DrmErrno.ENOENT, NovaDrm.exec(other, och, push(PUSH_VA, 4), List.of(Sync.syncobj(s)), List.of()));
        assertTrue(fake(ch).submitted.isEmpty() && fake(och).submitted.isEmpty());
        other.close();
        assertTrue(fake(och).isClosed(), "closing a file closes its channels");
        assertFalse(fake(ch).isClosed());
    }

    @Test
    void channelFreeCancelsItsJobs() throws Exception {
        int ch = ready(f);
        fake(ch).stall(true);
        int s = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s))));
        errno(DrmErrno.ENOENT, NovaDrm.channelFree(f, ch + 100));
        assertEquals(0, NovaDrm.channelFree(f, ch));
        assertEquals(FenceError.ECANCELED, fence(f, s).error());
        assertTrue(fake(ch).isClosed());
        errno(DrmErrno.ENOENT, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of()));
        errno(DrmErrno.ENOENT, NovaDrm.channelFree(f, ch));
    }

    @Test
    void closingAFileWithJobsInFlightCancelsThemCleanly() throws Exception {
        int c1 = ready(f);
        int c2 = NovaDrm.channelAlloc(f);
        fake(c1).stall(true);
        DrmFile watcher = g.dev.open(DrmFile.Node.RENDER);
        int gate = DrmSyncobj.create(f, false);
        List<DmaFence> fences = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int s = DrmSyncobj.create(f, false);
            assertEquals(0, NovaDrm.exec(f, c1, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s))));
            fences.add(f.syncobjFence(s));
        }
        int last = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, c2, push(PUSH_VA, 4), List.of(Sync.syncobj(fencedBy(f, gate, fences.getLast()))),
                List.of(Sync.syncobj(last))));
        fences.add(f.syncobjFence(last));
        f.close();
        for (DmaFence fe : fences) {
            assertTrue(fe.isSignaled(), fe + " signalled when close returned");
            assertEquals(FenceError.ECANCELED, fe.error());
        }
        assertTrue(fake(c1).isClosed() && fake(c2).isClosed());
        assertTrue(fake(c2).submitted.isEmpty(), "the waiting job never ran");
        watcher.close();
    }

    /** @return {@code gate}, holding {@code fence} */
    private static int fencedBy(DrmFile file, int gate, DmaFence fence) {
        file.syncobjReplaceFence(gate, fence);
        return gate;
    }

    @Test
    void unplugCancelsJobsAndClosesChannels() throws Exception {
        int ch = ready(f);
        fake(ch).stall(true);
        int s = DrmSyncobj.create(f, false);
        assertEquals(0, NovaDrm.exec(f, ch, push(PUSH_VA, 4), List.of(), List.of(Sync.syncobj(s))));
        DmaFence fe = f.syncobjFence(s);
        g.cls.unregister(g.dev);
        assertTrue(fe.isSignaled());
        assertEquals(FenceError.ECANCELED, fe.error());
        assertTrue(fake(ch).isClosed());
        assertThrows(DrmException.class, () -> NovaDrm.channelAlloc(f));
    }
}
