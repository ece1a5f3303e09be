package org.nova.bus.pci.fake;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.nova.hw.pci.PciRegs;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaMapping;
import org.nova.hw.DmaDirection;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.IommuFault;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;

/** A test-only PCI function: a plain config space array, regions, interrupts, DMA and SR-IOV. */
public final class FakeFunction implements PciFunction {
    private final PciAddress address;
    private final FakeBridge bridge;
    private final byte[] config;
    private final RegionInfo[] regions = new RegionInfo[RegionInfo.ROM_INDEX + 1];
    private final boolean[] memoryBacked = new boolean[RegionInfo.ROM_INDEX + 1];
    private final Map<IrqType, Integer> irqCounts = new EnumMap<>(IrqType.class);
    private final List<Arena> arenas = new ArrayList<>();
    private volatile boolean present = true;
    private FakeIrqSet irqSet;
    private FakeSriov sriov;
    private FakeFunction physfn;
    /** Live DMA buffers. */
    public final AtomicInteger liveDma = new AtomicInteger();
    /** Live mappings. */
    public final AtomicInteger liveMaps = new AtomicInteger();
    /** Resets done. */
    public final AtomicInteger resets = new AtomicInteger();

    public FakeFunction(FakeBridge bridge, PciAddress address, int configSize) {
        this.bridge = bridge;
        this.address = address;
        this.config = new byte[configSize];
    }

    /** Sets the ids: vendor, device, subsystem, class (24 bits), revision; header type 0. */
    public FakeFunction ids(int vendor, int device, int subVendor, int subDevice, int cls, int rev) {
        put(PciRegs.PCI_VENDOR_ID, 2, vendor);
        put(PciRegs.PCI_DEVICE_ID, 2, device);
        put(PciRegs.PCI_SUBSYSTEM_VENDOR_ID, 2, subVendor);
        put(PciRegs.PCI_SUBSYSTEM_ID, 2, subDevice);
        put(PciRegs.PCI_REVISION_ID, 4, cls << 8 | rev);
        return this;
    }

    /** Writes raw config bytes, bypassing every check. */
    public FakeFunction put(int offset, int width, int value) {
        for (int i = 0; i < width; i++) {
            config[offset + i] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    /** Adds a region; memoryBacked regions map with a segment. */
    public FakeFunction region(int index, long size, boolean memoryBacked, RegionFlag... flags) {
        regions[index] = new RegionInfo(index, size, Set.of(flags));
        this.memoryBacked[index] = memoryBacked;
        return this;
    }

    public FakeFunction irqs(IrqType type, int count) {
        irqCounts.put(type, count);
        return this;
    }

    /**
     * Gives the function SR-IOV with {@code total} VFs, and (in an extended config space) the
     * capability that says where they are: at 0x100, First VF Offset and VF Stride 8 (the VFs sit
     * on the devices after the PF's, as {@link FakeSriov} places them), VF Device ID 0x10ff.
     */
    public FakeFunction sriov(int total) {
        this.sriov = new FakeSriov(total);
        if (config.length > PciRegs.PCI_CFG_SPACE_SIZE) {
            int cap = PciRegs.PCI_CFG_SPACE_SIZE;
            put(cap, 4, PciRegs.PCI_EXT_CAP_ID_SRIOV | 1 << PciRegs.PCI_EXT_CAP_VER_SHIFT);
            put(cap + PciRegs.PCI_SRIOV_TOTAL_VF, 2, total);
            put(cap + PciRegs.PCI_SRIOV_VF_OFFSET, 2, FAKE_VF_ROUTING_STEP);
            put(cap + PciRegs.PCI_SRIOV_VF_STRIDE, 2, FAKE_VF_ROUTING_STEP);
            put(cap + PciRegs.PCI_SRIOV_VF_DID, 2, FAKE_VF_DEVICE_ID);
        }
        return this;
    }

    /** Routing-ID distance between the fake's consecutive VFs (and from the PF): one device number. */
    private static final int FAKE_VF_ROUTING_STEP = 8;
    /** Device ID of the fake's VFs. */
    private static final int FAKE_VF_DEVICE_ID = 0x10ff;

    void physfn(FakeFunction pf) {
        this.physfn = pf;
    }

    /** Hot removal: every access fails, mappings and buffers die. */
    public void kill() {
        present = false;
        synchronized (arenas) {
            for (Arena a : arenas) {
                try {
                    a.close();
                } catch (IllegalStateException e) {
                    // closed already
                }
            }
            arenas.clear();
        }
    }

    /** Raises an interrupt on a vector of the enabled set. */
    public void fire(int vector) {
        FakeIrqSet s = irqSet;
        if (s != null && s.active) {
            s.handler.interrupt(vector);
        }
    }

    /** @return the enabled IRQ set, or null */
    public IrqSet irqSet() {
        return irqSet;
    }

    private void alive() {
        if (!present) {
            throw new HwException(HwException.ENODEV, address + " was removed");
        }
    }

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public HostBridge bridge() {
        return bridge;
    }

    @Override
    public boolean isPresent() {
        return present;
    }

    @Override
    public String model() {
        return "fake";
    }

    @Override
    public int configSize() {
        return config.length;
    }

    @Override
    public int readConfig(int offset, int width) {
        alive();
        check(offset, width);
        int v = 0;
        for (int i = 0; i < width; i++) {
            v |= (config[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    @Override
    public void writeConfig(int offset, int width, int value) {
        alive();
        check(offset, width);
        put(offset, width, value);
    }

    private void check(int offset, int width) {
        if (width != 1 && width != 2 && width != 4 || offset % width != 0) {
            throw new HwException(HwException.EINVAL, "bad config access " + offset + "/" + width);
        }
        if (offset < 0 || offset + width > config.length) {
            throw new HwException(HwException.ERANGE, "config access beyond " + config.length);
        }
    }

    @Override
    public Optional<RegionInfo> region(int index) {
        alive();
        if (index < 0 || index > RegionInfo.ROM_INDEX) {
            throw new HwException(HwException.EINVAL, "region " + index);
        }
        return Optional.ofNullable(regions[index]);
    }

    @Override
    public Mmio map(int index) {
        RegionInfo r = region(index).orElseThrow(() -> new HwException(HwException.ENXIO, "no region " + index));
        liveMaps.incrementAndGet();
        if (memoryBacked[index]) {
            Arena a = Arena.ofShared();
            synchronized (arenas) {
                arenas.add(a);
            }
            return new FakeMmio(index, r.size(), a.allocate(r.size(), 4096), a);
        }
        return new FakeMmio(index, r.size(), null, null);
    }

    /** A mapping: over memory (segment present) or over a register array (segment empty). */
    final class FakeMmio implements Mmio {
        private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private final int index;
        private final long size;
        private final MemorySegment segment;
        private final Arena arena;
        private final MemorySegment registers;
        private volatile boolean closed;
        /** Register accesses seen, for tests. */
        final AtomicInteger accesses = new AtomicInteger();

        FakeMmio(int index, long size, MemorySegment segment, Arena arena) {
            this.index = index;
            this.size = size;
            this.segment = segment;
            this.arena = arena;
            this.registers = segment == null ? MemorySegment.ofArray(new byte[(int) size]) : segment;
        }

        private void ok(long offset, int width) {
            if (closed || !present) {
                throw new HwException(HwException.ENODEV, "mapping closed");
            }
            if (offset < 0 || offset + width > size) {
                throw new HwException(HwException.ERANGE, "beyond region");
            }
            if (offset % width != 0) {
                throw new HwException(HwException.EINVAL, "misaligned");
            }
            accesses.incrementAndGet();
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public int read8(long offset) {
            ok(offset, 1);
            return registers.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
        }

        @Override
        public int read16(long offset) {
            ok(offset, 2);
            return (read8(offset) | read8(offset + 1) << 8);
        }

        @Override
        public int read32(long offset) {
            ok(offset, 4);
            return registers.get(LE32, offset);
        }

        @Override
        public long read64(long offset) {
            ok(offset, 8);
            return Integer.toUnsignedLong(read32(offset)) | (long) read32(offset + 4) << 32;
        }

        @Override
        public void write8(long offset, int value) {
            ok(offset, 1);
            registers.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
        }

        @Override
        public void write16(long offset, int value) {
            ok(offset, 2);
            write8(offset, value);
            write8(offset + 1, value >>> 8);
        }

        @Override
        public void write32(long offset, int value) {
            ok(offset, 4);
            registers.set(LE32, offset, value);
        }

        @Override
        public void write64(long offset, long value) {
            ok(offset, 8);
            write32(offset, (int) value);
            write32(offset + 4, (int) (value >>> 32));
        }

        @Override
        public Optional<MemorySegment> segment() {
            return Optional.ofNullable(segment);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                liveMaps.decrementAndGet();
                if (arena != null) {
                    synchronized (arenas) {
                        if (arenas.remove(arena)) {
                            arena.close();
                        }
                    }
                }
            }
        }
    }

    @Override
    public int irqCount(IrqType type) {
        alive();
        return irqCounts.getOrDefault(type, 0);
    }

    @Override
    public IrqSet enableIrqs(IrqType type, int count, IrqHandler handler) {
        alive();
        if (irqSet != null && irqSet.active) {
            throw new HwException(HwException.EBUSY, "irqs enabled");
        }
        if (count < 1 || count > irqCount(type) || handler == null) {
            throw new HwException(HwException.EINVAL, "bad irq count " + count);
        }
        irqSet = new FakeIrqSet(type, count, handler);
        return irqSet;
    }

    static final class FakeIrqSet implements IrqSet {
        final IrqType type;
        final int count;
        final IrqHandler handler;
        volatile boolean active = true;

        FakeIrqSet(IrqType type, int count, IrqHandler handler) {
            this.type = type;
            this.count = count;
            this.handler = handler;
        }

        @Override
        public IrqType type() {
            return type;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public boolean isActive() {
            return active;
        }

        /** The vectors masked through {@link #mask}: what a test checks the PCI layer did. */
        final Set<Integer> masked = ConcurrentHashMap.newKeySet();

        private void maskable(int vector) {
            if (type != IrqType.MSIX || vector < 0 || vector >= count) {
                throw new HwException(HwException.EINVAL, "vector " + vector + " of " + type + " cannot be masked");
            }
        }

        @Override
        public void mask(int vector) {
            maskable(vector);
            masked.add(vector);
        }

        @Override
        public void unmask(int vector) {
            maskable(vector);
            masked.remove(vector);
        }

        @Override
        public boolean isMasked(int vector) {
            return masked.contains(vector);
        }

        @Override
        public void close() {
            active = false;
        }
    }

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        alive();
        if (size < 1 || directions.isEmpty()) {
            throw new HwException(HwException.EINVAL, "bad dma size");
        }
        Arena a = Arena.ofShared();
        MemorySegment m = a.allocate(size, 4096);
        liveDma.incrementAndGet();
        long iova = 0x1000L * (liveDma.get() + 16);
        return new DmaBuffer() {
            private boolean closed;

            @Override
            public long iova() {
                return iova;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public Set<DmaDirection> directions() {
                return directions;
            }

            @Override
            public MemorySegment memory() {
                return m;
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    liveDma.decrementAndGet();
                    a.close();
                }
            }
        };
    }

    /** One mapDma call as the bus made it. */
    public record SgCall(long iova, long length, long alignment, List<DmaChunk> chunks, Set<DmaDirection> directions) {
    }

    /** The live scatter-gather mappings, oldest first. */
    public final List<SgCall> liveSg = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** When set, the next mapDma fails with this errno (then it is cleared), as an IOMMU out of space would. */
    public volatile String failNextMap;
    private long nextSgIova = 0x1000_0000L;

    @Override
    public synchronized DmaMapping mapDma(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions) {
        alive();
        DmaChunk.check(address().toString(), chunks, length, alignment, directions, 4096);
        String fail = failNextMap;
        if (fail != null) {
            failNextMap = null;
            throw new HwException(fail, "injected mapDma failure");
        }
        long iova = (nextSgIova + alignment - 1) & -alignment;
        nextSgIova = iova + length;
        SgCall call = new SgCall(iova, length, alignment, List.copyOf(chunks), Set.copyOf(directions));
        liveSg.add(call);
        return new DmaMapping() {
            @Override
            public long iova() {
                return iova;
            }

            @Override
            public long length() {
                return length;
            }

            @Override
            public Set<DmaDirection> directions() {
                return call.directions();
            }

            @Override
            public void close() {
                liveSg.remove(call);
            }
        };
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return List.of();
    }

    @Override
    public void reset() {
        alive();
        resets.incrementAndGet();
    }

    @Override
    public Optional<SriovControl> sriov() {
        return Optional.ofNullable(sriov);
    }

    @Override
    public Optional<PciFunction> physfn() {
        return Optional.ofNullable(physfn);
    }

    /** SR-IOV: VFs on the devices after the PF's, function 0, on the same bus. */
    final class FakeSriov implements SriovControl {
        private final int total;
        private final List<FakeFunction> vfs = new ArrayList<>();

        FakeSriov(int total) {
            this.total = total;
        }

        @Override
        public int totalVfs() {
            return total;
        }

        @Override
        public synchronized int numVfs() {
            return vfs.size();
        }

        @Override
        public List<PciFunction> enableVfs(int n) {
            alive();
            List<FakeFunction> added = new ArrayList<>();
            synchronized (this) {
                if (!vfs.isEmpty()) {
                    throw new HwException(HwException.EBUSY, "VFs enabled");
                }
                if (n < 1 || n > total) {
                    throw new HwException(n < 1 ? HwException.EINVAL : HwException.ERANGE, "bad n " + n);
                }
                for (int i = 1; i <= n; i++) {
                    FakeFunction vf = new FakeFunction(bridge, new PciAddress(address.domain(), address.bus(),
                            address.device() + i, 0), PciRegs.PCI_CFG_SPACE_SIZE);
                    vf.put(0, 2, readConfig(0, 2)).put(2, 2, FAKE_VF_DEVICE_ID).put(PciRegs.PCI_REVISION_ID, 4, readConfig(8, 4));
                    vf.physfn(FakeFunction.this);
                    vfs.add(vf);
                    added.add(vf);
                }
            }
            for (FakeFunction vf : added) {
                bridge.add(vf);
            }
            return List.copyOf(added);
        }

        @Override
        public void disableVfs() {
            List<FakeFunction> gone;
            synchronized (this) {
                gone = new ArrayList<>(vfs);
                vfs.clear();
            }
            for (int i = gone.size() - 1; i >= 0; i--) {
                bridge.remove(gone.get(i));
            }
        }

        @Override
        public synchronized List<PciFunction> vfs() {
            return List.copyOf(vfs);
        }
    }
}
