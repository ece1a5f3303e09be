package org.nova.gpu.internal.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * Hands out ranges of a GPU virtual address space: an interval structure of free ranges (keyed by
 * start, merged with their neighbours on free) and of allocated ones, first fit at the lowest
 * address that satisfies the alignment, as drm_mm's default bottom-up search does. Fixed ranges can
 * be reserved first ({@link #reserve}: the kernel's carve-outs, each in its own VA range) and are
 * then never handed out. Used for BAR1's VA space and, later, per-client spaces.
 *
 * <p>Ownership: an allocated range belongs to the caller until {@link #free}; the allocator keeps
 * only the owner's name for listings. Refused requests change nothing. Thread-safe.
 */
public final class VaAllocator {
    /** One allocated range. @param va its start @param size its bytes @param owner who holds it */
    public record Range(long va, long size, String owner) {
        /** @return the first address after the range */
        public long end() {
            return va + size;
        }
    }

    private final String name;
    private final long start;
    private final long end;
    private final long granule;
    /** Free ranges: start -> end (exclusive). Guarded by this. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    /** Allocated ranges by start. Guarded by this. */
    private final TreeMap<Long, Range> used = new TreeMap<>();

    /**
     * @param name the space, for messages ("0000:00:05.0 BAR1")
     * @param start the first VA handed out
     * @param end the first VA past the space
     * @param granule the smallest unit (a power of two, e.g. 4 KiB): sizes and alignments are
     *     multiples of it
     * @throws IllegalArgumentException for an empty or misaligned space
     */
    public VaAllocator(String name, long start, long end, long granule) {
        if (granule <= 0 || Long.bitCount(granule) != 1 || start < 0 || end <= start
                || start % granule != 0 || end % granule != 0) {
            throw new IllegalArgumentException(String.format("%s: bad VA space [0x%x, 0x%x) granule 0x%x", name,
                    start, end, granule));
        }
        this.name = name;
        this.start = start;
        this.end = end;
        this.granule = granule;
        free.put(start, end);
    }

    /**
     * Allocates {@code size} bytes at the lowest address aligned to {@code align}.
     *
     * @param size bytes, a positive multiple of the granule
     * @param align a power of two, at least the granule
     * @param owner who holds the range, not null
     * @return the range's first VA
     * @throws DriverException EINVAL for a bad size, alignment or owner; ENOSPC when no free range
     *     fits
     */
    public synchronized long allocate(long size, long align, String owner) {
        checkSize(size);
        if (align < granule || Long.bitCount(align) != 1 || owner == null) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: alignment 0x%x is not a power of two of at least 0x%x (or no owner)", name, align, granule));
        }
        for (Map.Entry<Long, Long> f : free.entrySet()) {
            long va = (f.getKey() + align - 1) & -align;
            if (va >= f.getKey() && va <= f.getValue() - size) {
                take(f.getKey(), f.getValue(), va, size, owner);
                return va;
            }
        }
        throw new DriverException(Errno.ENOSPC, String.format(
                "%s: no free VA range of 0x%x bytes aligned to 0x%x (0x%x bytes free)", name, size, align, freeBytes()));
    }

    /**
     * Reserves [va, va + size) exactly: a carve-out that is never handed out until freed.
     *
     * @throws DriverException EINVAL for a misaligned range or one outside the space; EEXIST if
     *     part of it is allocated or reserved
     */
    public synchronized void reserve(long va, long size, String owner) {
        checkSize(size);
        if (va % granule != 0 || va < start || va > end - size || owner == null) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: reservation [0x%x, +0x%x) is misaligned or outside [0x%x, 0x%x)", name, va, size, start, end));
        }
        Map.Entry<Long, Long> f = free.floorEntry(va);
        if (f == null || f.getValue() < va + size) {
            throw new DriverException(Errno.EEXIST, String.format(
                    "%s: [0x%x, +0x%x) overlaps an allocated range", name, va, size));
        }
        take(f.getKey(), f.getValue(), va, size, owner);
    }

    /**
     * Frees the range starting at {@code va}.
     *
     * @return its size
     * @throws DriverException EINVAL if no range starts there
     */
    public synchronized long free(long va) {
        Range r = used.remove(va);
        if (r == null) {
            throw new DriverException(Errno.EINVAL, String.format("%s: no VA range allocated at 0x%x", name, va));
        }
        long s = r.va();
        long e = r.end();
        Map.Entry<Long, Long> before = free.floorEntry(s);
        if (before != null && before.getValue() == s) {
            s = before.getKey();
            free.remove(before.getKey());
        }
        Long after = free.get(e);
        if (after != null) {
            free.remove(e);
            e = after;
        }
        free.put(s, e);
        return r.size();
    }

    /** @return the allocated and reserved ranges, lowest first */
    public synchronized List<Range> ranges() {
        return new ArrayList<>(used.values());
    }

    /** @return the range containing {@code va}, or null */
    public synchronized Range find(long va) {
        Map.Entry<Long, Range> e = used.floorEntry(va);
        return e != null && va < e.getValue().end() ? e.getValue() : null;
    }

    /** @return free bytes */
    public synchronized long freeBytes() {
        long n = 0;
        for (Map.Entry<Long, Long> f : free.entrySet()) {
            n += f.getValue() - f.getKey();
        }
        return n;
    }

    /** @return the number of free intervals (1 when nothing is allocated: frees merge) */
    public synchronized int freeIntervals() {
        return free.size();
    }

    private void take(long fs, long fe, long va, long size, String owner) {
        free.remove(fs);
        if (fs < va) {
            free.put(fs, va);
        }
        if (va + size < fe) {
            free.put(va + size, fe);
        }
        used.put(va, new Range(va, size, owner));
    }

    private void checkSize(long size) {
        if (size <= 0 || size % granule != 0 || size > end - start) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: size 0x%x is not a positive multiple of 0x%x within the space", name, size, granule));
        }
    }
}
