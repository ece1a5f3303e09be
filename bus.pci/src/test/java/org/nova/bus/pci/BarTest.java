package org.nova.bus.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.testing.TestBars;
import org.nova.devres.RevokedException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;

/** Bar, as the bus and TestBars make it: bounds and alignment errors, both access paths, revocation. */
class BarTest {
    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    /** A register model over a byte array that records every access. */
    static class Regs implements Mmio {
        final MemorySegment m = MemorySegment.ofArray(new byte[64]);
        final List<String> log = new ArrayList<>();
        int closes;

        @Override
        public int index() {
            return 2;
        }

        @Override
        public long size() {
            return m.byteSize();
        }

        @Override
        public Optional<MemorySegment> segment() {
            return Optional.empty();
        }

        @Override
        public void close() {
            closes++;
        }

        @Override
        public int read8(long o) {
            log.add("r8@" + o);
            return m.get(ValueLayout.JAVA_BYTE, o) & 0xff;
        }

        @Override
        public int read16(long o) {
            log.add("r16@" + o);
            return 0xbeef;
        }

        @Override
        public int read32(long o) {
            log.add("r32@" + o);
            return 0xcafe0000 | (int) o;
        }

        @Override
        public long read64(long o) {
            log.add("r64@" + o);
            return 0x1122334455667788L;
        }

        @Override
        public void write8(long o, int v) {
            log.add("w8@" + o + "=" + v);
        }

        @Override
        public void write16(long o, int v) {
            log.add("w16@" + o + "=" + v);
        }

        @Override
        public void write32(long o, int v) {
            log.add("w32@" + o + "=" + Integer.toHexString(v));
        }

        @Override
        public void write64(long o, long v) {
            log.add("w64@" + o);
        }
    }

    @Test
    void memoryPathIsLittleEndianAndTyped() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(4096, 4096);
            Bar bar = TestBars.overMemory("bar0", seg, () -> { }).bar();
            assertEquals(4096, bar.size());
            bar.write32(0x10, 0x11223344);
            assertEquals(0x44, bar.read8(0x10));
            assertEquals(0x3344, bar.read16(0x10));
            assertEquals(0x11223344, bar.read32(0x10));
            bar.write64(0x18, 0x8877665544332211L);
            assertEquals(0x8877665544332211L, bar.read64(0x18));
            bar.write8(4095, 0xfe);
            assertEquals(0xfe, bar.read8(4095));
            bar.write16(4094, 0xabcd);
            assertEquals(0xabcd, bar.read16(4094));
        }
    }

    @Test
    void memoryPathBoundsAndAlignment() {
        try (Arena a = Arena.ofConfined()) {
            Bar bar = TestBars.overMemory("bar0", a.allocate(256, 4096), () -> { }).bar();
            assertEquals(Errno.EINVAL, errno(() -> bar.read32(256)));
            assertEquals(Errno.EINVAL, errno(() -> bar.read32(254)), "misaligned");
            assertEquals(Errno.EINVAL, errno(() -> bar.read32(253)), "misaligned and beyond");
            assertEquals(Errno.EINVAL, errno(() -> bar.read64(252)));
            assertEquals(Errno.EINVAL, errno(() -> bar.read8(-1)));
            assertEquals(Errno.EINVAL, errno(() -> bar.write16(1, 0)));
            assertEquals(Errno.EINVAL, errno(() -> bar.write64(256, 0)));
            DriverException e = assertThrows(DriverException.class, () -> bar.read32(0x102));
            assertTrue(e.getMessage().contains("0x102") && e.getMessage().contains("0x100")
                    && e.getMessage().contains("4"), e.getMessage());
            bar.write32(252, 7);
            assertEquals(7, bar.read32(252), "the last dword is fine");
        }
    }

    @Test
    void registerPathChecksBeforeCallingTheModel() {
        Regs regs = new Regs();
        Bar bar = TestBars.map("bar2", regs).bar();
        assertEquals(0xcafe0008, bar.read32(8));
        assertEquals(0xbeef, bar.read16(2));
        bar.write32(60, 0x5a);
        assertEquals(List.of("r32@8", "r16@2", "w32@60=5a"), regs.log);
        assertEquals(Errno.EINVAL, errno(() -> bar.read32(62)));
        assertEquals(Errno.EINVAL, errno(() -> bar.read32(64)));
        assertEquals(Errno.EINVAL, errno(() -> bar.write64(4, 1)));
        assertEquals(Errno.EINVAL, errno(() -> bar.read16(-2)));
        assertEquals(3, regs.log.size(), "refused accesses never reach the device");
    }

    @Test
    void revokedMemoryBarFailsCleanlyAndUnmapsOnce() {
        AtomicInteger unmaps = new AtomicInteger();
        try (Arena a = Arena.ofConfined()) {
            TestBars.Mapping m = TestBars.overMemory("bar0", a.allocate(64, 64), unmaps::incrementAndGet);
            Bar bar = m.bar();
            bar.write32(0, 1);
            m.close();
            m.close();
            assertEquals(1, unmaps.get());
            assertTrue(bar.isRevoked());
            assertThrows(RevokedException.class, () -> bar.read32(0));
            assertThrows(RevokedException.class, () -> bar.write8(3, 0));
            assertThrows(RevokedException.class, () -> bar.read16(1), "misaligned after revoke: revoked first");
            assertThrows(RevokedException.class, () -> bar.read64(1000));
        }
    }

    @Test
    void revokedRegisterBarNeverReachesTheModel() {
        Regs regs = new Regs();
        TestBars.Mapping m = TestBars.map("bar2", regs);
        m.close();
        m.close();
        assertEquals(1, regs.closes, "the region is unmapped once");
        assertThrows(RevokedException.class, () -> m.bar().read32(0));
        assertThrows(RevokedException.class, () -> m.bar().write32(0, 0));
        assertTrue(regs.log.isEmpty());
    }

    @Test
    void registerPathBackendErrorsAreRevocationOrTheBackendsErrno() {
        Regs regs = new Regs() {
            @Override
            public int read32(long o) {
                throw new HwException(o == 0 ? HwException.ENODEV : HwException.EIO, "backend says no");
            }
        };
        Bar bar = TestBars.map("bar2", regs).bar();
        RevokedException gone = assertThrows(RevokedException.class, () -> bar.read32(0),
                "a mapping the backend has taken away is revoked");
        assertEquals("bar2", gone.resource());
        DriverException eio = assertThrows(DriverException.class, () -> bar.read32(4));
        assertEquals(Errno.EIO, eio.errno(), "decoding off: the backend's errno");
        assertTrue(eio.getMessage().contains("read32 at offset 0x4 of bar2"), eio.getMessage());
        assertFalse(bar.isRevoked(), "the owner did not revoke it");
    }

    @Test
    void aBackendRegionGivenAsMemoryIsTheMemoryPathCutToTheRegionSize() {
        try (Arena backend = Arena.ofShared()) {
            MemorySegment seg = backend.allocate(8192, 4096);
            Regs region = new Regs() {
                @Override
                public long size() {
                    return 4096;
                }

                @Override
                public Optional<MemorySegment> segment() {
                    return Optional.of(seg);
                }
            };
            TestBars.Mapping m = TestBars.map("bar1", region);
            Bar bar = m.bar();
            assertEquals(4096, bar.size());
            assertEquals(4096, bar.memory().orElseThrow().byteSize());
            bar.write32(0x20, 0x5eed);
            assertEquals(0x5eed, seg.get(ValueLayout.JAVA_INT_UNALIGNED, 0x20), "straight to the region's memory");
            assertEquals(Errno.EINVAL, errno(() -> bar.read32(4096)), "not beyond the region");
            assertTrue(region.log.isEmpty(), "the register model is not used");
            m.close();
            assertEquals(1, region.closes);
        }
    }

    @Test
    void closedArenaIsReportedAsRevokedNeverTouched() {
        Arena a = Arena.ofShared();
        Bar bar = TestBars.overMemory("bar0", a.allocate(64, 64), () -> { }).bar();
        a.close();
        RevokedException e = assertThrows(RevokedException.class, () -> bar.read32(0));
        assertEquals("bar0", e.resource());
        assertThrows(RevokedException.class, () -> bar.write64(8, 1));
        assertFalse(bar.isRevoked(), "the backend took it away, not the owner");
    }

    @Test
    void heapSegmentsWorkToo() {
        Bar bar = TestBars.overMemory("heap", MemorySegment.ofArray(new byte[16]), () -> { }).bar();
        bar.write32(4, 0x01020304);
        assertEquals(0x0304, bar.read16(4));
        assertEquals(0x01020304, bar.read32(4));
    }

    @Test
    void memoryViewIsTheRegionAndDiesWithTheBarBeforeTheUnmap() {
        Arena backend = Arena.ofShared();
        MemorySegment region = backend.allocate(8192, 4096);
        AtomicInteger viewAliveAtUnmap = new AtomicInteger(-1);
        MemorySegment[] seen = new MemorySegment[1];
        TestBars.Mapping m = TestBars.overMemory("bar1", region, () -> {
            viewAliveAtUnmap.set(seen[0].scope().isAlive() ? 1 : 0);
            backend.close();
        });
        Bar bar = m.bar();
        MemorySegment view = bar.memory().orElseThrow();
        seen[0] = view;
        assertEquals(8192, view.byteSize());
        MemorySegment slice = view.asSlice(4096, 4096);
        slice.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 0x12345678);
        assertEquals(0x12345678, region.get(ValueLayout.JAVA_INT_UNALIGNED, 4096 + 8),
                "the view is the region itself");
        assertEquals(0x12345678, bar.read32(4096 + 8));
        region.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x5a);
        assertEquals(0x5a, view.get(ValueLayout.JAVA_BYTE, 1));

        m.close();
        assertEquals(0, viewAliveAtUnmap.get(), "the view is closed before the backend unmaps");
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> slice.set(ValueLayout.JAVA_INT, 0, 1),
                "slices die with the view");
        assertTrue(bar.memory().isEmpty(), "a revoked Bar hands out nothing");
    }

    @Test
    void viewIsRevokedEvenWhenTheBackendKeepsTheMemory() {
        // the simulator frees a RAM BAR only on hot removal, not on unmap: the Bar must end the view
        try (Arena backend = Arena.ofShared()) {
            MemorySegment region = backend.allocate(64, 64);
            TestBars.Mapping m = TestBars.overMemory("bar1", region, () -> { });
            MemorySegment view = m.bar().memory().orElseThrow();
            view.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            m.close();
            assertTrue(region.scope().isAlive());
            assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void registerAndHeapBarsHaveNoMemoryView() {
        assertTrue(TestBars.map("bar2", new Regs()).bar().memory().isEmpty());
        assertTrue(TestBars.overMemory("heap", MemorySegment.ofArray(new byte[16]), () -> { }).bar().memory().isEmpty(),
                "a heap segment cannot be revoked");
    }
}
