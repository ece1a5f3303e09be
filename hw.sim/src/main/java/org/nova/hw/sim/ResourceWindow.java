package org.nova.hw.sim;

import java.util.Map;
import java.util.TreeMap;

/**
 * One address window of the bridge and the ranges handed out of it, as kernel/resource.c keeps a
 * parent resource and its children: {@code allocate_resource} finds the lowest free range of the
 * size at the alignment asked for ({@code find_resource}, first fit), {@code release_resource}
 * gives a range back so that a later request can reuse it.
 *
 * <p>Not thread-safe: its owner ({@link Firmware}) serialises every call.
 */
final class ResourceWindow {
    private final String name;
    private final long base;
    private final long limit;
    /** The ranges handed out: start to end (exclusive), in address order. */
    private final TreeMap<Long, Long> busy = new TreeMap<>();

    /**
     * @param name  the window's name, for messages (e.g. "32-bit memory")
     * @param base  the first address of the window
     * @param limit the end of the window (exclusive)
     */
    ResourceWindow(String name, long base, long limit) {
        this.name = name;
        this.base = base;
        this.limit = limit;
    }

    /** @return the window's name */
    String name() {
        return name;
    }

    /** @return the first address of the window */
    long base() {
        return base;
    }

    /** @return the end of the window (exclusive) */
    long limit() {
        return limit;
    }

    /**
     * allocate_resource: the lowest free range of length bytes whose start is a multiple of align.
     *
     * @param align  a power of two
     * @param length bytes, at least 1
     * @return the start of the range, now busy; -1 when no free range fits (nothing changed)
     */
    long allocate(long align, long length) {
        long candidate = alignUp(base, align);
        for (Map.Entry<Long, Long> used : busy.entrySet()) {
            if (candidate < 0) {
                return -1;
            }
            if (fits(candidate, length, used.getKey())) {
                return take(candidate, length);
            }
            candidate = Math.max(candidate, alignUp(used.getValue(), align));
        }
        return candidate >= 0 && fits(candidate, length, limit) ? take(candidate, length) : -1;
    }

    /**
     * release_resource: the range starting at start is free again.
     *
     * @throws IllegalStateException if no range starts there (a double release)
     */
    void release(long start) {
        if (busy.remove(start) == null) {
            throw new IllegalStateException("the " + name + " window has no range at 0x" + Long.toHexString(start));
        }
    }

    /** @return the bytes handed out now */
    long used() {
        return busy.entrySet().stream().mapToLong(e -> e.getValue() - e.getKey()).sum();
    }

    /** @return the number of ranges handed out now */
    int ranges() {
        return busy.size();
    }

    private static boolean fits(long start, long length, long end) {
        return start + length > start && start + length <= end;
    }

    private long take(long start, long length) {
        busy.put(start, start + length);
        return start;
    }

    /** @return value rounded up to a multiple of align (a power of two); negative on overflow */
    private static long alignUp(long value, long align) {
        long up = (value + align - 1) & -align;
        return up < value ? -1 : up;
    }
}
