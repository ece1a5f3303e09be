package org.nova.hw.sim.gpu;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Register;
import org.nova.nvidia.regs.RegisterMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BAR0, the GPU's register space (nova-core driver.rs Bar0): decodes each access to the unit
 * whose registers it names ({@link Bar0Unit}: PMC, GFW's PGC6 scratch, the framebuffer registers,
 * FUSE, the GSP boot registers, the two falcons), or to the PROM window onto the VBIOS. Registers
 * no unit decodes hold what was last written (zero at power-on), like registers whose function
 * the simulator does not model.
 *
 * <p>Access widths: registers are 32 bits wide; an 8-byte access is two register accesses, a
 * narrower read returns part of a register, and a narrower write is dropped. The PROM window reads
 * at any width and ignores writes.
 *
 * <p>Called with the function's lock held; owns the storage of the registers no unit decodes.
 */
final class SimBar0 {
    private static final Logger LOG = LoggerFactory.getLogger(SimBar0.class);
    /** Bits per byte, to place a narrow read in its register. */
    private static final int BYTE_BITS = 8;
    /** Bits of a register, to split 8-byte accesses. */
    private static final int REGISTER_BITS = 32;
    /** Low bits of an offset within its register. */
    private static final long IN_REGISTER = Integer.BYTES - 1;

    private final NvidiaGpu gpu;
    private final SimVbios vbios;
    private final SimIntr intr;
    private final List<Bar0Unit> units;
    /** Registers no unit decodes: what the host last wrote. */
    private final Map<Integer, Integer> plain = new HashMap<>();

    /**
     * @param gpu the GPU, for messages and the CPU sequencer's scratch register
     * @param vbios the ROM behind the PROM window
     * @param intr watches writes that acknowledge the GPU's interrupt
     * @param units the units decoding registers
     * @throws IllegalStateException if two units decode the same register NVIDIA declares
     */
    SimBar0(NvidiaGpu gpu, SimVbios vbios, SimIntr intr, List<Bar0Unit> units) {
        this.gpu = gpu;
        this.vbios = vbios;
        this.intr = intr;
        this.units = List.copyOf(units);
        for (Register r : RegisterMap.all()) {
            for (int i = 0; i < r.count(); i++) {
                switch (r.space()) {
                    case BAR0 -> checkOneUnit(r, i, r.address(i));
                    case PFALCON, PFALCON2 -> {
                        for (FalconEngine e : FalconEngine.values()) {
                            checkOneUnit(r, i, r.address(e, i));
                        }
                    }
                    case VF_BAR0 -> {
                        // a virtual function's register, not in the GPU's BAR0
                    }
                }
            }
        }
    }

    private void checkOneUnit(Register r, int index, int off) {
        List<Bar0Unit> decoding = units.stream().filter(u -> u.decodes(off)).toList();
        if (decoding.size() > 1) {
            throw new IllegalStateException(r.name() + "[" + index + "] at 0x" + Integer.toHexString(off)
                    + " is decoded by " + decoding.stream().map(u -> u.getClass().getSimpleName()).toList());
        }
    }

    /** Power-on or reset: the undecoded registers read zero again. */
    void powerOn() {
        plain.clear();
    }

    /**
     * A BAR0 read.
     *
     * @param offset offset, naturally aligned
     * @param size 1, 2, 4 or 8
     */
    long read(long offset, int size) {
        if (SimVbios.inPromWindow(offset)) {
            return vbios.readProm(offset, size);
        }
        if (size == Long.BYTES) {
            return Integer.toUnsignedLong(read32((int) offset)) | (long) read32((int) offset + Integer.BYTES) << REGISTER_BITS;
        }
        int word = read32((int) (offset & ~IN_REGISTER));
        int shift = (int) (offset & IN_REGISTER) * BYTE_BITS;
        long mask = (1L << (size * BYTE_BITS)) - 1;
        return (Integer.toUnsignedLong(word) >>> shift) & mask;
    }

    /**
     * A BAR0 write (registers take 32-bit writes; other widths are dropped).
     *
     * @param offset offset, naturally aligned
     * @param size 1, 2, 4 or 8
     * @param value the value
     */
    void write(long offset, int size, long value) {
        if (SimVbios.inPromWindow(offset)) {
            return; // the PROM is read-only
        }
        if (size == Long.BYTES) {
            write32((int) offset, (int) value);
            write32((int) offset + Integer.BYTES, (int) (value >>> REGISTER_BITS));
            return;
        }
        if (size != Integer.BYTES) {
            gpu.log("{}-byte write at 0x{} dropped: registers take 32-bit writes", size, Long.toHexString(offset));
            return;
        }
        write32((int) offset, (int) value);
    }

    private Bar0Unit unit(int off) {
        for (Bar0Unit u : units) {
            if (u.decodes(off)) {
                return u;
            }
        }
        return null;
    }

    private int read32(int off) {
        Bar0Unit u = unit(off);
        return u != null ? u.read(off) : plain.getOrDefault(off, 0);
    }

    private void write32(int off, int v) {
        intr.registerWritten(off, v);
        Bar0Unit u = unit(off);
        if (u != null) {
            u.write(off, v);
            return;
        }
        if (off == SimGsp.SEQUENCER_SCRATCH) {
            gpu.sequencerScratchWritten(v);
        }
        if (RegisterMap.lookup(off).isEmpty() && !plain.containsKey(off)) {
            LOG.debug("sim {}: write 0x{} to unmodelled register 0x{}", gpu.options().chipset(), Integer.toHexString(v),
                    Integer.toHexString(off));
        }
        plain.put(off, v);
    }
}
