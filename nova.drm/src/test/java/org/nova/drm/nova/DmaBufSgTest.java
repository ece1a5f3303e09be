package org.nova.drm.nova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.bus.pci.SgTable;
import org.nova.drm.DmaBuf;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.drm.GemObject.Placement;
import org.nova.drm.NovaDrm;

/**
 * A GEM object in GPU system memory as a scatter-gather source (issue 20 item 5): exported as a
 * dma-buf, found by its fd as an importer finds it (dma_buf_get), its pages make one merged entry
 * covering the object and holding its bytes ({@code DmaBuf.sysmem().sgTable}, dma_get_sgtable); a VRAM object refuses (EOPNOTSUPP), a closed fd is
 * EBADF, an unplugged device's object ENODEV.
 */
class DmaBufSgTest {
    private static final long K4 = 1L << 12;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    @TempDir
    Path tmp;

    private static DrmErrno errno(Runnable r) {
        return assertThrows(DrmException.class, r::run).errno();
    }

    @Test
    void aSystemMemoryObjectIsOneEntryOfItsPagesAndAVramObjectRefuses() {
        VmGpu g = new VmGpu(tmp, 16L << 20, 8L << 20);
        DrmFile f = g.dev.open(DrmFile.Node.RENDER);
        int h = NovaDrm.gemCreate(f, 5 * K4, NovaDrm.NOVA_GEM_DOMAIN_GART);
        GemObject o = g.dev.lookup(f, h);
        assertEquals(Placement.SYSMEM, o.placement());
        MemorySegment cpu = f.mmap(f.mmapOffset(h), 5 * K4);
        for (long off = 0; off < 5 * K4; off += 8) {
            cpu.set(U64, off, 0xd00d_0000_0000L | off);
        }
        int fd = NovaDrm.primeHandleToFd(f, h);
        DmaBuf buf = g.cls.dmaBuf(fd);
        assertSame(o, buf.object());
        SgTable t = buf.sysmem().sgTable(o.size());
        assertEquals(1, t.nents(), "one coherent allocation: its pages merge into one entry");
        assertEquals(5 * K4, t.size());
        assertEquals(5, t.pageCount());
        MemorySegment e = t.entries().get(0).memory();
        for (long off = 0; off < 5 * K4; off += 8) {
            assertEquals(0xd00d_0000_0000L | off, e.get(U64, off), "byte offset " + off);
        }

        int hv = NovaDrm.gemCreate(f, K4, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
        int fdv = NovaDrm.primeHandleToFd(f, hv);
        assertEquals(DrmErrno.EOPNOTSUPP, errno(() -> g.cls.dmaBuf(fdv).sysmem()));
        assertEquals(Placement.VRAM, g.dev.lookup(f, hv).placement(), "a refused table moves nothing");

        g.cls.closeFd(fdv);
        assertEquals(DrmErrno.EBADF, errno(() -> g.cls.dmaBuf(fdv)));

        assertEquals(org.nova.driver.Errno.EINVAL, assertThrows(org.nova.driver.DriverException.class,
                () -> buf.sysmem().sgTable(o.size() + 1)).errno(), "past the buffer");
        g.cls.unregister(g.dev);
        g.vms.revoke();
        g.sysmem.revoke();
        assertEquals(DrmErrno.EBADF, errno(() -> g.cls.dmaBuf(fd)), "unplug closes the device's dma-buf fds");
        assertEquals(DrmErrno.ENODEV, errno(buf::sysmem), "the object's memory went with the device");
    }
}
