package org.nova.gpu.vram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** {@link VramManager#map}: the CPU's view of a block through the aperture, and its refusals. */
class VramMapTest {
    private static final long MIB = 1 << 20;

    @Test
    void aBlockInsideTheApertureIsItsSliceOfTheAperture() {
        MemorySegment aperture = Arena.ofAuto().allocate(4 * MIB);
        BuddyVramManager m = BuddyVramManager.of("gpu", 0, 64 * MIB, aperture);
        assertEquals(4 * MIB, m.cpuVisibleSize());
        VramBlock b = m.allocateBelow(64 << 10, "t", m.cpuVisibleSize());
        MemorySegment view = m.map(b);
        assertEquals(b.size(), view.byteSize());
        view.set(ValueLayout.JAVA_INT, 8, 0x4E654A6F);
        // the same bytes, seen at the block's VRAM offset in the aperture
        assertEquals(0x4E654A6F, aperture.get(ValueLayout.JAVA_INT, b.offset() + 8));
    }

    @Test
    void blocksOutsideTheApertureForeignOrFreedAreRefused() {
        BuddyVramManager m = BuddyVramManager.of("gpu", 0, 64 * MIB, Arena.ofAuto().allocate(4 * MIB));
        // the small block first: the buddy places a block at the lowest free address that fits
        VramBlock small = m.allocateBelow(4096, "t", 4 * MIB);
        VramBlock big = m.allocate(32 * MIB, "t");
        DriverException beyond = assertThrows(DriverException.class, () -> m.map(big));
        assertEquals(Errno.ENXIO, beyond.errno());
        m.free(small);
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> m.map(small)).errno());
        BuddyVramManager other = BuddyVramManager.of("gpu2", 0, 64 * MIB, Arena.ofAuto().allocate(4 * MIB));
        VramBlock foreign = other.allocateBelow(4096, "t", 4 * MIB);
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> m.map(foreign)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> m.map(null)).errno());
    }

    @Test
    void withoutAnApertureNothingIsMappable() {
        BuddyVramManager m = BuddyVramManager.of("gpu", 0, 64 * MIB);
        assertEquals(0, m.cpuVisibleSize());
        VramBlock b = m.allocate(4096, "t");
        DriverException e = assertThrows(DriverException.class, () -> m.map(b));
        assertEquals(Errno.ENXIO, e.errno());
    }
}
