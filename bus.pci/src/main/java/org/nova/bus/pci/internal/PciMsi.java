package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIrqHandler;
import org.nova.bus.pci.PciIrqType;
import org.nova.devres.DevresException;
import org.nova.devres.DevresScope;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interrupt vectors of one function and the handlers on them: drivers/pci/msi/api.c
 * {@code pci_alloc_irq_vectors} (MSI-X, then MSI, then INTx, each if the caller allows it) and
 * {@code pci_free_irq_vectors}, with drivers/pci/irq.c {@code pci_request_irq} /
 * {@code pci_free_irq} as device resources ({@code devm_request_irq}). The vectors are one
 * allocation at a time; handlers are released before the vectors (devres is LIFO).
 */
final class PciMsi {
    private static final Logger LOG = LoggerFactory.getLogger(PciMsi.class);
    /** The order pci_alloc_irq_vectors_affinity tries the mechanisms in. */
    private static final PciIrqType[] FALLBACK = {PciIrqType.MSIX, PciIrqType.MSI, PciIrqType.INTX};
    /** INTx has one vector, and only a caller whose minimum is one may fall back to it. */
    private static final int INTX_VECTORS = 1;

    private final PciDeviceImpl dev;
    /** The allocated vectors, or null. Guarded by this. */
    private Vectors vectors;

    PciMsi(PciDeviceImpl dev) {
        this.dev = dev;
    }

    /** The vectors of one allocation and the handlers installed on them. */
    private final class Vectors implements IrqVectors {
        final PciIrqType type;
        final int count;
        final AtomicReferenceArray<Revocable<PciIrqHandler>> handlers;
        IrqSet set;
        DevresScope.Action action;
        volatile boolean active = true;

        Vectors(PciIrqType type, int count) {
            this.type = type;
            this.count = count;
            this.handlers = new AtomicReferenceArray<>(count);
        }

        /** Called by the backend on its delivery thread. */
        void dispatch(int vector) {
            if (vector < 0 || vector >= count) {
                return;
            }
            Revocable<PciIrqHandler> r = handlers.get(vector);
            if (r == null) {
                return;
            }
            r.tryAccess().ifPresent(g -> {
                try (g) {
                    g.get().handle(vector);
                } catch (RuntimeException e) {
                    LOG.warn("pci {}: handler {} of vector {} failed: {}", dev.address(), r.name(), vector, e.toString());
                }
            });
        }

        @Override
        public PciIrqType type() {
            return type;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public boolean isActive() {
            return active && set.isActive();
        }

        @Override
        public void close() {
            for (int i = 0; i < count; i++) {
                if (handlers.get(i) != null) {
                    throw new DriverException(Errno.EBUSY, "vector " + i + " of " + dev.address()
                            + " still has a handler");
                }
            }
            dev.device().devres().releaseAction(action);
        }

        /** pci_free_irq_vectors, from the devres: handlers were released first (LIFO). */
        void free() {
            synchronized (PciMsi.this) {
                if (!active) {
                    return;
                }
                active = false;
                if (vectors == this) {
                    vectors = null;
                }
            }
            for (int i = 0; i < count; i++) {
                Revocable<PciIrqHandler> r = handlers.getAndSet(i, null);
                if (r != null) {
                    r.revoke();
                }
            }
            set.close();
        }
    }

    /** @see PciDevice#allocIrqVectors */
    IrqVectors allocIrqVectors(int min, int max, Set<PciIrqType> types) {
        if (types == null || types.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "allocIrqVectors on " + dev.address() + ": no interrupt type allowed");
        }
        if (min < 1) {
            throw new DriverException(Errno.EINVAL, "allocIrqVectors on " + dev.address() + ": min " + min + " < 1");
        }
        if (max < min) {
            throw new DriverException(Errno.ERANGE, "allocIrqVectors on " + dev.address() + ": max " + max + " < min "
                    + min);
        }
        DevresScope scope = dev.device().devres();
        synchronized (this) {
            if (vectors != null) {
                throw new DriverException(Errno.EINVAL, "interrupt vectors of " + dev.address()
                        + " are already allocated (" + vectors.count + " " + vectors.type + ")");
            }
            List<String> tried = new ArrayList<>();
            for (PciIrqType t : FALLBACK) {
                if (!types.contains(t)) {
                    continue;
                }
                IrqType hwType = IrqType.valueOf(t.name());
                int available;
                try {
                    available = dev.function().irqCount(hwType);
                } catch (HwException e) {
                    throw Hw.translate(e, "interrupt count of " + dev.address());
                }
                int n;
                if (t == PciIrqType.INTX) {
                    n = min == INTX_VECTORS && available >= INTX_VECTORS ? INTX_VECTORS : 0;
                } else {
                    n = available >= min ? Math.min(max, available) : 0;
                }
                tried.add(t + " offers " + available);
                if (n == 0) {
                    continue;
                }
                Vectors v = new Vectors(t, n);
                try {
                    v.set = dev.function().enableIrqs(hwType, n, v::dispatch);
                } catch (HwException e) {
                    throw Hw.translate(e, "enabling " + n + " " + t + " vectors of " + dev.address());
                }
                vectors = v;
                try {
                    v.action = scope.addAction("pci:irq-vectors", v::free);
                } catch (DevresException e) {
                    throw dev.gone(e);
                }
                LOG.debug("pci {}: {} {} vectors allocated", dev.address(), n, t);
                return v;
            }
            throw new DriverException(Errno.ENOSPC, "no allowed interrupt type of " + dev.address() + " offers " + min
                    + " vectors: " + String.join(", ", tried));
        }
    }

    /** A handler on one vector. */
    private final class Handler implements IrqRegistration {
        final Vectors vectors;
        final int vector;
        final String name;
        final Revocable<PciIrqHandler> revocable;
        DevresScope.Action action;
        /** disable() calls not undone by enable(); guarded by this handler. */
        private int depth;

        Handler(Vectors vectors, int vector, String name, Revocable<PciIrqHandler> revocable) {
            this.vectors = vectors;
            this.vector = vector;
            this.name = name;
            this.revocable = revocable;
        }

        @Override
        public int vector() {
            return vector;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean isActive() {
            return !revocable.isRevoked();
        }

        @Override
        public void close() {
            dev.device().devres().releaseAction(action);
        }

        private String what(String op) {
            return op + " vector " + vector + " (" + vectors.type + ") of " + dev.address();
        }

        @Override
        public synchronized void disable() {
            if (!isActive() || !vectors.active) {
                throw new DriverException(Errno.ENODEV, what("disable") + ": the handler was freed");
            }
            if (depth == 0) {
                try {
                    vectors.set.mask(vector);
                } catch (HwException e) {
                    throw Hw.translate(e, what("disable"));
                }
            }
            depth++;
        }

        @Override
        public synchronized void enable() {
            if (depth == 0) {
                throw new DriverException(Errno.EINVAL, what("enable") + ": unbalanced enable (not disabled)");
            }
            if (!isActive() || !vectors.active) {
                throw new DriverException(Errno.ENODEV, what("enable") + ": the handler was freed");
            }
            if (depth == 1) {
                try {
                    vectors.set.unmask(vector);
                } catch (HwException e) {
                    throw Hw.translate(e, what("enable"));
                }
            }
            depth--;
        }

        @Override
        public synchronized int disableDepth() {
            return depth;
        }

        /**
         * free_irq: no new call starts; a call in flight is waited for. A vector left disabled is
         * unmasked again, as the next request_irq would start it up unmasked in the kernel.
         */
        void free() {
            vectors.handlers.compareAndSet(vector, revocable, null);
            revocable.revoke();
            synchronized (this) {
                if (depth > 0 && vectors.active && vectors.set.isActive()) {
                    try {
                        vectors.set.unmask(vector);
                    } catch (HwException e) {
                        LOG.warn("pci {}: unmasking vector {} at free_irq failed: {}", dev.address(), vector, e.getMessage());
                    }
                }
                depth = 0;
            }
        }
    }

    /** @see PciDevice#requestIrq */
    IrqRegistration requestIrq(int vector, String name, PciIrqHandler handler) {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(name, "name");
        DevresScope scope = dev.device().devres();
        Vectors v;
        synchronized (this) {
            v = vectors;
        }
        if (v == null || !v.active) {
            throw new DriverException(Errno.EINVAL, "requestIrq on " + dev.address() + ": no interrupt vectors allocated");
        }
        if (vector < 0 || vector >= v.count) {
            throw new DriverException(Errno.EINVAL, "requestIrq on " + dev.address() + ": vector " + vector
                    + " is not allocated (0.." + (v.count - 1) + ")");
        }
        Revocable<PciIrqHandler> r = new Revocable<>(name + " (vector " + vector + " of " + dev.address() + ")",
                handler, h -> {
                });
        if (!v.handlers.compareAndSet(vector, null, r)) {
            throw new DriverException(Errno.EBUSY, "vector " + vector + " of " + dev.address() + " already has a handler");
        }
        Handler h = new Handler(v, vector, name, r);
        try {
            h.action = scope.addAction("pci:irq" + vector, h::free);
        } catch (DevresException e) {
            throw dev.gone(e);
        }
        return h;
    }
}
