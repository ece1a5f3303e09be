package org.nova.bench;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaPages;
import org.nova.bus.pci.DmaSgMapping;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.SgTable;
import org.nova.bus.pci.testing.StandalonePciBus;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.sim.SimulatedHostBridge;
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
 * Issue 20 item 5: {@code dma_map_sg} + {@code dma_unmap_sg} ({@link PciDevice#dmaMapSg},
 * {@link DmaSgMapping#close}) of a table of 1, 64 and 1024 entries on the simulated backend: a
 * bound edu on the real PCI bus and driver core, the simulator's IOMMU domain underneath. The
 * pages (single-page allocations, shuffled, so no two neighbours merge and the table has exactly
 * {@code segments} entries) and the table are built in the trial's setup, outside the timed
 * region; each invocation maps the table (IOVA layout, coalescing, one IOMMU mapping per entry,
 * the devres node) and unmaps it. The VFIO backend needs a device bound to vfio-pci, which only the
 * QEMU guest of the real-kernel suite has, so it is not measured here.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DmaMapSgBench {
    /** Entries in the table. */
    @Param({"1", "64", "1024"})
    public int segments;

    private StandaloneDriverCore core;
    private StandalonePciBus pci;
    private SimulatedHostBridge bridge;
    private PciDevice dev;
    private SgTable table;
    private int expectedSegments;

    /** Binds edu and hands its device over; the probe acquires nothing. */
    private record Grab(AtomicReference<PciDevice> dev) implements PciDriver<Object> {
        @Override
        public String name() {
            return "sg_bench";
        }

        @Override
        public List<PciDeviceId> idTable() {
            return List.of(PciDeviceId.of(0x1234, 0x11e8));
        }

        @Override
        public Object probe(PciDevice d, PciDeviceId id) {
            dev.set(d);
            return this;
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        core = StandaloneDriverCore.start();
        pci = StandalonePciBus.start(core.core());
        bridge = new SimulatedHostBridge("bench0", 0);
        bridge.plug(PciAddress.parse("00:03.0"), "edu", Map.of());
        pci.addBridge(bridge);
        AtomicReference<PciDevice> grabbed = new AtomicReference<>();
        pci.registerDriver(new Grab(grabbed));
        dev = grabbed.get();
        if (dev == null) {
            throw new IllegalStateException("edu did not bind");
        }
        // Every entry may coalesce with the next: the device takes segments as long as the table.
        dev.setDmaMaxSegmentSize(0xffff_f000L);
        List<MemorySegment> pages = new ArrayList<>();
        for (int i = 0; i < segments; i++) {
            DmaPages p = dev.allocPages(1);
            pages.add(p.page(0));
        }
        Collections.shuffle(pages, new Random(segments));
        table = SgTable.fromPages(pages, 0, segments * SgTable.PAGE_SIZE);
        DmaSgMapping probe = dev.dmaMapSg(table, DmaDataDirection.BIDIRECTIONAL);
        expectedSegments = probe.count();
        probe.close();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (expectedSegments != 1) {
                throw new IllegalStateException(table + " mapped as " + expectedSegments + " segments, expected 1");
            }
        } finally {
            pci.close();
            bridge.close();
            core.close();
        }
    }

    /** Maps and unmaps; returns the DMA segment count so the work is not dead code. */
    @Benchmark
    public int mapUnmap() {
        DmaSgMapping m = dev.dmaMapSg(table, DmaDataDirection.BIDIRECTIONAL);
        int n = m.count();
        m.close();
        return n;
    }
}
