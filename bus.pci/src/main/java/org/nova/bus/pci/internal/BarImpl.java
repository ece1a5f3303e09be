package org.nova.bus.pci.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Optional;

import org.nova.bus.pci.Bar;
import org.nova.devres.RevokedException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Bar} of a mapped region: rust/kernel/pci.rs {@code Bar} over rust/kernel/io.rs
 * {@code Io} (the offset checks of {@code offset_valid}), or in C the {@code void __iomem *} of
 * {@code pci_iomap} with {@code ioread32}/{@code iowrite32}. Made by {@link PciIomap} for a
 * driver and by {@code org.nova.bus.pci.testing.TestBars} for tests; nobody else can make one.
 *
 * <p>The owner (the Devres that holds it) ends it with {@link #release()}: the Bar is revoked,
 * its memory view closed, and then the region unmapped, exactly once.
 */
public final class BarImpl implements Bar {
    private static final Logger LOG = LoggerFactory.getLogger(BarImpl.class);

    /** PCI is little-endian (PCI Local Bus Spec 3.0, 3.2.2); alignment is checked by hand. */
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** What a revoked Bar accesses instead: no byte, so every access fails before touching memory. */
    private static final MemorySegment DEAD = MemorySegment.NULL;

    /** Access widths in bytes (8, 16, 32 and 64-bit accesses). */
    private static final int W8 = 1;
    private static final int W16 = 2;
    private static final int W32 = 4;
    private static final int W64 = 8;

    private final String name;
    private final long size;
    /** The region as memory; {@link #DEAD} once revoked; null on the register path. */
    private MemorySegment memory;
    /** The backend's register model; null on the memory path and once revoked. */
    private Mmio registers;
    private volatile boolean revoked;
    /** Scopes {@link #view}; closed by {@link #revoke()} before the backend unmaps. Null without a view. */
    private final Arena viewArena;
    /** What {@link #memory()} hands out: the region under {@link #viewArena}'s lifetime; null without one. */
    private final MemorySegment view;
    /** Unmaps the region; owns whatever backs it. Closed once, by {@link #release()}. */
    private final AutoCloseable unmap;
    /** Whether {@link #release()} ran. Guarded by this. */
    private boolean released;

    private BarImpl(String name, long size, MemorySegment memory, Mmio registers, AutoCloseable unmap) {
        this.name = Objects.requireNonNull(name, "name");
        this.size = size;
        this.memory = memory;
        this.registers = registers;
        this.unmap = Objects.requireNonNull(unmap, "unmap");
        if (memory != null && memory.isNative() && memory.scope().isAlive()) {
            // Bound to an arena the Bar owns, so the Bar (not the backend, whose arena may outlive
            // the mapping: the simulator frees region memory only on hot removal) ends the view.
            // The cleanup keeps the backend's segment (and so an automatic backend arena) reachable
            // while the view lives: the backend cannot be garbage-collected out from under it.
            this.viewArena = Arena.ofShared();
            MemorySegment keep = memory;
            this.view = memory.reinterpret(viewArena, s -> Reference.reachabilityFence(keep));
        } else {
            this.viewArena = null;
            this.view = null;
        }
    }

    /**
     * A Bar over plain memory: every access goes to the segment.
     *
     * @param name names the BAR in messages, e.g. "pci:bar0 of 0000:00:03.0 (edu)"
     * @param memory the region; the Bar's size is its size
     * @param unmap closed once, after the Bar is revoked; owns whatever backs the memory
     * @return the Bar, owned by the caller until it calls {@link #release()}
     */
    public static BarImpl overMemory(String name, MemorySegment memory, AutoCloseable unmap) {
        Objects.requireNonNull(memory, "memory");
        return new BarImpl(name, memory.byteSize(), memory, null, unmap);
    }

    /**
     * A Bar over a backend's register model: every access goes to {@code registers}, after the
     * Bar's checks; a backend failure becomes {@link RevokedException} (ENODEV: unmapped or the
     * function removed) or a {@link DriverException} with the backend's errno.
     *
     * @param name names the BAR in messages
     * @param size the region size in bytes, &gt;= 0
     * @param registers the backend's mapping; called only with checked offsets
     * @param unmap closed once, after the Bar is revoked
     * @return the Bar, owned by the caller until it calls {@link #release()}
     * @throws DriverException EINVAL for a negative size
     */
    public static BarImpl overRegisters(String name, long size, Mmio registers, AutoCloseable unmap) {
        Objects.requireNonNull(registers, "registers");
        if (size < 0) {
            throw new DriverException(Errno.EINVAL, "BAR " + name + " has a negative size " + size);
        }
        return new BarImpl(name, size, null, registers, unmap);
    }

    /**
     * The Bar over a backend's mapping of a region, as {@code pci_iomap} maps it: the memory path
     * when the backend gives the region as memory (cut to {@code size}), else the register path.
     *
     * @param name names the BAR in messages
     * @param size the region size the bus knows (the BAR's length)
     * @param region the backend's mapping
     * @param unmap closed once, after the Bar is revoked; closes {@code region}
     */
    public static BarImpl over(String name, long size, Mmio region, AutoCloseable unmap) {
        Optional<MemorySegment> seg = region.segment();
        if (seg.isPresent()) {
            MemorySegment m = seg.get();
            return overMemory(name, m.byteSize() > size ? m.asSlice(0, size) : m, unmap);
        }
        return overRegisters(name, size, region, unmap);
    }

    /** Revokes the Bar, then unmaps. Idempotent; an unmap failure is logged. */
    public synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        revoke();
        try {
            unmap.close();
        } catch (Exception e) {
            LOG.warn("unmapping {} failed: {}", name, e.toString());
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isRevoked() {
        return revoked;
    }

    @Override
    public Optional<MemorySegment> memory() {
        if (view == null || revoked) {
            return Optional.empty();
        }
        return Optional.of(view);
    }

    // ---- reads -------------------------------------------------------------------------------

    @Override
    public int read8(long offset) {
        MemorySegment m = memory;
        if (m != null) {
            try {
                return Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, offset));
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("read8", offset, W8);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W8, "read8");
        try {
            return r.read8(offset);
        } catch (HwException e) {
            throw fail(e, "read8", offset);
        }
    }

    @Override
    public int read16(long offset) {
        MemorySegment m = memory;
        if (m != null && (offset & (W16 - 1)) == 0) {
            try {
                return Short.toUnsignedInt(m.get(LE16, offset));
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("read16", offset, W16);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W16, "read16");
        try {
            return r.read16(offset);
        } catch (HwException e) {
            throw fail(e, "read16", offset);
        }
    }

    @Override
    public int read32(long offset) {
        MemorySegment m = memory;
        if (m != null && (offset & (W32 - 1)) == 0) {
            try {
                return m.get(LE32, offset);
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("read32", offset, W32);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W32, "read32");
        try {
            return r.read32(offset);
        } catch (HwException e) {
            throw fail(e, "read32", offset);
        }
    }

    @Override
    public long read64(long offset) {
        MemorySegment m = memory;
        if (m != null && (offset & (W64 - 1)) == 0) {
            try {
                return m.get(LE64, offset);
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("read64", offset, W64);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W64, "read64");
        try {
            return r.read64(offset);
        } catch (HwException e) {
            throw fail(e, "read64", offset);
        }
    }

    // ---- writes ------------------------------------------------------------------------------

    @Override
    public void write8(long offset, int value) {
        MemorySegment m = memory;
        if (m != null) {
            try {
                m.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
                return;
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("write8", offset, W8);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W8, "write8");
        try {
            r.write8(offset, value);
        } catch (HwException e) {
            throw fail(e, "write8", offset);
        }
    }

    @Override
    public void write16(long offset, int value) {
        MemorySegment m = memory;
        if (m != null && (offset & (W16 - 1)) == 0) {
            try {
                m.set(LE16, offset, (short) value);
                return;
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("write16", offset, W16);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W16, "write16");
        try {
            r.write16(offset, value);
        } catch (HwException e) {
            throw fail(e, "write16", offset);
        }
    }

    @Override
    public void write32(long offset, int value) {
        MemorySegment m = memory;
        if (m != null && (offset & (W32 - 1)) == 0) {
            try {
                m.set(LE32, offset, value);
                return;
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("write32", offset, W32);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W32, "write32");
        try {
            r.write32(offset, value);
        } catch (HwException e) {
            throw fail(e, "write32", offset);
        }
    }

    @Override
    public void write64(long offset, long value) {
        MemorySegment m = memory;
        if (m != null && (offset & (W64 - 1)) == 0) {
            try {
                m.set(LE64, offset, value);
                return;
            } catch (IndexOutOfBoundsException e) {
                throw outOfRange("write64", offset, W64);
            } catch (IllegalStateException e) {
                throw gone(e);
            }
        }
        Mmio r = registers(offset, W64, "write64");
        try {
            r.write64(offset, value);
        } catch (HwException e) {
            throw fail(e, "write64", offset);
        }
    }

    @Override
    public String toString() {
        return "Bar[" + name + ", size 0x" + Long.toHexString(size) + (revoked ? ", revoked]" : "]");
    }

    // ---- slow paths --------------------------------------------------------------------------

    /**
     * The checks of the register path, and of a misaligned access on the memory path.
     *
     * @return the register model to use
     */
    private Mmio registers(long offset, int width, String op) {
        if (revoked) {
            throw new RevokedException(name);
        }
        check(op, offset, width);
        Mmio r = registers;
        if (r == null) {
            // memory path: check() accepted the access, so only a race with revoke() gets here
            throw new RevokedException(name);
        }
        return r;
    }

    /**
     * The bounds and alignment rule of every access (Rust io.rs {@code offset_valid}).
     *
     * @throws DriverException EINVAL naming the access when it is out of range or misaligned
     */
    private void check(String op, long offset, int width) {
        if (offset < 0 || offset > size - width) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s at offset 0x%x of %s: a %d-byte access does not fit in the BAR's 0x%x bytes", op, offset,
                    name, width, size));
        }
        if ((offset & (width - 1)) != 0) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s at offset 0x%x of %s (size 0x%x): not aligned to the access width %d", op, offset, name,
                    size, width));
        }
    }

    private RuntimeException outOfRange(String op, long offset, int width) {
        if (revoked) {
            return new RevokedException(name);
        }
        try {
            check(op, offset, width);
        } catch (DriverException e) {
            return e;
        }
        // the segment is smaller than the BAR claims: treat as gone
        return new RevokedException(name);
    }

    private RuntimeException gone(IllegalStateException e) {
        RevokedException r = new RevokedException(name);
        r.initCause(e);
        return r;
    }

    /**
     * A register access the backend refused: a mapping that is gone (ENODEV: unmapped or the
     * function removed) is revoked for the driver; other errors (EIO for a BAR whose decoding is
     * off) keep their errno.
     */
    private RuntimeException fail(HwException e, String op, long offset) {
        if (HwException.ENODEV.equals(e.errno())) {
            RevokedException r = new RevokedException(name);
            r.initCause(e);
            return r;
        }
        return Hw.translate(e, op + " at offset 0x" + Long.toHexString(offset) + " of " + name);
    }

    /** Takes the mapping away: later accesses fail with {@link RevokedException}. */
    private void revoke() {
        revoked = true;
        memory = memory == null ? null : DEAD;
        registers = null;
        if (viewArena != null) {
            try {
                viewArena.close();
            } catch (IllegalStateException e) {
                // the view is pinned (a native call holds it): the backend's unmap still ends access
                LOG.warn("closing the memory view of {} failed: {}", name, e.toString());
            }
        }
    }
}
