package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pmc;
import org.nova.nvidia.vbios.Vbios;

/** BAR0's decode: one unit per register, register-wide accesses, the PROM window. */
class SimBar0Test {
    @TempDir
    Path tmp;

    private NvidiaGpu gpu() {
        return new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(tmp)));
    }

    @Test
    void twoUnitsDecodingOneRegisterAreRefused() {
        NvidiaGpu g = gpu();
        SimVbios vbios = new SimVbios(Chipset.GA102, g.deviceId(), g.classCode());
        SimIntr intr = new SimIntr(g::host);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new SimBar0(g, vbios, intr,
                List.of(new SimPmc(Chipset.GA102), new SimGfw(false), new SimPmc(Chipset.GA102))));
        assertTrue(e.getMessage().contains(Pmc.BOOT_0.name()), e.getMessage());
    }

    @Test
    void narrowReadsTakeBytesOfTheirRegister() {
        NvidiaGpu g = gpu();
        int boot42 = (int) g.read(Pmc.BOOT_42.address(), Integer.BYTES);
        assertEquals(boot42 >>> Byte.SIZE & 0xff, g.read(Pmc.BOOT_42.address() + 1, Byte.BYTES));
        assertEquals(boot42 >>> Short.SIZE & 0xffff, g.read(Pmc.BOOT_42.address() + 2, Short.BYTES));
    }

    @Test
    void undecodedRegistersHoldWhatWasWrittenUntilReset() {
        NvidiaGpu g = gpu();
        int scratch1 = Pbus.SW_SCRATCH.address(1);
        int scratch2 = Pbus.SW_SCRATCH.address(2);
        g.write(scratch1, Integer.BYTES, 0x1234_5678);
        assertEquals(0x1234_5678, g.read(scratch1, Integer.BYTES));
        g.write(scratch1, Short.BYTES, 0xffff);
        assertEquals(0x1234_5678, g.read(scratch1, Integer.BYTES), "a 16-bit write is dropped");
        g.write(scratch1, Long.BYTES, 0xaaaa_bbbb_cccc_ddddL);
        assertEquals(0xcccc_ddddL, g.read(scratch1, Integer.BYTES), "an 8-byte write is two register writes");
        assertEquals(0xaaaa_bbbbL, g.read(scratch2, Integer.BYTES));
        assertEquals(0xaaaa_bbbb_cccc_ddddL, g.read(scratch1, Long.BYTES), "and so is an 8-byte read");
        g.reset();
        assertEquals(0, g.read(scratch1, Long.BYTES));
    }

    @Test
    void thePromWindowShowsTheRomAndIgnoresWrites() {
        NvidiaGpu g = gpu();
        byte[] rom = g.rom();
        long first = g.read(Vbios.ROM_OFFSET, Integer.BYTES);
        g.write(Vbios.ROM_OFFSET, Integer.BYTES, ~first);
        assertEquals(first, g.read(Vbios.ROM_OFFSET, Integer.BYTES));
        assertEquals(rom[1] & 0xff, g.read(Vbios.ROM_OFFSET + 1, Byte.BYTES));
        assertEquals(0, g.read(Vbios.ROM_OFFSET + SimVbios.PROM_SIZE - Long.BYTES, Long.BYTES), "zero past the image");
    }
}
