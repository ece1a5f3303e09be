package org.nova.bus.pci.internal;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaNoncoherent;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.PciIrqHandler;
import org.nova.bus.pci.PciIrqType;
import org.nova.hw.pci.PciRegs;
import org.nova.devres.Devres;
import org.nova.devres.DevresException;
import org.nova.devres.DevresScope;
import org.nova.devres.Revocable;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PCI bus's object for one function: the {@link PciDevice} drivers get, over a backend
 * {@link PciFunction}. Created when the function is added, attached to its core {@link Device}
 * when the core first hands that device back, alive until the function is removed.
 */
public final class PciDeviceImpl implements PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(PciDeviceImpl.class);

    /** Access widths of config space. */
    private static final int BYTE = 1;
    private static final int WORD = 2;
    private static final int DWORD = 4;

    private final PciFunction function;
    private final Topology topology;
    private final PciIds ids;
    private final String slot;
    private volatile Device device;
    private volatile boolean sriovDriversAutoprobe = true;

    /** Nesting of enableDevice calls ({@code pci_dev.enable_cnt}). */
    private final AtomicInteger enableCount = new AtomicInteger();
    /** BARs claimed by iomapRegion ({@code pci_request_region}). */
    private final Set<Integer> claimed = new HashSet<>();
    /** Serializes sriov_numvfs writes on this PF (the kernel holds the PF's device_lock). */
    final Object sriovLock = new Object();
    /** The allocated interrupt vectors, or null. Guarded by this. */
    private IrqState irq;

    /**
     * Reads the identity from config space.
     *
     * @throws DriverException with the backend's errno if config space cannot be read
     */
    public PciDeviceImpl(PciFunction function, Topology topology) {
        this.function = Objects.requireNonNull(function, "function");
        this.topology = Objects.requireNonNull(topology, "topology");
        this.slot = function.address().toString();
        this.ids = readIds(function);
    }

    static PciIds readIds(PciFunction f) {
        try {
            int vendor = f.readConfig(PciRegs.PCI_VENDOR_ID, WORD);
            int device = f.readConfig(PciRegs.PCI_DEVICE_ID, WORD);
            java.util.Optional<PciFunction> pf = f.physfn();
            if (pf.isPresent()) {
                // a VF's Vendor and Device ID read FFFFh (SR-IOV 3.4.1.1): pci_iov_add_virtfn takes
                // the PF's vendor and the VF Device ID of the PF's SR-IOV capability
                PciFunction p = pf.get();
                int sriov = ConfigWalk.findExtCapability(new ConfigWalk.Reader() {
                    @Override
                    public int read(int offset, int width) {
                        return p.readConfig(offset, width);
                    }

                    @Override
                    public int size() {
                        return p.configSize();
                    }
                }, PciRegs.PCI_EXT_CAP_ID_SRIOV);
                vendor = p.readConfig(PciRegs.PCI_VENDOR_ID, WORD);
                if (sriov != 0) {
                    device = p.readConfig(sriov + PciRegs.PCI_SRIOV_VF_DID, WORD);
                }
            }
            int classRev = f.readConfig(PciRegs.PCI_REVISION_ID, DWORD);
            int type = f.readConfig(PciRegs.PCI_HEADER_TYPE, BYTE) & PciRegs.PCI_HEADER_TYPE_MASK;
            int subVendor = 0;
            int subDevice = 0;
            // pci_setup_device: subsystem ids by header type
            if (type == PciRegs.PCI_HEADER_TYPE_NORMAL) {
                subVendor = f.readConfig(PciRegs.PCI_SUBSYSTEM_VENDOR_ID, WORD);
                subDevice = f.readConfig(PciRegs.PCI_SUBSYSTEM_ID, WORD);
            } else if (type == PciRegs.PCI_HEADER_TYPE_CARDBUS) {
                subVendor = f.readConfig(PciRegs.PCI_CB_SUBSYSTEM_VENDOR_ID, WORD);
                subDevice = f.readConfig(PciRegs.PCI_CB_SUBSYSTEM_ID, WORD);
            }
            return new PciIds(vendor, device, subVendor, subDevice, classRev >>> Byte.SIZE,
                    classRev & PciRegs.PCI_BYTE_MASK);
        } catch (HwException e) {
            throw Hw.translate(e, "reading the identity of " + f.address());
        }
    }

    // ---- bus-side ------------------------------------------------------------------------------

    /** @return the backend function */
    public PciFunction function() {
        return function;
    }

    /** Attaches the core device (idempotent: the first one wins). */
    void attach(Device dev) {
        if (device == null && dev != null) {
            synchronized (this) {
                if (device == null) {
                    device = dev;
                }
            }
        }
    }

    boolean sriovDriversAutoprobe() {
        return sriovDriversAutoprobe;
    }

    void setSriovDriversAutoprobe(boolean on) {
        sriovDriversAutoprobe = on;
    }

    // ---- identity ----------------------------------------------------------------------------

    @Override
    public PciIds ids() {
        return ids;
    }

    @Override
    public String slot() {
        return slot;
    }

    @Override
    public Device device() {
        Device d = device;
        if (d == null) {
            throw new DriverException(Errno.ENODEV, slot + " is not (yet) a device of the PCI bus");
        }
        return d;
    }

    @Override
    public boolean isPresent() {
        return function.isPresent();
    }

    @Override
    public String toString() {
        return "PciDevice[" + slot + " " + ids + "]";
    }

    // ---- config space ------------------------------------------------------------------------

    @Override
    public int configSize() {
        return function.configSize();
    }

    private void checkConfig(String op, int offset, int width) {
        int size = function.configSize();
        if (offset < 0 || offset > size - width || (offset & (width - 1)) != 0) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s of config space of %s at offset 0x%x: a %d-byte access must be aligned and lie within 0x%x bytes",
                    op, slot, offset, width, size));
        }
    }

    private int readConfig(String op, int offset, int width) {
        checkConfig(op, offset, width);
        try {
            return function.readConfig(offset, width);
        } catch (HwException e) {
            throw Hw.translate(e, op + " of " + slot + " at 0x" + Integer.toHexString(offset));
        }
    }

    private void writeConfig(String op, int offset, int width, int value) {
        checkConfig(op, offset, width);
        try {
            function.writeConfig(offset, width, value);
        } catch (HwException e) {
            throw Hw.translate(e, op + " of " + slot + " at 0x" + Integer.toHexString(offset));
        }
    }

    @Override
    public int read8(int offset) {
        return readConfig("read8", offset, BYTE);
    }

    @Override
    public int read16(int offset) {
        return readConfig("read16", offset, WORD);
    }

    @Override
    public int read32(int offset) {
        return readConfig("read32", offset, DWORD);
    }

    @Override
    public void write8(int offset, int value) {
        writeConfig("write8", offset, BYTE, value);
    }

    @Override
    public void write16(int offset, int value) {
        writeConfig("write16", offset, WORD, value);
    }

    @Override
    public void write32(int offset, int value) {
        writeConfig("write32", offset, DWORD, value);
    }

    private ConfigWalk.Reader reader() {
        return new ConfigWalk.Reader() {
            @Override
            public int read(int offset, int width) {
                return readConfig("capability walk", offset, width);
            }

            @Override
            public int size() {
                return function.configSize();
            }
        };
    }

    @Override
    public int findCapability(int id) {
        return ConfigWalk.findCapability(reader(), id);
    }

    @Override
    public int findExtCapability(int id) {
        return ConfigWalk.findExtCapability(reader(), id);
    }

    // ---- enable, master, reset ---------------------------------------------------------------

    @Override
    public void enableDevice() {
        enable(true);
    }

    @Override
    public void enableDeviceMem() {
        enable(false);
    }

    /** pci_enable_resources: decode what the BARs need (I/O and/or memory), then count the enable. */
    private void enable(boolean io) {
        int bits = 0;
        for (int i = 0; i < RegionInfo.BAR_COUNT; i++) {
            Optional<RegionInfo> r = region(i);
            if (r.isPresent() && r.get().size() > 0) {
                bits |= r.get().has(RegionFlag.IO) ? (io ? PciRegs.PCI_COMMAND_IO : 0) : PciRegs.PCI_COMMAND_MEMORY;
            }
        }
        int cmd = read16(PciRegs.PCI_COMMAND);
        if ((cmd | bits) != cmd) {
            write16(PciRegs.PCI_COMMAND, cmd | bits);
        }
        enableCount.incrementAndGet();
        addAction("pci:enable", this::disableOne);
    }

    /** pcim_disable_device for one enable: the last one clears bus mastering (do_pci_disable_device). */
    private void disableOne() {
        if (enableCount.decrementAndGet() > 0) {
            return;
        }
        try {
            int cmd = function.readConfig(PciRegs.PCI_COMMAND, WORD);
            if ((cmd & PciRegs.PCI_COMMAND_MASTER) != 0) {
                function.writeConfig(PciRegs.PCI_COMMAND, WORD, cmd & ~PciRegs.PCI_COMMAND_MASTER);
            }
        } catch (HwException e) {
            LOG.debug("pci {}: disable skipped: {}", slot, e.getMessage());
        }
    }

    @Override
    public void setMaster() {
        int cmd = read16(PciRegs.PCI_COMMAND);
        if ((cmd & PciRegs.PCI_COMMAND_MASTER) == 0) {
            write16(PciRegs.PCI_COMMAND, cmd | PciRegs.PCI_COMMAND_MASTER);
        }
    }

    @Override
    public void clearMaster() {
        int cmd = read16(PciRegs.PCI_COMMAND);
        if ((cmd & PciRegs.PCI_COMMAND_MASTER) != 0) {
            write16(PciRegs.PCI_COMMAND, cmd & ~PciRegs.PCI_COMMAND_MASTER);
        }
    }

    @Override
    public void reset() {
        try {
            function.reset();
        } catch (HwException e) {
            throw Hw.translate(e, "reset of " + slot);
        }
    }

    // ---- BARs --------------------------------------------------------------------------------

    private Optional<RegionInfo> region(int index) {
        try {
            return function.region(index);
        } catch (HwException e) {
            throw Hw.translate(e, "region " + index + " of " + slot);
        }
    }

    private static void checkBarIndex(int bar) {
        if (bar < 0 || bar >= PciRegs.PCI_STD_NUM_BARS) {
            throw new DriverException(Errno.EINVAL, "BAR index " + bar + " is outside 0.." + (PciRegs.PCI_STD_NUM_BARS - 1));
        }
    }

    @Override
    public long resourceLen(int bar) {
        checkBarIndex(bar);
        return region(bar).map(RegionInfo::size).orElse(0L);
    }

    @Override
    public Devres<Bar> iomapRegion(int bar, String name) {
        return iomap(bar, 0, name);
    }

    @Override
    public Devres<Bar> iomapRegionSized(int bar, long size, String name) {
        if (size < 0) {
            throw new DriverException(Errno.EINVAL, "BAR size " + size + " is negative");
        }
        return iomap(bar, size, name);
    }

    private Devres<Bar> iomap(int bar, long minSize, String name) {
        Objects.requireNonNull(name, "name");
        checkBarIndex(bar);
        DevresScope scope = device().devres();
        long len = region(bar).map(RegionInfo::size).orElse(0L);
        if (len == 0) {
            throw new DriverException(Errno.ENOMEM, "BAR " + bar + " of " + slot + " does not exist");
        }
        if (len < minSize) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "BAR %d of %s is 0x%x bytes, smaller than the 0x%x the driver needs", bar, slot, len, minSize));
        }
        synchronized (claimed) {
            if (!claimed.add(bar)) {
                throw new DriverException(Errno.EBUSY, "BAR " + bar + " of " + slot + " is already claimed");
            }
        }
        String barName = "pci:bar" + bar + " of " + slot + " (" + name + ")";
        Mmio mmio;
        try {
            mmio = function.map(bar);
        } catch (HwException e) {
            unclaim(bar);
            throw Hw.translate(e, "mapping BAR " + bar + " of " + slot);
        }
        AutoCloseable unmap = () -> {
            try {
                mmio.close();
            } finally {
                unclaim(bar);
            }
        };
        Bar.Mapping mapping;
        Optional<MemorySegment> seg = mmio.segment();
        if (seg.isPresent()) {
            MemorySegment m = seg.get();
            mapping = Bar.overMemory(barName, m.byteSize() > len ? m.asSlice(0, len) : m, unmap);
        } else {
            mapping = Bar.overRegisters(barName, len, new MmioRegisters(mmio, barName), unmap);
        }
        try {
            return Devres.register(scope, "pci:bar" + bar, mapping.bar(), b -> mapping.close());
        } catch (DevresException e) {
            // the mapping was released already by the registration
            throw new DriverException(Errno.ENODEV, slot + " is gone: " + e.getMessage(), e);
        }
    }

    private void unclaim(int bar) {
        synchronized (claimed) {
            claimed.remove(bar);
        }
    }

    // ---- devres helper -------------------------------------------------------------------------

    private DevresScope.Action addAction(String name, Runnable action) {
        try {
            return device().devres().addAction(name, action);
        } catch (DevresException e) {
            throw new DriverException(Errno.ENODEV, slot + " is gone: " + e.getMessage(), e);
        }
    }

    // ---- interrupts --------------------------------------------------------------------------

    /** The vectors of one allocation and the handlers installed on them. */
    private final class IrqState implements IrqVectors {
        final PciIrqType type;
        final int count;
        final AtomicReferenceArray<Revocable<PciIrqHandler>> handlers;
        IrqSet set;
        DevresScope.Action action;
        volatile boolean active = true;

        IrqState(PciIrqType type, int count) {
            this.type = type;
            this.count = count;
            this.handlers = new AtomicReferenceArray<>(count);
        }

        /** Called by the backend on its delivery thread. */
        void dispatch(int vector) {
            if (vector < 0 || vector >= count) {
                return;
            }
            Revocable<PciIrqHandler> r = handlers.get(vector);
            if (r == null) {
                return;
            }
            r.tryAccess().ifPresent(g -> {
                try (g) {
                    g.get().handle(vector);
                } catch (RuntimeException e) {
                    LOG.warn("pci {}: handler {} of vector {} failed: {}", slot, r.name(), vector, e.toString());
                }
            });
        }

        @Override
        public PciIrqType type() {
            return type;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public boolean isActive() {
            return active && set.isActive();
        }

        @Override
        public void close() {
            for (int i = 0; i < count; i++) {
                if (handlers.get(i) != null) {
                    throw new DriverException(Errno.EBUSY, "vector " + i + " of " + slot + " still has a handler");
                }
            }
            device().devres().releaseAction(action);
        }

        /** pci_free_irq_vectors, from the devres: handlers were released first (LIFO). */
        void free() {
            synchronized (PciDeviceImpl.this) {
                if (!active) {
                    return;
                }
                active = false;
                if (irq == this) {
                    irq = null;
                }
            }
            for (int i = 0; i < count; i++) {
                Revocable<PciIrqHandler> r = handlers.getAndSet(i, null);
                if (r != null) {
                    r.revoke();
                }
            }
            set.close();
        }
    }

    @Override
    public IrqVectors allocIrqVectors(int min, int max, Set<PciIrqType> types) {
        if (types == null || types.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "allocIrqVectors on " + slot + ": no interrupt type allowed");
        }
        if (min < 1) {
            throw new DriverException(Errno.EINVAL, "allocIrqVectors on " + slot + ": min " + min + " < 1");
        }
        if (max < min) {
            throw new DriverException(Errno.ERANGE, "allocIrqVectors on " + slot + ": max " + max + " < min " + min);
        }
        DevresScope scope = device().devres();
        synchronized (this) {
            if (irq != null) {
                throw new DriverException(Errno.EINVAL, "interrupt vectors of " + slot + " are already allocated ("
                        + irq.count + " " + irq.type + ")");
            }
            List<String> tried = new ArrayList<>();
            for (PciIrqType t : new PciIrqType[] {PciIrqType.MSIX, PciIrqType.MSI, PciIrqType.INTX}) {
                if (!types.contains(t)) {
                    continue;
                }
                IrqType hwType = IrqType.valueOf(t.name());
                int available;
                try {
                    available = function.irqCount(hwType);
                } catch (HwException e) {
                    throw Hw.translate(e, "interrupt count of " + slot);
                }
                int n;
                if (t == PciIrqType.INTX) {
                    n = min == 1 && available >= 1 ? 1 : 0;
                } else {
                    n = available >= min ? Math.min(max, available) : 0;
                }
                tried.add(t + " offers " + available);
                if (n == 0) {
                    continue;
                }
                IrqState state = new IrqState(t, n);
                try {
                    state.set = function.enableIrqs(hwType, n, state::dispatch);
                } catch (HwException e) {
                    throw Hw.translate(e, "enabling " + n + " " + t + " vectors of " + slot);
                }
                irq = state;
                try {
                    state.action = scope.addAction("pci:irq-vectors", state::free);
                } catch (DevresException e) {
                    throw new DriverException(Errno.ENODEV, slot + " is gone: " + e.getMessage(), e);
                }
                LOG.debug("pci {}: {} {} vectors allocated", slot, n, t);
                return state;
            }
            throw new DriverException(Errno.ENOSPC, "no allowed interrupt type of " + slot + " offers " + min
                    + " vectors: " + String.join(", ", tried));
        }
    }

    /** A handler on one vector. */
    private final class Handler implements IrqRegistration {
        final IrqState state;
        final int vector;
        final String name;
        final Revocable<PciIrqHandler> revocable;
        DevresScope.Action action;

        Handler(IrqState state, int vector, String name, Revocable<PciIrqHandler> revocable) {
            this.state = state;
            this.vector = vector;
            this.name = name;
            this.revocable = revocable;
        }

        @Override
        public int vector() {
            return vector;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean isActive() {
            return !revocable.isRevoked();
        }

        @Override
        public void close() {
            device().devres().releaseAction(action);
        }

        /** free_irq: no new call starts; a call in flight is waited for. */
        void free() {
            state.handlers.compareAndSet(vector, revocable, null);
            revocable.revoke();
        }
    }

    @Override
    public IrqRegistration requestIrq(int vector, String name, PciIrqHandler handler) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(name, "name");
        DevresScope scope = device().devres();
        IrqState s;
        synchronized (this) {
            s = irq;
        }
        if (s == null || !s.active) {
            throw new DriverException(Errno.EINVAL, "requestIrq on " + slot + ": no interrupt vectors allocated");
        }
        if (vector < 0 || vector >= s.count) {
            throw new DriverException(Errno.EINVAL, "requestIrq on " + slot + ": vector " + vector
                    + " is not allocated (0.." + (s.count - 1) + ")");
        }
        Revocable<PciIrqHandler> r = new Revocable<>(name + " (vector " + vector + " of " + slot + ")", handler,
                h -> {
                });
        if (!s.handlers.compareAndSet(vector, null, r)) {
            throw new DriverException(Errno.EBUSY, "vector " + vector + " of " + slot + " already has a handler");
        }
        Handler h = new Handler(s, vector, name, r);
        try {
            h.action = scope.addAction("pci:irq" + vector, h::free);
        } catch (DevresException e) {
            throw new DriverException(Errno.ENODEV, slot + " is gone: " + e.getMessage(), e);
        }
        return h;
    }

    // ---- DMA ---------------------------------------------------------------------------------

    /** A coherent buffer over a backend DMA buffer. */
    private final class Coherent implements DmaCoherent {
        final DmaBuffer buffer;
        DevresScope.Action action;

        Coherent(DmaBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public long iova() {
            return buffer.iova();
        }

        @Override
        public long size() {
            return buffer.size();
        }

        @Override
        public MemorySegment memory() {
            return buffer.memory();
        }

        @Override
        public void close() {
            device().devres().releaseAction(action);
        }
    }

    @Override
    public DmaCoherent allocCoherent(long size) {
        if (size < 1) {
            throw new DriverException(Errno.EINVAL, "allocCoherent on " + slot + ": size " + size + " < 1");
        }
        DevresScope scope = device().devres();
        DmaBuffer b;
        try {
            b = function.allocateDma(size, EnumSet.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE));
        } catch (HwException e) {
            throw Hw.translate(e, "allocating " + size + " bytes of DMA memory for " + slot);
        }
        Coherent c = new Coherent(b);
        try {
            c.action = scope.addAction("pci:dma@" + Long.toHexString(b.iova()), b::close);
        } catch (DevresException e) {
            throw new DriverException(Errno.ENODEV, slot + " is gone: " + e.getMessage(), e);
        }
        return c;
    }

    /** A one-direction buffer over a backend DMA buffer. */
    private final class Noncoherent implements DmaNoncoherent {
        final DmaBuffer buffer;
        final DmaDataDirection direction;
        DevresScope.Action action;

        Noncoherent(DmaBuffer buffer, DmaDataDirection direction) {
            this.buffer = buffer;
            this.direction = direction;
        }

        @Override
        public long iova() {
            return buffer.iova();
        }

        @Override
        public long size() {
            return buffer.size();
        }

        @Override
        public DmaDataDirection direction() {
            return direction;
        }

        @Override
        public MemorySegment memory() {
            return buffer.memory();
        }

        @Override
        public void close() {
            device().devres().releaseAction(action);
        }
    }

    @Override
    public DmaNoncoherent allocNoncoherent(long size, DmaDataDirection direction) {
        if (size < 1) {
            throw new DriverException(Errno.EINVAL, "allocNoncoherent on " + slot + ": size " + size + " < 1");
        }
        if (direction == null) {
            throw new DriverException(Errno.EINVAL, "allocNoncoherent on " + slot + ": no direction");
        }
        Set<DmaDirection> ways = switch (direction) {
            case BIDIRECTIONAL -> EnumSet.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE);
            case TO_DEVICE -> EnumSet.of(DmaDirection.TO_DEVICE);
            case FROM_DEVICE -> EnumSet.of(DmaDirection.FROM_DEVICE);
        };
        DevresScope scope = device().devres();
        DmaBuffer b;
        try {
            b = function.allocateDma(size, ways);
        } catch (HwException e) {
            throw Hw.translate(e, "allocating " + size + " bytes of " + direction + " DMA memory for " + slot);
        }
        Noncoherent n = new Noncoherent(b, direction);
        try {
            n.action = scope.addAction("pci:dma@" + Long.toHexString(b.iova()), b::close);
        } catch (DevresException e) {
            throw new DriverException(Errno.ENODEV, slot + " is gone: " + e.getMessage(), e);
        }
        return n;
    }

    // ---- snapshot ----------------------------------------------------------------------------

    /**
     * @return the listing snapshot: config space and regions as readable now
     * @throws DriverException with the backend's errno (ENODEV once removed)
     */
    org.nova.bus.pci.PciDeviceInfo snapshot(Optional<String> driver) {
        try {
            int size = function.configSize();
            byte[] config = new byte[size];
            for (int off = 0; off < size; off += DWORD) {
                int v = function.readConfig(off, DWORD);
                for (int b = 0; b < DWORD; b++) {
                    config[off + b] = (byte) (v >>> (b * Byte.SIZE));
                }
            }
            List<org.nova.bus.pci.PciDeviceInfo.Region> regions = new ArrayList<>();
            for (int i = 0; i <= RegionInfo.ROM_INDEX; i++) {
                Optional<RegionInfo> r = function.region(i);
                if (r.isPresent() && r.get().size() > 0) {
                    RegionInfo ri = r.get();
                    regions.add(new org.nova.bus.pci.PciDeviceInfo.Region(i, ri.size(), ri.has(RegionFlag.IO),
                            ri.has(RegionFlag.PREFETCHABLE), ri.has(RegionFlag.MEM64)));
                }
            }
            org.nova.hw.pci.PciAddress a = function.address();
            return new org.nova.bus.pci.PciDeviceInfo(a.domain(), a.bus(), a.device(), a.function(), ids, config,
                    regions, driver, function.physfn().map(pf -> pf.address().toString()));
        } catch (HwException e) {
            throw Hw.translate(e, "snapshot of " + slot);
        }
    }

    // ---- SR-IOV ------------------------------------------------------------------------------

    @Override
    public boolean isVirtfn() {
        return function.physfn().isPresent();
    }

    @Override
    public boolean isPhysfn() {
        return function.sriov().isPresent();
    }

    @Override
    public Optional<PciDevice> physfn() {
        return function.physfn().flatMap(topology::lookup).map(p -> p);
    }

    /**
     * pci_iov_vf_id: (routing ID - (the PF's routing ID + First VF Offset)) / VF Stride, from the
     * PF's SR-IOV capability, so it answers while the VFs are still being added (their probes run
     * before the PF's VF list is complete).
     */
    @Override
    public int vfId() {
        PciFunction pfn = function.physfn().orElseThrow(() -> new DriverException(Errno.EINVAL, slot
                + " is not an SR-IOV virtual function"));
        PciDevice pf = physfn().orElseThrow(() -> new DriverException(Errno.ENODEV, slot + ": its PF "
                + pfn.address() + " is not on the bus"));
        int cap = pf.findExtCapability(PciRegs.PCI_EXT_CAP_ID_SRIOV);
        if (cap == 0) {
            throw new DriverException(Errno.ENODEV, pf.slot() + " has no SR-IOV capability");
        }
        int offset = pf.read16(cap + PciRegs.PCI_SRIOV_VF_OFFSET);
        int stride = pf.read16(cap + PciRegs.PCI_SRIOV_VF_STRIDE);
        int delta = function.address().routingId() - (pfn.address().routingId() + offset);
        if (stride == 0 || delta < 0 || delta % stride != 0) {
            throw new DriverException(Errno.ENODEV, slot + " is not where " + pf.slot()
                    + "'s SR-IOV capability places its VFs (offset " + offset + ", stride " + stride + ")");
        }
        return delta / stride;
    }

    @Override
    public List<PciDevice> virtfns() {
        List<PciDevice> out = new ArrayList<>();
        function.sriov().ifPresent(s -> s.vfs().forEach(vf -> topology.lookup(vf).ifPresent(out::add)));
        return out;
    }

    @Override
    public int sriovTotalVfs() {
        return function.sriov().map(SriovControl::totalVfs).orElse(0);
    }

    @Override
    public int numVfs() {
        return function.sriov().map(SriovControl::numVfs).orElse(0);
    }

    @Override
    public void enableSriov(int n) {
        SriovControl s = function.sriov().orElseThrow(
                () -> new DriverException(Errno.ENOSYS, slot + " is not an SR-IOV physical function"));
        if (n == 0) {
            return;
        }
        if (s.numVfs() != 0) {
            throw new DriverException(Errno.EINVAL, slot + " already has " + s.numVfs() + " VFs enabled");
        }
        if (n < 0 || n > s.totalVfs()) {
            throw new DriverException(Errno.EINVAL, "cannot enable " + n + " VFs on " + slot + " (TotalVFs "
                    + s.totalVfs() + ")");
        }
        try {
            s.enableVfs(n);
        } catch (HwException e) {
            throw Hw.translate(e, "enabling " + n + " VFs on " + slot);
        }
        LOG.info("pci {}: {} VFs enabled", slot, n);
    }

    @Override
    public void disableSriov() {
        Optional<SriovControl> s = function.sriov();
        if (s.isEmpty()) {
            return;
        }
        List<PciFunction> vfs = new ArrayList<>(s.get().vfs());
        // pci_iov_remove_virtfn: the VF devices go (drivers unbind) while the VFs still exist
        for (int i = vfs.size() - 1; i >= 0; i--) {
            topology.removeFunction(vfs.get(i));
        }
        try {
            s.get().disableVfs();
        } catch (HwException e) {
            throw Hw.translate(e, "disabling the VFs of " + slot);
        }
        if (!vfs.isEmpty()) {
            LOG.info("pci {}: {} VFs disabled", slot, vfs.size());
        }
    }
}
