package org.nova.drm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;
import org.nova.drm.nova.NovaDriver;
import org.nova.gpu.vram.BuddyVramManager;

/** drm_minor_alloc: the lowest free index, or the index a driver prefers while it is free. */
class DrmMinorTest {
    private static final long VRAM = 1L << 20;

    private static DrmDevice register(DrmClass cls, String parent, int preferred) {
        return cls.register(new NovaDriver(VRAM), parent, BuddyVramManager.of(parent, 0, VRAM), MemorySegment.NULL,
                preferred);
    }

    @Test
    void withoutAPreferenceTheFirstToRegisterIsCard0() {
        DrmClass cls = new DrmClass();
        assertEquals("card0", register(cls, "b", DrmClass.ANY_INDEX).primaryName());
        assertEquals("card1", register(cls, "a", DrmClass.ANY_INDEX).primaryName());
    }

    @Test
    void aPreferredIndexKeepsThePlaceOfADeviceThatRegistersLater() {
        DrmClass cls = new DrmClass();
        DrmDevice second = register(cls, "0000:00:06.0", 1);
        DrmDevice first = register(cls, "0000:00:05.0", 0);
        assertEquals("card0", first.primaryName());
        assertEquals("renderD128", first.renderName());
        assertEquals("card1", second.primaryName());
    }

    @Test
    void aTakenPreferenceFallsBackToTheLowestFreeIndex() {
        DrmClass cls = new DrmClass();
        register(cls, "x", 0);
        register(cls, "y", 2);
        assertEquals(1, register(cls, "z", 0).index());
        assertEquals(3, register(cls, "w", 2).index());
        assertEquals(4, register(cls, "v", DrmClass.MINORS_PER_TYPE).index(), "out of range: no preference");
    }
}
