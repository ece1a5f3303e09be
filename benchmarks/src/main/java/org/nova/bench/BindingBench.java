package org.nova.bench;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.testing.StandalonePciBus;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.testing.StandaloneDriverCore;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Issue 16: the driver core's add + bind, unbind and remove of 1k, 10k and 100k PCI functions
 * against {@value PciPopulation#DRIVERS} drivers' id tables ({@link PciPopulation}), each a figure
 * of its own, on the real PCI bus over the real core ({@link StandalonePciBus}). Each probe acquires
 * {@value PciPopulation#DEVRES_PER_PROBE} device resources, which unbind and remove release.
 *
 * <ul>
 * <li>{@link #addAndBind}: every bridge added to a bus whose drivers are registered: each
 * function becomes a device (identity read from config space), is indexed, matched with the
 * bus's rules, ranked, probed (devres acquired) and bound; ADD and BIND uevents queued.</li>
 * <li>{@link #unbind}: every bound device unbound through the bus's unbind (sysfs unbind): the
 * driver's remove, devres released, UNBIND queued.</li>
 * <li>{@link #remove}: every bridge removed from a bus whose devices are bound: each device
 * unbound, taken out of the index and the bus, REMOVE queued.</li>
 * </ul>
 *
 * <p>Each operation consumes its state (a device is added once, unbound once), so every measured
 * call needs a core built for it. JMH's tool for that is {@link Mode#SingleShotTime}, one call per
 * iteration, with the state built by {@code @Setup(Level.Iteration)} and checked and closed by
 * {@code @TearDown(Level.Iteration)}, both outside the timed region; Level.Invocation would do the
 * same with a timestamp around every call. Uevents go to the dispatcher thread, which delivers
 * them while the next device is bound; the timed region ends when the last device is bound,
 * unbound or removed, and the teardown (core shut down) waits for the queue. A teardown that
 * finds a device not bound, still bound or still present, or devres not released, fails the run.
 * The heap is fixed so that its resizing is not timed, and its young generation (4 GiB) holds what
 * one operation allocates at 100k devices (about 0.7 GB), so no collection runs inside the timed
 * region ({@code -prof gc} shows gc.count ≈ 0): the figure is the core's work, linear or not, and
 * not G1 copying the live devices of a young generation sized for a smaller heap. Run with
 * {@code -gc true} so that one iteration's garbage is collected between iterations, not in the next.
 * Linear growth shows as ×10 per step of the parameter. {@link MatchBench} compares the matching
 * step with the kernel's linear first match.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms6g", "-Xmx6g", "-Xmn4g"})
public class BindingBench {

    /** The functions and drivers of one size, made once per trial. */
    @State(Scope.Benchmark)
    public static class Population {
        @Param({"1000", "10000", "100000"})
        public int devices;

        PciPopulation pop;

        @Setup(Level.Trial)
        public void make() {
            pop = new PciPopulation(devices);
        }
    }

    /** A core whose PCI bus has every driver registered and no device yet. */
    @State(Scope.Benchmark)
    public static class Empty {
        PciPopulation pop;
        StandaloneDriverCore core;
        StandalonePciBus pci;

        @Setup(Level.Iteration)
        public void start(Population p) {
            pop = p.pop;
            core = StandaloneDriverCore.start();
            pci = StandalonePciBus.start(core.core());
            pop.registerDrivers(pci);
        }

        @TearDown(Level.Iteration)
        public void check() {
            try {
                requireBound(core.core().requireBus(PciBus.NAME), pop.functions.size(), pop.matched);
            } finally {
                pci.close();
                core.close();
            }
        }
    }

    /** A core whose PCI bus has every driver registered and every function added and bound. */
    static final class BoundCore {
        final PciPopulation pop;
        final StandaloneDriverCore core;
        final StandalonePciBus pci;
        /** The core's "pci" bus. */
        final Bus bus;
        /** The bound devices' names, in the order added. */
        final List<String> bound;
        final long releasedBefore;

        BoundCore(PciPopulation pop) {
            this.pop = pop;
            core = StandaloneDriverCore.start();
            pci = StandalonePciBus.start(core.core());
            bus = core.core().requireBus(PciBus.NAME);
            pop.registerDrivers(pci);
            pop.addBridges(pci);
            requireBound(bus, pop.functions.size(), pop.matched);
            bound = bus.devices().stream().filter(Device::isBound).map(Device::name).toList();
            releasedBefore = pop.devresReleased.get();
        }

        /** Fails unless the run released the devres of every binding and left {@code devices} devices, none bound. */
        void requireReleased(int devices) {
            try {
                long released = pop.devresReleased.get() - releasedBefore;
                long expected = (long) pop.matched * PciPopulation.DEVRES_PER_PROBE;
                if (released != expected) {
                    throw new IllegalStateException(released + " devres released, expected " + expected);
                }
                requireBound(bus, devices, 0);
            } finally {
                pci.close();
                core.close();
            }
        }
    }

    /** A bound core for {@link #unbind}; its teardown checks that every device stays and none is bound. */
    @State(Scope.Benchmark)
    public static class ToUnbind {
        BoundCore c;

        @Setup(Level.Iteration)
        public void start(Population p) {
            c = new BoundCore(p.pop);
        }

        @TearDown(Level.Iteration)
        public void check() {
            c.requireReleased(c.pop.functions.size());
        }
    }

    /** A bound core for {@link #remove}; its teardown checks that the bus is empty. */
    @State(Scope.Benchmark)
    public static class ToRemove {
        BoundCore c;

        @Setup(Level.Iteration)
        public void start(Population p) {
            c = new BoundCore(p.pop);
        }

        @TearDown(Level.Iteration)
        public void check() {
            c.requireReleased(0);
        }
    }

    /**
     * What the benchmark thread allocates inside the timed call, in bytes: {@code -prof gc}'s
     * figure per operation also counts the iteration's setup and teardown (a core built and
     * bound, then closed), which here dwarf the operation. The uevent dispatcher's allocation
     * (building and delivering the events) is not counted. JMH sums these counters over the
     * measured iterations (one call each): divide by the iteration count for one call.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Allocation {
        private static final com.sun.management.ThreadMXBean THREADS =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        /** Bytes allocated by the last call. */
        public long opAllocBytes;
        private long start;

        void begin() {
            start = THREADS.getCurrentThreadAllocatedBytes();
        }

        void end() {
            opAllocBytes = THREADS.getCurrentThreadAllocatedBytes() - start;
        }
    }

    /** Fails unless the bus has {@code devices} devices of which {@code bound} are bound. */
    static void requireBound(Bus bus, int devices, int bound) {
        List<Device> all = bus.devices();
        long now = all.stream().filter(Device::isBound).count();
        if (all.size() != devices || now != bound) {
            throw new IllegalStateException(all.size() + " devices, " + now + " bound; expected " + devices
                    + ", " + bound);
        }
    }

    @Benchmark
    public void addAndBind(Empty s, Allocation a) {
        a.begin();
        s.pop.addBridges(s.pci);
        a.end();
    }

    @Benchmark
    public void unbind(ToUnbind s, Allocation a) {
        a.begin();
        for (String name : s.c.bound) {
            s.c.bus.unbind(name);
        }
        a.end();
    }

    @Benchmark
    public void remove(ToRemove s, Allocation a) {
        a.begin();
        s.c.pop.removeBridges(s.c.pci);
        a.end();
    }
}
