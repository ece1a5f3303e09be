package org.nova.drm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.nova.drm.DrmFile.Node;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vram.BuddyVramManager;

/**
 * GEM mmap through an aperture that is a PCI BAR's memory, as nova.core hands it over
 * ({@link Bar#memory()} of its BAR1): written through one file's mapping, read through another's
 * after PRIME import and through the BAR itself at the object's VRAM offset; revoking the BAR
 * (nova.core unbinding) makes the mappings inaccessible; objects past a smaller aperture: ENXIO.
 */
class ApertureMmapTest {
    static final long K4 = 4096;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static DrmErrno errno(Runnable r) {
        return assertThrows(DrmException.class, r::run).errno();
    }

    @Test
    void writtenThroughOneMappingReadThroughAnotherAndDeadAfterRevocation() {
        long vramSize = 16L << 20;
        Arena backend = Arena.ofShared();
        TestBars.Mapping bar1 = TestBars.overMemory("pci:bar1", backend.allocate(vramSize, K4), backend::close);
        DrmClass cls = new DrmClass();
        BuddyVramManager vram = BuddyVramManager.of("0000:00:05.0", 0, vramSize, bar1.bar().memory().orElseThrow());
        DrmDevice dev = cls.register(new NovaDriver(vramSize), "NovaCore.nova-drm.0", vram,
                bar1.bar().memory().orElseThrow());
        DrmFile a = dev.open(Node.RENDER);
        DrmFile b = dev.open(Node.RENDER);
        NovaDrm.gemCreate(a, 3 * K4); // something below, so the object is not at VRAM 0
        int ha = NovaDrm.gemCreate(a, 2 * K4);
        MemorySegment ma = a.mmap(a.mmapOffset(ha), 2 * K4);
        for (int i = 0; i < 2 * K4; i += 4) {
            ma.set(U32, i, 0x5eed_0000 + i);
        }
        int hb = NovaDrm.primeFdToHandle(b, NovaDrm.primeHandleToFd(a, ha));
        MemorySegment mb = b.mmap(b.mmapOffset(hb), 2 * K4);
        long at = dev.lookup(b, hb).vramOffset();
        assertTrue(at > 0, "at " + at);
        for (int i = 0; i < 2 * K4; i += 4) {
            assertEquals(0x5eed_0000 + i, mb.get(U32, i));
            assertEquals(0x5eed_0000 + i, bar1.bar().read32(at + i), "the aperture is VRAM at the object's offset");
        }

        cls.unregister(dev); // nova-drm unbinds first, then nova.core's devres revokes BAR1
        bar1.close();
        assertThrows(IllegalStateException.class, () -> ma.get(U32, 0));
        assertThrows(IllegalStateException.class, () -> mb.set(U32, 0, 1));
        assertTrue(!backend.scope().isAlive(), "unmapped after the mappings died");
        assertEquals(vramSize, vram.available());
    }

    @Test
    void objectsBeyondASmallerApertureAreEnxio() {
        long vramSize = 16L << 20;
        long barSize = 1L << 20;
        try (Arena arena = Arena.ofShared()) {
            TestBars.Mapping bar1 = TestBars.overMemory("pci:bar1", arena.allocate(barSize, K4), () -> { });
            DrmClass cls = new DrmClass();
            BuddyVramManager vram = BuddyVramManager.of("0000:00:05.0", 0, vramSize,
                    bar1.bar().memory().orElseThrow());
            DrmDevice dev = cls.register(new NovaDriver(barSize), "NovaCore.nova-drm.0", vram,
                    bar1.bar().memory().orElseThrow());
            try (DrmFile f = dev.open(Node.RENDER)) {
                int inside = NovaDrm.gemCreate(f, barSize);
                int beyond = NovaDrm.gemCreate(f, K4);
                assertTrue(dev.lookup(f, beyond).vramOffset() >= barSize);
                MemorySegment m = f.mmap(f.mmapOffset(inside), barSize);
                m.set(U32, barSize - 4, 7);
                assertEquals(7, bar1.bar().read32(barSize - 4));
                assertEquals(DrmErrno.ENXIO, errno(() -> f.mmap(f.mmapOffset(beyond), K4)));
            } finally {
                cls.unregister(dev);
                bar1.close();
            }
        }
    }
}
