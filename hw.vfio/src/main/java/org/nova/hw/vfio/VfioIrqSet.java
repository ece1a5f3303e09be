package org.nova.hw.vfio;

import java.util.concurrent.atomic.AtomicLong;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interrupts of one type enabled on a vfio-pci function ({@link VfioIrqs#enable}): one eventfd
 * per vector, signalled by the kernel (VFIO_IRQ_SET_ACTION_TRIGGER), polled by the bridge's poller
 * thread. INTx is automasked by the kernel when it fires; the set unmasks it (VFIO_IRQ_SET_ACTION_UNMASK) after
 * each handler call, so a line still asserted fires again.
 *
 * <p>Ownership: the consumer closes it; closing disables the VFIO index and closes the eventfds.
 */
final class VfioIrqSet implements IrqSet {
    private static final Logger LOG = LoggerFactory.getLogger(VfioIrqSet.class);

    private final VfioIrqs owner;
    private final IrqType type;
    private final int vfioIndex;
    private final int[] fds;
    private final IrqHandler handler;
    private final boolean automasked;
    private volatile boolean active = true;
    /** Interrupts delivered (diagnostics). */
    private final AtomicLong delivered = new AtomicLong();

    VfioIrqSet(VfioIrqs owner, IrqType type, int vfioIndex, int[] fds, IrqHandler handler, boolean automasked) {
        this.owner = owner;
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
            LOG.error("{}: {} vector {} handler threw", owner.address(), type, vector, e);
        }
        if (automasked && active) {
            try {
                owner.action(vfioIndex, VfioUapi.VFIO_IRQ_SET_ACTION_UNMASK, 1);
            } catch (RuntimeException e) {
                LOG.warn("{}: unmasking INTx failed: {}", owner.address(), e.getMessage());
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
        return active && owner.present();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!active) {
                return;
            }
            active = false;
        }
        owner.disable(this);
    }
}
