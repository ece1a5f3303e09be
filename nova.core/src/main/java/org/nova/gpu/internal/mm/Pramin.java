package org.nova.gpu.internal.mm;

import org.nova.bus.pci.Bar;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.regs.Bar0Window;

/**
 * VRAM through the PRAMIN window: BAR0's 1 MiB at {@link Bar0Window#PRAMIN_BASE}, placed by the
 * window register ({@link MmuHal#windowRegister()}) at a 64 KiB-aligned base and moved only when
 * an access falls outside it. The driver's bootstrap path to VRAM: it needs no page tables, so
 * page tables and instance blocks are written through it before BAR1 translates anything
 * (nouveau instmem/nv50.c, nova-core mm/pramin.rs).
 *
 * <p>Ownership: a Pramin owns the window register of its GPU; nothing else may move the window
 * while it lives. Valid while the BAR0 mapping it was given is. Thread-safe: accesses are
 * serialised, since moving the window and accessing through it must not interleave.
 */
public final class Pramin {
    private static final long WINDOW_ALIGN = 1L << Bar0Window.BASE_SHIFT;
    private static final int WORD = Integer.BYTES;

    private final Bar bar0;
    private final MmuHal hal;
    private final long vramSize;
    /** VRAM address the window shows at its first byte; -1 until first placed. Guarded by this. */
    private long base = -1;
    private long moves;

    /**
     * @param bar0 the GPU's BAR0 mapping
     * @param hal the chip's MMU HAL (which register places the window)
     * @param vramSize bytes of VRAM: accesses beyond are refused
     */
    public Pramin(Bar bar0, MmuHal hal, long vramSize) {
        this.bar0 = bar0;
        this.hal = hal;
        this.vramSize = vramSize;
    }

    /** @return the VRAM size this Pramin accepts addresses below */
    public long vramSize() {
        return vramSize;
    }

    /**
     * @param addr a VRAM address, 4-byte aligned
     * @return the 32-bit word there
     * @throws DriverException EINVAL for an address outside VRAM or misaligned
     */
    public synchronized int read32(long addr) {
        return bar0.read32(aim(addr, WORD));
    }

    /** Writes the 32-bit word at VRAM address {@code addr}; errors as {@link #read32}. */
    public synchronized void write32(long addr, int value) {
        bar0.write32(aim(addr, WORD), value);
    }

    /**
     * @param addr a VRAM address, 8-byte aligned
     * @return the little-endian 64-bit word there (two 32-bit accesses, low word first)
     */
    public synchronized long read64(long addr) {
        checkAligned(addr, Long.BYTES);
        long lo = Integer.toUnsignedLong(read32(addr));
        return lo | (long) read32(addr + WORD) << Integer.SIZE;
    }

    /** Writes a little-endian 64-bit word (low word first); errors as {@link #read32}. */
    public synchronized void write64(long addr, long value) {
        checkAligned(addr, Long.BYTES);
        write32(addr, (int) value);
        write32(addr + WORD, (int) (value >>> Integer.SIZE));
    }

    /**
     * Zeroes [addr, addr + length).
     *
     * @throws DriverException EINVAL for a range outside VRAM or not 4-byte aligned
     */
    public synchronized void zero(long addr, long length) {
        checkAligned(addr, WORD);
        checkAligned(length, WORD);
        check(addr, length);
        for (long a = addr; a < addr + length; a += WORD) {
            write32(a, 0);
        }
    }

    /** @return how often the window was moved, for tests and figures */
    public synchronized long windowMoves() {
        return moves;
    }

    /** @return the VRAM address the window shows now, -1 before the first access */
    public synchronized long windowBase() {
        return base;
    }

    private int aim(long addr, int size) {
        checkAligned(addr, size);
        check(addr, size);
        if (base < 0 || addr < base || addr + size > base + Bar0Window.PRAMIN_SIZE) {
            long b = addr & ~(WINDOW_ALIGN - 1);
            bar0.write32(hal.windowRegister().address(), hal.windowValue(b));
            base = b;
            moves++;
        }
        return (int) (Bar0Window.PRAMIN_BASE + (addr - base));
    }

    private void check(long addr, long size) {
        if (addr < 0 || size < 0 || addr > vramSize - size) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "PRAMIN access [0x%x, +0x%x) lies outside the 0x%x bytes of VRAM", addr, size, vramSize));
        }
    }

    private static void checkAligned(long addr, int size) {
        if ((addr & (size - 1)) != 0) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "PRAMIN access at 0x%x is not %d-byte aligned", addr, size));
        }
    }
}
