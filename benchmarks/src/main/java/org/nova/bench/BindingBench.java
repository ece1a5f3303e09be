package org.nova.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.internal.PciMatch;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeType;
import org.nova.driver.DriverCore;
import org.nova.driver.testing.StandaloneDriverCore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 3: binding 10,000 PCI functions against 1,000 drivers' ID tables.
 *
 * <ul>
 * <li>{@link #bindAllThroughDriverCore}: the real driver core (devices added one by one, each
 * matched through the bus's index, ranked, probed, its devres scope and uevents handled) with
 * the PCI bus's matching rules ({@link PciMatch}: pci_match_device, specificity, index keys).</li>
 * <li>{@link #selectAllThroughDriverCore}: the matching step alone on the same core (10,000
 * functions registered with autoprobe off; for each, the driver the core would bind:
 * {@link DriverCore#firstChoice}) — what the reference computes.</li>
 * <li>{@link #linearFirstMatchReference}: the reference the issue names — for every function,
 * walk the drivers in registration order and their tables, first match wins.</li>
 * </ul>
 * Goal: the core at least 20× faster than the reference, and under 50 ms. The full bind creates
 * a new core each time, so it is timed single-shot; the two matching loops are steady-state
 * (average time), which is how they run once warm.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BindingBench {
    static final int FUNCTIONS = 10_000;
    static final int DRIVERS = 1_000;
    /** Entries per driver table. */
    static final int IDS_PER_DRIVER = 4;
    /** Every 50th driver matches by class (PCI_DEVICE_CLASS), as storage or network class drivers do. */
    static final int CLASS_DRIVER_EVERY = 50;

    /** A driver of the benchmark bus: a name and a static id table. */
    record Drv(String name, List<PciDeviceId> table) {
    }

    List<Drv> drivers;
    List<PciIds> functions;
    /** A core with every driver and function registered and autoprobe off, for the matching step. */
    StandaloneDriverCore idle;
    List<Device> idleDevices;

    @Setup
    public void setup() {
        Random r = new Random(42);
        drivers = new ArrayList<>();
        for (int d = 0; d < DRIVERS; d++) {
            List<PciDeviceId> table = new ArrayList<>();
            if (d % CLASS_DRIVER_EVERY == 0) {
                table.add(PciDeviceId.ofClass(0x010000 | (d / CLASS_DRIVER_EVERY) << 8, 0xffff00));
            } else {
                for (int k = 0; k < IDS_PER_DRIVER; k++) {
                    table.add(PciDeviceId.of(0x1000 + d % 64, d * IDS_PER_DRIVER + k));
                }
            }
            drivers.add(new Drv("drv" + d, table));
        }
        functions = new ArrayList<>();
        for (int f = 0; f < FUNCTIONS; f++) {
            int d = r.nextInt(DRIVERS);
            // most functions have a driver; some are of a class only a class driver takes; some of none
            int vendor = 0x1000 + d % 64;
            int device = d * IDS_PER_DRIVER + r.nextInt(IDS_PER_DRIVER + 1);
            int cls = 0x010000 | r.nextInt(DRIVERS / CLASS_DRIVER_EVERY + 4) << 8;
            functions.add(new PciIds(vendor, device, 0x1af4, 0x1100, cls, 0));
        }
        idle = StandaloneDriverCore.start();
        BusRegistration bus = register(idle.core());
        bus.setAutoprobe(false);
        idleDevices = new ArrayList<>();
        for (int f = 0; f < functions.size(); f++) {
            idleDevices.add(bus.addDevice("0000:" + f, null, functions.get(f)));
        }
    }

    @org.openjdk.jmh.annotations.TearDown
    public void tearDown() {
        idle.close();
    }

    private BusRegistration register(DriverCore core) {
        BusRegistration bus = core.registerBus(new Bus());
        for (int i = 0; i < drivers.size(); i++) {
            Drv d = drivers.get(i);
            bus.registerDriver(new DriverDescriptor(d.name(), d, "bench", 0, i, ProbeType.FORCE_SYNCHRONOUS));
        }
        return bus;
    }

    /** The PCI bus's matching rules on the driver core, with trivial probes. */
    static final class Bus implements BusType {
        @Override
        public String name() {
            return "pci";
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor driver) {
            PciDeviceId id = PciMatch.matchDevice(List.of(), ((Drv) driver.driver()).table(),
                    (PciIds) device.busData(), null, driver.name());
            return id == null ? MatchResult.noMatch("no id") : MatchResult.match(PciMatch.specificity(id), id, "id");
        }

        @Override
        public Object probe(Device device, DriverDescriptor driver, MatchResult match) {
            return match.id();
        }

        @Override
        public void remove(Device device, DriverDescriptor driver, Object driverData) {
        }

        @Override
        public Set<Object> deviceKeys(Device device) {
            return PciMatch.deviceKeys((PciIds) device.busData());
        }

        @Override
        public Set<Object> driverKeys(DriverDescriptor driver) {
            return PciMatch.driverKeys(List.of(), ((Drv) driver.driver()).table());
        }
    }

    @Benchmark
    public int bindAllThroughDriverCore() {
        try (StandaloneDriverCore standalone = StandaloneDriverCore.start()) {
            DriverCore core = standalone.core();
            BusRegistration bus = register(core);
            for (int f = 0; f < functions.size(); f++) {
                bus.addDevice("0000:" + f, null, functions.get(f));
            }
            core.waitForDeviceProbe(Duration.ofSeconds(60));
            int bound = 0;
            for (Device dev : bus.devices()) {
                bound += dev.isBound() ? 1 : 0;
            }
            return bound;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public int selectAllThroughDriverCore() {
        int bound = 0;
        for (Device d : idleDevices) {
            bound += idle.core().firstChoice(d).isPresent() ? 1 : 0;
        }
        return bound;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public int linearFirstMatchReference() {
        int bound = 0;
        for (PciIds f : functions) {
            outer:
            for (Drv d : drivers) {
                for (PciDeviceId id : d.table()) {
                    if (id.matches(f)) {
                        bound++;
                        break outer;
                    }
                }
            }
        }
        return bound;
    }
}
