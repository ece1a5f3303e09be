package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.PCI_COMMAND;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_IO;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MEMORY;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
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
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.nova.hw.pci.PciAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated PCI function: a {@link DeviceModel} plugged into a {@link SimulatedHostBridge}. It
 * holds the function together: config space ({@link ConfigSpace}) with the side effects of software
 * writes dispatched to the models of what was written (the interrupt pin and capabilities,
 * {@link FunctionIrqs}; FLR, {@link ExpressCapability}; SR-IOV, {@link SriovState}), its BARs and
 * their checked, decoded access, DMA ({@link SimDma}), function-level reset, hot plug.
 *
 * <p>Locking: {@link #lock} guards config space, interrupt state and the device model's state.
 * Topology changes (hot plug, SR-IOV, reset of a PF) take the bridge's topology lock first and
 * never hold a function lock while taking another function's lock or calling listeners.
 * Interrupt handlers run on the bridge's delivery thread, never under a lock.
 */
final class SimulatedFunction implements PciFunction, DeviceContext {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedFunction.class);

    private final SimulatedHostBridge bridge;
    private final PciAddress address;
    private final DeviceModel model;
    private final ConfigSpace config;
    private final ReentrantLock lock = new ReentrantLock();
    private final SimulatedFunction physfn;
    private final int vfIndex;
    private final String who;
    private final FunctionBars bars;
    private final FunctionIrqs irqs;
    /** Null without a PCI Express capability. */
    private final ExpressCapability express;
    /** Null without an SR-IOV capability. */
    private final SriovState sriov;
    private final SimDma dma;

    private volatile boolean present = true;

    /**
     * @param bridge  the bridge
     * @param address the address
     * @param model   the device model
     * @param physfn  the physical function of a VF, else null
     * @param vfIndex the VF number (0-based) of a VF, else -1
     */
    SimulatedFunction(SimulatedHostBridge bridge, PciAddress address, DeviceModel model,
                      SimulatedFunction physfn, int vfIndex) {
        this.bridge = bridge;
        this.address = address;
        this.model = model;
        this.physfn = physfn;
        this.vfIndex = vfIndex;
        this.who = address + " (" + model.description() + ")";
        this.config = model.createConfigSpace();
        if (config.isVirtualFunction() != (physfn != null)) {
            throw new IllegalStateException(who + ": VF config space "
                    + (physfn != null ? "required" : "only allowed") + " for a virtual function");
        }
        BarSpec[] specs = new BarSpec[RegionInfo.ROM_INDEX + 1];
        for (int i = 0; i < specs.length; i++) {
            specs[i] = physfn == null ? config.bar(i) : i < RegionInfo.BAR_COUNT ? physfn.config.vfBar(i) : null;
        }
        this.bars = new FunctionBars(who, model, specs, () -> (config.command() & PCI_COMMAND_IO) != 0,
                this::memoryDecodeEnabled, physfn == null ? "disabled (PCI_COMMAND_MEMORY clear)"
                        : "disabled (VF MSE clear in the PF's SR-IOV control)");
        this.irqs = new FunctionIrqs(this, bridge, config, bars.regions(), bars.bars());
        this.express = config.expCap() == 0 ? null : new ExpressCapability(config, config.expCap());
        this.sriov = config.sriovCap() == 0 ? null : new SriovState(this, config.sriovCap());
        this.dma = new SimDma(address, who, config, this::isPresent);
    }

    // ---- identity ----------------------------------------------------------------------------

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
        return model.description();
    }

    @Override
    public int configSize() {
        return config.size();
    }

    @Override
    public Optional<PciFunction> physfn() {
        return Optional.ofNullable(physfn);
    }

    @Override
    public String toString() {
        return who;
    }

    /** @return the VF number (0-based) of a VF, else -1 */
    int vfIndex() {
        return vfIndex;
    }

    DeviceModel deviceModel() {
        return model;
    }

    @Override
    public Map<String, String> deviceState() {
        return Map.copyOf(model.state());
    }

    SimulatedHostBridge simBridge() {
        return bridge;
    }

    SriovState sriovState() {
        return sriov;
    }

    /** @return the BAR spec at index (for VFs: the PF's VF BAR), or null */
    BarSpec barSpec(int index) {
        return bars.bar(index);
    }

    private void checkPresent() {
        if (!present) {
            throw new HwException(HwException.ENODEV, who + " has been removed");
        }
    }

    // ---- config space --------------------------------------------------------------------------

    @Override
    public ConfigSpace config() {
        return config;
    }

    @Override
    public int readConfig(int offset, int width) {
        ConfigSpace.checkAccess(who, config.size(), offset, width);
        lock.lock();
        try {
            checkPresent();
            return config.read(offset, width);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void writeConfig(int offset, int width, int value) {
        ConfigSpace.checkAccess(who, config.size(), offset, width);
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            checkPresent();
            writeConfigLocked(offset, width, value, after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /** @return the software write path, its topology changes queued on after */
    private ConfigSpace.Writer writer(List<Runnable> after) {
        return (offset, width, value) -> writeConfigLocked(offset, width, value, after);
    }

    /**
     * A software config write: masks, then the side effects the hardware has. Topology changes
     * (an FLR, VFs added or removed) are queued on after, to run once the lock is released.
     */
    private void writeConfigLocked(int offset, int width, int value, List<Runnable> after) {
        FunctionIrqs.Flags irqFlags = irqs.flags();
        SriovState.Control sriovControl = sriov == null ? null : sriov.control();

        config.write(offset, width, value);

        irqs.configWritten(offset, width, irqFlags);
        if (express != null && express.flrInitiated(offset, width)) {
            after.add(this::functionLevelReset);
        }
        if (sriov != null) {
            sriov.configWritten(offset, width, sriovControl, after);
        }
        model.configWritten(offset, width);
    }

    // ---- regions -------------------------------------------------------------------------------

    @Override
    public Optional<RegionInfo> region(int index) {
        bars.checkIndex(index);
        checkPresent();
        return bars.info(index);
    }

    @Override
    public Mmio map(int index) {
        bars.checkIndex(index);
        checkPresent();
        return bars.map(this, index);
    }

    /**
     * One checked region access (see {@link Mmio}); called by {@link SimMmio} after its own
     * closed/bounds/alignment checks.
     */
    long regionAccess(SimMmio mapping, int index, long offset, int width, boolean write, long value) {
        lock.lock();
        try {
            checkPresent();
            mapping.checkOpen();
            return bars.access(index, offset, width, write, value);
        } finally {
            lock.unlock();
        }
    }

    private boolean memoryDecodeEnabled() {
        if (physfn != null) {
            // VFs decode when the PF's VF Memory Space Enable is set (PCI SR-IOV spec 1.1, 3.3.3.4).
            return physfn.sriov.vfMemoryEnabled();
        }
        return (config.command() & PCI_COMMAND_MEMORY) != 0;
    }

    // ---- interrupts ----------------------------------------------------------------------------

    @Override
    public Lock lock() {
        return lock;
    }

    @Override
    public int irqCount(IrqType type) {
        lock.lock();
        try {
            checkPresent();
            return irqs.count(type);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public IrqSet enableIrqs(IrqType type, int count, IrqHandler handler) {
        if (type == null || handler == null) {
            throw new HwException(HwException.EINVAL, who + ": enableIrqs needs a type and a handler");
        }
        List<Runnable> after = new ArrayList<>();
        IrqSet result;
        lock.lock();
        try {
            checkPresent();
            result = irqs.enable(type, count, handler, writer(after));
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        return result;
    }

    /** Disables a set: called by {@link SimIrqSet#close()}. */
    void closeIrqs(SimIrqSet set) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            irqs.close(set, present, writer(after));
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /** Masks or unmasks an MSI-X vector of a set: called by {@link SimIrqSet#mask} and unmask. */
    void maskIrq(SimIrqSet set, int vector, boolean masked) {
        lock.lock();
        try {
            checkPresent();
            irqs.maskMsix(set, vector, masked);
        } finally {
            lock.unlock();
        }
    }

    /** @return whether an MSI-X vector's Mask bit is set */
    boolean irqMasked(int vector) {
        lock.lock();
        try {
            return irqs.msixMasked(vector);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void setIntx(boolean asserted) {
        if (present) {
            irqs.setIntx(asserted);
        }
    }

    @Override
    public boolean msiEnabled() {
        return irqs.msiEnabled();
    }

    @Override
    public boolean msixEnabled() {
        return irqs.msixEnabled();
    }

    @Override
    public void notifyMsi(int vector) {
        if (present) {
            irqs.notifyMsi(vector);
        }
    }

    @Override
    public void notifyMsix(int vector) {
        if (present) {
            irqs.notifyMsix(vector);
        }
    }

    // ---- DMA ---------------------------------------------------------------------------------

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        return dma.allocate(size, directions);
    }

    @Override
    public DmaMapping mapDma(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions) {
        return dma.map(chunks, length, alignment, directions);
    }

    /** @return the number of live IOMMU mappings, for leak checks */
    int iommuMappings() {
        return dma.mappings();
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return dma.faults();
    }

    @Override
    public boolean dmaRead(long iova, MemorySegment dst) {
        return dma.transfer(iova, dst, false);
    }

    @Override
    public boolean dmaWrite(long iova, MemorySegment src) {
        return dma.transfer(iova, src, true);
    }

    // ---- reset -------------------------------------------------------------------------------

    @Override
    public void reset() {
        checkPresent();
        functionLevelReset();
    }

    /** FLR: VFs of a PF go away first, then config space and the device return to power-on. */
    private void functionLevelReset() {
        bridge.topologyLock().lock();
        try {
            if (!present) {
                return;
            }
            if (sriov != null) {
                sriov.removeVfs();
            }
            lock.lock();
            try {
                config.resetToDefaults();
                irqs.reset();
                if (sriov != null) {
                    sriov.setVfMemoryEnabled(false);
                }
                model.reset();
            } finally {
                lock.unlock();
            }
            LOG.debug("{}: function level reset", who);
        } finally {
            bridge.topologyLock().unlock();
        }
    }

    // ---- SR-IOV ------------------------------------------------------------------------------

    @Override
    public Optional<SriovControl> sriov() {
        checkPresent();
        return Optional.ofNullable(sriov);
    }

    // ---- plug / unplug (bridge, topology lock held) -----------------------------------------

    /** Starts the model; called once by the bridge before the function is announced. */
    void plug() {
        lock.lock();
        try {
            model.start(this);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hot remove: no access starts any more, the model stops, region memory is released. The
     * caller removed this function's VFs first.
     */
    void unplug() {
        lock.lock();
        try {
            present = false;
            irqs.kill();
        } finally {
            lock.unlock();
        }
        model.stop();
        releaseRegions();
    }

    /** Frees what the regions hold; also used for a function that was built but never plugged in. */
    void releaseRegions() {
        bars.release();
    }
}
