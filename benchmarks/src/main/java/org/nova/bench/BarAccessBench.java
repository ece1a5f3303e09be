package org.nova.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.testing.TestBars;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 3: BAR read32/write32 through the PCI bus's {@link Bar} against raw {@link MemorySegment}
 * access to the same memory (a shared arena, as the VFIO backend maps a BAR; the Bar is the bus's
 * own implementation, built by {@link TestBars} as iomapRegion builds it over such memory). Each invocation
 * touches {@value #WORDS} registers, so the loop, not the harness, dominates. Goal: Bar ≤ 1.1× raw.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BarAccessBench {
    /** Registers touched per invocation. */
    static final int WORDS = 1024;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Arena arena;
    private MemorySegment raw;
    private TestBars.Mapping mapping;
    private Bar bar;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        raw = arena.allocate(WORDS * 4L, 4096);
        mapping = TestBars.overMemory("bench:bar0", raw, () -> { });
        bar = mapping.bar();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mapping.close();
        arena.close();
    }

    @Benchmark
    public int read32Raw() {
        int sum = 0;
        for (long off = 0; off < WORDS * 4L; off += 4) {
            sum += raw.get(LE32, off);
        }
        return sum;
    }

    @Benchmark
    public int read32Bar() {
        int sum = 0;
        for (long off = 0; off < WORDS * 4L; off += 4) {
            sum += bar.read32(off);
        }
        return sum;
    }

    @Benchmark
    public void write32Raw() {
        for (long off = 0; off < WORDS * 4L; off += 4) {
            raw.set(LE32, off, (int) off);
        }
    }

    @Benchmark
    public void write32Bar() {
        for (long off = 0; off < WORDS * 4L; off += 4) {
            bar.write32(off, (int) off);
        }
    }
}
