package org.nova.gpu.internal.fifo;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.VmRange;

/**
 * The VAs channels took in each space's kernel range (the range nova-drm keeps free of its own
 * mappings, {@link org.nova.gpu.channel.GpuChannels#open}): a first-fit allocator per space over
 * the ranges in use, so that channels of one space never overlap. Guarded by its own monitor.
 */
final class KernelVas {
    private final Map<GpuVm, TreeMap<Long, Long>> used = new HashMap<>();

    /**
     * @return the lowest {@code align}-aligned VA in {@code range} where {@code size} bytes are free
     *     in {@code vm}, now taken; -1 if none
     */
    synchronized long take(GpuVm vm, VmRange range, long size, long align) {
        TreeMap<Long, Long> u = used.computeIfAbsent(vm, k -> new TreeMap<>());
        long va = (range.va() + align - 1) & -align;
        for (Map.Entry<Long, Long> e : u.entrySet()) {
            long start = e.getKey();
            long end = start + e.getValue();
            if (end <= va) {
                continue;
            }
            if (va + size <= start) {
                break;
            }
            va = (end + align - 1) & -align;
        }
        if (va < range.va() || va + size > range.end() || va + size < va) {
            if (u.isEmpty()) {
                used.remove(vm);
            }
            return -1;
        }
        u.put(va, size);
        return va;
    }

    /** Gives {@code va} of {@code vm} back. */
    synchronized void give(GpuVm vm, long va) {
        TreeMap<Long, Long> u = used.get(vm);
        if (u != null) {
            u.remove(va);
            if (u.isEmpty()) {
                used.remove(vm);
            }
        }
    }

    /** @return the ranges taken in {@code vm} (tests, the command) */
    synchronized int taken(GpuVm vm) {
        TreeMap<Long, Long> u = used.get(vm);
        return u == null ? 0 : u.size();
    }
}
