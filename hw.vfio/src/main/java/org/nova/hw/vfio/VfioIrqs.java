package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.nova.hw.HwException;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interrupts of a vfio-pci function, through VFIO_DEVICE_SET_IRQS (the kernel side is
 * drivers/vfio/pci/vfio_pci_intrs.c): the one {@link VfioIrqSet} a consumer may have enabled —
 * INTx, MSI or MSI-X, one eventfd per vector, signalled by the kernel and polled by the bridge's
 * {@link IrqPoller} — and the request interrupt (VFIO_PCI_REQ_IRQ_INDEX), by which the kernel asks
 * for the device back when something unbinds it from vfio-pci.
 *
 * <p>Ownership: the consumer closes its set; {@link #release()} (the function going away) closes
 * whatever set is still enabled and the request eventfd. Thread safety: synchronized.
 */
final class VfioIrqs {
    private static final Logger LOG = LoggerFactory.getLogger(VfioIrqs.class);

    /**
     * What the interrupts need of the function: what VFIO_DEVICE_GET_IRQ_INFO said, SET_IRQS, and
     * the command register (PCI_COMMAND_INTX_DISABLE). {@link #of} is the device fd and its config
     * region; the unit tests answer for the kernel instead.
     */
    interface Device {
        /** @see VfioDeviceFd#irqCount */
        int irqCount(int index);

        /** @see VfioDeviceFd#hasIrqFlag */
        boolean hasIrqFlag(int index, int flag);

        /** @see VfioDeviceFd#usable */
        boolean usable();

        /**
         * VFIO_DEVICE_SET_IRQS with a struct vfio_irq_set.
         *
         * @throws HwException with the ioctl's errno
         */
        void setIrqs(String what, MemorySegment irqSet);

        /** @return PCI_COMMAND */
        int command();

        /** Writes PCI_COMMAND. */
        void setCommand(int value);

        /** @return the device fd's and the config region's answers */
        static Device of(VfioDeviceFd fd, VfioPciConfig config) {
            return new Device() {
                @Override
                public int irqCount(int index) {
                    return fd.irqCount(index);
                }

                @Override
                public boolean hasIrqFlag(int index, int flag) {
                    return fd.hasIrqFlag(index, flag);
                }

                @Override
                public boolean usable() {
                    return fd.usable();
                }

                @Override
                public void setIrqs(String what, MemorySegment irqSet) {
                    fd.ioctl(what, VfioUapi.VFIO_DEVICE_SET_IRQS, irqSet);
                }

                @Override
                public int command() {
                    return config.read(PciRegs.PCI_COMMAND, Short.BYTES);
                }

                @Override
                public void setCommand(int value) {
                    config.write(PciRegs.PCI_COMMAND, Short.BYTES, value);
                }
            };
        }
    }

    private final PciAddress address;
    private final Device device;
    private final IrqPoller poller;
    private VfioIrqSet set;
    private int requestFd = -1;

    VfioIrqs(PciAddress address, Device device, IrqPoller poller) {
        this.address = address;
        this.device = device;
        this.poller = poller;
    }

    private static int vfioIndex(IrqType t) {
        return switch (t) {
            case INTX -> VfioUapi.VFIO_PCI_INTX_IRQ_INDEX;
            case MSI -> VfioUapi.VFIO_PCI_MSI_IRQ_INDEX;
            case MSIX -> VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX;
        };
    }

    /** @see org.nova.hw.PciFunction#irqCount */
    int count(IrqType type) {
        return device.irqCount(vfioIndex(type));
    }

    /**
     * The argument of VFIO_DEVICE_SET_IRQS with DATA_EVENTFD|ACTION_TRIGGER: fds become vectors
     * start..start+n-1 of the index ({@value VfioUapi#VFIO_IRQ_SET_NO_EVENTFD} de-assigns one). On an
     * index that is not enabled yet vfio_pci_set_msi_trigger enables start+n vectors; on the enabled
     * one it only swaps the eventfds of those vectors (vfio_msi_set_block).
     */
    static MemorySegment triggerArg(Arena a, int index, int start, int[] fds) {
        MemorySegment s = VfioUapi.allocate(a, VfioUapi.IRQ_SET, (long) Integer.BYTES * fds.length);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "flags", VfioUapi.VFIO_IRQ_SET_DATA_EVENTFD
                | VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "index", index);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "start", start);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "count", fds.length);
        for (int i = 0; i < fds.length; i++) {
            s.set(JAVA_INT, VfioUapi.IRQ_SET.byteSize() + (long) Integer.BYTES * i, fds[i]);
        }
        return s;
    }

    /** The argument of VFIO_DEVICE_SET_IRQS with DATA_NONE and an action, for count vectors from 0 (count 0 with TRIGGER disables the index). */
    static MemorySegment actionArg(Arena a, int index, int action, int count) {
        MemorySegment s = VfioUapi.allocate(a, VfioUapi.IRQ_SET, 0);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "flags", VfioUapi.VFIO_IRQ_SET_DATA_NONE | action);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "index", index);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "start", 0);
        VfioUapi.setInt(s, VfioUapi.IRQ_SET, "count", count);
        return s;
    }

    /** VFIO_DEVICE_SET_IRQS with DATA_EVENTFD|ACTION_TRIGGER: fds become vectors start.. of the index. */
    void trigger(int index, int start, int[] fds) {
        String what = "VFIO_DEVICE_SET_IRQS index " + index + " vectors " + start + "+" + fds.length;
        try (Arena a = Arena.ofConfined()) {
            device.setIrqs(what, triggerArg(a, index, start, fds));
        }
    }

    private void trigger(int index, int[] fds) {
        trigger(index, 0, fds);
    }

    /** VFIO_DEVICE_SET_IRQS with DATA_NONE and an action, for count vectors from 0 (count 0 with TRIGGER disables). */
    void action(int index, int action, int count) {
        String what = "VFIO_DEVICE_SET_IRQS action 0x" + Integer.toHexString(action) + " index " + index;
        try (Arena a = Arena.ofConfined()) {
            device.setIrqs(what, actionArg(a, index, action, count));
        }
    }

    /** Arms the request interrupt if the kernel offers it; onRequest runs on the poller thread. */
    void armRequest(Runnable onRequest) {
        if (device.irqCount(VfioUapi.VFIO_PCI_REQ_IRQ_INDEX) < 1) {
            LOG.info("{}: the kernel offers no request interrupt; unbinding it in the kernel will wait for us", address);
            return;
        }
        int efd = LibC.eventfd();
        try {
            trigger(VfioUapi.VFIO_PCI_REQ_IRQ_INDEX, new int[] {efd});
        } catch (RuntimeException e) {
            LibC.close(efd);
            throw e;
        }
        synchronized (this) {
            requestFd = efd;
        }
        poller.register(efd, count -> {
            LOG.info("{}: the kernel requests the device back (VFIO request interrupt): hot-unplugging it", address);
            onRequest.run();
        });
    }

    /** @see org.nova.hw.PciFunction#enableIrqs */
    IrqSet enable(IrqType type, int count, IrqHandler handler) {
        if (!device.usable()) {
            throw new HwException(HwException.ENODEV, address + ": enable " + type + ": the function was removed");
        }
        if (handler == null) {
            throw new HwException(HwException.EINVAL, address + ": enable " + type + ": handler is null");
        }
        int index = vfioIndex(type);
        if (count < 1 || count > device.irqCount(index)) {
            throw new HwException(HwException.EINVAL, address + ": enable " + count + " " + type
                    + " vectors: the function offers " + device.irqCount(index));
        }
        synchronized (this) {
            if (set != null && set.isActive()) {
                throw new HwException(HwException.EBUSY, address + ": " + set.type() + " interrupts already enabled");
            }
            int[] fds = new int[count];
            int made = 0;
            try {
                for (; made < count; made++) {
                    fds[made] = LibC.eventfd();
                }
                trigger(index, fds);
            } catch (RuntimeException e) {
                for (int i = 0; i < made; i++) {
                    LibC.close(fds[i]);
                }
                if (e instanceof LibC.ErrnoException ee) {
                    throw new HwException(ee.errnoName(), address + ": enable " + type + ": " + ee.getMessage(), ee);
                }
                throw e;
            }
            boolean automasked = device.hasIrqFlag(index, VfioUapi.VFIO_IRQ_INFO_AUTOMASKED);
            VfioIrqSet s = new VfioIrqSet(this, type, index, fds, handler, automasked);
            set = s;
            s.arm(poller);
            int cmd = device.command();
            int want = type == IrqType.INTX ? cmd & ~PciRegs.PCI_COMMAND_INTX_DISABLE
                    : cmd | PciRegs.PCI_COMMAND_INTX_DISABLE;
            if (want != cmd) {
                device.setCommand(want);
            }
            return s;
        }
    }

    /** Called by a set when it closes: stops delivery, disables the index, closes the eventfds. */
    void disable(VfioIrqSet s) {
        poller.unregisterAll(s.fds());
        if (device.usable()) {
            try {
                action(s.vfioIndex(), VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0);
                if (s.type() == IrqType.INTX) {
                    device.setCommand(device.command() | PciRegs.PCI_COMMAND_INTX_DISABLE);
                }
            } catch (HwException e) {
                LOG.warn("{}: disabling {} interrupts failed: {}", address, s.type(), e.getMessage());
            }
        }
        for (int efd : s.fds()) {
            LibC.close(efd);
        }
        synchronized (this) {
            if (set == s) {
                set = null;
            }
        }
    }

    /** @return whether the function is still there (a set delivers nothing after removal) */
    boolean present() {
        return device.usable();
    }

    PciAddress address() {
        return address;
    }

    /** @return the enabled set, or null */
    synchronized VfioIrqSet current() {
        return set;
    }

    /** @return the request eventfd, -1 if none */
    synchronized int requestFd() {
        return requestFd;
    }

    /** Closes the enabled set, if any, and the request eventfd. */
    void release() {
        VfioIrqSet s = current();
        if (s != null) {
            s.close();
        }
        int rfd;
        synchronized (this) {
            rfd = requestFd;
            requestFd = -1;
        }
        if (rfd >= 0) {
            poller.unregister(rfd);
            LibC.close(rfd);
        }
    }
}
