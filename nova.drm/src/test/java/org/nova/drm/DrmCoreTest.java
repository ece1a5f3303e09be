package org.nova.drm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.drm.DrmFile.Node;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vram.BuddyVramManager;

/** The DRM core and the nova driver over a fake parent: a VRAM manager and an aperture, no OSGi. */
class DrmCoreTest {
    static final long K4 = 4096;
    static final long VRAM = 16L << 20;
    static final long BAR1 = 256L << 20;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Arena arena;
    DrmClass cls;
    BuddyVramManager vram;
    DrmDevice dev;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        cls = new DrmClass();
        MemorySegment aperture = arena.allocate(VRAM);
        vram = BuddyVramManager.of("0000:00:05.0", 0, VRAM, aperture);
        dev = cls.register(new NovaDriver(BAR1), "NovaCore.nova-drm.0", vram, aperture);
    }

    @AfterEach
    void tearDown() {
        cls.unregister(dev);
        assertEquals(VRAM, vram.available(), "everything returned at unbind");
        vram.allocator().checkInvariants();
        arena.close();
    }

    static DrmErrno errno(Runnable r) {
        return assertThrows(DrmException.class, r::run).errno();
    }

    MemorySegment create(long size) {
        MemorySegment s = arena.allocate(16);
        s.set(U64, 8, size);
        return s;
    }

    @Test
    void deviceIdentity() {
        assertEquals(0, dev.primaryMinor());
        assertEquals(128, dev.renderMinor());
        assertEquals("card0", dev.primaryName());
        assertEquals("renderD128", dev.renderName());
        try (DrmFile f = dev.open(Node.RENDER)) {
            DrmDriverInfo v = f.version();
            assertEquals("nova", v.name());
            assertEquals("Nvidia Graphics", v.desc());
            assertEquals("0", v.date());
            assertEquals(List.of(0, 0, 0), List.of(v.major(), v.minor(), v.patchlevel()));
        }
        DrmDevice second = cls.register(new NovaDriver(BAR1), "NovaCore.nova-drm.1", vram, MemorySegment.NULL);
        assertEquals(1, second.primaryMinor());
        assertEquals(second, cls.byMinor(129).orElseThrow());
        cls.unregister(second);
        assertTrue(cls.byMinor(1).isEmpty());
    }

    @Test
    void uapiNumbersMatchTheHeader() {
        // DRM_IOWR(0x40 + nr, 16-byte struct) = 0xC0106440 + nr
        assertEquals(0xC0106440, NovaDrm.DRM_IOCTL_NOVA_GETPARAM);
        assertEquals(0xC0106441, NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE);
        assertEquals(0xC0106442, NovaDrm.DRM_IOCTL_NOVA_GEM_INFO);
        assertEquals(0x40086409, DrmIoctl.DRM_IOCTL_GEM_CLOSE);
        assertEquals(0xC00C642D, DrmIoctl.DRM_IOCTL_PRIME_HANDLE_TO_FD);
        assertEquals(0xC00C642E, DrmIoctl.DRM_IOCTL_PRIME_FD_TO_HANDLE);
        assertEquals(0x80046402, DrmIoctl.DRM_IOCTL_GET_MAGIC);
        assertEquals(0x40046411, DrmIoctl.DRM_IOCTL_AUTH_MAGIC);
    }

    @Test
    void getParam() {
        try (DrmFile f = dev.open(Node.RENDER)) {
            assertEquals(BAR1, NovaDrm.getParam(f, NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE));
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.getParam(f, 0)));
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.getParam(f, 2)));
            // file.rs matches `param as u32`: the upper half is ignored, as upstream
            assertEquals(BAR1, NovaDrm.getParam(f, 0x1_0000_0001L));
        }
    }

    @Test
    void gemCreateInfoCloseAndHandlesFromOne() {
        try (DrmFile f = dev.open(Node.RENDER)) {
            int h1 = NovaDrm.gemCreate(f, 1);
            int h2 = NovaDrm.gemCreate(f, 5000);
            int h3 = NovaDrm.gemCreate(f, 3 * K4);
            assertEquals(List.of(1, 2, 3), List.of(h1, h2, h3));
            assertEquals(K4, NovaDrm.gemInfo(f, h1));
            assertEquals(2 * K4, NovaDrm.gemInfo(f, h2));
            assertEquals(3 * K4, NovaDrm.gemInfo(f, h3));
            assertEquals(VRAM - K4 - 2 * K4 - 4 * K4, vram.available());
            NovaDrm.gemClose(f, h2);
            assertEquals(DrmErrno.ENOENT, errno(() -> NovaDrm.gemInfo(f, h2)));
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemClose(f, h2)), "drm_gem_handle_delete: EINVAL");
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemClose(f, 0)));
            assertEquals(2, NovaDrm.gemCreate(f, K4), "idr: lowest free handle");
            assertEquals(Map.of("nova-drm:renderD128/1", 6 * K4), vram.usageByOwner()); // 4K + 16K (3 pages → 4) + 4K
        }
        assertEquals(VRAM, vram.available(), "closing the file frees its objects");
    }

    @Test
    void isolationBetweenFiles() {
        try (DrmFile a = dev.open(Node.RENDER); DrmFile b = dev.open(Node.RENDER)) {
            int ha = NovaDrm.gemCreate(a, 8 * K4);
            assertEquals(DrmErrno.ENOENT, errno(() -> NovaDrm.gemInfo(b, ha)));
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemClose(b, ha)));
            assertEquals(DrmErrno.ENOENT, errno(() -> NovaDrm.primeHandleToFd(b, ha)));
            int hb = NovaDrm.gemCreate(b, K4);
            assertEquals(ha, hb, "each file has its own namespace");
            assertEquals(8 * K4, NovaDrm.gemInfo(a, ha));
            assertEquals(K4, NovaDrm.gemInfo(b, hb));
            long off = a.mmapOffset(ha);
            assertEquals(DrmErrno.EACCES, errno(() -> b.mmap(off, K4)), "drm_vma_node_is_allowed");
        }
    }

    @Test
    void exportImportShareAndFree() {
        DrmFile a = dev.open(Node.RENDER);
        DrmFile b = dev.open(Node.RENDER);
        int ha = NovaDrm.gemCreate(a, 2 * K4);
        NovaDrm.gemCreate(b, K4);
        int fd = NovaDrm.primeHandleToFd(a, ha);
        assertEquals(ha, NovaDrm.primeFdToHandle(a, fd), "import into the exporter: its own handle");
        int hb = NovaDrm.primeFdToHandle(b, fd);
        assertEquals(2, hb);
        assertEquals(hb, NovaDrm.primeFdToHandle(b, fd), "a second import: the same handle");
        assertEquals(2 * K4, NovaDrm.gemInfo(b, hb));
        GemObject o = dev.lookup(a, ha);
        assertEquals(o, dev.lookup(b, hb));
        assertEquals(2, o.handleCount());
        // the mapping is shared
        MemorySegment ma = a.mmap(a.mmapOffset(ha), 2 * K4);
        MemorySegment mb = b.mmap(b.mmapOffset(hb), 2 * K4);
        ma.set(U32, 100, 0xCAFE);
        assertEquals(0xCAFE, mb.get(U32, 100));
        assertEquals(DrmErrno.EINVAL, errno(() -> a.mmap(a.mmapOffset(ha), 3 * K4)));
        assertEquals(DrmErrno.EINVAL, errno(() -> a.mmap(a.mmapOffset(ha) + K4, K4)));
        assertTrue(a.mmapOffset(ha) >= DrmDevice.DRM_FILE_PAGE_OFFSET_START);
        a.close();
        assertFalse(o.isFreed(), "b's handle and the fd keep it");
        NovaDrm.gemClose(b, hb);
        assertFalse(o.isFreed(), "the fd keeps it");
        assertEquals(DrmErrno.EBADF, errno(() -> cls.closeFd(fd + 100)));
        cls.closeFd(fd);
        assertTrue(o.isFreed());
        assertEquals(DrmErrno.EBADF, errno(() -> NovaDrm.primeFdToHandle(b, fd)));
        b.close();
        assertEquals(VRAM, vram.available());
    }

    @Test
    void importAcrossDevicesRefused() {
        BuddyVramManager vram2 = BuddyVramManager.of("0000:00:06.0", 0, VRAM);
        DrmDevice dev2 = cls.register(new NovaDriver(BAR1), "NovaCore.nova-drm.1", vram2, MemorySegment.NULL);
        try (DrmFile a = dev.open(Node.RENDER); DrmFile b = dev2.open(Node.RENDER)) {
            int fd = NovaDrm.primeHandleToFd(a, NovaDrm.gemCreate(a, K4));
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.primeFdToHandle(b, fd)));
            assertEquals(DrmErrno.ENXIO, errno(() -> b.mmap(b.mmapOffset(NovaDrm.gemCreate(b, K4)), K4)),
                    "no aperture");
        } finally {
            cls.unregister(dev2);
        }
        assertEquals(VRAM, vram2.available());
        assertEquals(1, cls.openFds().size(), "dev's dma-buf fd stays open until closed or dev unplugs");
    }

    @Test
    void badInputGetsTheErrnoAndLeaksNothing() {
        try (DrmFile f = dev.open(Node.RENDER)) {
            NovaDrm.gemCreate(f, K4);
            long before = vram.available();
            // unknown numbers: a hole in the core table, past the driver table, past the core table
            assertEquals(-22, f.ioctl(DrmIoctl.iowr(0x48, 16), create(K4)));
            assertEquals(-22, f.ioctl(DrmIoctl.iowr(0x9f, 16), create(K4)));
            assertEquals(-22, f.ioctl(DrmIoctl.iowr(0x01, 16), create(K4)));
            assertEquals(-22, f.ioctl(DrmIoctl.iowr(0xff, 16), create(K4)));
            // size 0, overflow on rounding, larger than VRAM, VRAM exhausted
            assertEquals(-22, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(0)));
            assertEquals(-22, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(-1L)));
            assertEquals(-22, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(-K4 + 1)));
            assertEquals(-12, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(-K4)));
            assertEquals(-12, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(Long.MAX_VALUE)));
            assertEquals(-12, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(VRAM + 1)));
            int big = NovaDrm.gemCreate(f, VRAM / 2);
            assertEquals(-12, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(VRAM / 2)), "VRAM exhausted");
            NovaDrm.gemClose(f, big);
            assertEquals(before, vram.available(), "nothing leaked");
            // the argument buffer smaller than the command says: EFAULT, nothing done
            assertEquals(-14, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, arena.allocate(8)));
            assertEquals(-14, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, (MemorySegment) null));
            assertEquals(before, vram.available());
        }
    }

    @Test
    void wrongStructureSizeFollowsDrmIoctl() {
        try (DrmFile f = dev.open(Node.RENDER)) {
            // shorter struct (8 bytes): size is zero-filled → size 0 → EINVAL from the handler
            int shortCmd = DrmIoctl.withSize(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, 8);
            MemorySegment s = arena.allocate(8);
            assertEquals(-22, f.ioctl(shortCmd, s));
            // shorter GETPARAM: param read, value not copied out (out size = user size 8)
            MemorySegment p = arena.allocate(8);
            p.set(U64, 0, NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE);
            assertEquals(0, f.ioctl(DrmIoctl.withSize(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, 8), p));
            assertEquals(1, p.get(U64, 0));
            // longer struct (24 bytes): the whole user struct is copied in and out; the handler ignores the tail
            MemorySegment l = arena.allocate(24);
            l.set(U64, 8, 5000);
            l.set(U64, 16, 0xdeadbeefL);
            assertEquals(0, f.ioctl(DrmIoctl.withSize(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, 24), l));
            assertEquals(1, l.get(U32, 0));
            assertEquals(0xdeadbeefL, l.get(U64, 16));
            assertEquals(2 * K4, NovaDrm.gemInfo(f, 1));
            // a ByteBuffer works as well
            ByteBuffer bb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            bb.putInt(0, 1);
            assertEquals(0, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, bb));
            assertEquals(2 * K4, bb.getLong(8));
        }
    }

    @Test
    void flagsEnforced() {
        try (DrmFile master = dev.open(Node.PRIMARY); DrmFile other = dev.open(Node.PRIMARY);
                DrmFile render = dev.open(Node.RENDER)) {
            assertTrue(master.isMaster() && master.isAuthenticated());
            assertFalse(other.isMaster() || other.isAuthenticated());
            // DRM_AUTH: an unauthenticated primary file
            assertEquals(DrmErrno.EACCES, errno(() -> NovaDrm.gemCreate(other, K4)));
            assertEquals(DrmErrno.EACCES, errno(() -> NovaDrm.gemInfo(other, 1)));
            assertEquals(BAR1, NovaDrm.getParam(other, 1), "GETPARAM is not DRM_AUTH");
            int h = NovaDrm.gemCreate(master, K4);
            // no DRM_RENDER_ALLOW on the render node
            assertEquals(DrmErrno.EACCES, errno(() -> NovaDrm.getMagic(render)));
            // DRM_MASTER
            int magic = NovaDrm.getMagic(other);
            assertNotEquals(0, magic);
            assertEquals(DrmErrno.EACCES, errno(() -> NovaDrm.authMagic(other, magic)));
            assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.authMagic(master, magic + 1000)));
            NovaDrm.authMagic(master, magic);
            assertTrue(other.isAuthenticated());
            assertEquals(1, NovaDrm.gemCreate(other, K4));
            assertEquals(K4, NovaDrm.gemInfo(master, h));
            assertEquals(1, NovaDrm.gemCreate(render, K4), "render files need no auth");
        }
        try (DrmFile next = dev.open(Node.PRIMARY)) {
            assertTrue(next.isMaster(), "the master went with its file");
        }
    }

    @Test
    void unbindWithFilesOpen() {
        DrmFile a = dev.open(Node.RENDER);
        DrmFile b = dev.open(Node.PRIMARY);
        int ha = NovaDrm.gemCreate(a, 64 * K4);
        NovaDrm.gemCreate(b, K4);
        int fd = NovaDrm.primeHandleToFd(a, ha);
        NovaDrm.primeFdToHandle(b, fd);
        NovaDrm.gemClose(a, ha); // only b's handle and the fd hold it now
        long off = b.mmapOffset(2);
        assertTrue(vram.available() < VRAM);
        cls.unregister(dev);
        assertTrue(dev.isUnplugged());
        assertEquals(VRAM, vram.available(), "all memory back at unbind");
        assertEquals(Map.of(), vram.usageByOwner());
        assertEquals(-19, a.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, create(K4)));
        assertEquals(-19, b.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, create(0)));
        assertEquals(-19, b.ioctl(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, create(0)));
        assertEquals(-19, b.ioctl(DrmIoctl.iowr(0x99, 16), create(0)), "ENODEV before the number is looked at");
        assertEquals(DrmErrno.ENODEV, errno(() -> b.mmap(off, K4)));
        assertEquals(DrmErrno.ENODEV, errno(() -> b.mmapOffset(2)));
        assertEquals(DrmErrno.ENODEV, errno(() -> dev.open(Node.RENDER)));
        assertEquals(DrmErrno.EBADF, errno(() -> cls.closeFd(fd)), "the dma-buf went with the device");
        a.close();
        b.close();
        assertEquals(-19, a.ioctl(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, create(0)));
        assertTrue(cls.devices().isEmpty());
    }

    @Test
    void closedFileGetsEbadf() {
        DrmFile f = dev.open(Node.RENDER);
        f.close();
        f.close();
        assertEquals(-9, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, create(0)));
    }

    @Test
    void concurrentFilesKeepAccounts() throws Exception {
        Thread[] ts = new Thread[4];
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> {
                try (DrmFile f = dev.open(Node.RENDER)) {
                    for (int i = 0; i < 500; i++) {
                        int h = NovaDrm.gemCreate(f, K4 * (1 + i % 7));
                        assertEquals(K4 * (1 + i % 7), NovaDrm.gemInfo(f, h));
                        if (i % 3 != 0) {
                            NovaDrm.gemClose(f, h);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(VRAM, vram.available());
    }
}
