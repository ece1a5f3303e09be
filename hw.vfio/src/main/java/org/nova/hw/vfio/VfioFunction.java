package org.nova.hw.vfio;

import org.nova.hw.pci.PciRegs;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.nova.hw.DmaBuffer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PCI function bound to vfio-pci, reached through its VFIO device fd: config space through
 * region 7, BARs mapped (mmap) or accessed with pread/pwrite, interrupts through eventfds,
 * DMA through its group's container, reset, and the request interrupt.
 *
 * <p>Ownership: the bridge owns the function and its device fd. Everything the consumer
 * obtains (mappings, IRQ sets, DMA buffers) is the consumer's to close, and is also tracked
 * here: when the function goes away (hot unplug on the kernel's request, or the bridge closing)
 * {@link #release()} closes whatever is still open, so no fd or mapping survives the function.
 *
 * <p>IOMMU faults: user space cannot observe them through VFIO (the type-1 IOMMU reports DMAR
 * faults only to the kernel log), so {@link #iommuFaults()} is always empty; the kernel log
 * (dmesg) shows "DMAR: [DMA Write] Request device [bb:dd.f] fault addr ...".
 */
final class VfioFunction implements PciFunction {
    private static final Logger LOG = LoggerFactory.getLogger(VfioFunction.class);
    static final ValueLayout.OfShort LE_SHORT = JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What VFIO_DEVICE_GET_REGION_INFO said about one region. */
    record VRegion(int index, int flags, long size, long offset) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    private final VfioBridge bridge;
    private final PciAddress address;
    private final VfioGroup group;
    private final SysfsPci.Candidate candidate;
    private final String model;
    private final int deviceFlags;
    private final VRegion[] regions;
    private final int[] irqCount = new int[VfioUapi.VFIO_PCI_NUM_IRQS];
    private final int[] irqFlags = new int[VfioUapi.VFIO_PCI_NUM_IRQS];
    /** Guards the device fd: accesses hold the read lock, closing takes the write lock. */
    private final ReentrantReadWriteLock fdLock = new ReentrantReadWriteLock();
    private int deviceFd;
    private volatile boolean present = true;
    /** PCI_COMMAND_MEMORY as last written or read through this function (BAR accesses check it). */
    private volatile boolean memoryEnabled;
    private final Set<VfioMmio> mappings = ConcurrentHashMap.newKeySet();
    private final Set<VfioDmaBuffer> buffers = ConcurrentHashMap.newKeySet();
    private VfioIrqSet irqSet;
    private int reqFd = -1;

    private VfioFunction(VfioBridge bridge, VfioGroup group, SysfsPci.Candidate c, int fd, int deviceFlags,
                         VRegion[] regions) {
        this.bridge = bridge;
        this.group = group;
        this.candidate = c;
        this.address = c.address();
        this.deviceFd = fd;
        this.deviceFlags = deviceFlags;
        this.regions = regions;
        this.model = String.format("PCI device %04x:%04x (vfio-pci)", c.vendor() & 0xffff, c.device() & 0xffff);
    }

    /**
     * Opens a function of an open group: device fd, device info, region and interrupt info, and
     * the request interrupt. On failure the device fd is closed again.
     */
    static VfioFunction open(VfioBridge bridge, VfioGroup group, SysfsPci.Candidate c) {
        String name = c.address().toString();
        int fd;
        try {
            fd = group.openDevice(name);
        } catch (LibC.ErrnoException e) {
            throw new HwException(e.errnoName(), name + ": " + e.getMessage(), e);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment di = a.allocate(VfioUapi.DEVICE_INFO);
            di.set(JAVA_INT, 0, (int) VfioUapi.DEVICE_INFO.byteSize());
            LibC.ioctl("VFIO_DEVICE_GET_INFO", fd, VfioUapi.VFIO_DEVICE_GET_INFO, di);
            int flags = di.get(JAVA_INT, 4);
            int numRegions = di.get(JAVA_INT, VfioUapi.offsetOf(VfioUapi.DEVICE_INFO, "num_regions"));
            int numIrqs = di.get(JAVA_INT, VfioUapi.offsetOf(VfioUapi.DEVICE_INFO, "num_irqs"));
            if ((flags & VfioUapi.VFIO_DEVICE_FLAGS_PCI) == 0 || numRegions <= VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX) {
                throw new HwException(HwException.EINVAL, name + ": not a vfio-pci device (flags 0x"
                        + Integer.toHexString(flags) + ", " + numRegions + " regions)");
            }
            VRegion[] regions = new VRegion[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX + 1];
            for (int i = 0; i < regions.length; i++) {
                regions[i] = regionInfo(a, fd, i);
            }
            VfioFunction f = new VfioFunction(bridge, group, c, fd, flags, regions);
            for (int i = 0; i < Math.min(numIrqs, VfioUapi.VFIO_PCI_NUM_IRQS); i++) {
                MemorySegment ii = a.allocate(VfioUapi.IRQ_INFO);
                ii.set(JAVA_INT, 0, (int) VfioUapi.IRQ_INFO.byteSize());
                ii.set(JAVA_INT, VfioUapi.offsetOf(VfioUapi.IRQ_INFO, "index"), i);
                try {
                    LibC.ioctl("VFIO_DEVICE_GET_IRQ_INFO " + i, fd, VfioUapi.VFIO_DEVICE_GET_IRQ_INFO, ii);
                } catch (LibC.ErrnoException e) {
                    if (e.errno == LibC.EINVAL) { // index not implemented (ERR needs PCIe AER)
                        continue;
                    }
                    throw e;
                }
                f.irqFlags[i] = ii.get(JAVA_INT, 4);
                f.irqCount[i] = ii.get(JAVA_INT, VfioUapi.offsetOf(VfioUapi.IRQ_INFO, "count"));
            }
            f.memoryEnabled = (f.readConfig(PciRegs.PCI_COMMAND, 2) & PciRegs.PCI_COMMAND_MEMORY) != 0;
            return f;
        } catch (LibC.ErrnoException e) {
            LibC.close(fd);
            throw new HwException(e.errnoName(), name + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    private static VRegion regionInfo(Arena a, int fd, int index) {
        MemorySegment ri = a.allocate(VfioUapi.REGION_INFO);
        ri.set(JAVA_INT, 0, (int) VfioUapi.REGION_INFO.byteSize());
        ri.set(JAVA_INT, VfioUapi.offsetOf(VfioUapi.REGION_INFO, "index"), index);
        try {
            LibC.ioctl("VFIO_DEVICE_GET_REGION_INFO " + index, fd, VfioUapi.VFIO_DEVICE_GET_REGION_INFO, ri);
        } catch (LibC.ErrnoException e) {
            if (e.errno == LibC.EINVAL) {
                return new VRegion(index, 0, 0, 0);
            }
            throw e;
        }
        return new VRegion(index, ri.get(JAVA_INT, 4), ri.get(JAVA_LONG, VfioUapi.offsetOf(VfioUapi.REGION_INFO, "size")),
                ri.get(JAVA_LONG, VfioUapi.offsetOf(VfioUapi.REGION_INFO, "offset")));
    }

    /** Arms the request interrupt (VFIO_PCI_REQ_IRQ_INDEX) if the kernel offers it. */
    void armRequest(IrqPoller poller, Runnable onRequest) {
        if (irqCount[VfioUapi.VFIO_PCI_REQ_IRQ_INDEX] < 1) {
            LOG.info("{}: the kernel offers no request interrupt; unbinding it in the kernel will wait for us", address);
            return;
        }
        int efd = LibC.eventfd();
        try {
            setIrqs(VfioUapi.VFIO_PCI_REQ_IRQ_INDEX, new int[] {efd});
        } catch (RuntimeException e) {
            LibC.close(efd);
            throw e;
        }
        synchronized (this) {
            reqFd = efd;
        }
        poller.register(efd, count -> {
            LOG.info("{}: the kernel requests the device back (VFIO request interrupt): hot-unplugging it", address);
            onRequest.run();
        });
    }

    // ---- identity ------------------------------------------------------------------------------

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
        return model;
    }

    @Override
    public int configSize() {
        long s = regions[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX].size();
        return s >= PciRegs.PCI_CFG_SPACE_EXP_SIZE ? PciRegs.PCI_CFG_SPACE_EXP_SIZE : PciRegs.PCI_CFG_SPACE_SIZE;
    }

    @Override
    public Optional<PciFunction> physfn() {
        return Optional.empty();
    }

    @Override
    public Optional<SriovControl> sriov() {
        ensurePresent("sriov");
        return Optional.empty();
    }

    /** Always empty: VFIO gives user space no IOMMU fault reports (see the class comment). */
    @Override
    public List<IommuFault> iommuFaults() {
        return List.of();
    }

    SysfsPci.Candidate candidate() {
        return candidate;
    }

    VfioGroup group() {
        return group;
    }

    VRegion vregion(int index) {
        return regions[index];
    }

    int deviceFlags() {
        return deviceFlags;
    }

    boolean memoryEnabled() {
        return memoryEnabled;
    }

    void ensurePresent(String what) {
        if (!present) {
            throw new HwException(HwException.ENODEV, address + ": " + what + ": the function was removed");
        }
    }

    // ---- device fd access under the read lock --------------------------------------------------

    /** Runs a pread/pwrite/ioctl on the device fd, translating errors; ENODEV once closed. */
    <T> T withFd(String what, java.util.function.IntFunction<T> op) {
        ReentrantReadWriteLock.ReadLock l = fdLock.readLock();
        l.lock();
        try {
            if (deviceFd < 0 || !present) {
                throw new HwException(HwException.ENODEV, address + ": " + what + ": the function was removed");
            }
            return op.apply(deviceFd);
        } catch (LibC.ErrnoException e) {
            throw new HwException(e.errnoName(), address + ": " + what + ": " + e.getMessage(), e);
        } finally {
            l.unlock();
        }
    }

    /** Reads width (1, 2, 4, 8) bytes at an absolute device-fd offset. */
    long pread(String what, long fdOffset, int width) {
        return withFd(what, fd -> {
            MemorySegment buf = LibC.scratch();
            LibC.pread(what, fd, buf, width, fdOffset);
            return switch (width) {
                case 1 -> (long) Byte.toUnsignedInt(buf.get(JAVA_BYTE, 0));
                case 2 -> (long) Short.toUnsignedInt(buf.get(LE_SHORT, 0));
                case 4 -> Integer.toUnsignedLong(buf.get(LE_INT, 0));
                default -> buf.get(LE_LONG, 0);
            };
        });
    }

    /** Writes width (1, 2, 4, 8) bytes at an absolute device-fd offset. */
    void pwrite(String what, long fdOffset, int width, long value) {
        withFd(what, fd -> {
            MemorySegment buf = LibC.scratch();
            switch (width) {
                case 1 -> buf.set(JAVA_BYTE, 0, (byte) value);
                case 2 -> buf.set(LE_SHORT, 0, (short) value);
                case 4 -> buf.set(LE_INT, 0, (int) value);
                default -> buf.set(LE_LONG, 0, value);
            }
            LibC.pwrite(what, fd, buf, width, fdOffset);
            return null;
        });
    }

    // ---- config space --------------------------------------------------------------------------

    private void checkConfig(int offset, int width) {
        if (width != 1 && width != 2 && width != 4) {
            throw new HwException(HwException.EINVAL, address + ": config access width " + width + " (1, 2 or 4)");
        }
        if (offset % width != 0) {
            throw new HwException(HwException.EINVAL, address + ": config offset 0x" + Integer.toHexString(offset)
                    + " is not aligned to " + width);
        }
        if (offset < 0 || offset + width > configSize()) {
            throw new HwException(HwException.ERANGE, address + ": config offset 0x" + Integer.toHexString(offset)
                    + " beyond " + configSize() + " bytes");
        }
    }

    @Override
    public int readConfig(int offset, int width) {
        checkConfig(offset, width);
        ensurePresent("config read");
        long base = regions[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX].offset();
        return (int) pread("config read 0x" + Integer.toHexString(offset), base + offset, width);
    }

    @Override
    public void writeConfig(int offset, int width, int value) {
        checkConfig(offset, width);
        ensurePresent("config write");
        long base = regions[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX].offset();
        pwrite("config write 0x" + Integer.toHexString(offset), base + offset, width, value);
        if (offset <= PciRegs.PCI_COMMAND && PciRegs.PCI_COMMAND < offset + width) {
            refreshCommand();
        }
    }

    private void refreshCommand() {
        memoryEnabled = (readConfig(PciRegs.PCI_COMMAND, 2) & PciRegs.PCI_COMMAND_MEMORY) != 0;
    }

    // ---- regions -------------------------------------------------------------------------------

    private void checkRegionIndex(int index) {
        if (index < 0 || index > RegionInfo.ROM_INDEX) {
            throw new HwException(HwException.EINVAL, address + ": region index " + index + " outside 0..6");
        }
    }

    @Override
    public Optional<RegionInfo> region(int index) {
        checkRegionIndex(index);
        ensurePresent("region info");
        VRegion r = regions[index];
        if (r.size() == 0) {
            return Optional.empty();
        }
        Set<RegionFlag> flags = EnumSet.noneOf(RegionFlag.class);
        if (r.has(VfioUapi.VFIO_REGION_INFO_FLAG_READ)) {
            flags.add(RegionFlag.READ);
        }
        if (r.has(VfioUapi.VFIO_REGION_INFO_FLAG_WRITE)) {
            flags.add(RegionFlag.WRITE);
        }
        if (index == RegionInfo.ROM_INDEX) {
            flags.add(RegionFlag.MEMORY);
        } else {
            int bar = readConfig(PciRegs.PCI_BASE_ADDRESS_0 + 4 * index, 4);
            if ((bar & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) != 0) {
                flags.add(RegionFlag.IO);
            } else {
                flags.add(RegionFlag.MEMORY);
                if ((bar & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64) {
                    flags.add(RegionFlag.MEM64);
                }
                if ((bar & PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH) != 0) {
                    flags.add(RegionFlag.PREFETCHABLE);
                }
                if (r.has(VfioUapi.VFIO_REGION_INFO_FLAG_MMAP)) {
                    flags.add(RegionFlag.MAPPABLE);
                }
            }
        }
        return Optional.of(new RegionInfo(index, r.size(), flags));
    }

    @Override
    public Mmio map(int index) {
        return map(index, true);
    }

    /**
     * @param allowMmap false forces the pread/pwrite path even for a mappable region (benchmark)
     */
    Mmio map(int index, boolean allowMmap) {
        RegionInfo info = region(index).orElseThrow(() -> new HwException(HwException.ENXIO,
                address + ": region " + index + " is not implemented"));
        VRegion r = regions[index];
        VfioMmio m = null;
        if (allowMmap && info.has(RegionFlag.MAPPABLE)) {
            try {
                m = VfioMmio.mapped(this, info, r);
            } catch (HwException e) {
                LOG.info("{}: mmap of region {} failed ({}); using pread/pwrite", address, index, e.getMessage());
            }
        }
        if (m == null) {
            m = VfioMmio.rw(this, info, r);
        }
        mappings.add(m);
        if (!present) { // removed meanwhile: do not leave it behind
            m.close();
            throw new HwException(HwException.ENODEV, address + ": map: the function was removed");
        }
        return m;
    }

    void forget(VfioMmio m) {
        mappings.remove(m);
    }

    List<VfioMmio> mappings() {
        return List.copyOf(mappings);
    }

    /** Runs fn with the device fd for mmap; ENODEV when closed. */
    long mmapDevice(String what, long length, int prot, long fdOffset) {
        return withFd(what, fd -> LibC.mmap(what, length, prot, LibC.MAP_SHARED, fd, fdOffset));
    }

    // ---- interrupts ----------------------------------------------------------------------------

    private static int vfioIndex(IrqType t) {
        return switch (t) {
            case INTX -> VfioUapi.VFIO_PCI_INTX_IRQ_INDEX;
            case MSI -> VfioUapi.VFIO_PCI_MSI_IRQ_INDEX;
            case MSIX -> VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX;
        };
    }

    @Override
    public int irqCount(IrqType type) {
        ensurePresent("irq count");
        return irqCount[vfioIndex(type)];
    }

    /** VFIO_DEVICE_SET_IRQS with DATA_EVENTFD|ACTION_TRIGGER for fds at start 0. */
    void setIrqs(int index, int[] fds) {
        withFd("VFIO_DEVICE_SET_IRQS index " + index, fd -> {
            try (Arena a = Arena.ofConfined()) {
                long header = VfioUapi.IRQ_SET.byteSize();
                MemorySegment s = a.allocate(header + 4L * fds.length, 4);
                s.set(JAVA_INT, 0, (int) s.byteSize());
                s.set(JAVA_INT, 4, VfioUapi.VFIO_IRQ_SET_DATA_EVENTFD | VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER);
                s.set(JAVA_INT, 8, index);
                s.set(JAVA_INT, 12, 0);
                s.set(JAVA_INT, 16, fds.length);
                for (int i = 0; i < fds.length; i++) {
                    s.set(JAVA_INT, header + 4L * i, fds[i]);
                }
                LibC.ioctl("VFIO_DEVICE_SET_IRQS index " + index, fd, VfioUapi.VFIO_DEVICE_SET_IRQS, s);
            }
            return null;
        });
    }

    /** VFIO_DEVICE_SET_IRQS with DATA_NONE and the given action, for count vectors from 0. */
    void irqAction(int index, int action, int count) {
        withFd("VFIO_DEVICE_SET_IRQS action 0x" + Integer.toHexString(action) + " index " + index, fd -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = a.allocate(VfioUapi.IRQ_SET);
                s.set(JAVA_INT, 0, (int) VfioUapi.IRQ_SET.byteSize());
                s.set(JAVA_INT, 4, VfioUapi.VFIO_IRQ_SET_DATA_NONE | action);
                s.set(JAVA_INT, 8, index);
                s.set(JAVA_INT, 12, 0);
                s.set(JAVA_INT, 16, count);
                LibC.ioctl("VFIO_DEVICE_SET_IRQS", fd, VfioUapi.VFIO_DEVICE_SET_IRQS, s);
            }
            return null;
        });
    }

    @Override
    public IrqSet enableIrqs(IrqType type, int count, IrqHandler handler) {
        ensurePresent("enable " + type);
        if (handler == null) {
            throw new HwException(HwException.EINVAL, address + ": enable " + type + ": handler is null");
        }
        int index = vfioIndex(type);
        if (count < 1 || count > irqCount[index]) {
            throw new HwException(HwException.EINVAL, address + ": enable " + count + " " + type
                    + " vectors: the function offers " + irqCount[index]);
        }
        synchronized (this) {
            if (irqSet != null && irqSet.isActive()) {
                throw new HwException(HwException.EBUSY, address + ": " + irqSet.type() + " interrupts already enabled");
            }
            int[] fds = new int[count];
            int made = 0;
            try {
                for (; made < count; made++) {
                    fds[made] = LibC.eventfd();
                }
                setIrqs(index, fds);
            } catch (RuntimeException e) {
                for (int i = 0; i < made; i++) {
                    LibC.close(fds[i]);
                }
                if (e instanceof LibC.ErrnoException ee) {
                    throw new HwException(ee.errnoName(), address + ": enable " + type + ": " + ee.getMessage(), ee);
                }
                throw e;
            }
            boolean automasked = (irqFlags[index] & VfioUapi.VFIO_IRQ_INFO_AUTOMASKED) != 0;
            VfioIrqSet set = new VfioIrqSet(this, type, index, fds, handler, automasked);
            irqSet = set;
            set.arm(bridge.poller());
            int cmd = readConfig(PciRegs.PCI_COMMAND, 2);
            int want = type == IrqType.INTX ? cmd & ~PciRegs.PCI_COMMAND_INTX_DISABLE
                    : cmd | PciRegs.PCI_COMMAND_INTX_DISABLE;
            if (want != cmd) {
                writeConfig(PciRegs.PCI_COMMAND, 2, want);
            }
            return set;
        }
    }

    /** Called by the set when it closes: stops delivery, disables the index, closes the eventfds. */
    void disableIrqs(VfioIrqSet set) {
        bridge.poller().unregisterAll(set.fds());
        if (present) {
            try {
                irqAction(set.vfioIndex(), VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0);
                if (set.type() == IrqType.INTX) {
                    int cmd = readConfig(PciRegs.PCI_COMMAND, 2);
                    writeConfig(PciRegs.PCI_COMMAND, 2, cmd | PciRegs.PCI_COMMAND_INTX_DISABLE);
                }
            } catch (HwException e) {
                LOG.warn("{}: disabling {} interrupts failed: {}", address, set.type(), e.getMessage());
            }
        }
        for (int fd : set.fds()) {
            LibC.close(fd);
        }
        synchronized (this) {
            if (irqSet == set) {
                irqSet = null;
            }
        }
    }

    synchronized VfioIrqSet irqSet() {
        return irqSet;
    }

    synchronized int reqFd() {
        return reqFd;
    }

    // ---- DMA -----------------------------------------------------------------------------------

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        ensurePresent("allocate DMA");
        if (size < 1) {
            throw new HwException(HwException.EINVAL, address + ": DMA buffer of " + size + " bytes");
        }
        if (directions == null || directions.isEmpty()) {
            throw new HwException(HwException.EINVAL, address + ": DMA buffer without a direction");
        }
        VfioDmaBuffer b = VfioDmaBuffer.allocate(this, size, directions);
        buffers.add(b);
        if (!present) {
            b.close();
            throw new HwException(HwException.ENODEV, address + ": allocate DMA: the function was removed");
        }
        return b;
    }

    void forget(VfioDmaBuffer b) {
        buffers.remove(b);
    }

    List<VfioDmaBuffer> buffers() {
        return List.copyOf(buffers);
    }

    // ---- reset ---------------------------------------------------------------------------------

    @Override
    public void reset() {
        ensurePresent("reset");
        if ((deviceFlags & VfioUapi.VFIO_DEVICE_FLAGS_RESET) == 0) {
            throw new HwException("ENOTTY", address + ": reset: the kernel has no reset method for this function"
                    + " (no FLR, PM or bus reset; VFIO_DEVICE_FLAGS_RESET clear)");
        }
        withFd("VFIO_DEVICE_RESET", fd -> LibC.ioctl("VFIO_DEVICE_RESET", fd, VfioUapi.VFIO_DEVICE_RESET, 0L));
        refreshCommand();
    }

    // ---- removal -------------------------------------------------------------------------------

    /** Marks the function gone: from now on every operation but identity throws ENODEV. */
    void markGone() {
        present = false;
    }

    /**
     * Closes everything still open for this function: IRQ set, request eventfd, mappings, DMA
     * buffers, and finally the device fd. Idempotent. The group is the bridge's to close.
     */
    void release() {
        present = false;
        VfioIrqSet s = irqSet();
        if (s != null) {
            s.close();
        }
        int rfd;
        synchronized (this) {
            rfd = reqFd;
            reqFd = -1;
        }
        if (rfd >= 0) {
            bridge.poller().unregister(rfd);
            LibC.close(rfd);
        }
        for (VfioMmio m : new ArrayList<>(mappings)) {
            m.close();
        }
        for (VfioDmaBuffer b : new ArrayList<>(buffers)) {
            b.close();
        }
        ReentrantReadWriteLock.WriteLock l = fdLock.writeLock();
        l.lock();
        try {
            if (deviceFd >= 0) {
                LibC.close(deviceFd);
                LOG.debug("{}: device fd {} closed", address, deviceFd);
                deviceFd = -1;
            }
        } finally {
            l.unlock();
        }
    }

    /** @return the device fd, -1 once closed */
    int deviceFd() {
        fdLock.readLock().lock();
        try {
            return deviceFd;
        } finally {
            fdLock.readLock().unlock();
        }
    }

    @Override
    public String toString() {
        return address + " " + model;
    }
}
