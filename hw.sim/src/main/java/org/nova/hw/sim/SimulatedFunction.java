package org.nova.hw.sim;

import static org.nova.hw.sim.X86Msi.MSI_ADDR_BASE_LO;

import static org.nova.hw.pci.PciRegs.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
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
 * A simulated PCI function: a {@link DeviceModel} plugged into a {@link SimulatedHostBridge},
 * with config space semantics (masks, capability side effects), checked region access,
 * INTx/MSI/MSI-X delivery as config space allows, an IOMMU domain for DMA, function-level reset
 * and SR-IOV.
 *
 * <p>Locking: {@link #lock} guards config space, interrupt state and the device model's state.
 * Topology changes (hot plug, SR-IOV, reset of a PF) take the bridge's topology lock first and
 * never hold a function lock while taking another function's lock or calling listeners.
 * Interrupt handlers run on the bridge's delivery thread, never under a lock.
 */
final class SimulatedFunction implements PciFunction, DeviceContext {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedFunction.class);

    /** Most IOMMU faults kept per function (older ones are dropped, counted in the log). */
    static final int MAX_FAULTS = 256;
    /** 16-bit mask. */
    private static final int WORD = 0xffff;
    /** Bits per dword, for 64-bit MSI addresses. */
    private static final int DWORD_BITS = 32;

    private final SimulatedHostBridge bridge;
    private final PciAddress address;
    private final DeviceModel model;
    private final ConfigSpace config;
    private final ReentrantLock lock = new ReentrantLock();
    private final BarSpec[] bars = new BarSpec[RegionInfo.ROM_INDEX + 1];
    private final Region[] regions = new Region[RegionInfo.ROM_INDEX + 1];
    private final SimulatedFunction physfn;
    private final int vfIndex;
    private final IommuDomain iommu = new IommuDomain();
    private final Deque<IommuFault> faults = new ArrayDeque<>();
    private final MsixTable msix;
    private final SriovState sriov;
    private final String who;

    private volatile boolean present = true;
    /** Enabled interrupts, or null. Guarded by lock. */
    private SimIrqSet irqSet;
    /** The device drives its INTx pin. Guarded by lock. */
    private boolean intxLevel;
    /** The INTx line as the interrupt controller sees it (level and not disabled). Guarded by lock. */
    private boolean intxLine;

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
        for (int i = 0; i < bars.length; i++) {
            bars[i] = physfn == null ? config.bar(i)
                    : i < RegionInfo.BAR_COUNT ? physfn.config.vfBar(i) : null;
            if (bars[i] != null) {
                Region r = model.region(i);
                if (r == null || r.size() != bars[i].size()) {
                    throw new IllegalStateException(who + ": region " + i + " does not match its BAR of "
                            + bars[i].size() + " bytes");
                }
                regions[i] = r;
            }
        }
        this.msix = config.msixCap() == 0 ? null : overlayMsix();
        this.sriov = config.sriovCap() == 0 ? null : new SriovState(this, config.sriovCap());
    }

    private MsixTable overlayMsix() {
        int cap = config.msixCap();
        int tableSize = (config.get16(cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
        int table = config.get32(cap + PCI_MSIX_TABLE);
        int pba = config.get32(cap + PCI_MSIX_PBA);
        int tableBar = table & PCI_MSIX_BIR;
        int pbaBar = pba & PCI_MSIX_BIR;
        MsixTable t = new MsixTable(tableSize);
        for (int bar : tableBar == pbaBar ? new int[] {tableBar} : new int[] {tableBar, pbaBar}) {
            if (bar >= RegionInfo.BAR_COUNT || regions[bar] == null || bars[bar].kind() == BarSpec.Kind.IO) {
                throw new IllegalStateException(who + ": MSI-X structures in BAR" + bar + ", which is no memory BAR");
            }
            regions[bar] = new MsixOverlay(regions[bar], t,
                    bar == tableBar ? table & PCI_MSIX_OFFSET : -1,
                    bar == pbaBar ? pba & PCI_MSIX_OFFSET : -1,
                    this::msixVectorControlWritten);
        }
        return t;
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
    public java.util.Map<String, String> deviceState() {
        return java.util.Map.copyOf(model.state());
    }

    SimulatedHostBridge simBridge() {
        return bridge;
    }

    SriovState sriovState() {
        return sriov;
    }

    /** @return the BAR spec at index (for VFs: the PF's VF BAR), or null */
    BarSpec barSpec(int index) {
        return bars[index];
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

    /**
     * A software config write: masks, then the side effects the hardware has. Topology changes
     * are queued on after, to run once the lock is released.
     */
    private void writeConfigLocked(int offset, int width, int value, List<Runnable> after) {
        int msiCap = config.msiCap();
        int msixCap = config.msixCap();
        int expCap = config.expCap();
        int sriovCap = config.sriovCap();
        int oldMsiFlags = msiCap == 0 ? 0 : config.get16(msiCap + PCI_MSI_FLAGS);
        int oldMsixFlags = msixCap == 0 ? 0 : config.get16(msixCap + PCI_MSIX_FLAGS);
        int oldSriovCtrl = sriovCap == 0 ? 0 : config.get16(sriovCap + PCI_SRIOV_CTRL);
        int oldNumVfs = sriovCap == 0 ? 0 : config.get16(sriovCap + PCI_SRIOV_NUM_VF);

        config.write(offset, width, value);

        if (ConfigSpace.overlaps(offset, width, PCI_COMMAND, Short.BYTES)) {
            updateIntx();
        }
        if (msiCap != 0 && ConfigSpace.overlaps(offset, width, msiCap, msiCapSize())) {
            msiConfigWritten(oldMsiFlags);
        }
        if (msixCap != 0 && ConfigSpace.overlaps(offset, width, msixCap + PCI_MSIX_FLAGS, Short.BYTES)) {
            msixConfigWritten(oldMsixFlags);
        }
        if (expCap != 0 && ConfigSpace.overlaps(offset, width, expCap + PCI_EXP_DEVCTL, Short.BYTES)) {
            int devctl = config.get16(expCap + PCI_EXP_DEVCTL);
            if ((devctl & PCI_EXP_DEVCTL_BCR_FLR) != 0) {
                // Initiate FLR reads as zero (PCIe Base Spec 7.5.3.4); the reset follows the write.
                config.set16(expCap + PCI_EXP_DEVCTL, devctl & ~PCI_EXP_DEVCTL_BCR_FLR);
                after.add(this::functionLevelReset);
            }
        }
        if (sriovCap != 0) {
            sriovConfigWritten(offset, width, oldSriovCtrl, oldNumVfs, after);
        }
        model.configWritten(offset, width);
    }

    private void sriovConfigWritten(int offset, int width, int oldCtrl, int oldNumVfs, List<Runnable> after) {
        int cap = config.sriovCap();
        int ctrl = config.get16(cap + PCI_SRIOV_CTRL);
        if ((oldCtrl & PCI_SRIOV_CTRL_VFE) != 0 && ConfigSpace.overlaps(offset, width, cap + PCI_SRIOV_NUM_VF, Short.BYTES)) {
            // NumVFs may only change while VF Enable is clear (PCI SR-IOV spec 1.1, 3.3.7).
            config.set16(cap + PCI_SRIOV_NUM_VF, oldNumVfs);
        }
        sriov.setVfMemoryEnabled((ctrl & PCI_SRIOV_CTRL_VFE) != 0 && (ctrl & PCI_SRIOV_CTRL_MSE) != 0);
        boolean was = (oldCtrl & PCI_SRIOV_CTRL_VFE) != 0;
        boolean is = (ctrl & PCI_SRIOV_CTRL_VFE) != 0;
        if (!was && is) {
            after.add(sriov::vfEnableWritten);
        } else if (was && !is) {
            after.add(sriov::vfEnableCleared);
        }
    }

    // ---- regions -------------------------------------------------------------------------------

    private static void checkRegionIndex(String who, int index) {
        if (index < 0 || index > RegionInfo.ROM_INDEX) {
            throw new HwException(HwException.EINVAL, who + ": region index " + index + " is outside 0.."
                    + RegionInfo.ROM_INDEX);
        }
    }

    @Override
    public Optional<RegionInfo> region(int index) {
        checkRegionIndex(who, index);
        checkPresent();
        BarSpec bar = bars[index];
        if (bar == null) {
            return Optional.empty();
        }
        Set<RegionFlag> flags = EnumSet.copyOf(bar.baseFlags());
        if (!regions[index].readOnly()) {
            flags.add(RegionFlag.WRITE);
        }
        if (regions[index].memory().isPresent()) {
            flags.add(RegionFlag.MAPPABLE);
        }
        return Optional.of(new RegionInfo(index, bar.size(), flags));
    }

    @Override
    public Mmio map(int index) {
        checkRegionIndex(who, index);
        checkPresent();
        if (bars[index] == null) {
            throw new HwException(HwException.ENXIO, who + " has no region " + index);
        }
        return new SimMmio(this, index, bars[index], regions[index]);
    }

    /**
     * One checked region access (see {@link Mmio}); called by {@link SimMmio} after its own
     * closed/bounds/alignment checks.
     */
    long regionAccess(SimMmio mapping, int index, long offset, int width, boolean write, long value) {
        lock.lock();
        try {
            if (!present) {
                throw new HwException(HwException.ENODEV, who + " has been removed");
            }
            mapping.checkOpen();
            Region region = regions[index];
            BarSpec bar = bars[index];
            if (write && region.readOnly()) {
                throw new HwException(HwException.EROFS, who + ": region " + index + " is read-only");
            }
            if (bar.kind() == BarSpec.Kind.IO) {
                if ((config.get16(PCI_COMMAND) & PCI_COMMAND_IO) == 0) {
                    // Not decoded: a master abort reads all ones and drops writes (PCI Local Bus Spec 3.0, 6.2.2).
                    return write ? 0 : Region.allOnes(width);
                }
            } else if (bar.kind() != BarSpec.Kind.ROM && !memoryDecodeEnabled()) {
                throw new HwException(HwException.EIO, who + ": BAR" + index + " accessed while memory space is "
                        + (physfn == null ? "disabled (PCI_COMMAND_MEMORY clear)"
                                : "disabled (VF MSE clear in the PF's SR-IOV control)"));
            }
            if (write) {
                region.write(offset, width, value);
                return 0;
            }
            return region.read(offset, width) & Region.allOnes(width);
        } finally {
            lock.unlock();
        }
    }

    private boolean memoryDecodeEnabled() {
        if (physfn != null) {
            // VFs decode when the PF's VF Memory Space Enable is set (PCI SR-IOV spec 1.1, 3.3.3.4).
            return physfn.sriov.vfMemoryEnabled();
        }
        return (config.get16(PCI_COMMAND) & PCI_COMMAND_MEMORY) != 0;
    }

    private boolean busMaster() {
        return (config.get16(PCI_COMMAND) & PCI_COMMAND_MASTER) != 0;
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
            return irqCountLocked(type);
        } finally {
            lock.unlock();
        }
    }

    private int irqCountLocked(IrqType type) {
        return switch (type) {
            case INTX -> config.get8(PCI_INTERRUPT_PIN) != 0 ? 1 : 0;
            case MSI -> config.msiCap() == 0 ? 0
                    : 1 << ((config.get16(config.msiCap() + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_QMASK) >>> PCI_MSI_FLAGS_QMASK_SHIFT);
            case MSIX -> msix == null ? 0 : msix.size();
        };
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
            if (irqSet != null) {
                throw new HwException(HwException.EBUSY, who + ": " + irqSet.type() + " interrupts are enabled;"
                        + " close them before enabling " + type);
            }
            int max = irqCountLocked(type);
            if (max == 0) {
                throw new HwException(HwException.EINVAL, who + " has no " + type + " interrupt");
            }
            if (count < 1 || count > max) {
                throw new HwException(HwException.EINVAL, who + ": " + count + " " + type + " vectors requested, "
                        + "the function offers 1.." + max);
            }
            SimIrqSet set = new SimIrqSet(this, type, count, handler);
            irqSet = set;
            switch (type) {
                case INTX -> programIntx(true, after);
                case MSI -> programMsi(count, after);
                case MSIX -> programMsix(count, after);
            }
            LOG.debug("{}: enabled {} {} vectors", who, count, type);
            result = set;
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        return result;
    }

    private int command() {
        return config.get16(PCI_COMMAND);
    }

    private void programIntx(boolean enable, List<Runnable> after) {
        int cmd = command();
        writeConfigLocked(PCI_COMMAND, Short.BYTES,
                enable ? cmd & ~PCI_COMMAND_INTX_DISABLE : cmd | PCI_COMMAND_INTX_DISABLE, after);
    }

    /** Programs MSI like drivers/pci/msi/msi.c msi_capability_init and the x86 message composer. */
    private void programMsi(int count, List<Runnable> after) {
        int cap = config.msiCap();
        writeConfigLocked(PCI_COMMAND, Short.BYTES, command() | PCI_COMMAND_INTX_DISABLE, after);
        int flags = config.get16(cap + PCI_MSI_FLAGS);
        boolean addr64 = (flags & PCI_MSI_FLAGS_64BIT) != 0;
        writeConfigLocked(cap + PCI_MSI_ADDRESS_LO, Integer.BYTES, MSI_ADDR_BASE_LO, after);
        if (addr64) {
            writeConfigLocked(cap + PCI_MSI_ADDRESS_HI, Integer.BYTES, 0, after);
        }
        writeConfigLocked(cap + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), Short.BYTES, 0, after);
        if ((flags & PCI_MSI_FLAGS_MASKBIT) != 0) {
            int used = count == PCI_MSI_VECTORS_MAX ? -1 : (1 << count) - 1;
            writeConfigLocked(cap + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), Integer.BYTES, ~used, after);
        }
        int log2 = DWORD_BITS - Integer.numberOfLeadingZeros(count - 1);
        int enabled = (flags & ~PCI_MSI_FLAGS_QSIZE) | log2 << PCI_MSI_FLAGS_QSIZE_SHIFT | PCI_MSI_FLAGS_ENABLE;
        writeConfigLocked(cap + PCI_MSI_FLAGS, Short.BYTES, enabled, after);
    }

    /** Programs MSI-X like drivers/pci/msi/msi.c msix_capability_init. */
    private void programMsix(int count, List<Runnable> after) {
        int cap = config.msixCap();
        writeConfigLocked(PCI_COMMAND, Short.BYTES, command() | PCI_COMMAND_INTX_DISABLE, after);
        int flags = config.get16(cap + PCI_MSIX_FLAGS);
        // Enable with all vectors masked while the table is programmed.
        writeConfigLocked(cap + PCI_MSIX_FLAGS, Short.BYTES, flags | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, after);
        for (int v = 0; v < count; v++) {
            long entry = (long) v * PCI_MSIX_ENTRY_SIZE;
            msix.writeTable(entry + PCI_MSIX_ENTRY_LOWER_ADDR, Integer.BYTES, MSI_ADDR_BASE_LO);
            msix.writeTable(entry + PCI_MSIX_ENTRY_UPPER_ADDR, Integer.BYTES, 0);
            msix.writeTable(entry + PCI_MSIX_ENTRY_DATA, Integer.BYTES, v);
            msix.setMasked(v, false);
        }
        writeConfigLocked(cap + PCI_MSIX_FLAGS, Short.BYTES,
                (flags | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL, after);
    }

    /** Disables a set: called by {@link SimIrqSet#close()}. */
    void closeIrqs(SimIrqSet set) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (irqSet != set) {
                return;
            }
            irqSet = null;
            if (!present) {
                return;
            }
            switch (set.type()) {
                case INTX -> programIntx(false, after);
                case MSI -> {
                    int cap = config.msiCap();
                    writeConfigLocked(cap + PCI_MSI_FLAGS, Short.BYTES,
                            config.get16(cap + PCI_MSI_FLAGS) & ~PCI_MSI_FLAGS_ENABLE, after);
                    // pci_msi_shutdown re-enables INTx (pci_intx_for_msi(dev, 1)).
                    programIntx(true, after);
                }
                case MSIX -> {
                    int cap = config.msixCap();
                    for (int v = 0; v < set.count(); v++) {
                        msix.setMasked(v, true);
                    }
                    writeConfigLocked(cap + PCI_MSIX_FLAGS, Short.BYTES,
                            config.get16(cap + PCI_MSIX_FLAGS) & ~PCI_MSIX_FLAGS_ENABLE, after);
                    programIntx(true, after);
                }
            }
            LOG.debug("{}: disabled {} interrupts", who, set.type());
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /** Queues vector for the enabled set of type, if the set exists and covers it. */
    private void deliver(IrqType type, int vector) {
        SimIrqSet set = irqSet;
        if (set == null || set.type() != type || vector >= set.count()) {
            LOG.debug("{}: {} vector {} raised with no handler for it", who, type, vector);
            return;
        }
        bridge.deliver(() -> set.fire(vector));
    }

    @Override
    public void setIntx(boolean asserted) {
        if (!present) {
            return;
        }
        intxLevel = asserted;
        updateIntx();
    }

    /** Recomputes PCI_STATUS_INTERRUPT and the INTx line (QEMU pci_irq_handler / pci_update_irq_disabled). */
    private void updateIntx() {
        int status = config.get16(PCI_STATUS);
        config.set16(PCI_STATUS, intxLevel ? status | PCI_STATUS_INTERRUPT : status & ~PCI_STATUS_INTERRUPT);
        boolean line = intxLevel && config.get8(PCI_INTERRUPT_PIN) != 0
                && (command() & PCI_COMMAND_INTX_DISABLE) == 0;
        if (line && !intxLine) {
            deliver(IrqType.INTX, 0);
        }
        intxLine = line;
    }

    @Override
    public boolean msiEnabled() {
        int cap = config.msiCap();
        return cap != 0 && (config.get16(cap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE) != 0;
    }

    @Override
    public boolean msixEnabled() {
        int cap = config.msixCap();
        return cap != 0 && (config.get16(cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE) != 0;
    }

    private int msiCapSize() {
        int flags = config.get16(config.msiCap() + PCI_MSI_FLAGS);
        boolean addr64 = (flags & PCI_MSI_FLAGS_64BIT) != 0;
        boolean mask = (flags & PCI_MSI_FLAGS_MASKBIT) != 0;
        return addr64 ? (mask ? PCI_MSI_64M_SIZEOF : PCI_MSI_64_SIZEOF) : (mask ? PCI_MSI_32M_SIZEOF : PCI_MSI_32_SIZEOF);
    }

    private int msiMaskOffset() {
        boolean addr64 = (config.get16(config.msiCap() + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_64BIT) != 0;
        return config.msiCap() + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
    }

    private int msiPendingOffset() {
        boolean addr64 = (config.get16(config.msiCap() + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_64BIT) != 0;
        return config.msiCap() + (addr64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
    }

    /** Side effects of an MSI capability write (QEMU hw/pci/msi.c msi_write_config). */
    private void msiConfigWritten(int oldFlags) {
        int cap = config.msiCap();
        int flags = config.get16(cap + PCI_MSI_FLAGS);
        if ((flags & PCI_MSI_FLAGS_ENABLE) == 0) {
            return;
        }
        if ((oldFlags & PCI_MSI_FLAGS_ENABLE) == 0) {
            // MSI and INTx are mutually exclusive (PCI Local Bus Spec 3.0, 6.8.3.3).
            intxLevel = false;
            updateIntx();
        }
        int enabledLog2 = (flags & PCI_MSI_FLAGS_QSIZE) >>> PCI_MSI_FLAGS_QSIZE_SHIFT;
        int capableLog2 = (flags & PCI_MSI_FLAGS_QMASK) >>> PCI_MSI_FLAGS_QMASK_SHIFT;
        if (enabledLog2 > capableLog2) {
            // More vectors enabled than capable is illegal; QEMU clamps, so does this model.
            config.set16(cap + PCI_MSI_FLAGS, (flags & ~PCI_MSI_FLAGS_QSIZE) | capableLog2 << PCI_MSI_FLAGS_QSIZE_SHIFT);
        }
        if ((flags & PCI_MSI_FLAGS_MASKBIT) != 0) {
            int pending = config.get32(msiPendingOffset());
            int mask = config.get32(msiMaskOffset());
            for (int v = 0; v < PCI_MSI_VECTORS_MAX; v++) {
                int bit = 1 << v;
                if ((pending & bit) != 0 && (mask & bit) == 0) {
                    config.set32(msiPendingOffset(), config.get32(msiPendingOffset()) & ~bit);
                    notifyMsi(v);
                }
            }
        }
    }

    /** Side effects of an MSI-X message control write: enabling drops INTx; unmasking sends pending vectors. */
    private void msixConfigWritten(int oldFlags) {
        int flags = config.get16(config.msixCap() + PCI_MSIX_FLAGS);
        if ((flags & PCI_MSIX_FLAGS_ENABLE) == 0) {
            return;
        }
        if ((oldFlags & PCI_MSIX_FLAGS_ENABLE) == 0) {
            intxLevel = false;
            updateIntx();
        }
        if ((flags & PCI_MSIX_FLAGS_MASKALL) == 0) {
            for (int v = 0; v < msix.size(); v++) {
                msixVectorControlWritten(v);
            }
        }
    }

    /** A vector's control word changed: send it if it is now unmasked and pending (QEMU msix_handle_mask_update). */
    private void msixVectorControlWritten(int vector) {
        if (msix.pending(vector) && !msix.masked(vector)) {
            msix.setPending(vector, false);
            notifyMsix(vector);
        }
    }

    @Override
    public void notifyMsi(int vector) {
        if (!present) {
            return;
        }
        int cap = config.msiCap();
        if (cap == 0 || !msiEnabled()) {
            LOG.debug("{}: MSI vector {} dropped: MSI is not enabled", who, vector);
            return;
        }
        int flags = config.get16(cap + PCI_MSI_FLAGS);
        int vectors = 1 << ((flags & PCI_MSI_FLAGS_QSIZE) >>> PCI_MSI_FLAGS_QSIZE_SHIFT);
        if (vector < 0 || vector >= vectors) {
            LOG.warn("{}: MSI vector {} dropped: only {} vectors are enabled", who, vector, vectors);
            return;
        }
        if ((flags & PCI_MSI_FLAGS_MASKBIT) != 0 && (config.get32(msiMaskOffset()) & (1 << vector)) != 0) {
            config.set32(msiPendingOffset(), config.get32(msiPendingOffset()) | 1 << vector);
            return;
        }
        if (!busMaster()) {
            LOG.debug("{}: MSI vector {} dropped: bus mastering is disabled", who, vector);
            return;
        }
        deliver(IrqType.MSI, vector);
    }

    @Override
    public void notifyMsix(int vector) {
        if (!present) {
            return;
        }
        if (msix == null || !msixEnabled()) {
            LOG.debug("{}: MSI-X vector {} dropped: MSI-X is not enabled", who, vector);
            return;
        }
        if (vector < 0 || vector >= msix.size()) {
            LOG.warn("{}: MSI-X vector {} dropped: the table has {} entries", who, vector, msix.size());
            return;
        }
        int flags = config.get16(config.msixCap() + PCI_MSIX_FLAGS);
        if ((flags & PCI_MSIX_FLAGS_MASKALL) != 0 || msix.masked(vector)) {
            msix.setPending(vector, true);
            return;
        }
        if (!busMaster()) {
            LOG.debug("{}: MSI-X vector {} dropped: bus mastering is disabled", who, vector);
            return;
        }
        deliver(IrqType.MSIX, vector);
    }

    // ---- DMA ---------------------------------------------------------------------------------

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        if (size < 1 || size > IommuDomain.IOVA_LIMIT - IommuDomain.IOVA_BASE) {
            throw new HwException(size < 1 ? HwException.EINVAL : HwException.ENOMEM,
                    who + ": DMA buffer size " + size + " is outside 1.." + (IommuDomain.IOVA_LIMIT - IommuDomain.IOVA_BASE));
        }
        if (directions == null || directions.isEmpty()) {
            throw new HwException(HwException.EINVAL, who + ": a DMA buffer needs at least one direction");
        }
        checkPresent();
        Set<DmaDirection> dirs = Set.copyOf(directions);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment memory = arena.allocate(IommuDomain.pageAlign(size), IommuDomain.PAGE_SIZE);
            long iova = iommu.map(memory, dirs.contains(DmaDirection.TO_DEVICE), dirs.contains(DmaDirection.FROM_DEVICE));
            return new SimDmaBuffer(iommu, arena, iova, size, dirs, memory.asSlice(0, size));
        } catch (HwException e) {
            arena.close();
            throw e;
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new HwException(HwException.ENOMEM, who + ": cannot allocate " + size + " bytes of DMA memory", e);
        }
    }

    /** @return the number of live IOMMU mappings, for leak checks */
    int iommuMappings() {
        return iommu.mappingCount();
    }

    @Override
    public List<IommuFault> iommuFaults() {
        synchronized (faults) {
            return List.copyOf(faults);
        }
    }

    @Override
    public boolean dmaRead(long iova, MemorySegment dst) {
        return dma(iova, dst, false);
    }

    @Override
    public boolean dmaWrite(long iova, MemorySegment src) {
        return dma(iova, src, true);
    }

    private boolean dma(long iova, MemorySegment device, boolean write) {
        if (!present) {
            return false;
        }
        if (!busMaster()) {
            fault(iova, write, "bus mastering disabled (PCI_COMMAND_MASTER clear)");
            return false;
        }
        IommuDomain.Refusal refusal = iommu.transfer(iova, device, write);
        if (refusal != null) {
            fault(refusal.iova(), write, refusal.reason());
            return false;
        }
        return true;
    }

    private void fault(long iova, boolean write, String reason) {
        IommuFault f = new IommuFault(address, iova, write, reason, Instant.now());
        synchronized (faults) {
            if (faults.size() == MAX_FAULTS) {
                faults.removeFirst();
            }
            faults.addLast(f);
        }
        // The kernel's line: "DMAR: [DMA Write NO_PASID] Request device [00:03.0] fault addr 0x... [fault reason 0x05] ..."
        LOG.warn("DMAR: [DMA {}] Request device [{}] fault addr 0x{} [fault reason] {}",
                write ? "Write" : "Read", address, Long.toHexString(iova), reason);
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
                intxLevel = false;
                intxLine = false;
                if (msix != null) {
                    msix.reset();
                }
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
            SimIrqSet set = irqSet;
            irqSet = null;
            if (set != null) {
                set.kill();
            }
        } finally {
            lock.unlock();
        }
        model.stop();
        releaseRegions();
    }

    /** Frees what the regions hold; also used for a function that was built but never plugged in. */
    void releaseRegions() {
        for (Region r : regions) {
            if (r != null) {
                r.release();
            }
        }
    }
}
