package org.nova.hw.vfio;

import java.util.concurrent.atomic.AtomicLong;
import org.nova.hw.HwException;
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
 * <p>MSI-X vectors are masked one by one ({@link #mask}). vfio-pci has no VFIO_IRQ_SET_ACTION_MASK
 * for MSI or MSI-X (vfio_pci_set_irqs_ioctl leaves them without a handler: ENOTTY), and the table
 * is the host kernel's to write, so the set masks a vector the way the host kernel itself does:
 * it de-assigns the vector's eventfd (SET_IRQS DATA_EVENTFD|ACTION_TRIGGER, start = the vector,
 * count 1, fd -1). vfio_msi_set_vector_signal then frees the host IRQ while the vector stays
 * allocated, and free_irq shuts the interrupt down, which sets the vector's Mask bit
 * (irq_shutdown → pci_msix_mask): the device latches a message in its Pending Bit Array.
 * Unmasking assigns the eventfd again; request_irq starts the interrupt up (pci_msix_unmask) and
 * the device sends what it latched, which arrives on the vector's eventfd as any other.
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
    /** The MSI-X vectors masked through {@link #mask}; guarded by this. */
    private final boolean[] masked;
    /** Interrupts delivered (diagnostics). */
    private final AtomicLong delivered = new AtomicLong();

    VfioIrqSet(VfioIrqs owner, IrqType type, int vfioIndex, int[] fds, IrqHandler handler, boolean automasked) {
        this.owner = owner;
        this.type = type;
        this.vfioIndex = vfioIndex;
        this.fds = fds.clone();
        this.handler = handler;
        this.automasked = automasked;
        this.masked = new boolean[fds.length];
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

    private void checkMaskable(int vector) {
        if (type != IrqType.MSIX) {
            throw new HwException(HwException.EINVAL, owner.address() + ": " + type
                    + " has no per-vector mask; only MSI-X vectors can be masked");
        }
        if (vector < 0 || vector >= fds.length) {
            throw new HwException(HwException.EINVAL, owner.address() + ": MSI-X vector " + vector + " outside 0.."
                    + (fds.length - 1));
        }
        if (!isActive()) {
            throw new HwException(HwException.ENODEV, owner.address() + ": the MSI-X set is closed");
        }
    }

    @Override
    public synchronized void mask(int vector) {
        checkMaskable(vector);
        if (!masked[vector]) {
            owner.trigger(vfioIndex, vector, new int[] {VfioUapi.VFIO_IRQ_SET_NO_EVENTFD});
            masked[vector] = true;
        }
    }

    @Override
    public synchronized void unmask(int vector) {
        checkMaskable(vector);
        if (masked[vector]) {
            owner.trigger(vfioIndex, vector, new int[] {fds[vector]});
            masked[vector] = false;
        }
    }

    @Override
    public synchronized boolean isMasked(int vector) {
        return vector >= 0 && vector < masked.length && masked[vector];
    }

    /** @return the masked vectors, for vfio:status */
    synchronized int maskedCount() {
        int n = 0;
        for (boolean m : masked) {
            n += m ? 1 : 0;
        }
        return n;
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
