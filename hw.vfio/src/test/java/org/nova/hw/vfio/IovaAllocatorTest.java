package org.nova.hw.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;

class IovaAllocatorTest {

    @Test
    void firstFitFromTheBottomPageAligned() {
        IovaAllocator a = new IovaAllocator();
        assertEquals(0x100000L, a.allocate(1));
        assertEquals(0x101000L, a.allocate(4096));
        assertEquals(0x102000L, a.allocate(4097));
        assertEquals(0x2000L, a.allocatedSize(0x102000L));
        assertEquals(3, a.allocations());
    }

    @Test
    void freedRangesAreReusedAndCoalesce() {
        IovaAllocator a = new IovaAllocator(0x1000, 0x10000, 0x1000);
        long x = a.allocate(0x1000);
        long y = a.allocate(0x1000);
        long z = a.allocate(0x1000);
        a.free(y);
        assertEquals(y, a.allocate(0x1000), "the hole is reused");
        a.free(x);
        a.free(y);
        a.free(z);
        assertEquals(1, a.freeRanges(), "everything coalesced");
        assertEquals(0xf000, a.freeBytes());
        assertEquals(0x1000, a.allocate(0xf000));
    }

    @Test
    void exhaustionAndBadArguments() {
        IovaAllocator a = new IovaAllocator(0x1000, 0x3000, 0x1000);
        a.allocate(0x2000);
        assertEquals(HwException.ENOMEM, assertThrows(HwException.class, () -> a.allocate(1)).errno());
        assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> a.allocate(0)).errno());
        assertThrows(IllegalArgumentException.class, () -> a.free(0x5000));
        assertThrows(IllegalArgumentException.class, () -> new IovaAllocator(0x1000, 0x2000, 3000));
        assertThrows(IllegalArgumentException.class, () -> new IovaAllocator(0x1800, 0x2000, 0x1000));
    }

    @Test
    void defaultSpaceStaysBelowTheMsiWindow() {
        IovaAllocator a = new IovaAllocator();
        assertEquals(IovaAllocator.DEFAULT_LIMIT - IovaAllocator.DEFAULT_BASE, a.freeBytes());
        assertEquals(0xfee00000L, IovaAllocator.DEFAULT_LIMIT);
    }

    @Test
    void alignedAllocationsSkipToTheAlignmentAndKeepTheGapFree() {
        IovaAllocator a = new IovaAllocator(0x1000, 0x100000, 0x1000);
        assertEquals(0x1000, a.allocate(0x1000));
        assertEquals(0x4000, a.allocate(0x3000, 0x4000), "the next 16 KiB boundary");
        assertEquals(0x2000, a.allocate(0x2000), "the gap below the aligned range is still free");
        assertEquals(0x10000, a.allocate(0x1000, 0x10000));
        assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> a.allocate(0x1000, 0x3000)).errno());
        assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> a.allocate(0x1000, 0x800)).errno());
        assertEquals(HwException.ENOMEM, assertThrows(HwException.class, () -> a.allocate(0x1000, 0x100000)).errno());
        a.free(0x4000);
        a.free(0x2000);
        a.free(0x1000);
        a.free(0x10000);
        assertEquals(1, a.freeRanges(), "everything coalesced");
    }
}
