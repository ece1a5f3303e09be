package org.nova.samples.pci;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.devres.RevokedException;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's samples/rust/rust_driver_pci.rs, for QEMU's pci-testdev: probe enables the device,
 * maps BAR0 as a {@code Bar<0x10>}, selects test 0, writes the test's DATA byte at its OFFSET —
 * which counts one hit — and reads COUNT back. Unbind resets the device by selecting the test
 * again. The result of each probe is kept for {@code samples:status}.
 */
@Component(service = {PciDriver.class, PciTestdevSample.class})
public final class PciTestdevSample implements PciDriver {
    private static final Logger LOG = LoggerFactory.getLogger(PciTestdevSample.class);

    /** The driver name (the kernel module's name). */
    public static final String NAME = "rust_driver_pci";
    /** PCI_VENDOR_ID_REDHAT (include/linux/pci_ids.h). */
    static final int PCI_VENDOR_ID_REDHAT = 0x1b36;
    /** QEMU's pci-testdev device ID (hw/misc/pci-testdev.c, PCI_DEVICE_ID_REDHAT_TEST). */
    static final int PCI_DEVICE_ID_REDHAT_TEST = 0x0005;

    /** BAR0 registers of pci-testdev as the Rust sample names them (hw/misc/pci-testdev.c, struct IOTest layout). */
    static final class Regs {
        /** Selects the test (u8). */
        static final int TEST = 0x0;
        /** Offset the selected test watches (u32). */
        static final int OFFSET = 0x4;
        /** The byte the test expects at OFFSET (u8). */
        static final int DATA = 0x8;
        /** Hits of the selected test (u32). */
        static final int COUNT = 0xc;
        /** The size the driver needs BAR0 to have: Bar&lt;END&gt;. */
        static final int END = 0x10;

        private Regs() {
        }
    }

    /** TestIndex::NO_EVENTFD: the test that counts hits without an eventfd. */
    static final int NO_EVENTFD = 0;

    /** What one probe saw. */
    public record Result(String device, int index, long offset, int data, long count) {
    }

    /** The driver data: the device, its BAR and the probe's result. */
    record Bound(PciDevice dev, Devres<Bar> bar, Result result) {
    }

    private final Map<String, Result> results = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_TEST).withDriverData(NO_EVENTFD));
    }

    @Override
    public Object probe(PciDevice dev, PciDeviceId id) {
        LOG.debug("{}: probe (PCI ID {}:{})", dev.slot(), Integer.toHexString(dev.vendorId()),
                Integer.toHexString(dev.deviceId()));
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> bar = dev.iomapRegionSized(0, Regs.END, NAME);
        int index = (int) id.driverData();
        Result r;
        try (Revocable.Guard<Bar> g = bar.access()) {
            r = testdev(dev.slot(), index, g.get());
        }
        LOG.info("{}: pci-testdev data-match count: {}", dev.slot(), r.count());
        results.put(dev.slot(), r);
        return new Bound(dev, bar, r);
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
    public void unbind(PciDevice dev, Object data) {
        Bound b = (Bound) data;
        // reset pci-testdev by selecting the test again (its registers go back to the test's start);
        // after a surprise removal the BAR is already revoked and there is nothing to reset
        b.bar().tryAccess().ifPresent(g -> {
            try (g) {
                g.get().write8(Regs.TEST, b.result().index());
            } catch (RevokedException gone) {
                LOG.debug("{}: removed, no reset", dev.slot());
            }
        });
        results.remove(dev.slot());
        LOG.debug("{}: remove", dev.slot());
    }

    /** @return the result of the probe of each bound device */
    public Map<String, Result> results() {
        return Map.copyOf(results);
    }
}
