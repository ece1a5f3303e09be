package org.nova.gpu.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;

/**
 * The boot's figures on the simulator, not a test (run by hand; the table and the command are in
 * docs/testing.md, "Boot figures"): for each of the six chips the issue names (TU102, GA100, GA102,
 * AD102 through FWSEC and the booter, GH100 and GB202 through the FSP), RUNS probes of one
 * simulated GPU, each followed by an unbind, on generated firmware, after WARMUP probes the JIT needs; prints the median probe time and each step's median and share of the
 * median total, from the times {@link Gpu#bootTimes} records, and the median unbind (the unload).
 *
 * <pre>java -cp nova.core/target/classes:nova.core/target/test-classes:$(cat cp.txt) org.nova.gpu.internal.BootFigures</pre>
 */
public final class BootFigures {
    /** Probes measured per chip. */
    static final int RUNS = 20;
    /** Probes run first and not counted (class loading, the JIT). */
    static final int WARMUP = 5;

    private BootFigures() {
    }

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("boot-figures");
        for (Chipset chip : List.of(Chipset.TU102, Chipset.GA100, Chipset.GA102, Chipset.AD102, Chipset.GH100,
                Chipset.GB202)) {
            Path fw = GpuFirmwareGenerator.generate(chip, tmp.resolve(chip.name()));
            NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
            SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
            List<Long> totals = new ArrayList<>();
            List<Long> unloads = new ArrayList<>();
            Map<String, List<Long>> steps = new LinkedHashMap<>();
            for (int i = 0; i < WARMUP + RUNS; i++) {
                long t0 = System.nanoTime();
                Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
                long total = System.nanoTime() - t0;
                Map<String, Long> times = g.bootTimes();
                long u0 = System.nanoTime();
                g.unbind();
                long unload = System.nanoTime() - u0;
                dev.releaseAll();
                if (i >= WARMUP) {
                    totals.add(total);
                    unloads.add(unload);
                    times.forEach((k, v) -> steps.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
                }
            }
            long median = median(totals);
            System.out.printf("%s: probe median %.1f ms over %d runs (min %.1f, max %.1f)%n", chip, median / 1e6, RUNS,
                    totals.stream().mapToLong(Long::longValue).min().orElse(0) / 1e6,
                    totals.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6);
            steps.forEach((k, v) -> System.out.printf("  %-28s %8.2f ms %5.1f %%%n", k, median(v) / 1e6,
                    100.0 * median(v) / median));
            System.out.printf("  unbind (the complete unload) median %.1f ms%n", median(unloads) / 1e6);
        }
        System.exit(0); // GSP-RM threads of the simulator are daemons; the loggers may not be
    }

    private static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
