package org.nova.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;

/**
 * Issue 5's memory figure: maps the real GSP ELF of a chip, parses it and builds its page tables
 * once (as {@link GspParseBench} does), then prints the process's peak resident set
 * (/proc/self/status VmHWM) next to the file's size: a zero-copy parser touches the headers and
 * the tables, not the 38 MB image.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar -Dnova.firmware.dir=DIR org.nova.bench.GspParseRss [chip]}
 */
public final class GspParseRss {
    private GspParseRss() {
    }

    public static void main(String[] args) throws Exception {
        String chip = args.length > 0 ? args[0] : "ga102";
        Path p = Path.of(System.getProperty("nova.firmware.dir")).resolve(
                FirmwareNames.path(Chipset.fromName(chip), FirmwareNames.GSP, FirmwareNames.VERSION_535_113_01));
        long before = hwm();
        long sum;
        try (Arena a = Arena.ofShared(); FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), a);
            GspParseBench b = new GspParseBench();
            b.chip = chip;
            sum = b.parseAndBuild(file);
        }
        long after = hwm();
        System.out.printf("file %s: %d bytes; peak RSS before %d KiB, after parse and page tables %d KiB (+%d KiB)%n",
                p.getFileName(), Files.size(p), before, after, after - before);
        if (sum == 0) {
            System.out.println("(checksum 0)");
        }
    }

    private static long hwm() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
