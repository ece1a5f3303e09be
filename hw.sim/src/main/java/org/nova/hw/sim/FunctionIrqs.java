package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.PCI_COMMAND;

import org.nova.hw.HwException;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interrupts of one simulated function. The device side: its INTx pin ({@link IntxPin}) and
 * its MSI and MSI-X capabilities ({@link MsiCapability}, {@link MsixCapability}). The host side:
 * the one set of vectors of one type the host enabled, with its handler, as VFIO_DEVICE_SET_IRQS
 * enables them, the capability programmed as drivers/pci/msi/msi.c programs it. A vector the
 * device side lets through runs the set's handler on the bridge's delivery thread, never under a
 * lock.
 *
 * <p>Owns the enabled set. Guarded by the function's lock: every method is called with it held.
 */
final class FunctionIrqs {
    private static final Logger LOG = LoggerFactory.getLogger(FunctionIrqs.class);

    /** Message Control of MSI and MSI-X before a software write, for {@link #configWritten}. */
    record Flags(int msi, int msix) {
    }

    private final SimulatedFunction function;
    private final SimulatedHostBridge bridge;
    private final String who;
    private final IntxPin intx;
    /** Null without an MSI capability. */
    private final MsiCapability msi;
    /** Null without an MSI-X capability. */
    private final MsixCapability msix;
    /** The enabled set, or null. */
    private SimIrqSet irqSet;

    /**
     * @param function the function, which enabled sets close through
     * @param bridge where vectors are delivered
     * @param config its config space
     * @param regions its regions: the MSI-X structures are laid over theirs
     * @param bars its BARs
     * @throws IllegalStateException if the MSI-X structures are in a BAR that is no memory BAR
     */
    FunctionIrqs(SimulatedFunction function, SimulatedHostBridge bridge, ConfigSpace config, Region[] regions,
                 BarSpec[] bars) {
        this.function = function;
        this.bridge = bridge;
        this.who = function.toString();
        this.intx = new IntxPin(config, this);
        this.msi = config.msiCap() == 0 ? null : new MsiCapability(config, config.msiCap(), intx, this, who);
        this.msix = config.msixCap() == 0 ? null
                : new MsixCapability(config, config.msixCap(), intx, this, who, regions, bars);
    }

    // ---- the device side -------------------------------------------------------------------------

    /** The device drives its INTx pin (QEMU pci_set_irq). */
    void setIntx(boolean asserted) {
        intx.set(asserted);
    }

    /** @return whether MSI Enable is set */
    boolean msiEnabled() {
        return msi != null && msi.enabled();
    }

    /** @return whether MSI-X Enable is set */
    boolean msixEnabled() {
        return msix != null && msix.enabled();
    }

    /** Sends MSI vector: pending if masked, dropped if not enabled. */
    void notifyMsi(int vector) {
        if (msi == null) {
            LOG.debug("{}: MSI vector {} dropped: MSI is not enabled", who, vector);
            return;
        }
        msi.notify(vector);
    }

    /** Sends MSI-X vector: pending if masked, dropped if not enabled. */
    void notifyMsix(int vector) {
        if (msix == null) {
            LOG.debug("{}: MSI-X vector {} dropped: MSI-X is not enabled", who, vector);
            return;
        }
        msix.notify(vector);
    }

    /** @return Message Control of the capabilities now, before a software write */
    Flags flags() {
        return new Flags(msi == null ? 0 : msi.flags(), msix == null ? 0 : msix.flags());
    }

    /** Side effects of a software config write on the pin and the capabilities. */
    void configWritten(int offset, int width, Flags before) {
        if (ConfigSpace.overlaps(offset, width, PCI_COMMAND, Short.BYTES)) {
            intx.update();
        }
        if (msi != null && msi.written(offset, width)) {
            msi.configWritten(before.msi());
        }
        if (msix != null && msix.written(offset, width)) {
            msix.configWritten(before.msix());
        }
    }

    /** Function-level reset: the pin not driven, every MSI-X vector masked. */
    void reset() {
        intx.reset();
        if (msix != null) {
            msix.reset();
        }
    }

    // ---- the host side ---------------------------------------------------------------------------

    /** @return how many vectors of type the function offers */
    int count(IrqType type) {
        return switch (type) {
            case INTX -> intx.count();
            case MSI -> msi == null ? 0 : msi.capable();
            case MSIX -> msix == null ? 0 : msix.size();
        };
    }

    /**
     * Enables count vectors of type with handler, programming the function through w.
     *
     * @throws HwException EBUSY if a set is enabled, EINVAL if the function has no such interrupt
     *                     or not that many vectors
     */
    IrqSet enable(IrqType type, int count, IrqHandler handler, ConfigSpace.Writer w) {
        if (irqSet != null) {
            throw new HwException(HwException.EBUSY, who + ": " + irqSet.type() + " interrupts are enabled;"
                    + " close them before enabling " + type);
        }
        int max = count(type);
        if (max == 0) {
            throw new HwException(HwException.EINVAL, who + " has no " + type + " interrupt");
        }
        if (count < 1 || count > max) {
            throw new HwException(HwException.EINVAL, who + ": " + count + " " + type + " vectors requested, "
                    + "the function offers 1.." + max);
        }
        SimIrqSet set = new SimIrqSet(function, type, count, handler);
        irqSet = set;
        switch (type) {
            case INTX -> intx.program(true, w);
            case MSI -> msi.program(count, w);
            case MSIX -> msix.program(count, w);
        }
        LOG.debug("{}: enabled {} {} vectors", who, count, type);
        return set;
    }

    /**
     * Disables set if it is the enabled one; programs the function through w unless it is gone.
     *
     * @param present whether the function is still present
     */
    void close(SimIrqSet set, boolean present, ConfigSpace.Writer w) {
        if (irqSet != set) {
            return;
        }
        irqSet = null;
        if (!present) {
            return;
        }
        switch (set.type()) {
            case INTX -> intx.program(false, w);
            case MSI -> msi.disable(w);
            case MSIX -> msix.disable(set.count(), w);
        }
        LOG.debug("{}: disabled {} interrupts", who, set.type());
    }

    /**
     * Sets or clears the Mask bit of an MSI-X vector of the enabled set, as the kernel's
     * pci_msix_mask / pci_msix_unmask write it.
     *
     * @throws HwException ENODEV if set is no longer the enabled one
     */
    void maskMsix(SimIrqSet set, int vector, boolean masked) {
        if (irqSet != set) {
            throw new HwException(HwException.ENODEV, who + ": the " + set.type() + " set is closed");
        }
        msix.setVectorMasked(vector, masked);
    }

    /** @return whether an MSI-X vector's Mask bit is set */
    boolean msixMasked(int vector) {
        return msix != null && vector >= 0 && vector < msix.size() && msix.vectorMasked(vector);
    }

    /** The function went away: the enabled set stops delivering, without touching config space. */
    void kill() {
        SimIrqSet set = irqSet;
        irqSet = null;
        if (set != null) {
            set.kill();
        }
    }

    /** Queues vector for the enabled set of type, if the set exists and covers it. */
    void deliver(IrqType type, int vector) {
        SimIrqSet set = irqSet;
        if (set == null || set.type() != type || vector >= set.count()) {
            LOG.debug("{}: {} vector {} raised with no handler for it", who, type, vector);
            return;
        }
        bridge.deliver(() -> set.fire(vector));
    }
}
