package org.nova.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.nova.hw.vfio.testing.StandaloneVfioBridge;
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
 * The VFIO backend's MMIO paths on a real function bound to vfio-pci (QEMU's edu in the test
 * guest): a read32 of one register through the mmap'd BAR, raw (the segment) and through the
 * backend's {@link Mmio#read32} with its checks, against pread(2) of the same register on the VFIO
 * device fd. The bridge comes from hw.vfio's test-support export
 * ({@link StandaloneVfioBridge}), outside OSGi: {@code java -jar benchmarks.jar VfioMmioBench
 * -p device=dddd:bb:dd.f}. Needs root (or access to /dev/vfio) and a function bound to vfio-pci;
 * the real-kernel suite runs it in its guest (integration-tests/qemu, VfioQemuIT).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class VfioMmioBench {
    /** PCI is little-endian; the register is naturally aligned. */
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The function (dddd:bb:dd.f) bound to vfio-pci. */
    @Param("0000:00:01.0")
    public String device;
    /** The BAR read; it must be a memory BAR the kernel lets user space mmap. */
    @Param("0")
    public int bar;
    /** The register's offset in the BAR. */
    @Param("0")
    public long offset;

    private StandaloneVfioBridge bridge;
    private Mmio mapped;
    private MemorySegment segment;
    private Mmio pread;

    @Setup(Level.Trial)
    public void open() {
        PciAddress a = PciAddress.parse(device);
        bridge = StandaloneVfioBridge.open("bench0", List.of(a));
        PciFunction f = bridge.bridge().function(a).orElseThrow();
        int cmd = f.readConfig(PciRegs.PCI_COMMAND, Short.BYTES);
        f.writeConfig(PciRegs.PCI_COMMAND, Short.BYTES, cmd | PciRegs.PCI_COMMAND_MEMORY);
        mapped = f.map(bar);
        segment = mapped.segment().orElseThrow(() -> new HwException(HwException.EINVAL,
                device + ": BAR " + bar + " is not mmap'd (not a memory BAR the kernel lets user space map)"));
        pread = bridge.mapThroughDeviceFd(a, bar);
    }

    @TearDown(Level.Trial)
    public void close() {
        pread.close();
        mapped.close();
        bridge.close();
    }

    /** A load from the mmap'd BAR, nothing else: the floor. */
    @Benchmark
    public int segmentRead32() {
        return segment.get(LE_INT, offset);
    }

    /** The backend's Mmio over the mmap'd BAR: the same load with its bounds, liveness and decode checks. */
    @Benchmark
    public int mmioRead32() {
        return mapped.read32(offset);
    }

    /** pread(2) of 4 bytes on the VFIO device fd at the region offset of the BAR. */
    @Benchmark
    public int preadRead32() {
        return pread.read32(offset);
    }
}
