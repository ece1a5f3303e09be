package org.nova.hw.sim;

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
