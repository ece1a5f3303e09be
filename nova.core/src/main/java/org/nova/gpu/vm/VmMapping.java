package org.nova.gpu.vm;

/**
 * One mapping of a {@link GpuVm}: VAs [va, va + size) translate to VRAM [pa, pa + size).
 *
 * @param va first VA, 4 KiB aligned
 * @param size bytes, a multiple of 4 KiB
 * @param pa the VRAM address {@code va} translates to
 * @param writable whether the GPU may write through it
 */
public record VmMapping(long va, long size, long pa, boolean writable) {
    /** @return the first VA past the mapping */
    public long end() {
        return va + size;
    }
}
