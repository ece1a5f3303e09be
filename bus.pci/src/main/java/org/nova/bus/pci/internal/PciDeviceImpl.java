package org.nova.bus.pci.internal;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaNoncoherent;
import org.nova.bus.pci.DmaPages;
import org.nova.bus.pci.DmaSgMapping;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.PciIrqHandler;
import org.nova.bus.pci.PciIrqType;
import org.nova.bus.pci.SgTable;
import org.nova.devres.Devres;
import org.nova.devres.DevresException;
import org.nova.devres.DevresScope;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PCI bus's object for one function ({@code struct pci_dev}): the {@link PciDevice} drivers
 * get, over a backend {@link PciFunction}. Created when the function is added, attached to its
 * core {@link Device} when the core first hands that device back, alive until the function is
 * removed.
 *
 * <p>What drivers/pci/pci.c and access.c do lives here: config space access
 * ({@code pci_read_config_*}), the capability walks, enable and disable, bus mastering, reset and
 * the resource sizes. The other files of drivers/pci each have their own class, which this one
 * owns one of per function: {@link PciIomap} (BAR mappings), {@link PciMsi} (interrupt vectors),
 * {@link PciDma} (coherent DMA), {@link PciSg} (streaming DMA of scatterlists) and {@link PciIov} (SR-IOV).
 * Why one class: at about 500 lines it is still the {@code PciDevice} API a driver holds, each method a
 * few lines delegating to those parts or to pci.c's config-space rules, which share the function
 * and its enable count.
 */
public final class PciDeviceImpl implements PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(PciDeviceImpl.class);

    /** Config space access widths: {@code pci_read_config_byte/word/dword} (drivers/pci/access.c). */
    static final int BYTE = 1;
    static final int WORD = 2;
    static final int DWORD = 4;

    private final PciFunction function;
    private final PciAddress address;
    private final PciIds ids;
    /** {@link #ueventVars()}, null until the first uevent. */
    private PciUevent.Vars ueventVars;
    private final PciIomap iomap;
    private final PciMsi msi;
    private final PciDma dma;
    private final PciSg sg;
    private final PciIov iov;
    private volatile Device device;

    /** Nesting of enableDevice calls ({@code pci_dev.enable_cnt}). */
    private final AtomicInteger enableCount = new AtomicInteger();
    /** The reset methods and pci_reset_function of this function (the sysfs reset path). */
    private final PciReset resetState = new PciReset(this);

    /**
     * @param function the backend function
     * @param ids its identity, as {@code pci_setup_device} read it
     * @param topology the bus, for the SR-IOV relatives of this function
     */
    public PciDeviceImpl(PciFunction function, PciIds ids, Topology topology) {
        this.function = Objects.requireNonNull(function, "function");
        this.address = function.address();
        this.ids = Objects.requireNonNull(ids, "ids");
        this.iomap = new PciIomap(this);
        this.msi = new PciMsi(this);
        this.dma = new PciDma(this);
        this.sg = new PciSg(this);
        this.iov = new PciIov(this, Objects.requireNonNull(topology, "topology"));
    }

    // ---- bus-side ------------------------------------------------------------------------------

    /** @return the backend function */
    public PciFunction function() {
        return function;
    }

    /** @return the SR-IOV side of this function (drivers/pci/iov.c) */
    PciIov iov() {
        return iov;
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

    /**
     * Registers a release action in the current binding's devres.
     *
     * @throws DriverException ENODEV if the device is gone (nothing was registered)
     */
    DevresScope.Action addAction(String name, Runnable action) {
        try {
            return device().devres().addAction(name, action);
        } catch (DevresException e) {
            throw gone(e);
        }
    }

    /**
     * @return the error for a refused devres registration: ENODEV when the device is gone,
     *         ENOMEM when fault injection failed it (the allocation failure it stands for)
     */
    DriverException gone(DevresException e) {
        if (e.isInjected()) {
            return new DriverException(Errno.ENOMEM, address + ": " + e.getMessage(), e);
        }
        return new DriverException(Errno.ENODEV, address + " is gone: " + e.getMessage(), e);
    }

    // ---- identity ----------------------------------------------------------------------------

    @Override
    public PciIds ids() {
        return ids;
    }

    /**
     * @return the uevent values of the device's ids, made at the first uevent and kept: the ids
     *     never change. Racy single check: two threads may both make them, equal, and either
     *     copy is kept (the record is immutable, so any thread sees it whole).
     */
    PciUevent.Vars ueventVars() {
        PciUevent.Vars v = ueventVars;
        if (v == null) {
            v = PciUevent.Vars.of(ids);
            ueventVars = v;
        }
        return v;
    }

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public Device device() {
        Device d = device;
        if (d == null) {
            throw new DriverException(Errno.ENODEV, address + " is not (yet) a device of the PCI bus");
        }
        return d;
    }

    @Override
    public boolean isPresent() {
        return function.isPresent();
    }

    @Override
    public String toString() {
        return "PciDevice[" + address + " " + ids + "]";
    }

    // ---- config space (drivers/pci/access.c) -------------------------------------------------

    @Override
    public int configSize() {
        return function.configSize();
    }

    private void checkConfig(String op, int offset, int width) {
        int size = function.configSize();
        if (offset < 0 || offset > size - width || (offset & (width - 1)) != 0) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s of config space of %s at offset 0x%x: a %d-byte access must be aligned and lie within 0x%x bytes",
                    op, address, offset, width, size));
        }
    }

    private int readConfig(String op, int offset, int width) {
        checkConfig(op, offset, width);
        try {
            return function.readConfig(offset, width);
        } catch (HwException e) {
            throw Hw.translate(e, op + " of " + address + " at 0x" + Integer.toHexString(offset));
        }
    }

    private void writeConfig(String op, int offset, int width, int value) {
        checkConfig(op, offset, width);
        try {
            function.writeConfig(offset, width, value);
        } catch (HwException e) {
            throw Hw.translate(e, op + " of " + address + " at 0x" + Integer.toHexString(offset));
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
            LOG.debug("pci {}: disable skipped: {}", address, e.getMessage());
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

    /** @return the reset methods and the sysfs reset of this function */
    PciReset resetState() {
        return resetState;
    }

    @Override
    public void reset() {
        try {
            function.reset();
        } catch (HwException e) {
            throw Hw.translate(e, "reset of " + address);
        }
    }

    // ---- resources ---------------------------------------------------------------------------

    /**
     * @return the backend's description of region {@code index}
     * @throws DriverException with the backend's errno (ENODEV once removed)
     */
    Optional<RegionInfo> region(int index) {
        try {
            return function.region(index);
        } catch (HwException e) {
            throw Hw.translate(e, "region " + index + " of " + address);
        }
    }

    /** @throws DriverException EINVAL for an index outside the standard BARs */
    static void checkBarIndex(int bar) {
        if (bar < 0 || bar >= PciRegs.PCI_STD_NUM_BARS) {
            throw new DriverException(Errno.EINVAL, "BAR index " + bar + " is outside 0.." + (PciRegs.PCI_STD_NUM_BARS - 1));
        }
    }

    @Override
    public long resourceLen(int bar) {
        checkBarIndex(bar);
        return region(bar).map(RegionInfo::size).orElse(0L);
    }

    /**
     * Decoded from the BAR register as drivers/pci/probe.c __pci_read_base does, on every backend:
     * the simulator's config space holds what its firmware assigned, vfio-pci's virtualised BARs
     * start from the device's resources, and the host's sysfs {@code config} shows the registers
     * the kernel's resources were read from.
     */
    @Override
    public long resourceStart(int bar) {
        checkBarIndex(bar);
        if (region(bar).isEmpty()) {
            return 0;
        }
        int at = PciRegs.PCI_BASE_ADDRESS_0 + bar * PciRegs.PCI_BASE_ADDRESS_STRIDE;
        int lo = read32(at);
        if ((lo & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) != 0) {
            return Integer.toUnsignedLong(lo) & PciRegs.PCI_BASE_ADDRESS_IO_MASK;
        }
        long start = Integer.toUnsignedLong(lo) & PciRegs.PCI_BASE_ADDRESS_MEM_MASK;
        if ((lo & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64
                && bar + 1 < PciRegs.PCI_STD_NUM_BARS) {
            start |= Integer.toUnsignedLong(read32(at + PciRegs.PCI_BASE_ADDRESS_STRIDE)) << Integer.SIZE;
        }
        return start;
    }

    // ---- what the other files of drivers/pci do ------------------------------------------------

    @Override
    public Devres<Bar> iomapRegion(int bar, String name) {
        return iomap.iomapRegion(bar, 0, name);
    }

    @Override
    public Devres<Bar> iomapRegionSized(int bar, long size, String name) {
        if (size < 0) {
            throw new DriverException(Errno.EINVAL, "BAR size " + size + " is negative");
        }
        return iomap.iomapRegion(bar, size, name);
    }

    @Override
    public IrqVectors allocIrqVectors(int min, int max, Set<PciIrqType> types) {
        return msi.allocIrqVectors(min, max, types);
    }

    @Override
    public IrqRegistration requestIrq(int vector, String name, PciIrqHandler handler) {
        return msi.requestIrq(vector, name, handler);
    }

    @Override
    public DmaCoherent allocCoherent(long size) {
        return dma.allocCoherent(size);
    }

    @Override
    public DmaNoncoherent allocNoncoherent(long size, DmaDataDirection direction) {
        return dma.allocNoncoherent(size, direction);
    }

    @Override
    public DmaPages allocPages(int count) {
        return sg.allocPages(count);
    }

    @Override
    public DmaSgMapping dmaMapSg(SgTable table, DmaDataDirection direction) {
        return sg.map(table, direction);
    }

    @Override
    public long dmaMaxSegmentSize() {
        return sg.maxSegmentSize();
    }

    @Override
    public void setDmaMaxSegmentSize(long size) {
        sg.setMaxSegmentSize(size);
    }

    @Override
    public long dmaSegmentBoundary() {
        return sg.segmentBoundary();
    }

    @Override
    public void setDmaSegmentBoundary(long mask) {
        sg.setSegmentBoundary(mask);
    }

    @Override
    public boolean isVirtfn() {
        return iov.isVirtfn();
    }

    @Override
    public boolean isPhysfn() {
        return iov.isPhysfn();
    }

    @Override
    public Optional<PciDevice> physfn() {
        return iov.physfn().map(p -> p);
    }

    @Override
    public int vfId() {
        return iov.vfId();
    }

    @Override
    public List<PciDevice> virtfns() {
        return List.copyOf(iov.virtfns());
    }

    @Override
    public int sriovTotalVfs() {
        return iov.totalVfs();
    }

    @Override
    public int numVfs() {
        return iov.numVfs();
    }

    @Override
    public void enableSriov(int n) {
        iov.enableSriov(n);
    }

    @Override
    public void disableSriov() {
        iov.disableSriov();
    }
}
