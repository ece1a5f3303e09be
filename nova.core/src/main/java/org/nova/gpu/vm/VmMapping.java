package org.nova.gpu.vm;

/**
 * One mapping of a {@link GpuVm}: VAs [va, va + size) translate to [pa, pa + size) of the
 * aperture's memory (VRAM offsets, or DMA addresses of system memory).
 *
 * @param va first VA, 4 KiB aligned
 * @param size bytes, a multiple of 4 KiB
 * @param pa the address {@code va} translates to (a VRAM offset or a DMA address)
 * @param writable whether the GPU may write through it
 * @param aperture where the pages live
 */
public record VmMapping(long va, long size, long pa, boolean writable, VmAperture aperture) {
    public VmMapping {
        if (aperture == null) {
            throw new IllegalArgumentException("VmMapping needs an aperture");
        }
    }

    /** A mapping of VRAM (version 1.0 of this package). */
    public VmMapping(long va, long size, long pa, boolean writable) {
        this(va, size, pa, writable, VmAperture.VIDEO_MEMORY);
    }

    /** @return the first VA past the mapping */
    public long end() {
        return va + size;
    }
}
