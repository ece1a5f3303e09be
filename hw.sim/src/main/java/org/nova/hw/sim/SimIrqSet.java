package org.nova.hw.sim;

import org.nova.hw.HwException;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The enabled interrupts of a simulated function. */
final class SimIrqSet implements IrqSet {
    private static final Logger LOG = LoggerFactory.getLogger(SimIrqSet.class);

    private final SimulatedFunction function;
    private final IrqType type;
    private final int count;
    private final IrqHandler handler;
    private volatile boolean active = true;

    SimIrqSet(SimulatedFunction function, IrqType type, int count, IrqHandler handler) {
        this.function = function;
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

    /** Checks that the set can mask vector: MSI-X, in range, still open. */
    private void checkMaskable(int vector) {
        if (type != IrqType.MSIX) {
            throw new HwException(HwException.EINVAL, function.address() + ": " + type
                    + " has no per-vector mask; only MSI-X vectors can be masked");
        }
        if (vector < 0 || vector >= count) {
            throw new HwException(HwException.EINVAL, function.address() + ": vector " + vector + " outside 0.." + (count - 1));
        }
        if (!active) {
            throw new HwException(HwException.ENODEV, function.address() + ": the MSI-X set is closed");
        }
    }

    @Override
    public void mask(int vector) {
        checkMaskable(vector);
        function.maskIrq(this, vector, true);
    }

    @Override
    public void unmask(int vector) {
        checkMaskable(vector);
        function.maskIrq(this, vector, false);
    }

    @Override
    public boolean isMasked(int vector) {
        return active && type == IrqType.MSIX && vector >= 0 && vector < count && function.irqMasked(vector);
    }

    /** Runs on the bridge's delivery thread. */
    void fire(int vector) {
        if (!active) {
            return;
        }
        try {
            handler.interrupt(vector);
        } catch (RuntimeException e) {
            LOG.error("{}: {} handler for vector {} failed", function.address(), type, vector, e);
        }
    }

    /** The function went away: stop delivering without touching config space. */
    void kill() {
        active = false;
    }

    @Override
    public void close() {
        if (active) {
            active = false;
            function.closeIrqs(this);
        }
    }
}
