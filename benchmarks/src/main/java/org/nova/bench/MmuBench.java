package org.nova.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.hw.sim.gpu.SimGpuMmu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;
import org.nova.nvidia.regs.Bar1Block;
import org.nova.nvidia.regs.MmuInvalidate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 19: the simulated GPU MMU's cost. Page tables for {@link #pages} 4 KiB pages of BAR1 are
 * written straight into the simulated VRAM at set-up (version 2 format, from nvidia.spec's
 * declarations, outside the timed region), and a GPU with BAR1 bound to them is compared with
 * one whose BAR1 is linear. One operation:
 * <ul>
 *   <li>{@code walk}: a translation that misses the TLB (the TLB is invalidated once per
 *       {@link #OPS} translations of distinct pages, through the register sequence), against
 *       {@code hashMap}: a {@code HashMap<Long, Long>} lookup of the same page;</li>
 *   <li>{@code tlbHit}: a translation the TLB holds;</li>
 *   <li>{@code bar1Translated}: a 4-byte CPU read through BAR1 bound to the tables, against
 *       {@code bar1Linear}: the same read through the linear BAR1 used before a bind (both the
 *       register-level path, each access translated by the simulator);</li>
 *   <li>{@code bar1MappedTranslated}: the same read through the CPU's mapping of BAR1 (what a
 *       GEM mmap hands out; the simulator lays the translation out in host page tables at each
 *       invalidate), against {@code bar1MappedLinear}: through the mapping of a linear BAR1.</li>
 * </ul>
 * Average time per operation; report the ratios of one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MmuBench {
    /** Translations per invocation (each a distinct page). */
    static final int OPS = 1024;
    private static final long K4 = 1L << MmuV2.PAGE_SHIFT_4K;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long INST = 0x10_0000;
    private static final long DIRS = 0x20_0000;
    private static final long PAGES = 0x400_0000;

    /** 4 KiB pages mapped (BAR1 VA 0 up), one small page table per 2 MiB. */
    @Param({"4096", "32768"})
    public int pages;

    private NvidiaGpu bound;
    private NvidiaGpu linear;
    private NvidiaGpu mapped;
    private SimGpuMmu mmu;
    private MemorySegment boundView;
    private MemorySegment linearView;
    private Map<Long, Long> reference;
    private long[] vas;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Path fw;
        try {
            fw = Files.createTempDirectory("mmu-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bound = withTables(fw);
        // the CPU-mapping reads on a GPU of their own: a GPU whose BAR1 mapping was handed out
        // relays it out at every invalidate, which walk() must not time
        mapped = withTables(fw);
        linear = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw)));
        mmu = bound.mmu();
        boundView = mapped.bar1Memory();
        linearView = linear.bar1Memory();
        Random r = new Random(19);
        vas = new long[OPS];
        for (int i = 0; i < OPS; i++) {
            // distinct pages, so every translation after an invalidate is a walk
            vas[i] = ((long) ((i * 2654435761L) % pages) * K4) + (r.nextInt((int) K4 / 8) * 8);
        }
        for (long va : vas) {
            if (mmu.translate(INST, va, false) != reference.get(va >>> MmuV2.PAGE_SHIFT_4K) + (va & (K4 - 1))) {
                throw new IllegalStateException("the tables do not translate 0x" + Long.toHexString(va));
            }
        }
    }

    /** @return a GPU with BAR1 bound to {@link #pages} scattered 4 KiB pages (fills {@link #reference}) */
    private NvidiaGpu withTables(Path fw) {
        NvidiaGpu bound = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw)));
        reference = new HashMap<>();
        long pd3 = DIRS;
        long pd2 = DIRS + K4;
        long pd1 = DIRS + 2 * K4;
        long pd0 = DIRS + 3 * K4;
        bound.vramWrite(INST + Ramin.PAGE_DIR_BASE_OFFSET, 8, Ramin.pageDirBaseV2(pd3));
        bound.vramWrite(INST + Ramin.ADR_LIMIT_OFFSET, 8, Ramin.adrLimit(NvidiaGpu.BAR1_SIZE - 1));
        bound.vramWrite(pd3, 8, MmuV2.vramPde(pd2));
        bound.vramWrite(pd2, 8, MmuV2.vramPde(pd1));
        bound.vramWrite(pd1, 8, MmuV2.vramPde(pd0));
        int perTable = MmuV2.SPT.entries();
        for (int t = 0; t * perTable < pages; t++) {
            long spt = DIRS + (4 + t) * K4;
            bound.vramWrite(pd0 + (long) t * MmuV2.PD0.entrySize() + 8, 8, MmuV2.dualSmallVram(spt));
            for (int j = 0; j < perTable && t * perTable + j < pages; j++) {
                long va = ((long) t * perTable + j) * K4;
                // scatter the pages: page i at PAGES + a permutation of i
                long pa = PAGES + ((va * 7919) % ((long) pages * K4) & ~(K4 - 1));
                bound.vramWrite(spt + (long) j * 8, 8, MmuV2.vramPte(pa, false, false));
                reference.put(va >>> MmuV2.PAGE_SHIFT_4K, pa);
            }
        }
        int v = Bar1Block.FUNC_BAR1_BLOCK_MODE.set(Bar1Block.FUNC_BAR1_BLOCK_PTR.of(INST >>> Bar1Block.PTR_SHIFT),
                Bar1Block.MODE_VIRTUAL);
        bound.write(Bar1Block.FUNC_BAR1_BLOCK.address(), 4, Integer.toUnsignedLong(v));
        return bound;
    }

    private void invalidateAll(NvidiaGpu gpu) {
        int cmd = MmuInvalidate.INVALIDATE_TRIGGER.of(1) | MmuInvalidate.INVALIDATE_ALL_VA.of(1)
                | MmuInvalidate.INVALIDATE_ALL_PDB.of(1);
        gpu.write(MmuInvalidate.INVALIDATE.address(), 4, Integer.toUnsignedLong(cmd));
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long walk() {
        invalidateAll(bound);
        long sum = 0;
        for (long va : vas) {
            sum += mmu.translate(INST, va, false);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long hashMap() {
        long sum = 0;
        for (long va : vas) {
            sum += reference.get(va >>> MmuV2.PAGE_SHIFT_4K) + (va & (K4 - 1));
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long tlbHit() {
        long sum = 0;
        for (long va : vas) {
            sum += mmu.translate(INST, va, false);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long bar1Translated() {
        long sum = 0;
        for (long va : vas) {
            sum += mmu.bar1Read(va & ~3L, 4);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long bar1MappedTranslated() {
        long sum = 0;
        for (long va : vas) {
            sum += boundView.get(LE32, va & ~3L);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long bar1MappedLinear() {
        long sum = 0;
        for (long va : vas) {
            sum += linearView.get(LE32, va & ~3L);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long bar1Linear() {
        long sum = 0;
        SimGpuMmu l = linear.mmu();
        for (long va : vas) {
            sum += l.bar1Read(va & ~3L, 4);
        }
        return sum;
    }
}
