package org.nova.it.pci;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;

/**
 * A PCI driver registered by the tests: it claims a pci-testdev whose board straps the subsystem
 * ids {@value #SUBSYSTEM_VENDOR}:{@value #SUBSYSTEM_DEVICE} — an id more specific than the
 * rust_driver_pci sample's, so such a device comes here — enables memory decoding, maps BAR0 and
 * keeps the {@code Devres<Bar>} of its latest binding of each device, as a driver keeps its BAR in
 * its driver data. It touches nothing on unbind.
 *
 * @param <D> its driver data: a {@link Bound} record, or the Devres itself as a Rust driver keeps it
 */
class HoldingDriver<D> implements PciDriver<D> {
    /** The driver name. */
    static final String NAME = "it_holding_bar";
    /** Subsystem vendor strapped on the test's pci-testdev (hex, as SimDeviceComponent takes it). */
    static final String SUBSYSTEM_VENDOR = "1af4";
    /** Subsystem id strapped on the test's pci-testdev. */
    static final String SUBSYSTEM_DEVICE = "7e57";
    /** How many devres one binding holds: the bus's driver-data action, the enable and BAR0. */
    static final int DEVRES_PER_BINDING = 3;

    /** pci-testdev's BAR0 header (hw/misc/pci-testdev.c, struct PCITestDevHdr). */
    static final int TEST = 0x0;
    static final int OFFSET = 0x4;
    static final int DATA = 0x8;
    static final int COUNT = 0xc;
    /** BAR0 of pci-testdev: 4 KiB of MMIO (IOTEST_MEMSIZE * 2). */
    static final long BAR0_SIZE = 4096;

    /** The usual driver data: not AutoCloseable, so the bus does not close it after the devres. */
    record Bound(String slot, Devres<Bar> bar) {
    }

    private final Map<String, Devres<Bar>> bars = new ConcurrentHashMap<>();
    /** Makes a binding's driver data from the slot and its BAR0. */
    private final BiFunction<String, Devres<Bar>, D> data;
    final AtomicInteger probes = new AtomicInteger();
    final AtomicInteger unbinds = new AtomicInteger();

    /**
     * @param data makes a binding's driver data from the slot and its BAR0: {@code Bound::new}, or
     *     {@code (slot, bar) -> bar} to keep the Devres itself (AutoCloseable: the bus closes it
     *     after the binding's devres)
     */
    HoldingDriver(BiFunction<String, Devres<Bar>, D> data) {
        this.data = data;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.withSubsystem(PciItSupport.VENDOR_REDHAT, PciItSupport.DEVICE_REDHAT_TEST,
                Integer.parseInt(SUBSYSTEM_VENDOR, 16), Integer.parseInt(SUBSYSTEM_DEVICE, 16)));
    }

    @Override
    public D probe(PciDevice dev, PciDeviceId id) {
        dev.enableDeviceMem();
        Devres<Bar> bar = dev.iomapRegion(0, NAME);
        bars.put(dev.slot(), bar);
        probes.incrementAndGet();
        return data.apply(dev.slot(), bar);
    }

    @Override
    public void unbind(PciDevice dev, D data) {
        unbinds.incrementAndGet();
    }

    /** @return the BAR0 Devres of the device's latest binding */
    Devres<Bar> bar(String slot) {
        Devres<Bar> b = bars.get(slot);
        if (b == null) {
            throw new AssertionError(NAME + " never bound " + slot);
        }
        return b;
    }
}
