package org.nova.gpu.vm;

/**
 * A VA range [va, va + size) of a {@link GpuVm}, as its sparse reservations are listed.
 *
 * @param va first VA
 * @param size bytes
 */
public record VmRange(long va, long size) {
    /** @return the first VA past the range */
    public long end() {
        return va + size;
    }
}
