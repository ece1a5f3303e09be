package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** kernel/resource.c allocate_resource / release_resource as the bridge windows use them. */
class ResourceWindowTest {
    private static final long MIB = 1L << 20;

    @Test
    void rangesAreNaturallyAlignedFirstFitAndReusedOnceReleased() {
        ResourceWindow w = new ResourceWindow("test", 0x1000_0000L, 0x1000_0000L + 64 * MIB);
        long a = w.allocate(MIB, MIB);
        long b = w.allocate(16 * MIB, 16 * MIB);
        long c = w.allocate(MIB, MIB);
        assertEquals(0x1000_0000L, a);
        assertEquals(0x1100_0000L, b, "16 MiB aligned, above the first MiB");
        assertEquals(0x1010_0000L, c, "first fit: the gap below b");
        w.release(a);
        assertEquals(a, w.allocate(MIB, MIB), "a released range is handed out again");
        w.release(b);
        assertEquals(b, w.allocate(16 * MIB, 16 * MIB));
        assertEquals(18 * MIB, w.used());
        assertEquals(3, w.ranges());
    }

    @Test
    void aRequestThatFitsNowhereChangesNothing() {
        ResourceWindow w = new ResourceWindow("test", 0x1000_0000L, 0x1000_0000L + 64 * MIB);
        assertEquals(-1, w.allocate(128 * MIB, 128 * MIB));
        long a = w.allocate(32 * MIB, 32 * MIB);
        assertEquals(-1, w.allocate(64 * MIB, 64 * MIB), "the only 64 MiB aligned range is half taken");
        assertEquals(32 * MIB, w.used());
        w.release(a);
        assertEquals(0x1000_0000L, w.allocate(64 * MIB, 64 * MIB));
        assertEquals(-1, w.allocate(1L << 62, 1L << 62), "no overflow at the top of the address space");
    }

    @Test
    void releasingWhatWasNotHandedOutIsABug() {
        ResourceWindow w = new ResourceWindow("test", 0, MIB);
        assertThrows(IllegalStateException.class, () -> w.release(0));
    }
}
