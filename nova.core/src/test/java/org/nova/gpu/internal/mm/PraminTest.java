package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.regs.Bar0Window;

/** PRAMIN: the window moves only when it must, at its boundaries, and shows exactly VRAM. */
class PraminTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    @Test
    void writesThroughTheWindowAreVramAndTheWindowMovesOnlyAtItsEdges() {
        MmGpu g = new MmGpu(tmp);
        Pramin p = g.pramin;
        p.write32(0x10, 0x1111_2222);
        assertEquals(1, p.windowMoves());
        assertEquals(0x1111_2222L, g.gpu.vramRead(0x10, 4));
        p.write32(MIB - 4, 0x3333_4444); // the window's last word: no move
        assertEquals(1, p.windowMoves());
        assertEquals(0x3333_4444L, g.gpu.vramRead(MIB - 4, 4));
        p.write32(MIB, 0x5555_6666); // one past: the window moves to the next 64 KiB
        assertEquals(2, p.windowMoves());
        assertEquals(MIB, p.windowBase());
        assertEquals(0x5555_6666L, g.gpu.vramRead(MIB, 4));
        assertEquals(Bar0Window.PBUS_BAR0_WINDOW_BASE.of(MIB >>> Bar0Window.BASE_SHIFT),
                g.bar0.read32(Bar0Window.PBUS_BAR0_WINDOW.address()), "the register holds the base in 64 KiB units");
        // reading back what lies below the new window moves it down again
        assertEquals(0x3333_4444, p.read32(MIB - 4));
        assertEquals(3, p.windowMoves());
        assertEquals(MIB - (64 << 10), p.windowBase());
        p.write64(5 * MIB + 8, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, g.gpu.vramRead(5 * MIB + 8, 8));
        assertEquals(0x0102_0304_0506_0708L, p.read64(5 * MIB + 8));
        p.zero(5 * MIB, 64);
        assertEquals(0, g.gpu.vramRead(5 * MIB + 8, 8));
    }

    @Test
    void theLastWordOfVramIsReachableAndNothingBeyond() {
        MmGpu g = new MmGpu(tmp, Chipset.TU102);
        Pramin p = g.pramin;
        long end = p.vramSize();
        p.write32(end - 4, 0x7777_8888);
        assertEquals(0x7777_8888L, g.gpu.vramRead(end - 4, 4));
        DriverException e = assertThrows(DriverException.class, () -> p.read32(end));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> p.read32(2)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> p.read64(4)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> p.zero(end - 4, 8)).errno());
    }
}
