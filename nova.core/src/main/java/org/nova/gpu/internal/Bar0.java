package org.nova.gpu.internal;

import org.nova.bus.pci.Bar;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Register;

/**
 * BAR0 of a GPU, accessed only through nvidia.spec's register declarations (32-bit accesses),
 * plus byte reads of the PROM window for the VBIOS. Valid while the probe's or unbind's guard on
 * the BAR's Devres is held.
 */
final class Bar0 {
    /** BAR0 size nova-core maps (driver.rs BAR0_SIZE). */
    static final long SIZE = 16L << 20;
    /** The resource name nova-core gives the mapping. */
    static final String NAME = "nova-core/bar0";

    private final Bar bar;

    Bar0(Bar bar) {
        this.bar = bar;
    }

    int read(Register r) {
        return bar.read32(r.address());
    }

    int read(Register r, int index) {
        return bar.read32(r.address(index));
    }

    int read(Register r, FalconEngine e) {
        return bar.read32(r.address(e));
    }

    void write(Register r, int value) {
        bar.write32(r.address(), value);
    }

    void write(Register r, int index, int value) {
        bar.write32(r.address(index), value);
    }

    void write(Register r, FalconEngine e, int value) {
        bar.write32(r.address(e), value);
    }

    void write(Register r, FalconEngine e, int index, int value) {
        bar.write32(r.address(e, index), value);
    }

    int read(Register r, FalconEngine e, int index) {
        return bar.read32(r.address(e, index));
    }

    /**
     * @return the 32-bit register at an offset the firmware chose (the CPU sequencer's
     *         operations carry raw addresses; nothing else may use this)
     */
    int readFirmwareDirected(int offset) {
        checkOffset(offset);
        return bar.read32(offset);
    }

    /** Writes the 32-bit register at an offset the firmware chose (CPU sequencer only). */
    void writeFirmwareDirected(int offset, int value) {
        checkOffset(offset);
        bar.write32(offset, value);
    }

    private static void checkOffset(int offset) {
        if (offset < 0 || offset > SIZE - 4 || (offset & 3) != 0) {
            throw new IllegalArgumentException(String.format("register offset 0x%x outside BAR0 or misaligned", offset));
        }
    }

    /** @return the 32-bit word at a BAR0 offset of the PROM window */
    int readProm32(long offset) {
        return bar.read32(offset);
    }
}
