package org.nova.gpu.vram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** {@link BuddyAllocator#allocateAt} and {@link BuddyAllocator#isFree}: drm_buddy's range allocation of one block. */
class BuddyRangeAllocationTest {
    private static final long MIB = 1L << 20;

    @Test
    void aBlockAtAnOffsetSplitsOnlyWhatContainsItAndMergesBack() {
        BuddyAllocator b = new BuddyAllocator("t", 24 * MIB); // roots 16 MiB @0, 8 MiB @16
        assertTrue(b.isFree(12 * MIB, 4 * MIB));
        VramBlock x = b.allocateAt(12 * MIB, 4 * MIB, "x");
        assertEquals(12 * MIB, x.offset());
        assertEquals(4 * MIB, x.size());
        b.checkInvariants();
        assertFalse(b.isFree(12 * MIB, 4 * MIB));
        assertFalse(b.isFree(8 * MIB, 8 * MIB), "its parent is split");
        assertTrue(b.isFree(8 * MIB, 4 * MIB), "its buddy stays free");
        assertTrue(b.isFree(0, 8 * MIB));
        // the rest of the root is still allocatable as the buddy allocator places it
        VramBlock y = b.allocate(8 * MIB, "y");
        assertEquals(0, y.offset());
        VramBlock z = b.allocateAt(16 * MIB, 8 * MIB, "z");
        assertEquals(16 * MIB, z.offset());
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class, () -> b.allocateAt(12 * MIB, 4 * MIB, "again"))
                .errno());
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class, () -> b.allocateAt(0, 16 * MIB, "over"))
                .errno(), "a range holding allocated blocks");
        long free = b.free();
        b.checkInvariants();
        b.free(x);
        b.free(y);
        b.free(z);
        assertEquals(free + 20 * MIB, b.free());
        assertEquals(24 * MIB, b.free());
        assertTrue(b.isFree(0, 16 * MIB), "merged back into the root");
        b.checkInvariants();
    }

    @Test
    void offsetsNoBlockCanStartAtAreEinvalAndChangeNothing() {
        BuddyAllocator b = new BuddyAllocator("t", 24 * MIB);
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> b.allocateAt(2 * MIB, 4 * MIB, "x"))
                .errno(), "not aligned to its size");
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> b.allocateAt(16 * MIB, 16 * MIB, "x"))
                .errno(), "larger than the root there");
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> b.isFree(24 * MIB, 4 * MIB)).errno(),
                "outside the zones");
        assertEquals(24 * MIB, b.free());
        b.checkInvariants();
    }

    @Test
    void theManagerChargesTheOwnerAndRefusesAfterRevoke() {
        BuddyVramManager m = BuddyVramManager.of("0000:00:06.0", 0, 24 * MIB);
        VramBlock x = m.allocateAt(16 * MIB, 8 * MIB, "vgpu");
        assertEquals(8 * MIB, m.usageByOwner().get("vgpu"));
        assertFalse(m.isFree(16 * MIB, 8 * MIB));
        m.revoke();
        assertFalse(m.isFree(0, 16 * MIB), "nothing is free once revoked");
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> m.allocateAt(0, 4 * MIB, "late"))
                .errno());
        m.free(x);
        assertEquals(0, m.usageByOwner().size());
    }
}
