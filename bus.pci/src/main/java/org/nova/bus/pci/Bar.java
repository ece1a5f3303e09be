package org.nova.bus.pci;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.Optional;

import org.nova.devres.RevokedException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.annotation.versioning.ConsumerType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mapped PCI BAR (Rust's {@code pci::Bar}, the C {@code pci_iomap}): typed, little-endian,
 * bounds- and alignment-checked access to one region of a function. Offsets are relative to the
 * start of the BAR.
 *
 * <p><b>Checks.</b> An access of width w at offset o needs {@code 0 <= o <= size - w} and
 * {@code o % w == 0}; otherwise it throws {@link DriverException} {@link Errno#EINVAL} naming the
 * offset, the width and the size, and touches nothing.
 *
 * <p><b>Two paths.</b> When the backend gives the region as plain memory, accesses go straight to
 * the {@link MemorySegment} (as cheap as a raw segment access plus the alignment test: the
 * segment's own bounds check is the bound); otherwise through the backend's register model
 * ({@link Registers}), so the device sees every access.
 *
 * <p><b>Ownership and lifetime.</b> The PCI bus creates Bars ({@link PciDevice#iomapRegion}) and
 * hands them out inside a {@link org.nova.devres.Devres}; the driver reaches the Bar through the
 * Devres's guard. When the Devres is revoked (driver unbind, device removal, or the driver closing
 * it), the mapping is taken away: access through a guard is impossible, and a Bar reference kept
 * beyond its guard fails every later access with {@link RevokedException}. An access racing with
 * the revocation may still complete against the region, never against unmapped memory: the
 * backend's segment is scoped, and an access after the backend unmapped it fails with
 * {@link RevokedException} as well.
 *
 * <p><b>Direct memory.</b> {@link #memory()} hands a driver the region itself (a VRAM aperture
 * to slice for user mappings, say), as a view with its own lifetime: the Bar revokes the view
 * before the backend unmaps, so a view kept beyond the Bar fails every access with
 * {@link IllegalStateException} and never touches unmapped memory.
 */
public final class Bar {
    private static final Logger LOG = LoggerFactory.getLogger(Bar.class);

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

    /**
     * The register-level model of a region, for regions that are not plain memory. Implemented
     * by the PCI bus over its backend; offsets are already checked when a method is called.
     * A method reports a device that is gone with {@link RevokedException} or a
     * {@link DriverException} carrying the backend's errno.
     */
    @ConsumerType
    public interface Registers {
        /** @return the byte at offset, 0..0xff */
        int read8(long offset);

        /** @return the 16-bit value at offset, 0..0xffff */
        int read16(long offset);

        /** @return the 32-bit value at offset */
        int read32(long offset);

        /** @return the 64-bit value at offset */
        long read64(long offset);

        /** Writes the low 8 bits of value. */
        void write8(long offset, int value);

        /** Writes the low 16 bits of value. */
        void write16(long offset, int value);

        /** Writes value. */
        void write32(long offset, int value);

        /** Writes value. */
        void write64(long offset, long value);
    }

    /**
     * The owner's handle on a Bar: the PCI bus keeps it and closes it when the Bar's Devres is
     * released. Closing revokes the Bar and then releases the mapping underneath, exactly once.
     */
    public static final class Mapping implements AutoCloseable {
        private final Bar bar;
        private final AutoCloseable unmap;
        private boolean closed;

        private Mapping(Bar bar, AutoCloseable unmap) {
            this.bar = bar;
            this.unmap = unmap;
        }

        /** @return the Bar; valid until this mapping is closed */
        public Bar bar() {
            return bar;
        }

        /** Revokes the Bar, then unmaps. Idempotent; an unmap failure is logged. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            bar.revoke();
            try {
                unmap.close();
            } catch (Exception e) {
                LOG.warn("unmapping {} failed: {}", bar.name, e.toString());
            }
        }
    }

    private final String name;
    private final long size;
    /** The region as memory; {@link #DEAD} once revoked; null on the register path. */
    private MemorySegment memory;
    /** The register model; null on the memory path and once revoked. */
    private Registers registers;
    private volatile boolean revoked;
    /** Scopes {@link #view}; closed by {@link #revoke()} before the backend unmaps. Null without a view. */
    private final Arena viewArena;
    /** What {@link #memory()} hands out: the region under {@link #viewArena}'s lifetime; null without one. */
    private final MemorySegment view;

    private Bar(String name, long size, MemorySegment memory, Registers registers) {
        this.name = name;
        this.size = size;
        this.memory = memory;
        this.registers = registers;
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
     * A Bar over plain memory. Used by the PCI bus; also lets tests and benchmarks build a Bar
     * over any segment.
     *
     * @param name names the BAR in messages, e.g. "pci:bar0 of 0000:00:03.0"
     * @param memory the region; the Bar's size is its size
     * @param unmap closed once, after the Bar is revoked; owns whatever backs the memory
     * @return the owner's handle
     */
    public static Mapping overMemory(String name, MemorySegment memory, AutoCloseable unmap) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(unmap, "unmap");
        return new Mapping(new Bar(name, memory.byteSize(), memory, null), unmap);
    }

    /**
     * A Bar over a register model.
     *
     * @param name names the BAR in messages
     * @param size the region size in bytes, &gt;= 0
     * @param registers the model; called only with checked offsets
     * @param unmap closed once, after the Bar is revoked
     * @return the owner's handle
     */
    public static Mapping overRegisters(String name, long size, Registers registers, AutoCloseable unmap) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(registers, "registers");
        Objects.requireNonNull(unmap, "unmap");
        if (size < 0) {
            throw new DriverException(Errno.EINVAL, "BAR " + name + " has a negative size " + size);
        }
        return new Mapping(new Bar(name, size, null, registers), unmap);
    }

    /** @return the name given at mapping time */
    public String name() {
        return name;
    }

    /** @return the size of the BAR in bytes */
    public long size() {
        return size;
    }

    /** @return true once the mapping has been taken away */
    public boolean isRevoked() {
        return revoked;
    }

    /**
     * The region as memory, for a driver that hands parts of it out (a VRAM aperture sliced for
     * user mappings): present only for a BAR the backend gives as plain native memory (a RAM-like
     * simulated BAR, a VFIO mmap); empty for a register-level BAR (every access must reach the
     * device model) and for a Bar over a heap segment. Its size is {@link #size()}; accesses are
     * raw: no alignment rule, byte order as the layout used says.
     *
     * <p><b>Lifetime.</b> The segment is a view whose scope the Bar owns: when the Bar is revoked
     * (its Devres released: unbind, removal) the view is closed before the backend unmaps, and from
     * then on every access through it, or through any slice of it, throws
     * {@link IllegalStateException}; it never touches unmapped memory. An access racing with the
     * revocation completes before the unmap (a shared arena's close waits for it). The backend must
     * not free the region's memory while the Bar is mapped (VFIO unmaps only when the Bar's owner
     * closes it; the simulator's GPU aperture is freed by the garbage collector once no view
     * references it); the view keeps a reference to the backend's segment for this.
     *
     * @return the view, or empty (always empty once revoked)
     */
    public Optional<MemorySegment> memory() {
        if (view == null || revoked) {
            return Optional.empty();
        }
        return Optional.of(view);
    }

    // ---- reads -------------------------------------------------------------------------------

    /** @return the byte at offset, 0..0xff */
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
        return registers(offset, W8, "read8").read8(offset);
    }

    /** @return the 16-bit value at offset, 0..0xffff */
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
        return registers(offset, W16, "read16").read16(offset);
    }

    /** @return the 32-bit value at offset */
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
        return registers(offset, W32, "read32").read32(offset);
    }

    /** @return the 64-bit value at offset */
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
        return registers(offset, W64, "read64").read64(offset);
    }

    // ---- writes ------------------------------------------------------------------------------

    /** Writes the low 8 bits of value at offset. */
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
        registers(offset, W8, "write8").write8(offset, value);
    }

    /** Writes the low 16 bits of value at offset. */
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
        registers(offset, W16, "write16").write16(offset, value);
    }

    /** Writes value at offset. */
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
        registers(offset, W32, "write32").write32(offset, value);
    }

    /** Writes value at offset. */
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
        registers(offset, W64, "write64").write64(offset, value);
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
    private Registers registers(long offset, int width, String op) {
        if (revoked) {
            throw new RevokedException(name);
        }
        check(op, offset, width, size, name);
        Registers r = registers;
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
    static void check(String op, long offset, int width, long size, String name) {
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
            check(op, offset, width, size, name);
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
