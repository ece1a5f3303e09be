package org.nova.bench;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.nova.gpu.vram.BuddyAllocator;
import org.nova.gpu.vram.VramBlock;
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
 * Issue 7: the VRAM buddy allocator ({@link BuddyAllocator}) against a simple first-fit allocator
 * written here (an address-ordered free list in a TreeMap, scanned from the start, coalescing on
 * free). The same workload drives both: 1 GiB of VRAM, a working set of {@link #live} blocks in a
 * ring; each operation frees the oldest block and allocates a new one of a size drawn from a fixed
 * seed (4 KiB .. 2 MiB, skewed to small sizes, as GEM objects are). Throughput in ops/µs; one op is
 * one free + one allocate.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BuddyBench {
    static final long VRAM = 1L << 30;
    static final int OPS = 4096;

    /** Blocks kept allocated: the allocator's occupancy and free-list length. */
    @Param({"64", "1024"})
    public int live;

    private long[] sizes;
    private BuddyAllocator buddy;
    private VramBlock[] buddyRing;
    private FirstFit firstFit;
    private long[] ffRing;
    private long[] ffSizes;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(7);
        sizes = new long[OPS * 16];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = 4096 + (long) (Math.pow(r.nextDouble(), 4) * (2 << 20));
        }
        buddy = new BuddyAllocator("bench", VRAM);
        buddyRing = new VramBlock[live];
        firstFit = new FirstFit(VRAM);
        ffRing = new long[live];
        ffSizes = new long[live];
        for (int i = 0; i < live; i++) {
            buddyRing[i] = buddy.allocate(sizes[i], null);
            ffSizes[i] = FirstFit.round(sizes[i]);
            ffRing[i] = firstFit.allocate(ffSizes[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long buddy() {
        long sum = 0;
        for (int i = 0; i < OPS; i++) {
            int slot = (next + i) % live;
            buddy.free(buddyRing[slot]);
            VramBlock b = buddy.allocate(sizes[(next + i) % sizes.length], null);
            buddyRing[slot] = b;
            sum += b.offset();
        }
        next += OPS;
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long firstFit() {
        long sum = 0;
        for (int i = 0; i < OPS; i++) {
            int slot = (next + i) % live;
            firstFit.free(ffRing[slot], ffSizes[slot]);
            long size = FirstFit.round(sizes[(next + i) % sizes.length]);
            long at = firstFit.allocate(size);
            ffRing[slot] = at;
            ffSizes[slot] = size;
            sum += at;
        }
        next += OPS;
        return sum;
    }

    /** The reference: first fit over an address-ordered free list, coalescing neighbours on free. */
    static final class FirstFit {
        private final TreeMap<Long, Long> free = new TreeMap<>();

        FirstFit(long size) {
            free.put(0L, size);
        }

        static long round(long size) {
            return (size + 4095) & -4096L;
        }

        synchronized long allocate(long size) {
            for (Map.Entry<Long, Long> e : free.entrySet()) {
                if (e.getValue() >= size) {
                    long at = e.getKey();
                    long rest = e.getValue() - size;
                    free.remove(at);
                    if (rest > 0) {
                        free.put(at + size, rest);
                    }
                    return at;
                }
            }
            throw new IllegalStateException("first fit: no room for " + size);
        }

        synchronized void free(long at, long size) {
            Map.Entry<Long, Long> prev = free.floorEntry(at);
            Long nextSize = free.get(at + size);
            if (nextSize != null) {
                free.remove(at + size);
                size += nextSize;
            }
            if (prev != null && prev.getKey() + prev.getValue() == at) {
                free.put(prev.getKey(), prev.getValue() + size);
            } else {
                free.put(at, size);
            }
        }
    }
}
