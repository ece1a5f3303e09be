package org.nova.drm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.nova.drm.DrmFile.Node;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vram.BuddyVramManager;

/**
 * DRM ioctl arguments from user space (issue 14, fuzzing): any command number (the core's, the
 * nova driver's, or none), any argument bytes and length, on primary and render files of a nova
 * device. The contract of {@code drm_ioctl}: every call returns 0 or a negative errno (never
 * throws), its copy-out stays within the argument it was given, and when the files and dma-buf
 * fds the input opened are closed, all VRAM is back and the allocator's invariants hold.
 */
class DrmIoctlFuzzTest {
    /** VRAM of the fake parent: a few objects' worth, so that ENOMEM is reachable. */
    private static final long VRAM = 16L << 20;
    /** BAR1 aperture the driver reports. */
    private static final long BAR1 = 256L << 20;
    /** Calls per input. */
    private static final int MAX_CALLS = 24;
    /** Longest argument an input passes: above every struct's size, below IOC_SIZEMASK. */
    private static final int MAX_ARG = 256;
    /** The ioctls that exist, so that most calls reach a handler. */
    private static final int[] KNOWN = {
        DrmIoctl.DRM_IOCTL_GET_MAGIC, DrmIoctl.DRM_IOCTL_GEM_CLOSE, DrmIoctl.DRM_IOCTL_AUTH_MAGIC,
        DrmIoctl.DRM_IOCTL_PRIME_HANDLE_TO_FD, DrmIoctl.DRM_IOCTL_PRIME_FD_TO_HANDLE,
        NovaDrm.DRM_IOCTL_NOVA_GETPARAM, NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, NovaDrm.DRM_IOCTL_NOVA_GEM_INFO,
        DrmSyncobj.DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobj.DRM_IOCTL_SYNCOBJ_DESTROY, DrmSyncobj.DRM_IOCTL_SYNCOBJ_WAIT,
        DrmSyncobj.DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DrmSyncobj.DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
        DrmSyncobj.DRM_IOCTL_SYNCOBJ_RESET, DrmSyncobj.DRM_IOCTL_SYNCOBJ_SIGNAL, NovaDrm.DRM_IOCTL_NOVA_CHANNEL_ALLOC,
        NovaDrm.DRM_IOCTL_NOVA_CHANNEL_FREE, NovaDrm.DRM_IOCTL_NOVA_EXEC,
    };

    Arena arena;
    DrmClass cls;
    BuddyVramManager vram;
    DrmDevice dev;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        cls = new DrmClass();
        vram = BuddyVramManager.of("0000:00:05.0", 0, VRAM);
        dev = cls.register(new NovaDriver(BAR1), "NovaCore.nova-drm.0", vram, arena.allocate(VRAM));
    }

    @AfterEach
    void tearDown() {
        cls.unregister(dev);
        arena.close();
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void ioctls(FuzzedDataProvider in) {
        List<DrmFile> files = new ArrayList<>();
        try (Arena args = Arena.ofConfined()) {
            files.add(dev.open(Node.PRIMARY));
            files.add(dev.open(Node.RENDER));
            int calls = in.consumeInt(1, MAX_CALLS);
            for (int i = 0; i < calls && in.remainingBytes() > 0; i++) {
                switch (in.consumeInt(0, 3)) {
                    case 0 -> files.add(dev.open(in.pickValue(Node.values())));
                    case 1 -> in.pickValue(files).close();
                    default -> call(in, in.pickValue(files), args);
                }
            }
        } finally {
            for (DrmFile f : files) {
                f.close();
            }
            for (int fd : cls.openFds()) {
                cls.closeFd(fd);
            }
        }
        assertEquals(0, dev.vramInUse(), "the closed files' objects are freed");
        assertEquals(VRAM, vram.available(), "all VRAM is back");
        vram.allocator().checkInvariants();
    }

    private static void call(FuzzedDataProvider in, DrmFile f, Arena args) {
        int cmd = in.consumeBoolean() ? in.pickValue(KNOWN) : in.consumeInt();
        if (in.consumeBoolean()) {
            // the right number with a wrong size or direction, as a mismatched header would send it
            cmd = DrmIoctl.withSize(cmd, in.consumeInt(0, DrmIoctl.IOC_SIZEMASK));
        }
        byte[] bytes = in.consumeBytes(in.consumeInt(0, MAX_ARG));
        MemorySegment arg = in.consumeBoolean() ? null : args.allocate(Math.max(1, bytes.length));
        if (arg != null) {
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, arg, 0, bytes.length);
        }
        int ret = f.ioctl(cmd, arg);
        assertTrue(ret <= 0, "drm_ioctl returns 0 or -errno, not " + ret);
    }
}
