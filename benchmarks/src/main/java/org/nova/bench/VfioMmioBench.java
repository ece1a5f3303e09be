package org.nova.bench;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.nova.hw.HostBridge;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
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
 * Issue 4: read32 of one device register through the VFIO BAR mapping (mmap, {@link Mmio#read32})
 * against pread on the VFIO device fd at the same register, on a real function bound to vfio-pci
 * (QEMU's edu in the test guest). Runs outside OSGi: hw.vfio's classes are opened by reflection
 * (the bridge is package-private there), so hw.vfio's jar must be on the class path next to this
 * one: {@code java -cp benchmarks.jar:hw.vfio.jar org.openjdk.jmh.Main VfioMmioBench -p device=...}.
 * Needs root (or access to /dev/vfio) and a function bound to vfio-pci; see
 * integration-tests/qemu (run.sh JMH=1).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class VfioMmioBench {
    /** The function (dddd:bb:dd.f) bound to vfio-pci. */
    @Param("0000:00:01.0")
    public String device;
    /** The BAR and register offset read. */
    @Param("0")
    public int bar;
    @Param("0")
    public long offset;

    private AutoCloseable bridge;
    private Mmio mapped;
    private Mmio pread;

    @Setup(Level.Trial)
    public void open() throws Exception {
        ClassLoader cl = VfioMmioBench.class.getClassLoader();
        Class<?> sysfsClass = Class.forName("org.nova.hw.vfio.SysfsPci", true, cl);
        Method system = sysfsClass.getDeclaredMethod("system");
        system.setAccessible(true);
        Class<?> bridgeClass = Class.forName("org.nova.hw.vfio.VfioBridge", true, cl);
        Method open = bridgeClass.getDeclaredMethod("open", String.class, sysfsClass, List.class);
        open.setAccessible(true);
        PciAddress a = PciAddress.parse(device);
        bridge = (AutoCloseable) open.invoke(null, "bench0", system.invoke(null), List.of(a));
        PciFunction f = ((HostBridge) bridge).function(a).orElseThrow();
        f.writeConfig(0x04, 2, f.readConfig(0x04, 2) | 0x2); // PCI_COMMAND_MEMORY
        mapped = f.map(bar);
        Method map = f.getClass().getDeclaredMethod("map", int.class, boolean.class);
        map.setAccessible(true);
        pread = (Mmio) map.invoke(f, bar, false);
        if (mapped.segment().isEmpty() || pread.segment().isPresent()) {
            throw new IllegalStateException("expected an mmap'd and a pread/pwrite mapping of BAR " + bar);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        pread.close();
        mapped.close();
        bridge.close();
    }

    /** MMIO: a load from the mmap'd BAR through the backend's Mmio (bounds and liveness checks included). */
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
