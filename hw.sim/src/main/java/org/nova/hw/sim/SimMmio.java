package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;

/** A mapping of one region of a simulated function; every access goes through the function. */
final class SimMmio implements Mmio {
    /** Mask of an unsigned byte. */
    private static final int BYTE_MASK = 0xff;
    /** Mask of an unsigned 16-bit value. */
    private static final int SHORT_MASK = 0xffff;

    private final SimulatedFunction function;
    private final int index;
    private final BarSpec bar;
    private final Region region;
    private volatile boolean closed;

    SimMmio(SimulatedFunction function, int index, BarSpec bar, Region region) {
        this.function = function;
        this.index = index;
        this.bar = bar;
        this.region = region;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public long size() {
        return bar.size();
    }

    void checkOpen() {
        if (closed) {
            throw new HwException(HwException.ENODEV, function.address() + ": mapping of region " + index + " is closed");
        }
    }

    private long access(long offset, int width, boolean write, long value) {
        checkOpen();
        if (!function.isPresent()) {
            throw new HwException(HwException.ENODEV, function + " has been removed");
        }
        if (offset < 0 || offset > bar.size() - width) {
            throw new HwException(HwException.ERANGE, function.address() + ": " + width + "-byte access at 0x"
                    + Long.toHexString(offset) + " is outside region " + index + " of " + bar.size() + " bytes");
        }
        if ((offset & (width - 1)) != 0) {
            throw new HwException(HwException.EINVAL, function.address() + ": " + width + "-byte access at 0x"
                    + Long.toHexString(offset) + " of region " + index + " is not naturally aligned");
        }
        if (bar.kind() == BarSpec.Kind.IO && width == Long.BYTES) {
            throw new HwException(HwException.EINVAL, function.address() + ": region " + index
                    + " is I/O space, which has no 8-byte accesses");
        }
        return function.regionAccess(this, index, offset, width, write, value);
    }

    @Override
    public int read8(long offset) {
        return (int) access(offset, Byte.BYTES, false, 0) & BYTE_MASK;
    }

    @Override
    public int read16(long offset) {
        return (int) access(offset, Short.BYTES, false, 0) & SHORT_MASK;
    }

    @Override
    public int read32(long offset) {
        return (int) access(offset, Integer.BYTES, false, 0);
    }

    @Override
    public long read64(long offset) {
        return access(offset, Long.BYTES, false, 0);
    }

    @Override
    public void write8(long offset, int value) {
        access(offset, Byte.BYTES, true, value & BYTE_MASK);
    }

    @Override
    public void write16(long offset, int value) {
        access(offset, Short.BYTES, true, value & SHORT_MASK);
    }

    @Override
    public void write32(long offset, int value) {
        access(offset, Integer.BYTES, true, Integer.toUnsignedLong(value));
    }

    @Override
    public void write64(long offset, long value) {
        access(offset, Long.BYTES, true, value);
    }

    @Override
    public Optional<MemorySegment> segment() {
        checkOpen();
        if (!function.isPresent()) {
            throw new HwException(HwException.ENODEV, function + " has been removed");
        }
        return region.memory();
    }

    @Override
    public void close() {
        closed = true;
    }
}
