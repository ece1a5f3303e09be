package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.nova.hw.Mmio;

/**
 * A simulated GPU's BAR0 as a driver maps it, for code that holds the model without the platform's
 * bus (unit tests, benchmarks): every access goes through the model's register decode
 * ({@link NvidiaGpu#read}, {@link NvidiaGpu#write}), as the platform's mapping does. Range and
 * alignment are the bus's checks on the platform, not made here. Closing it does nothing: the
 * model owns its registers.
 */
public final class Bar0Mmio implements Mmio {
    private final NvidiaGpu gpu;

    /** @param gpu the model whose registers the mapping reaches */
    public Bar0Mmio(NvidiaGpu gpu) {
        this.gpu = gpu;
    }

    @Override
    public int index() {
        return 0;
    }

    @Override
    public long size() {
        return NvidiaGpu.BAR0_SIZE;
    }

    /** @return empty: registers are decoded per access, never memory */
    @Override
    public Optional<MemorySegment> segment() {
        return Optional.empty();
    }

    @Override
    public void close() {
    }

    @Override
    public int read8(long o) {
        return (int) gpu.read(o, Byte.BYTES);
    }

    @Override
    public int read16(long o) {
        return (int) gpu.read(o, Short.BYTES);
    }

    @Override
    public int read32(long o) {
        return (int) gpu.read(o, Integer.BYTES);
    }

    @Override
    public long read64(long o) {
        return gpu.read(o, Long.BYTES);
    }

    @Override
    public void write8(long o, int v) {
        gpu.write(o, Byte.BYTES, v);
    }

    @Override
    public void write16(long o, int v) {
        gpu.write(o, Short.BYTES, v);
    }

    @Override
    public void write32(long o, int v) {
        gpu.write(o, Integer.BYTES, Integer.toUnsignedLong(v));
    }

    @Override
    public void write64(long o, long v) {
        gpu.write(o, Long.BYTES, v);
    }
}
