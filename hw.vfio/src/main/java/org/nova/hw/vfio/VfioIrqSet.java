package org.nova.hw.vfio;

import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interrupts of one type enabled on a {@link VfioFunction}: one eventfd per vector, signalled by
 * the kernel (VFIO_IRQ_SET_ACTION_TRIGGER), polled by the bridge's poller thread. INTx is
 * automasked by the kernel when it fires; the set unmasks it (VFIO_IRQ_SET_ACTION_UNMASK) after
 * each handler call, so a line still asserted fires again.
 *
 * <p>Ownership: the consumer closes it; closing disables the VFIO index and closes the eventfds.
 */
final class VfioIrqSet implements IrqSet {
    private static final Logger LOG = LoggerFactory.getLogger(VfioIrqSet.class);

    private final VfioFunction function;
    private final IrqType type;
    private final int vfioIndex;
    private final int[] fds;
    private final IrqHandler handler;
    private final boolean automasked;
    private volatile boolean active = true;
    /** Interrupts delivered (diagnostics). */
    private final java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();

    VfioIrqSet(VfioFunction function, IrqType type, int vfioIndex, int[] fds, IrqHandler handler, boolean automasked) {
        this.function = function;
        this.type = type;
        this.vfioIndex = vfioIndex;
        this.fds = fds.clone();
        this.handler = handler;
        this.automasked = automasked;
    }

    void arm(IrqPoller poller) {
        for (int v = 0; v < fds.length; v++) {
            int vector = v;
            poller.register(fds[v], count -> deliver(vector));
        }
    }

    private void deliver(int vector) {
        if (!active) {
            return;
        }
        delivered.incrementAndGet();
        try {
            handler.interrupt(vector);
        } catch (RuntimeException e) {
            LOG.error("{}: {} vector {} handler threw", function.address(), type, vector, e);
        }
        if (automasked && active) {
            try {
                function.irqAction(vfioIndex, VfioUapi.VFIO_IRQ_SET_ACTION_UNMASK, 1);
            } catch (RuntimeException e) {
                LOG.warn("{}: unmasking INTx failed: {}", function.address(), e.getMessage());
            }
        }
    }

    int[] fds() {
        return fds.clone();
    }

    int vfioIndex() {
        return vfioIndex;
    }

    long delivered() {
        return delivered.get();
    }

    @Override
    public IrqType type() {
        return type;
    }

    @Override
    public int count() {
        return fds.length;
    }

    @Override
    public boolean isActive() {
        return active && function.isPresent();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!active) {
                return;
            }
            active = false;
        }
        function.disableIrqs(this);
    }
}
