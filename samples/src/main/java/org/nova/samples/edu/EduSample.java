package org.nova.samples.edu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaNoncoherent;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIrqType;
import org.nova.devres.Devres;
import org.nova.devres.DevresScope;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeType;
import org.nova.samples.Check;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver for QEMU's edu device (docs/specs/edu.rst): probe checks the identification and the
 * liveness register, computes a factorial and waits for its completion interrupt, and moves a
 * buffer RAM → edu → RAM with the DMA engine through a coherent buffer mapped in the device's
 * IOMMU domain. {@link #selftest} runs the same checks again on demand, plus what a probe must
 * not do to a device it keeps: a DMA to an IOVA that is no longer mapped and a device write into a
 * buffer mapped for the device to read only (the IOMMU must block both: the simulator records the
 * faults, a real kernel logs DMAR faults), streaming DMA of two scatter-gather tables built from
 * non-contiguous pages and coalesced by the IOMMU (edu copies one into the other segment by
 * segment, and its write into the read-only one is blocked), and the legacy interrupt: the MSI vector is freed, edu
 * raises INTx twice (the second arrives only if the first was acknowledged and the line unmasked
 * again), then the probe's vector is allocated again.
 */
@Component(service = {PciDriver.class, EduSample.class})
@PciDriverAlias(driver = EduSample.NAME, vendor = EduSample.EDU_VENDOR, device = EduSample.EDU_DEVICE)
public final class EduSample implements PciDriver<EduSample.State> {
    private static final Logger LOG = LoggerFactory.getLogger(EduSample.class);

    /** The driver name. */
    public static final String NAME = "edu_sample";
    /** QEMU's edu: vendor 0x1234 (hw/misc/edu.c, pci_config_set_vendor_id). */
    static final int EDU_VENDOR = 0x1234;
    /** QEMU's edu: device 0x11e8. */
    static final int EDU_DEVICE = 0x11e8;

    /** BAR0 registers (docs/specs/edu.rst, "MMIO area spec"). */
    static final class Regs {
        /** Identification 0xRRrr00ed: major RR, minor rr (RO). */
        static final int IDENT = 0x00;
        /** Liveness check: reads back the bitwise inverse of what was written (RW). */
        static final int LIVENESS = 0x04;
        /** Factorial: write n, read n! once the computing bit clears (RW). */
        static final int FACTORIAL = 0x08;
        /** Status: bit 0 computing (RO), bit 7 raise an interrupt when the factorial is done (RW). */
        static final int STATUS = 0x20;
        /** Interrupt status: the raised interrupt bits (RO). */
        static final int IRQ_STATUS = 0x24;
        /** Interrupt raise: status |= value, line up (WO). */
        static final int IRQ_RAISE = 0x60;
        /** Interrupt acknowledge: status &amp;= ~value, line down when 0 (WO). */
        static final int IRQ_ACK = 0x64;
        /** DMA source address (RW, 64-bit). */
        static final int DMA_SRC = 0x80;
        /** DMA destination address (RW, 64-bit). */
        static final int DMA_DST = 0x88;
        /** DMA byte count (RW, 64-bit). */
        static final int DMA_COUNT = 0x90;
        /** DMA command (RW): bits {@link #DMA_START}, {@link #DMA_TO_RAM}, {@link #DMA_IRQ}. */
        static final int DMA_CMD = 0x98;
        /** The BAR0 size edu declares: 1 MiB. */
        static final long BAR0_SIZE = 1L << 20;

        private Regs() {
        }
    }

    /** IDENT's low byte, "ed". */
    static final int IDENT_MAGIC = 0xed;
    /** The bits of IDENT that hold {@link #IDENT_MAGIC}. */
    static final int IDENT_MAGIC_MASK = 0xff;
    /** IDENT bits 31..24: the major version. */
    static final int IDENT_MAJOR_SHIFT = 24;
    /** IDENT bits 23..16: the minor version. */
    static final int IDENT_MINOR_SHIFT = 16;
    /** The width of the minor version. */
    static final int IDENT_MINOR_MASK = 0xff;
    /** STATUS bit 0: a factorial is being computed. */
    static final int STATUS_COMPUTING = 0x01;
    /** STATUS bit 7: raise interrupt 0x01 when the factorial completes. */
    static final int STATUS_IRQ_FACT = 0x80;
    /** IRQ_STATUS bit of the factorial completion. */
    static final int IRQ_FACT = 0x001;
    /** IRQ_STATUS bit of the DMA completion. */
    static final int IRQ_DMA = 0x100;
    /** An IRQ_STATUS bit edu gives no meaning of its own, raised through IRQ_RAISE by the INTx check. */
    static final int IRQ_SELFTEST = 0x002;
    /** DMA_CMD bit 0: start; clears when the transfer is done. */
    static final int DMA_START = 0x01;
    /** DMA_CMD bit 1: direction edu → RAM (0 is RAM → edu). */
    static final int DMA_TO_RAM = 0x02;
    /** DMA_CMD bit 2: raise interrupt 0x100 when done. */
    static final int DMA_IRQ = 0x04;
    /** The edu-side address of its DMA buffer (docs/specs/edu.rst). */
    static final long EDU_DMA_BUFFER = 0x40000;
    /**
     * Bytes per transfer: edu's buffer is 4 KiB, but QEMU 7.2 refuses a transfer that ends at the
     * buffer's end (an off-by-one in its range check), so transfers stay at half of it.
     */
    static final int DMA_BYTES = 2048;
    /** Host buffer: one page to send from, one to receive into. */
    static final long DMA_PAGE = 4096;
    /** The factorial probe computes, with its expected value. */
    static final int FACT_N = 12;
    /** 12! */
    static final long FACT_EXPECTED = 479_001_600L;
    /** The liveness probe value. */
    static final int LIVENESS_PATTERN = 0x12345678;
    /** What the DMA checks write into their buffers, per 32-bit word, with the word's offset ORed in. */
    static final int DMA_PATTERN = 0xc0de0000;
    /** A second pattern, for the read-only check: what edu holds when it tries to overwrite the first. */
    static final int DMA_PATTERN_OTHER = 0x5a5a0000;
    /** The interrupt types the probe accepts, best first as pci_alloc_irq_vectors tries them. */
    static final Set<PciIrqType> PROBE_IRQ_TYPES = EnumSet.of(PciIrqType.MSI, PciIrqType.INTX);
    /**
     * INTx interrupts the self-test raises: VFIO masks INTx when it fires (VFIO_IRQ_INFO_AUTOMASKED)
     * and the second one arrives only if the line was unmasked after the first.
     */
    static final int INTX_ROUNDS = 2;
    /** How long an interrupt or a DMA may take, in milliseconds. */
    static final long TIMEOUT_MS = 5_000;

    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * A bound edu: its BAR, its interrupt vector with the handler, and the interrupts the handler
     * saw. The vector and the handler change only under the state's lock (the INTx check replaces
     * them); one check runs at a time.
     */
    static final class State {
        final PciDevice dev;
        final Devres<Bar> bar;
        final LinkedBlockingQueue<Integer> irqs = new LinkedBlockingQueue<>();
        private IrqVectors vectors;
        private IrqRegistration handler;
        volatile List<Check> checks = List.of();

        State(PciDevice dev, Devres<Bar> bar) {
            this.dev = dev;
            this.bar = bar;
        }

        /** pci_alloc_irq_vectors + request_irq: one vector of the given types, handled by onInterrupt. */
        synchronized void requestVector(Set<PciIrqType> types) {
            vectors = dev.allocIrqVectors(1, 1, types);
            handler = dev.requestIrq(0, NAME, vector -> onInterrupt(this));
        }

        /** free_irq + pci_free_irq_vectors. */
        synchronized void freeVector() {
            handler.close();
            vectors.close();
        }

        synchronized PciIrqType irqType() {
            return vectors.type();
        }
    }

    private final Map<String, State> bound = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(EDU_VENDOR, EDU_DEVICE));
    }

    /**
     * PROBE_PREFER_ASYNCHRONOUS, the kernel's choice for slow devices whose probe order nothing
     * depends on: the probe waits for edu's DMA timer twice (QEMU fires each transfer 100 ms after
     * the command, hw/misc/edu.c), time the other devices' probes need not wait behind.
     */
    @Override
    public ProbeType probeType() {
        return ProbeType.PREFER_ASYNCHRONOUS;
    }

    @Override
    public State probe(PciDevice dev, PciDeviceId id) throws Exception {
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> bar = dev.iomapRegionSized(0, Regs.BAR0_SIZE, NAME);
        int ident;
        try (Revocable.Guard<Bar> g = bar.access()) {
            ident = g.get().read32(Regs.IDENT);
        }
        if ((ident & IDENT_MAGIC_MASK) != IDENT_MAGIC) {
            throw new DriverException(Errno.ENODEV, dev.slot() + " is not an edu: identification reads 0x"
                    + Integer.toHexString(ident));
        }
        State s = new State(dev, bar);
        s.requestVector(PROBE_IRQ_TYPES);
        List<Check> checks = runChecks(s, false);
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

    /** The interrupt handler: acknowledge what is raised and hand it to the waiting thread. */
    private static void onInterrupt(State s) {
        s.bar.tryAccess().ifPresent(g -> {
            try (g) {
                int status = g.get().read32(Regs.IRQ_STATUS);
                if (status != 0) {
                    g.get().write32(Regs.IRQ_ACK, status);
                    s.irqs.add(status);
                }
            }
        });
    }

    @Override
    public void unbind(PciDevice dev, State s) {
        bound.remove(dev.slot());
    }

    /**
     * Runs the checks again on a bound edu, with the IOMMU and INTx checks.
     *
     * @throws DriverException ENODEV if the device is not bound to this driver
     */
    public List<Check> selftest(String device) throws InterruptedException {
        State s = bound.get(device);
        if (s == null) {
            throw new DriverException(Errno.ENODEV, "no edu bound to " + NAME + " at " + device);
        }
        synchronized (s) {
            List<Check> checks = runChecks(s, true);
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

    private List<Check> runChecks(State s, boolean selftest) throws InterruptedException {
        List<Check> out = new ArrayList<>();
        s.irqs.clear();
        try (Revocable.Guard<Bar> g = s.bar.access()) {
            Bar bar = g.get();
            int ident = bar.read32(Regs.IDENT);
            out.add(Check.of("identification", (ident & IDENT_MAGIC_MASK) == IDENT_MAGIC, String.format(
                    "0x%08x (edu %d.%d)", ident, ident >>> IDENT_MAJOR_SHIFT, (ident >>> IDENT_MINOR_SHIFT) & IDENT_MINOR_MASK)));
            bar.write32(Regs.LIVENESS, LIVENESS_PATTERN);
            int live = bar.read32(Regs.LIVENESS);
            out.add(Check.of("liveness", live == ~LIVENESS_PATTERN, String.format("wrote 0x%08x read 0x%08x", LIVENESS_PATTERN, live)));
            out.add(factorial(s, bar));
            out.add(dmaRoundTrip(s, bar));
            if (selftest) {
                out.add(dmaToUnmapped(s, bar));
                out.add(dmaIntoReadOnly(s, bar));
                out.add(EduSgCheck.run(s.dev, bar));
                out.add(intx(s, bar));
            }
        }
        return out;
    }

    private Check factorial(State s, Bar bar) throws InterruptedException {
        bar.write32(Regs.STATUS, STATUS_IRQ_FACT);
        bar.write32(Regs.FACTORIAL, FACT_N);
        Integer irq = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        bar.write32(Regs.STATUS, 0);
        long value = Integer.toUnsignedLong(bar.read32(Regs.FACTORIAL));
        boolean ok = irq != null && (irq & IRQ_FACT) != 0 && value == FACT_EXPECTED;
        return Check.of("factorial", ok, FACT_N + "! = " + value + (irq == null ? ", no completion interrupt"
                : ", completion interrupt 0x" + Integer.toHexString(irq) + " on " + s.irqType()));
    }

    private Check dmaRoundTrip(State s, Bar bar) throws InterruptedException {
        try (DmaCoherent buf = s.dev.allocCoherent(2 * DMA_PAGE)) {
            MemorySegment mem = buf.memory();
            fill(mem, DMA_PATTERN);
            // RAM -> edu, polled
            if (!dma(bar, buf.iova(), EDU_DMA_BUFFER, DMA_START)) {
                return Check.of("dma", false, "RAM -> edu transfer never completed");
            }
            // edu -> RAM (second page), with the completion interrupt
            transfer(bar, EDU_DMA_BUFFER, buf.iova() + DMA_PAGE, DMA_START | DMA_TO_RAM | DMA_IRQ);
            Integer irq = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            long mismatch = mem.asSlice(0, DMA_BYTES).mismatch(mem.asSlice(DMA_PAGE, DMA_BYTES));
            boolean ok = irq != null && (irq & IRQ_DMA) != 0 && mismatch == -1;
            return Check.of("dma", ok, DMA_BYTES + " bytes RAM -> edu -> RAM at iova 0x" + Long.toHexString(buf.iova())
                    + (mismatch == -1 ? ", identical" : ", first difference at " + mismatch)
                    + (irq == null ? ", no completion interrupt" : ", completion interrupt 0x" + Integer.toHexString(irq)));
        }
    }

    private Check dmaToUnmapped(State s, Bar bar) throws InterruptedException {
        long iova;
        try (DmaCoherent gone = s.dev.allocCoherent(DMA_PAGE)) {
            iova = gone.iova();
        }
        // the IOMMU must refuse the device's write: nothing may land anywhere
        boolean idle = dma(bar, EDU_DMA_BUFFER, iova, DMA_START | DMA_TO_RAM);
        return Check.of("dma-unmapped", idle, "edu -> RAM to unmapped iova 0x" + Long.toHexString(iova)
                + (idle ? " issued; the IOMMU must have blocked it" : " never completed"));
    }

    /**
     * The device may read a DMA_TO_DEVICE buffer and must not write it: edu reads the buffer (its
     * contents come back through a coherent buffer), is loaded with other data, and writes that into
     * the read-only buffer, which must stay as it was.
     */
    private Check dmaIntoReadOnly(State s, Bar bar) throws InterruptedException {
        try (DmaNoncoherent ro = s.dev.allocNoncoherent(DMA_BYTES, DmaDataDirection.TO_DEVICE);
             DmaCoherent scratch = s.dev.allocCoherent(DMA_BYTES)) {
            String where = "read-only iova 0x" + Long.toHexString(ro.iova());
            fill(ro.memory(), DMA_PATTERN);
            boolean read = dma(bar, ro.iova(), EDU_DMA_BUFFER, DMA_START)
                    && dma(bar, EDU_DMA_BUFFER, scratch.iova(), DMA_START | DMA_TO_RAM)
                    && scratch.memory().mismatch(ro.memory()) == -1;
            if (!read) {
                return Check.of("dma-readonly", false, "edu could not read the " + where + " (what came back differs)");
            }
            fill(scratch.memory(), DMA_PATTERN_OTHER);
            boolean idle = dma(bar, scratch.iova(), EDU_DMA_BUFFER, DMA_START)
                    && dma(bar, EDU_DMA_BUFFER, ro.iova(), DMA_START | DMA_TO_RAM);
            long changed = firstDifference(ro.memory(), DMA_PATTERN);
            return Check.of("dma-readonly", idle && changed == -1, DMA_BYTES + " bytes edu read from the " + where
                    + (changed == -1 ? "; its write into it was blocked, the buffer is unchanged"
                    : "; its write into it went through: changed at byte " + changed));
        }
    }

    /**
     * The legacy interrupt: the probe's vector is freed, one INTx vector handles {@link #INTX_ROUNDS}
     * interrupts raised through IRQ_RAISE, and the probe's kind of vector comes back.
     */
    private Check intx(State s, Bar bar) throws InterruptedException {
        DevresScope devres = s.dev.device().devres();
        s.freeVector();
        int received = 0;
        Object group = devres.openGroup(null);
        try {
            s.requestVector(EnumSet.of(PciIrqType.INTX));
            for (int round = 0; round < INTX_ROUNDS; round++) {
                bar.write32(Regs.IRQ_RAISE, IRQ_SELFTEST);
                Integer irq = s.irqs.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (irq == null || (irq & IRQ_SELFTEST) == 0) {
                    break;
                }
                received++;
            }
        } finally {
            devres.releaseGroup(group);
            s.requestVector(PROBE_IRQ_TYPES);
        }
        return Check.of("intx", received == INTX_ROUNDS, received + " of " + INTX_ROUNDS
                + " interrupts raised through IRQ_RAISE arrived on INTx; back on " + s.irqType());
    }

    /** Fills the memory with the pattern, one little-endian word per 4 bytes, the word's offset ORed in. */
    private static void fill(MemorySegment mem, int pattern) {
        for (int i = 0; i < DMA_BYTES; i += Integer.BYTES) {
            mem.set(LE32, i, pattern | i);
        }
    }

    /** @return the offset of the first word that is not what {@link #fill} put there, or -1 */
    private static long firstDifference(MemorySegment mem, int pattern) {
        for (int i = 0; i < DMA_BYTES; i += Integer.BYTES) {
            if (mem.get(LE32, i) != (pattern | i)) {
                return i;
            }
        }
        return -1;
    }

    private static void transfer(Bar bar, long src, long dst, int cmd) {
        bar.write64(Regs.DMA_SRC, src);
        bar.write64(Regs.DMA_DST, dst);
        bar.write64(Regs.DMA_COUNT, DMA_BYTES);
        bar.write64(Regs.DMA_CMD, cmd);
    }

    /** One polled transfer: edu ignores its DMA registers while a transfer runs, so each waits for the last. */
    static boolean dma(Bar bar, long src, long dst, int cmd) throws InterruptedException {
        transfer(bar, src, dst, cmd);
        return waitDmaIdle(bar);
    }

    private static boolean waitDmaIdle(Bar bar) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while ((bar.read64(Regs.DMA_CMD) & DMA_START) != 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }
}
