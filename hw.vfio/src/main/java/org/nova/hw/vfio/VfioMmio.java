package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;

/**
 * A mapping of one region of a {@link VfioFunction}: either an mmap of the device fd (the BAR's
 * memory itself, owned by a shared {@link Arena}: closing the arena munmaps it, and from then on
 * any access through the segment throws IllegalStateException instead of touching unmapped
 * memory), or, where the region cannot be mapped (I/O BARs, the ROM, a failed mmap), pread and
 * pwrite on the device fd at the region's offset.
 *
 * <p>Checks (see {@link Mmio}): closed or removed → ENODEV, out of range → ERANGE, misaligned →
 * EINVAL, a memory BAR while PCI_COMMAND_MEMORY is clear → EIO (checked against the command
 * register as last written through the function, so a mapped access never reaches a BAR the
 * kernel has zapped: vfio-pci revokes BAR mmaps while memory decoding is off, and touching one
 * would be a SIGBUS), a write to the ROM → EROFS.
 */
final class VfioMmio implements Mmio {
    private final VfioFunction function;
    private final RegionInfo info;
    private final long fdOffset;
    private final long size;
    private final boolean memory;
    private final boolean readOnly;
    /** The mapping (mmap path) or null (pread/pwrite path). */
    private final MemorySegment segment;
    private final Arena arena;
    private volatile boolean closed;

    private VfioMmio(VfioFunction function, RegionInfo info, VfioFunction.VRegion r, MemorySegment segment, Arena arena) {
        this.function = function;
        this.info = info;
        this.fdOffset = r.offset();
        this.size = info.size();
        this.memory = info.has(RegionFlag.MEMORY) && info.index() != RegionInfo.ROM_INDEX;
        this.readOnly = !info.has(RegionFlag.WRITE);
        this.segment = segment;
        this.arena = arena;
    }

    /** Maps the region with mmap(MAP_SHARED) on the device fd. */
    static VfioMmio mapped(VfioFunction f, RegionInfo info, VfioFunction.VRegion r) {
        int prot = LibC.PROT_READ | (info.has(RegionFlag.WRITE) ? LibC.PROT_WRITE : 0);
        long len = LibC.pageAlign(info.size());
        long addr = f.mmapDevice("mmap region " + info.index(), len, prot, r.offset());
        Arena arena = Arena.ofShared();
        MemorySegment seg = MemorySegment.ofAddress(addr).reinterpret(info.size(), arena, s -> LibC.munmap(addr, len));
        f.group(); // (the mapping is tracked by the function; see VfioFunction.map)
        return new VfioMmio(f, info, r, seg, arena);
    }

    /** The pread/pwrite path. */
    static VfioMmio rw(VfioFunction f, RegionInfo info, VfioFunction.VRegion r) {
        return new VfioMmio(f, info, r, null, null);
    }

    @Override
    public int index() {
        return info.index();
    }

    @Override
    public long size() {
        return size;
    }

    /** @return whether this mapping is an mmap (else pread/pwrite) */
    boolean isMapped() {
        return segment != null;
    }

    boolean isClosed() {
        return closed;
    }

    private void check(long offset, int width, boolean write) {
        if (closed) {
            throw new HwException(HwException.ENODEV, function.address() + ": region " + info.index() + " is unmapped");
        }
        function.ensurePresent("region " + info.index() + " access");
        if (offset < 0 || offset > size - width) {
            throw new HwException(HwException.ERANGE, function.address() + ": region " + info.index() + " offset 0x"
                    + Long.toHexString(offset) + " + " + width + " beyond its " + size + " bytes");
        }
        if ((offset & (width - 1)) != 0) {
            throw new HwException(HwException.EINVAL, function.address() + ": region " + info.index() + " offset 0x"
                    + Long.toHexString(offset) + " is not aligned to " + width);
        }
        if (write && readOnly) {
            throw new HwException(HwException.EROFS, function.address() + ": region " + info.index() + " is read-only");
        }
        if (memory && !function.memoryEnabled()) {
            throw new HwException(HwException.EIO, function.address() + ": BAR " + info.index()
                    + " accessed while memory decoding is off (PCI_COMMAND_MEMORY clear)");
        }
    }

    private HwException gone(IllegalStateException e) {
        return new HwException(HwException.ENODEV, function.address() + ": region " + info.index() + " is unmapped", e);
    }

    private long read(long offset, int width) {
        check(offset, width, false);
        if (segment == null) {
            return function.pread("region " + info.index() + " read", fdOffset + offset, width);
        }
        try {
            return switch (width) {
                case 1 -> Byte.toUnsignedInt(segment.get(JAVA_BYTE, offset));
                case 2 -> Short.toUnsignedInt(segment.get(VfioFunction.LE_SHORT, offset));
                case 4 -> Integer.toUnsignedLong(segment.get(VfioFunction.LE_INT, offset));
                default -> segment.get(VfioFunction.LE_LONG, offset);
            };
        } catch (IllegalStateException e) {
            throw gone(e);
        }
    }

    private void write(long offset, int width, long value) {
        check(offset, width, true);
        if (segment == null) {
            function.pwrite("region " + info.index() + " write", fdOffset + offset, width, value);
            return;
        }
        try {
            switch (width) {
                case 1 -> segment.set(JAVA_BYTE, offset, (byte) value);
                case 2 -> segment.set(VfioFunction.LE_SHORT, offset, (short) value);
                case 4 -> segment.set(VfioFunction.LE_INT, offset, (int) value);
                default -> segment.set(VfioFunction.LE_LONG, offset, value);
            }
        } catch (IllegalStateException e) {
            throw gone(e);
        }
    }

    @Override
    public int read8(long offset) {
        return (int) read(offset, 1);
    }

    @Override
    public int read16(long offset) {
        return (int) read(offset, 2);
    }

    @Override
    public int read32(long offset) {
        return (int) read(offset, 4);
    }

    @Override
    public long read64(long offset) {
        return read(offset, 8);
    }

    @Override
    public void write8(long offset, int value) {
        write(offset, 1, value);
    }

    @Override
    public void write16(long offset, int value) {
        write(offset, 2, value);
    }

    @Override
    public void write32(long offset, int value) {
        write(offset, 4, value);
    }

    @Override
    public void write64(long offset, long value) {
        write(offset, 8, value);
    }

    @Override
    public Optional<MemorySegment> segment() {
        return Optional.ofNullable(segment);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (arena != null) {
            arena.close(); // munmap; the segment is inaccessible from here on
        }
        function.forget(this);
    }

    @Override
    public String toString() {
        return "region " + info.index() + " " + size + " bytes " + (segment != null
                ? "mmap@0x" + Long.toHexString(segment.address()) : "pread/pwrite");
    }
}
