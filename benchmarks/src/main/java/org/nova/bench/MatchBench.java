package org.nova.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.testing.StandalonePciBus;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.testing.StandaloneDriverCore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 16: matching {@code functions} PCI functions (10k) against {@value PciPopulation#DRIVERS}
 * drivers' id tables ({@link PciPopulation}), the core against the kernel's way.
 *
 * <ul>
 * <li>{@link #core}: for each device of a bus with every driver registered and autoprobe off,
 * the driver the core would bind ({@link DriverCore#firstChoice}): the bus's index narrows the
 * drivers, the bus's match (pci_match_device) asks each, the matches are ranked.</li>
 * <li>{@link #linearFirstMatch}: the reference, what the kernel's __device_attach does: for each
 * function walk the drivers in registration order and their tables in order
 * ({@code bus_for_each_drv}, {@code pci_match_id}); the first match wins.</li>
 * </ul>
 * Both answer the same question for the same functions (whether and by which driver a function
 * is taken; the core ranks where the kernel takes the first, which for these tables is the same
 * driver) and are steady state: the setup builds the bus once. The goal is the core at least 20×
 * faster than the reference; run both in one JMH run and divide.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MatchBench {
    @Param({"10000"})
    public int functions;

    PciPopulation pop;
    StandaloneDriverCore standalone;
    StandalonePciBus pci;
    List<Device> devices;

    @Setup
    public void setup() {
        pop = new PciPopulation(functions);
        standalone = StandaloneDriverCore.start();
        pci = StandalonePciBus.start(standalone.core());
        Bus bus = standalone.core().requireBus(PciBus.NAME);
        bus.setAutoprobe(false);
        pop.registerDrivers(pci);
        pop.addBridges(pci);
        devices = bus.devices();
        int chosen = core();
        if (devices.size() != functions || chosen != pop.matched || linearFirstMatch() != pop.matched) {
            throw new IllegalStateException(devices.size() + " devices, the core chose a driver for " + chosen
                    + ", the reference for " + pop.matched);
        }
    }

    @TearDown
    public void tearDown() {
        pci.close();
        standalone.close();
    }

    @Benchmark
    public int core() {
        DriverCore core = standalone.core();
        int taken = 0;
        for (Device d : devices) {
            taken += core.firstChoice(d).isPresent() ? 1 : 0;
        }
        return taken;
    }

    @Benchmark
    public int linearFirstMatch() {
        int taken = 0;
        for (PciIds f : pop.functions) {
            taken += pop.firstMatch(f) != null ? 1 : 0;
        }
        return taken;
    }
}
