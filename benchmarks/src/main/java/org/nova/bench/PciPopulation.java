package org.nova.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.nova.bench.osgi.platform.HeaderOnlyFunction;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.testing.StandalonePciBus;
import org.nova.devres.DevresScope;
import org.nova.driver.ProbeType;
import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * The PCI population {@link BindingBench} and {@link MatchBench} bind: {@value #DRIVERS} drivers
 * with id tables and a number of header-only functions on host bridges of their own, generated
 * from one seed so that every run meets the same ids.
 *
 * <p>Driver {@code d} lists {@value #IDS_PER_DRIVER} vendor:device ids; every
 * {@value #CLASS_DRIVER_EVERY}th driver instead matches one mass-storage subclass
 * (PCI_DEVICE_CLASS), as storage or network class drivers do. A function takes the ids of a random
 * driver, one device id in {@value #IDS_PER_DRIVER} + 1 belonging to no table, and a
 * mass-storage subclass of which some have a class driver: most functions have a driver, some
 * only a class driver, some none. Every function is of base class mass storage, so that one
 * base class holds all of them, as it does for the functions of a big storage or GPU host.
 */
final class PciPopulation {
    /** Drivers registered on the bus. */
    static final int DRIVERS = 1_000;
    /** Entries per driver table. */
    static final int IDS_PER_DRIVER = 4;
    /** Every 50th driver matches by class. */
    static final int CLASS_DRIVER_EVERY = 50;
    /** The vendors the tables use: 0x1000 and the next 63. */
    static final int FIRST_VENDOR = 0x1000;
    static final int VENDORS = 64;
    /** PCI_CLASS_STORAGE_SCSI (pci_ids.h) as a 24-bit class code: base class 0x01, subclass 0. */
    static final int STORAGE_CLASS = 0x010000;
    /** Subclasses the functions use beyond the ones a class driver matches. */
    static final int UNCLAIMED_SUBCLASSES = 4;
    /** A virtio subsystem, the same for every function: the tables do not look at it. */
    static final int SUBSYSTEM_VENDOR = 0x1af4;
    static final int SUBSYSTEM_DEVICE = 0x1100;
    /** Routing ids of one PCI domain (bus, device, function): the functions of one bridge at most. */
    static final int FUNCTIONS_PER_BRIDGE = PciAddress.MAX_ROUTING_ID + 1;
    /** Device resources each probe acquires, as a driver maps BARs and sets up vectors. */
    static final int DEVRES_PER_PROBE = 3;
    /** The seed of the functions' ids. */
    static final long SEED = 42;

    final List<Drv> drivers = new ArrayList<>();
    final List<PciIds> functions = new ArrayList<>();
    final List<Bridge> bridges = new ArrayList<>();
    /** How many functions a driver matches: what the core must bind. */
    final int matched;
    /** Device resources released since the population was made. */
    final AtomicLong devresReleased = new AtomicLong();

    PciPopulation(int functionCount) {
        for (int d = 0; d < DRIVERS; d++) {
            List<PciDeviceId> table = new ArrayList<>();
            if (d % CLASS_DRIVER_EVERY == 0) {
                table.add(PciDeviceId.ofClass(STORAGE_CLASS | (d / CLASS_DRIVER_EVERY) << Byte.SIZE,
                        PciRegs.PCI_CLASS_MASK_BASE_SUB));
            } else {
                for (int k = 0; k < IDS_PER_DRIVER; k++) {
                    table.add(PciDeviceId.of(FIRST_VENDOR + d % VENDORS, d * IDS_PER_DRIVER + k));
                }
            }
            drivers.add(new Drv("drv" + d, table, devresReleased));
        }
        Random r = new Random(SEED);
        for (int f = 0; f < functionCount; f++) {
            int d = r.nextInt(DRIVERS);
            int vendor = FIRST_VENDOR + d % VENDORS;
            int device = d * IDS_PER_DRIVER + r.nextInt(IDS_PER_DRIVER + 1);
            int cls = STORAGE_CLASS | r.nextInt(DRIVERS / CLASS_DRIVER_EVERY + UNCLAIMED_SUBCLASSES) << Byte.SIZE;
            functions.add(new PciIds(vendor, device, SUBSYSTEM_VENDOR, SUBSYSTEM_DEVICE, cls, 0));
        }
        for (int from = 0; from < functionCount; from += FUNCTIONS_PER_BRIDGE) {
            List<PciIds> ids = functions.subList(from, Math.min(functionCount, from + FUNCTIONS_PER_BRIDGE));
            bridges.add(new Bridge(bridges.size(), ids));
        }
        int m = 0;
        for (PciIds f : functions) {
            m += firstMatch(f) != null ? 1 : 0;
        }
        matched = m;
    }

    /**
     * The reference matcher, as the kernel's driver_attach walk does it (bus_for_each_drv over the
     * drivers in registration order, pci_match_id over each table in order): the first driver with
     * an entry that matches.
     *
     * @return that driver, or null
     */
    Drv firstMatch(PciIds f) {
        for (Drv d : drivers) {
            for (PciDeviceId id : d.table()) {
                if (id.matches(f)) {
                    return d;
                }
            }
        }
        return null;
    }

    /** Registers every driver on {@code pci}, in order. */
    void registerDrivers(StandalonePciBus pci) {
        for (Drv d : drivers) {
            pci.registerDriver(d);
        }
    }

    /** Adds every bridge: its functions become devices and probe. */
    void addBridges(StandalonePciBus pci) {
        for (Bridge b : bridges) {
            pci.addBridge(b);
        }
    }

    /** Removes every bridge, last first: every device is unbound and removed. */
    void removeBridges(StandalonePciBus pci) {
        for (int i = bridges.size() - 1; i >= 0; i--) {
            pci.removeBridge(bridges.get(i));
        }
    }

    /**
     * A driver with a static id table, probed synchronously; its probe acquires
     * {@value PciPopulation#DEVRES_PER_PROBE} device resources, whose release is counted.
     */
    record Drv(String name, List<PciDeviceId> table, AtomicLong released) implements PciDriver<PciDeviceId> {
        @Override
        public List<PciDeviceId> idTable() {
            return table;
        }

        @Override
        public PciDeviceId probe(PciDevice dev, PciDeviceId id) {
            DevresScope devres = dev.device().devres();
            devres.addAction("bench:bar", released::incrementAndGet);
            devres.addAction("bench:irq", released::incrementAndGet);
            devres.addAction("bench:dma", released::incrementAndGet);
            return id;
        }

        @Override
        public ProbeType probeType() {
            return ProbeType.FORCE_SYNCHRONOUS;
        }
    }

    /** A host bridge of functions that are nothing but a type-0 header: identity only. */
    static final class Bridge implements HostBridge {
        final int domain;
        final List<PciFunction> functions = new ArrayList<>();

        /** A bridge of PCI domain {@code domain} whose routing ids 0.. carry {@code ids}. */
        Bridge(int domain, List<PciIds> ids) {
            this.domain = domain;
            for (int f = 0; f < ids.size(); f++) {
                functions.add(new HeaderOnlyFunction(this, PciAddress.ofRoutingId(domain, f), header(ids.get(f))));
            }
        }

        @Override
        public String name() {
            return "bench" + domain;
        }

        @Override
        public String backend() {
            return "bench";
        }

        @Override
        public int domain() {
            return domain;
        }

        @Override
        public List<PciFunction> functions() {
            return List.copyOf(functions);
        }

        @Override
        public Optional<PciFunction> function(PciAddress address) {
            return functions.stream().filter(f -> f.address().equals(address)).findFirst();
        }

        @Override
        public void addListener(HostBridgeListener listener) {
            // the functions never change
        }

        @Override
        public void removeListener(HostBridgeListener listener) {
        }
    }

    /**
     * A standard type-0 header with {@code ids}, for a {@link HeaderOnlyFunction} (the framework
     * benchmarks' function, used here on the class path).
     */
    static ByteBuffer header(PciIds ids) {
        return ByteBuffer.allocate(PciRegs.PCI_STD_HEADER_SIZEOF).order(ByteOrder.LITTLE_ENDIAN)
                .putShort(PciRegs.PCI_VENDOR_ID, (short) ids.vendor())
                .putShort(PciRegs.PCI_DEVICE_ID, (short) ids.device())
                .putInt(PciRegs.PCI_REVISION_ID, ids.classCode() << Byte.SIZE | ids.revision())
                .putShort(PciRegs.PCI_SUBSYSTEM_VENDOR_ID, (short) ids.subsystemVendor())
                .putShort(PciRegs.PCI_SUBSYSTEM_ID, (short) ids.subsystemDevice());
    }
}
