package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciAddress;

/**
 * A mapping of one region of a vfio-pci function ({@link VfioRegions#map}): either an mmap of
 * the device fd (the BAR's memory itself, owned by a shared {@link Arena}: closing the arena
 * munmaps it, and from then on any access through the segment throws IllegalStateException
 * instead of touching unmapped memory), or, where the region cannot be mapped (I/O BARs, the
 * ROM, a failed mmap), pread and pwrite on the device fd at the region's offset; or, for a region
 * whose info lists sparse-mmap areas, an mmap of each area (one arena for all of them) with
 * pread/pwrite for every access outside them.
 *
 * <p>Checks (see {@link Mmio}): closed or removed → ENODEV, out of range → ERANGE, misaligned →
 * EINVAL, a memory BAR while PCI_COMMAND_MEMORY is clear → EIO (checked against the command
 * register as last written through the function, {@link VfioPciConfig#memoryEnabled()}, so a
 * mapped access never reaches a BAR the kernel has zapped), a write to the ROM → EROFS.
 */
final class VfioMmio implements Mmio {
    private final VfioRegions owner;
    private final PciAddress address;
    private final RegionInfo info;
    private final long fdOffset;
    private final long size;
    private final boolean memory;
    private final boolean readOnly;
    /** The mapping (mmap path) or null (pread/pwrite and sparse paths). */
    private final MemorySegment segment;
    /** The region's capabilities as vfio:status shows them, "" without any. */
    private final String capsText;
    /** The mapped areas of a sparse region (empty otherwise). */
    private final List<AreaMap> areas;
    private final Arena arena;
    private volatile boolean closed;

    /** One mmap'd area of a sparse region. */
    private record AreaMap(VfioInfoCaps.Area area, MemorySegment segment) {
    }

    private VfioMmio(VfioRegions owner, RegionInfo info, VfioDeviceFd.Region r, MemorySegment segment,
            List<AreaMap> areas, Arena arena) {
        this.owner = owner;
        this.address = owner.address();
        this.info = info;
        this.fdOffset = r.offset();
        this.size = info.size();
        this.memory = info.has(RegionFlag.MEMORY) && info.index() != RegionInfo.ROM_INDEX;
        this.readOnly = !info.has(RegionFlag.WRITE);
        this.segment = segment;
        this.areas = List.copyOf(areas);
        this.capsText = r.caps().ids().isEmpty() ? "" : r.caps().describe();
        this.arena = arena;
    }

    /** Maps the region with mmap(MAP_SHARED) on the device fd. */
    static VfioMmio mapped(VfioRegions owner, RegionInfo info, VfioDeviceFd.Region r) {
        int prot = LibC.PROT_READ | (info.has(RegionFlag.WRITE) ? LibC.PROT_WRITE : 0);
        long len = LibC.pageAlign(info.size());
        long addr = owner.fd().mmap("mmap region " + info.index(), len, prot, r.offset());
        Arena arena = Arena.ofShared();
        MemorySegment seg = MemorySegment.ofAddress(addr).reinterpret(info.size(), arena, s -> LibC.munmap(addr, len));
        return new VfioMmio(owner, info, r, seg, List.of(), arena);
    }

    /**
     * Maps each sparse-mmap area of the region; accesses elsewhere take pread/pwrite. If an area
     * cannot be mapped, the ones already mapped are unmapped again and the failure is thrown.
     */
    static VfioMmio sparse(VfioRegions owner, RegionInfo info, VfioDeviceFd.Region r) {
        int prot = LibC.PROT_READ | (info.has(RegionFlag.WRITE) ? LibC.PROT_WRITE : 0);
        Arena arena = Arena.ofShared();
        List<AreaMap> maps = new ArrayList<>();
        try {
            for (VfioInfoCaps.Area a : r.caps().sparse().orElseThrow()) {
                long len = LibC.pageAlign(a.size());
                long addr = owner.fd().mmap("mmap region " + info.index() + " area 0x" + Long.toHexString(a.offset()),
                        len, prot, r.offset() + a.offset());
                maps.add(new AreaMap(a, MemorySegment.ofAddress(addr).reinterpret(a.size(), arena,
                        s -> LibC.munmap(addr, len))));
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        return new VfioMmio(owner, info, r, null, maps, arena);
    }

    /** The pread/pwrite path. */
    static VfioMmio rw(VfioRegions owner, RegionInfo info, VfioDeviceFd.Region r) {
        return new VfioMmio(owner, info, r, null, List.of(), null);
    }

    /** @return the mapped area of a sparse region that holds [offset, offset + width), or null */
    private AreaMap areaFor(long offset, int width) {
        for (AreaMap m : areas) {
            if (m.area().holds(offset, width)) {
                return m;
            }
        }
        return null;
    }

    /** @return the areas this mapping mmap'd, as "0x0+0x3000", for diagnostics */
    List<String> mappedAreas() {
        return areas.stream().map(m -> "0x" + Long.toHexString(m.area().offset()) + "+0x"
                + Long.toHexString(m.area().size())).toList();
    }

    @Override
    public int index() {
        return info.index();
    }

    @Override
    public long size() {
        return size;
    }

    private void check(long offset, int width, boolean write) {
        if (closed) {
            throw new HwException(HwException.ENODEV, address + ": region " + info.index() + " is unmapped");
        }
        if (!owner.fd().usable()) {
            throw new HwException(HwException.ENODEV, address + ": region " + info.index()
                    + " access: the function was removed");
        }
        if (offset < 0 || offset > size - width) {
            throw new HwException(HwException.ERANGE, address + ": region " + info.index() + " offset 0x"
                    + Long.toHexString(offset) + " + " + width + " beyond its " + size + " bytes");
        }
        if ((offset & (width - 1)) != 0) {
            throw new HwException(HwException.EINVAL, address + ": region " + info.index() + " offset 0x"
                    + Long.toHexString(offset) + " is not aligned to " + width);
        }
        if (write && readOnly) {
            throw new HwException(HwException.EROFS, address + ": region " + info.index() + " is read-only");
        }
        if (memory && !owner.config().memoryEnabled()) {
            throw new HwException(HwException.EIO, address + ": BAR " + info.index()
                    + " accessed while memory decoding is off (PCI_COMMAND_MEMORY clear)");
        }
    }

    private HwException gone(IllegalStateException e) {
        return new HwException(HwException.ENODEV, address + ": region " + info.index() + " is unmapped", e);
    }

    private long read(long offset, int width) {
        check(offset, width, false);
        if (segment != null) {
            return get(segment, offset, width);
        }
        AreaMap area = areaFor(offset, width);
        if (area == null) {
            return owner.fd().pread("region " + info.index() + " read", fdOffset + offset, width);
        }
        return get(area.segment(), offset - area.area().offset(), width);
    }

    private void write(long offset, int width, long value) {
        check(offset, width, true);
        if (segment != null) {
            set(segment, offset, width, value);
            return;
        }
        AreaMap area = areaFor(offset, width);
        if (area == null) {
            owner.fd().pwrite("region " + info.index() + " write", fdOffset + offset, width, value);
            return;
        }
        set(area.segment(), offset - area.area().offset(), width, value);
    }

    /** A load from mapped memory: the whole region's mapping or a sparse area's. */
    private long get(MemorySegment mem, long at, int width) {
        try {
            return switch (width) {
                case Byte.BYTES -> Byte.toUnsignedInt(mem.get(JAVA_BYTE, at));
                case Short.BYTES -> Short.toUnsignedInt(mem.get(VfioDeviceFd.LE_SHORT, at));
                case Integer.BYTES -> Integer.toUnsignedLong(mem.get(VfioDeviceFd.LE_INT, at));
                default -> mem.get(VfioDeviceFd.LE_LONG, at);
            };
        } catch (IllegalStateException e) {
            throw gone(e);
        }
    }

    /** A store to mapped memory. */
    private void set(MemorySegment mem, long at, int width, long value) {
        try {
            switch (width) {
                case Byte.BYTES -> mem.set(JAVA_BYTE, at, (byte) value);
                case Short.BYTES -> mem.set(VfioDeviceFd.LE_SHORT, at, (short) value);
                case Integer.BYTES -> mem.set(VfioDeviceFd.LE_INT, at, (int) value);
                default -> mem.set(VfioDeviceFd.LE_LONG, at, value);
            }
        } catch (IllegalStateException e) {
            throw gone(e);
        }
    }

    @Override
    public int read8(long offset) {
        return (int) read(offset, Byte.BYTES);
    }

    @Override
    public int read16(long offset) {
        return (int) read(offset, Short.BYTES);
    }

    @Override
    public int read32(long offset) {
        return (int) read(offset, Integer.BYTES);
    }

    @Override
    public long read64(long offset) {
        return read(offset, Long.BYTES);
    }

    @Override
    public void write8(long offset, int value) {
        write(offset, Byte.BYTES, value);
    }

    @Override
    public void write16(long offset, int value) {
        write(offset, Short.BYTES, value);
    }

    @Override
    public void write32(long offset, int value) {
        write(offset, Integer.BYTES, value);
    }

    @Override
    public void write64(long offset, long value) {
        write(offset, Long.BYTES, value);
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
        owner.forget(this);
    }

    @Override
    public String toString() {
        String how = segment != null ? "mmap@0x" + Long.toHexString(segment.address())
                : !areas.isEmpty() ? "sparse mmap " + mappedAreas() + ", pread/pwrite elsewhere" : "pread/pwrite";
        String caps = capsText.isEmpty() ? "" : ", caps " + capsText;
        return "region " + info.index() + " " + size + " bytes " + how + caps;
    }
}
