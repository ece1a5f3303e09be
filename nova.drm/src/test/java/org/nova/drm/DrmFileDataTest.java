package org.nova.drm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.drm.DrmFile.Node;
import org.nova.gpu.vram.BuddyVramManager;

/**
 * A driver's per-file data (drm_file.driver_priv, Rust's {@code type File}): made by the driver's
 * open, handed with its type to the driver's ioctls of that file only, given back to postclose.
 */
class DrmFileDataTest {
    /** The test driver's per-file data: its file and the calls its ioctl counted. */
    static final class Session {
        final DrmFile file;
        int calls;

        Session(DrmFile file) {
            this.file = file;
        }
    }

    /** A driver whose one ioctl counts the calls of the calling file and writes the count back. */
    static final class Counting implements DrmDriver<Session> {
        /** Its ioctl: DRM_COMMAND_BASE + 0, a u32 out. */
        static final int DRM_IOCTL_COUNT = DrmIoctl.iowr(DrmIoctl.DRM_COMMAND_BASE, Integer.BYTES);

        final List<Session> opened = new CopyOnWriteArrayList<>();
        final List<Session> postclosed = new CopyOnWriteArrayList<>();
        volatile boolean refuse;
        volatile boolean returnNull;

        @Override
        public DrmDriverInfo info() {
            return new DrmDriverInfo("counting", "per-file data", 1, 0, 0);
        }

        @Override
        public List<IoctlDesc<Session>> ioctls() {
            return List.of(new IoctlDesc<>(DRM_IOCTL_COUNT, DrmIoctl.DRM_RENDER_ALLOW, "COUNT", (file, s, arg) -> {
                if (s.file != file) {
                    throw new DrmException(DrmErrno.EINVAL, "another file's data");
                }
                arg.set(ValueLayout.JAVA_INT, 0, ++s.calls);
            }));
        }

        @Override
        public Session open(DrmFile file) {
            if (refuse) {
                throw new DrmException(DrmErrno.EACCES, "refused");
            }
            if (returnNull) {
                return null;
            }
            Session s = new Session(file);
            opened.add(s);
            return s;
        }

        @Override
        public void postclose(DrmFile file, Session s) {
            postclosed.add(s);
        }
    }

    Arena arena;
    DrmClass cls;
    Counting driver;
    DrmDevice dev;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        cls = new DrmClass();
        driver = new Counting();
        dev = cls.register(driver, "test.counting.0", BuddyVramManager.of("0000:00:05.0", 0, 1L << 20),
                MemorySegment.NULL);
    }

    @AfterEach
    void tearDown() {
        cls.unregister(dev);
        arena.close();
    }

    int count(DrmFile f) {
        MemorySegment arg = arena.allocate(Integer.BYTES);
        f.ioctlOrThrow(Counting.DRM_IOCTL_COUNT, arg);
        return arg.get(ValueLayout.JAVA_INT, 0);
    }

    @Test
    void eachFileHasItsOwnDataAndGetsItBackAtPostclose() {
        DrmFile a = dev.open(Node.RENDER);
        DrmFile b = dev.open(Node.PRIMARY);
        assertEquals(1, count(a));
        assertEquals(2, count(a));
        assertEquals(1, count(b), "b counts on its own data");
        assertSame(dev.driver(), driver);
        a.close();
        assertEquals(1, driver.postclosed.size());
        Session s = driver.postclosed.get(0);
        assertSame(a, s.file);
        assertEquals(2, s.calls, "postclose got the data the ioctls counted on");
        assertSame(driver.opened.get(0), s);
        assertEquals(2, count(b));
        assertEquals(-DrmErrno.EBADF.value(), a.ioctl(Counting.DRM_IOCTL_COUNT, arena.allocate(Integer.BYTES)));
        b.close();
        assertEquals(List.of(s, driver.opened.get(1)), driver.postclosed);
    }

    @Test
    void aRefusedOpenKeepsNoFile() {
        driver.refuse = true;
        assertEquals(DrmErrno.EACCES, assertThrows(DrmException.class, () -> dev.open(Node.PRIMARY)).errno());
        driver.refuse = false;
        driver.returnNull = true;
        assertThrows(NullPointerException.class, () -> dev.open(Node.PRIMARY), "a file without data is refused");
        assertTrue(dev.files().isEmpty());
        assertTrue(driver.postclosed.isEmpty(), "no postclose for a file that never opened");
        driver.returnNull = false;
        try (DrmFile f = dev.open(Node.PRIMARY)) {
            assertTrue(f.isMaster(), "the refused opens left no master behind");
            assertEquals(1, count(f));
        }
    }

    @Test
    void afterUnplugFilesCloseWithoutPostclose() {
        DrmFile a = dev.open(Node.RENDER);
        assertEquals(1, count(a));
        cls.unregister(dev);
        assertEquals(-DrmErrno.ENODEV.value(), a.ioctl(Counting.DRM_IOCTL_COUNT, arena.allocate(Integer.BYTES)));
        a.close();
        assertTrue(driver.postclosed.isEmpty(), "the driver is gone: no postclose");
        assertTrue(a.isClosed());
    }
}
