package org.nova.samples.e1000e;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.bus.pci.PciIrqType;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.pci.PciRegs;
import org.nova.samples.Check;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MSI-X on Intel's 82574L as QEMU's e1000e models it, with no network at all: the driver takes
 * every MSI-X vector (pci_alloc_irq_vectors with PCI_IRQ_MSIX, request_irq on each), maps the five
 * interrupt causes the 82574 can route to vectors through IVAR (the Linux e1000e driver's
 * e1000_configure_msix does the same), and makes the device raise a cause by writing it to ICS,
 * the Interrupt Cause Set register (QEMU hw/net/e1000e_core.c e1000e_set_ics →
 * e1000e_msix_notify: the cause's IVAR entry names the vector). The checks: each cause arrives on
 * its vector and on no other; a masked vector (disable_irq) holds its interrupt until it is
 * unmasked, its bit set in the MSI-X Pending Bit Array meanwhile (read through the BAR the
 * capability names: BAR3 on QEMU's model), while the other vectors go on; and the time from the
 * ICS write to the handler, over {@link #LATENCY_ROUNDS} interrupts.
 */
@Component(service = {PciDriver.class, E1000eSample.class})
@PciDriverAlias(driver = E1000eSample.NAME, vendor = E1000eSample.INTEL_VENDOR, device = E1000eSample.E82574L_DEVICE)
public final class E1000eSample implements PciDriver<E1000eSample.State> {
    private static final Logger LOG = LoggerFactory.getLogger(E1000eSample.class);

    /** The driver name. */
    public static final String NAME = "e1000e_msix_sample";
    /** Intel (include/linux/pci_ids.h PCI_VENDOR_ID_INTEL). */
    static final int INTEL_VENDOR = 0x8086;
    /** 82574L (drivers/net/ethernet/intel/e1000e/hw.h E1000_DEV_ID_82574L; QEMU's e1000e). */
    static final int E82574L_DEVICE = 0x10d3;

    /** BAR0 registers (drivers/net/ethernet/intel/e1000e/regs.h; QEMU hw/net/e1000_regs.h). */
    static final class Regs {
        /** Interrupt Cause Read: the raised causes; writing 1s clears them (E1000_ICR). */
        static final int ICR = 0x000c0;
        /** Interrupt Cause Set: writing a cause raises it, as if the device had (E1000_ICS, WO). */
        static final int ICS = 0x000c8;
        /** Interrupt Mask Set/Read: writing 1s enables those causes (E1000_IMS). */
        static final int IMS = 0x000d0;
        /** Interrupt Mask Clear: writing 1s disables those causes (E1000_IMC). */
        static final int IMC = 0x000d8;
        /** Interrupt Vector Allocation: the MSI-X vector of each cause, 4 bits each (E1000_IVAR, 82574 only). */
        static final int IVAR = 0x000e4;
        /** Extended Interrupt Throttle of vector 0 (E1000_EITR_82574(0)); vector n's is {@link #EITR_STRIDE} n bytes on. */
        static final int EITR = 0x000e8;
        /** The distance between two vectors' EITR registers (E1000_EITR_82574(n) = 0xe8 + 4 n). */
        static final int EITR_STRIDE = 4;
        /** The size of BAR0 (QEMU e1000e.c E1000E_MMIO_SIZE: 128 KiB). */
        static final long BAR0_SIZE = 0x20000;

        private Regs() {
        }
    }

    /** The five causes an 82574 routes through IVAR, with their ICR bits (e1000e/defines.h E1000_ICR_*). */
    enum Cause {
        /** Receive queue 0 (E1000_ICR_RXQ0); IVAR bits 3:0. */
        RXQ0(0x0010_0000, 0),
        /** Receive queue 1 (E1000_ICR_RXQ1); IVAR bits 7:4. */
        RXQ1(0x0020_0000, 4),
        /** Transmit queue 0 (E1000_ICR_TXQ0); IVAR bits 11:8. */
        TXQ0(0x0040_0000, 8),
        /** Transmit queue 1 (E1000_ICR_TXQ1); IVAR bits 15:12. */
        TXQ1(0x0080_0000, 12),
        /** Everything else, link changes included (E1000_ICR_OTHER); IVAR bits 19:16. */
        OTHER(0x0100_0000, 16);

        /** The cause's bit in ICR, ICS, IMS and IMC. */
        final int bit;
        /** Where its 4-bit entry sits in IVAR. */
        final int ivarShift;

        Cause(int bit, int ivarShift) {
            this.bit = bit;
            this.ivarShift = ivarShift;
        }
    }

    /** An IVAR entry's valid bit (E1000_IVAR_VALID; QEMU E1000_IVAR_ENTRY_VALID); bits 2:0 are the vector. */
    static final int IVAR_ENTRY_VALID = 0x8;
    /** The MSI-X vectors of an 82574 (QEMU e1000e.c E1000E_MSIX_VEC_NUM). */
    static final int VECTORS = 5;
    /**
     * The vector each cause is routed to, indexed by {@link Cause#ordinal()}: a permutation, so a
     * cause arriving on its own ordinal's vector would be a routing bug, not a pass.
     */
    static final int[] ROUTE = {2, 0, 4, 1, 3};
    /**
     * The causes the checks raise: the queue causes. OTHER stays disabled in IMS, as the device
     * raises it by itself on a link change (QEMU e1000e_autoneg_timer → E1000_ICR_LSC).
     */
    static final List<Cause> RAISED = List.of(Cause.RXQ0, Cause.RXQ1, Cause.TXQ0, Cause.TXQ1);
    /** Interrupts the latency check times (the issue asks for the median of at least 100). */
    static final int LATENCY_ROUNDS = 200;
    /** How long an interrupt may take to arrive, in milliseconds (TCG is slow). */
    static final long TIMEOUT_MS = 5_000;
    /** How long to watch for an interrupt that must not come, in milliseconds (the slowest of 200 under TCG: ~60 ms). */
    static final long QUIET_MS = 100;
    /** Nanoseconds per microsecond, for the latency figures. */
    private static final long NANOS_PER_MICRO = 1_000;

    /** One interrupt the handler saw: its vector and when (System.nanoTime). */
    record Irq(int vector, long at) {
    }

    /** A bound 82574: BAR0, the MSI-X vectors, a handler per vector and what they saw. */
    static final class State {
        final PciDevice dev;
        final Devres<Bar> bar;
        final IrqVectors vectors;
        /** The BAR holding the Pending Bit Array, and where in it. */
        final Devres<Bar> pbaBar;
        final long pbaOffset;
        final IrqRegistration[] handlers = new IrqRegistration[VECTORS];
        final LinkedBlockingQueue<Irq> irqs = new LinkedBlockingQueue<>();
        final AtomicIntegerArray perVector = new AtomicIntegerArray(VECTORS);
        volatile List<Check> checks = List.of();

        State(PciDevice dev, Devres<Bar> bar, IrqVectors vectors, Devres<Bar> pbaBar, long pbaOffset) {
            this.dev = dev;
            this.bar = bar;
            this.vectors = vectors;
            this.pbaBar = pbaBar;
            this.pbaOffset = pbaOffset;
        }

        /** @return the Pending Bit Array's first 64 bits: bit v = vector v latched while masked */
        long pba() {
            try (Revocable.Guard<Bar> g = pbaBar.access()) {
                return g.get().read64(pbaOffset);
            }
        }

        void interrupt(int vector) {
            long now = System.nanoTime();
            perVector.incrementAndGet(vector);
            irqs.add(new Irq(vector, now));
        }

        void reset() {
            irqs.clear();
            for (int v = 0; v < VECTORS; v++) {
                perVector.set(v, 0);
            }
        }

        int[] counts() {
            int[] c = new int[VECTORS];
            for (int v = 0; v < VECTORS; v++) {
                c[v] = perVector.get(v);
            }
            return c;
        }
    }

    private final Map<String, State> bound = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(INTEL_VENDOR, E82574L_DEVICE));
    }

    @Override
    public State probe(PciDevice dev, PciDeviceId id) throws Exception {
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> bar = dev.iomapRegionSized(0, Regs.BAR0_SIZE, NAME);
        int cap = dev.findCapability(PciRegs.PCI_CAP_ID_MSIX);
        if (cap == 0) {
            throw new DriverException(Errno.ENODEV, dev.slot() + " has no MSI-X capability");
        }
        int pba = dev.read32(cap + PciRegs.PCI_MSIX_PBA);
        int pbaBir = pba & PciRegs.PCI_MSIX_BIR;
        Devres<Bar> pbaBar = pbaBir == 0 ? bar : dev.iomapRegion(pbaBir, NAME + "-pba");
        IrqVectors vectors = dev.allocIrqVectors(VECTORS, VECTORS, EnumSet.of(PciIrqType.MSIX));
        State s = new State(dev, bar, vectors, pbaBar, Integer.toUnsignedLong(pba & PciRegs.PCI_MSIX_OFFSET));
        for (int v = 0; v < VECTORS; v++) {
            s.handlers[v] = dev.requestIrq(v, NAME + "-" + v, s::interrupt);
        }
        try (Revocable.Guard<Bar> g = bar.access()) {
            g.get().write32(Regs.IMC, ~0);
            g.get().write32(Regs.ICR, ~0);
            g.get().write32(Regs.IVAR, ivar());
            g.get().write32(Regs.IMS, ims());
        }
        List<Check> checks = new ArrayList<>();
        checks.add(capability(s));
        checks.add(routing(s));
        s.checks = checks;
        for (Check c : checks) {
            if (!c.ok()) {
                throw new DriverException(Errno.EIO, dev.slot() + ": " + c);
            }
            LOG.info("{}: {}", dev.slot(), c);
        }
        bound.put(dev.slot(), s);
        return s;
    }

    /** @return IVAR routing every cause to its {@link #ROUTE} vector, each entry valid */
    static int ivar() {
        int ivar = 0;
        for (Cause c : Cause.values()) {
            ivar |= (IVAR_ENTRY_VALID | ROUTE[c.ordinal()]) << c.ivarShift;
        }
        return ivar;
    }

    /** @return the IMS bits of the causes the checks raise */
    static int ims() {
        int ims = 0;
        for (Cause c : RAISED) {
            ims |= c.bit;
        }
        return ims;
    }

    @Override
    public void unbind(PciDevice dev, State s) {
        bound.remove(dev.slot());
        s.bar.tryAccess().ifPresent(g -> {
            try (g) {
                g.get().write32(Regs.IMC, ~0);
            }
        });
    }

    /**
     * Runs the routing, masking and latency checks on a bound device.
     *
     * @throws DriverException ENODEV if the device is not bound to this driver
     */
    public List<Check> selftest(String device) throws InterruptedException {
        State s = bound.get(device);
        if (s == null) {
            throw new DriverException(Errno.ENODEV, "no 82574 bound to " + NAME + " at " + device);
        }
        synchronized (s) {
            List<Check> checks = new ArrayList<>();
            checks.add(capability(s));
            checks.add(routing(s));
            checks.add(masking(s));
            checks.add(latency(s));
            checks.add(throttle(s));
            s.checks = checks;
            return checks;
        }
    }

    /** @return the checks of each bound device's last run */
    public Map<String, List<Check>> results() {
        Map<String, List<Check>> out = new TreeMap<>();
        bound.forEach((k, v) -> out.put(k, v.checks));
        return out;
    }

    /** The MSI-X capability as the device's config space shows it now: enabled, with the table size. */
    private static Check capability(State s) {
        int cap = s.dev.findCapability(PciRegs.PCI_CAP_ID_MSIX);
        if (cap == 0) {
            return Check.of("msix-capability", false, "no MSI-X capability");
        }
        int flags = s.dev.read16(cap + PciRegs.PCI_MSIX_FLAGS);
        boolean enabled = (flags & PciRegs.PCI_MSIX_FLAGS_ENABLE) != 0;
        int size = (flags & PciRegs.PCI_MSIX_FLAGS_QSIZE) + 1;
        return Check.of("msix-capability", enabled && s.vectors.type() == PciIrqType.MSIX && s.vectors.count() == VECTORS,
                String.format("Message Control 0x%04x: MSI-X %s, table size %d; %d %s vectors allocated", flags,
                        enabled ? "enabled" : "disabled", size, s.vectors.count(), s.vectors.type()));
    }

    /**
     * The vectors' interrupt throttle registers, reported: QEMU's e1000e holds a vector's
     * interrupts back for EITR's interval and sends them when its timer runs out, so a nonzero
     * value there would explain an interrupt arriving twice.
     */
    private static Check throttle(State s) {
        List<String> eitr = new ArrayList<>();
        try (Revocable.Guard<Bar> g = s.bar.access()) {
            for (int v = 0; v < VECTORS; v++) {
                eitr.add("0x" + Integer.toHexString(g.get().read32(Regs.EITR + Regs.EITR_STRIDE * v)));
            }
        }
        return Check.info("msix-throttle", "EITR of vectors 0.." + (VECTORS - 1) + ": " + String.join(" ", eitr));
    }

    /** Raises cause through ICS and returns when it was written (System.nanoTime before the write). */
    private static long raise(State s, Cause cause) {
        try (Revocable.Guard<Bar> g = s.bar.access()) {
            long t = System.nanoTime();
            g.get().write32(Regs.ICS, cause.bit);
            return t;
        }
    }

    /** Clears the causes in ICR (write 1s to clear), so the next ICS of them is a new edge for the device. */
    private static void clear(State s, int bits) {
        try (Revocable.Guard<Bar> g = s.bar.access()) {
            g.get().write32(Regs.ICR, bits);
        }
    }

    /**
     * Each cause raised through ICS arrives on its IVAR vector and on no other vector. A second
     * delivery on the right vector (seen now and then under TCG) is not a routing error: it is
     * counted and reported.
     */
    private static Check routing(State s) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        boolean ok = true;
        int repeated = 0;
        for (Cause c : RAISED) {
            s.reset();
            raise(s, c);
            Irq first = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Thread.sleep(QUIET_MS);
            clear(s, c.bit);
            int[] counts = s.counts();
            int want = ROUTE[c.ordinal()];
            int elsewhere = Arrays.stream(counts).sum() - counts[want];
            boolean right = first != null && first.vector() == want && elsewhere == 0;
            repeated += Math.max(0, counts[want] - 1);
            ok &= right;
            seen.add(c + "->" + (first == null ? "nothing" : first.vector()) + (right ? "" : " counts " + Arrays.toString(counts)));
        }
        return Check.of("msix-routing", ok, RAISED.size() + " causes raised through ICS, each on its IVAR vector only: "
                + String.join(" ", seen) + "; " + repeated + " repeated on the right vector");
    }

    /**
     * disable_irq on RXQ0's vector: RXQ0 raised meanwhile does not arrive, TXQ1 (another vector)
     * does; enable_irq delivers the held RXQ0 once, on its vector.
     */
    private static Check masking(State s) throws InterruptedException {
        Cause held = Cause.RXQ0;
        Cause other = Cause.TXQ1;
        int vHeld = ROUTE[held.ordinal()];
        int vOther = ROUTE[other.ordinal()];
        IrqRegistration h = s.handlers[vHeld];
        s.reset();
        h.disable();
        Irq whileMasked;
        Irq otherIrq;
        Irq afterUnmask;
        int[] countsMasked;
        long pbaMasked;
        try {
            raise(s, held);
            whileMasked = s.irqs.poll(QUIET_MS, TimeUnit.MILLISECONDS);
            pbaMasked = s.pba();
            raise(s, other);
            otherIrq = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Thread.sleep(QUIET_MS);
            clear(s, other.bit);
            countsMasked = s.counts();
        } finally {
            h.enable();
        }
        afterUnmask = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Thread.sleep(QUIET_MS);
        clear(s, held.bit);
        int[] counts = s.counts();
        long pbaAfter = s.pba();
        long heldBit = 1L << vHeld;
        int elsewhere = Arrays.stream(counts).sum() - counts[vHeld] - counts[vOther];
        boolean ok = whileMasked == null && otherIrq != null && otherIrq.vector() == vOther
                && countsMasked[vHeld] == 0 && pbaMasked == heldBit && afterUnmask != null
                && afterUnmask.vector() == vHeld && counts[vHeld] >= 1 && elsewhere == 0 && pbaAfter == 0;
        return Check.of("msix-mask", ok, held + " raised while vector " + vHeld + " was masked: "
                + (whileMasked == null ? "held" : "arrived on vector " + whileMasked.vector())
                + String.format(", PBA 0x%x", pbaMasked) + "; " + other
                + " meanwhile on vector " + (otherIrq == null ? "none" : otherIrq.vector()) + "; after unmask "
                + (afterUnmask == null ? "nothing arrived" : "delivered on vector " + afterUnmask.vector())
                + String.format(", PBA 0x%x", pbaAfter) + ", counts " + Arrays.toString(counts));
    }

    /**
     * ICS write → handler, {@link #LATENCY_ROUNDS} times on one vector: the median and the spread.
     * An interrupt found before its round's write (left over from an earlier round, which would
     * mean one write raised two) is not a sample: it is counted and reported.
     */
    private static Check latency(State s) throws InterruptedException {
        Cause c = Cause.TXQ1;
        int vector = ROUTE[c.ordinal()];
        long[] micros = new long[LATENCY_ROUNDS];
        int n = 0;
        int extra = 0;
        s.reset();
        for (int i = 0; i < LATENCY_ROUNDS; i++) {
            while (s.irqs.poll() != null) {
                extra++;
            }
            long t0 = raise(s, c);
            Irq irq = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            while (irq != null && irq.at() < t0) {
                extra++;
                irq = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            clear(s, c.bit);
            if (irq == null || irq.vector() != vector) {
                break;
            }
            micros[n++] = (irq.at() - t0) / NANOS_PER_MICRO;
        }
        if (n < LATENCY_ROUNDS) {
            return Check.of("msix-latency", false, "only " + n + " of " + LATENCY_ROUNDS + " interrupts arrived on vector " + vector);
        }
        Arrays.sort(micros);
        return Check.of("msix-latency", true, String.format("median %d us over %d interrupts (ICS write -> handler on"
                + " vector %d; min %d us, max %d us; %d arrived before their write)", micros[n / 2], n, vector, micros[0],
                micros[n - 1], extra));
    }
}
