package org.nova.samples.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIdTable;
import org.nova.devres.Devres;
import org.nova.devres.DevresScope;
import org.nova.devres.Revocable;
import org.nova.devres.RevokedException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.samples.Check;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's samples/rust/rust_driver_pci.rs, for QEMU's pci-testdev: probe enables the device,
 * maps BAR0 as a {@code Bar<0x10>}, selects test 0, writes the test's DATA byte at its OFFSET —
 * which counts one hit — and reads COUNT back. Unbind resets the device by selecting the test
 * again. The result of each probe is kept for {@code samples:status}.
 *
 * <p>{@link #selftest} goes further than the kernel's sample: every test of the device, on BAR0
 * (memory) and on BAR1 (I/O ports, which the probe leaves alone).
 */
@Component(service = {PciDriver.class, PciTestdevSample.class})
@PciDriverAlias(driver = PciTestdevSample.NAME, vendor = PciTestdevSample.PCI_VENDOR_ID_REDHAT,
        device = PciTestdevSample.PCI_DEVICE_ID_REDHAT_TEST)
public final class PciTestdevSample implements PciDriver<PciTestdevSample.Bound> {
    private static final Logger LOG = LoggerFactory.getLogger(PciTestdevSample.class);

    /** The driver name (the kernel module's name). */
    public static final String NAME = "rust_driver_pci";
    /** PCI_VENDOR_ID_REDHAT (include/linux/pci_ids.h). */
    static final int PCI_VENDOR_ID_REDHAT = 0x1b36;
    /** QEMU's pci-testdev device ID (hw/misc/pci-testdev.c, PCI_DEVICE_ID_REDHAT_TEST). */
    static final int PCI_DEVICE_ID_REDHAT_TEST = 0x0005;

    /** The header at the start of each BAR of pci-testdev (hw/misc/pci-testdev.c, struct PCITestDevHdr). */
    static final class Regs {
        /** Selects the test (u8). */
        static final int TEST = 0x0;
        /** The access width the selected test watches, in bytes (u8). */
        static final int WIDTH = 0x1;
        /** Offset the selected test watches (u32). */
        static final int OFFSET = 0x4;
        /** The byte the test expects at OFFSET (u8). */
        static final int DATA = 0x8;
        /** Hits of the selected test (u32). */
        static final int COUNT = 0xc;
        /** The size the driver needs BAR0 to have: Bar&lt;END&gt;. */
        static final int END = 0x10;
        /** The selected test's name, NUL-terminated (char name[]). */
        static final int NAME = 0x10;

        private Regs() {
        }
    }

    /** The test an id table entry selects: the sample's {@code TestIndex}, its IdInfo. */
    record TestIndex(int value) {
        /** TestIndex::NO_EVENTFD: the test that counts hits without an eventfd. */
        static final TestIndex NO_EVENTFD = new TestIndex(0);
    }

    /** PCI_TABLE: pci-testdev, running the no-eventfd test. */
    static final PciIdTable<TestIndex> ID_TABLE = PciIdTable.of(
            PciIdTable.entry(PciDeviceId.of(PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_TEST), TestIndex.NO_EVENTFD));
    /** The memory BAR (pci-testdev-mmio). */
    static final int MMIO_BAR = 0;
    /** The I/O port BAR (pci-testdev-portio). */
    static final int PIO_BAR = 1;
    /**
     * Tests per BAR (IOTEST_MAX_TEST): no-eventfd, wildcard-eventfd, datamatch-eventfd. The two
     * eventfd tests count only where nothing consumes the write on the way: QEMU hands a matching
     * write to an ioeventfd instead of the device, so their counts are reported, not judged.
     */
    static final int TESTS_PER_BAR = 3;
    /** The longest test name read (QEMU's are "portio-datamatch-eventfd" and shorter). */
    static final int NAME_MAX = 64;

    /** What one probe saw. */
    public record Result(String device, int index, long offset, int data, long count) {
    }

    /** The driver data: the device, its BAR and the probe's result. */
    record Bound(PciDevice dev, Devres<Bar> bar, Result result) {
    }

    private final Map<String, Bound> bound = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return ID_TABLE.ids();
    }

    @Override
    public Bound probe(PciDevice dev, PciDeviceId id) {
        LOG.debug("{}: probe (PCI ID {}:{})", dev.slot(), Integer.toHexString(dev.vendorId()),
                Integer.toHexString(dev.deviceId()));
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> bar = dev.iomapRegionSized(0, Regs.END, NAME);
        TestIndex index = ID_TABLE.info(id);
        Result r;
        try (Revocable.Guard<Bar> g = bar.access()) {
            r = testdev(dev.slot(), index.value(), g.get());
        }
        LOG.info("{}: pci-testdev data-match count: {}", dev.slot(), r.count());
        Bound b = new Bound(dev, bar, r);
        bound.put(dev.slot(), b);
        return b;
    }

    /** Runs one test: select it, read where and what it wants, write that, read the hit count. */
    static Result testdev(String device, int index, Bar bar) {
        bar.write8(Regs.TEST, index);
        long offset = Integer.toUnsignedLong(bar.read32(Regs.OFFSET));
        int data = bar.read8(Regs.DATA);
        // the offset comes from the device: the access is checked at run time (try_write8)
        bar.write8(offset, data);
        return new Result(device, index, offset, data, Integer.toUnsignedLong(bar.read32(Regs.COUNT)));
    }

    @Override
    public void unbind(PciDevice dev, Bound b) {
        // reset pci-testdev by selecting the test again (its registers go back to the test's start);
        // after a surprise removal the BAR is already revoked and there is nothing to reset
        b.bar().tryAccess().ifPresent(g -> {
            try (g) {
                g.get().write8(Regs.TEST, b.result().index());
            } catch (RevokedException gone) {
                LOG.debug("{}: removed, no reset", dev.slot());
            }
        });
        bound.remove(dev.slot());
        LOG.debug("{}: remove", dev.slot());
    }

    /**
     * Runs every test of a bound pci-testdev on both BARs: select it, read its name, width, offset
     * and data, write the data there and read COUNT again. The no-eventfd test must count the
     * write; the eventfd tests are reported. BAR1 and I/O decoding are taken for the run only (a
     * devres group released at its end); the test selected on BAR0 is the probe's again afterwards.
     *
     * @throws DriverException ENODEV if the device is not bound to this driver
     */
    public List<Check> selftest(String device) {
        Bound b = bound.get(device);
        if (b == null) {
            throw new DriverException(Errno.ENODEV, "no pci-testdev bound to " + NAME + " at " + device);
        }
        synchronized (b) {
            List<Check> out = new ArrayList<>();
            DevresScope devres = b.dev().device().devres();
            Object group = devres.openGroup(null);
            try {
                b.dev().enableDevice();
                Devres<Bar> io = b.dev().iomapRegion(PIO_BAR, NAME);
                runTests(b.bar(), MMIO_BAR, out);
                runTests(io, PIO_BAR, out);
            } finally {
                devres.releaseGroup(group);
            }
            b.bar().tryAccess().ifPresent(g -> {
                try (g) {
                    g.get().write8(Regs.TEST, b.result().index());
                }
            });
            return out;
        }
    }

    private static void runTests(Devres<Bar> bar, int index, List<Check> out) {
        try (Revocable.Guard<Bar> g = bar.access()) {
            Bar b = g.get();
            String kind = "BAR" + index + (index == PIO_BAR ? " I/O ports" : " memory")
                    + (b.memory().isPresent() ? " (mapped)" : " (register accesses)");
            for (int t = 0; t < TESTS_PER_BAR; t++) {
                b.write8(Regs.TEST, t);
                String name = name(b);
                int width = b.read8(Regs.WIDTH);
                long offset = Integer.toUnsignedLong(b.read32(Regs.OFFSET));
                int data = b.read8(Regs.DATA);
                long before = Integer.toUnsignedLong(b.read32(Regs.COUNT));
                switch (width) {
                    case Byte.BYTES -> b.write8(offset, data);
                    case Short.BYTES -> b.write16(offset, data);
                    default -> b.write32(offset, data);
                }
                long after = Integer.toUnsignedLong(b.read32(Regs.COUNT));
                String detail = String.format("%s, width %d, offset 0x%x, data 0x%x, count %d -> %d", kind, width,
                        offset, data, before, after);
                out.add(t == TestIndex.NO_EVENTFD.value() ? Check.of(name, after == before + 1, detail) : Check.info(name, detail));
            }
        }
    }

    /** @return the selected test's name */
    private static String name(Bar b) {
        StringBuilder name = new StringBuilder();
        for (int i = Regs.NAME; i < Math.min(b.size(), Regs.NAME + NAME_MAX); i++) {
            int ch = b.read8(i);
            if (ch == 0) {
                break;
            }
            name.append((char) ch);
        }
        return name.toString();
    }

    /** @return the result of the probe of each bound device */
    public Map<String, Result> results() {
        Map<String, Result> out = new TreeMap<>();
        bound.forEach((slot, b) -> out.put(slot, b.result()));
        return out;
    }
}
