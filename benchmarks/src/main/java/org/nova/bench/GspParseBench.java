package org.nova.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.Radix3;
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
 * Parsing the real 38 MB GSP ELF (memory-mapped, zero-copy) and building the radix-3 page tables
 * over its .fwimage, as nova.core's probe does (the tables with stand-in DMA addresses; the copy
 * of the image into DMA memory is not measured). The firmware root comes from the system
 * property {@code nova.firmware.dir} ({@code nvidia.spec/fw-fetch.sh | tail -1}); run with
 * {@code ./nova bench GspParseBench -jvmArgs -Dnova.firmware.dir=...}. Goal: at most 50 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GspParseBench {
    /** The chip whose GSP image is parsed. */
    @Param({"ga102"})
    public String chip;

    private Arena arena;
    private MemorySegment file;
    private Path path;

    @Setup(Level.Trial)
    public void map() throws IOException {
        String root = System.getProperty("nova.firmware.dir");
        if (root == null || root.isBlank()) {
            throw new IllegalStateException("set -Dnova.firmware.dir to the unpacked firmware-nvidia-graphics root");
        }
        Path p = path = Path.of(root).resolve(FirmwareNames.path(Chipset.fromName(chip), FirmwareNames.GSP,
                FirmwareNames.VERSION_535_113_01));
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no " + p);
        }
        arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
    }

    @TearDown(Level.Trial)
    public void unmap() {
        arena.close();
    }

    /** Parse the ELF and build the three table levels. */
    @Benchmark
    public long parseAndBuildPageTables() {
        return parseAndBuild(file);
    }

    /** The whole request as the driver makes it: open and map the file, parse, build, unmap. */
    @Benchmark
    public long mapParseAndBuildPageTables() throws IOException {
        try (Arena a = Arena.ofShared(); FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parseAndBuild(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), a));
        }
    }

    long parseAndBuild(MemorySegment file) {
        GspFirmware fw = GspFirmware.parse("gsp", file);
        Radix3.Layout l = Radix3.layout(fw.imageSize());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment level2 = a.allocate(l.level2Pages() * Radix3.PAGE_SIZE, Radix3.PAGE_SIZE);
            MemorySegment level1 = a.allocate(l.level1Pages() * Radix3.PAGE_SIZE, Radix3.PAGE_SIZE);
            MemorySegment level0 = a.allocate(Radix3.PAGE_SIZE, Radix3.PAGE_SIZE);
            long imageBase = 0x1_0000_0000L;
            long level2Base = 0x2_0000_0000L;
            Radix3.writeLevel2(level2, l, i -> imageBase + i * Radix3.PAGE_SIZE);
            Radix3.writeLevel1(level1, l, i -> level2Base + i * Radix3.PAGE_SIZE);
            Radix3.writeLevel0(level0, 0x3_0000_0000L);
            return level2.get(ValueLayout.JAVA_LONG_UNALIGNED, 8) + fw.signatures(Chipset.fromName(chip)).byteSize();
        }
    }
}
