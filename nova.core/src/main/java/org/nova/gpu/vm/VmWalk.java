package org.nova.gpu.vm;

import java.util.List;

/**
 * How a VA of a {@link GpuVm} translates, read from the page tables in VRAM (not from the
 * space's bookkeeping): each level's table, index, entry and meaning, root first.
 *
 * @param va the virtual address
 * @param steps one line per level read ("PD3 table 0x... [  0] = 0x...  -&gt; 0x...")
 * @param pa the address (VRAM offset, or DMA address for system memory), or -1 when the walk
 *     stopped at an invalid or sparse entry
 * @param pageShift the page size mapping {@code va} (12, 16 or 21), or 0
 * @param writable whether the PTE allows writes (false when unmapped)
 * @param fault why the walk stopped, or null when mapped or sparse
 * @param aperture where the page lives, or null when not mapped
 * @param sparse whether the VA lies in a sparse entry (GPU reads return zero, writes are dropped)
 */
public record VmWalk(long va, List<String> steps, long pa, int pageShift, boolean writable, String fault,
        VmAperture aperture, boolean sparse) {
    public VmWalk {
        steps = List.copyOf(steps);
    }

    /** A walk of VRAM mappings (version 1.0 of this package). */
    public VmWalk(long va, List<String> steps, long pa, int pageShift, boolean writable, String fault) {
        this(va, steps, pa, pageShift, writable, fault, pa >= 0 ? VmAperture.VIDEO_MEMORY : null, false);
    }

    /** @return whether {@code va} is mapped */
    public boolean mapped() {
        return pa >= 0;
    }
}
