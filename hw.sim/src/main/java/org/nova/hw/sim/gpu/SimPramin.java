package org.nova.hw.sim.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.regs.Bar0Window;
import org.nova.nvidia.regs.Register;

/**
 * The PRAMIN window (turing/tu102/dev_ram.h {@code NV_PRAMIN}, BAR0 0x700000..0x7fffff): 1 MiB of
 * BAR0 showing memory from the base the window register holds ({@link MmuHal#windowRegister()}:
 * {@code NV_PBUS_BAR0_WINDOW} on Turing to Ada, {@code NV_XAL_EP_BAR0_WINDOW} on Hopper+), as
 * nouveau's instmem/nv50.c and nova-core's PRAMIN code use it. A VID_MEM target shows VRAM; a
 * SYS_MEM target reaches host memory by DMA, as the hardware does. Accesses past the end of VRAM
 * read all ones and are dropped, the simulator's choice (the hardware's answer is not public),
 * and logged. Accesses are 32-bit registers to BAR0 ({@link SimBar0}: an 8-byte access is two,
 * narrower writes are dropped).
 *
 * <p>Called with the function's lock held; owns the window register's value.
 */
final class SimPramin implements Bar0Unit {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final NvidiaGpu gpu;
    private final SimVram vram;
    private final MmuHal hal;
    private final Register window;
    private int value;

    SimPramin(NvidiaGpu gpu, SimVram vram, MmuHal hal) {
        this.gpu = gpu;
        this.vram = vram;
        this.hal = hal;
        this.window = hal.windowRegister();
    }

    /** Power-on: the window shows VRAM from 0 (the register's reset value BASE_0, VID_MEM). */
    void powerOn() {
        value = 0;
    }

    /** @return the memory address the window's first byte shows */
    long base() {
        return Integer.toUnsignedLong(hal.windowBase().get(value)) << Bar0Window.BASE_SHIFT;
    }

    private boolean systemMemory() {
        return window == Bar0Window.PBUS_BAR0_WINDOW
                && Bar0Window.PBUS_BAR0_WINDOW_TARGET.get(value) != Bar0Window.TARGET_VID_MEM;
    }

    @Override
    public boolean decodes(int off) {
        return off == window.address() || Bar0Window.inWindow(off);
    }

    @Override
    public int read(int off) {
        if (off == window.address()) {
            return value;
        }
        long at = base() + (off - Bar0Window.PRAMIN_BASE);
        if (systemMemory()) {
            MemorySegment word = Arena.ofAuto().allocate(Integer.BYTES);
            if (!gpu.host().dmaRead(at, word)) {
                gpu.log("PRAMIN read of system memory 0x{} failed (DMA refused)", Long.toHexString(at));
                return -1;
            }
            return word.get(LE32, 0);
        }
        if (at + Integer.BYTES > vram.size()) {
            gpu.log("PRAMIN read at VRAM 0x{} beyond the {} bytes of VRAM", Long.toHexString(at), vram.size());
            return -1;
        }
        return (int) vram.read(at, Integer.BYTES);
    }

    @Override
    public void write(int off, int v) {
        if (off == window.address()) {
            value = v;
            return;
        }
        long at = base() + (off - Bar0Window.PRAMIN_BASE);
        if (systemMemory()) {
            MemorySegment word = Arena.ofAuto().allocate(Integer.BYTES);
            word.set(LE32, 0, v);
            if (!gpu.host().dmaWrite(at, word)) {
                gpu.log("PRAMIN write of system memory 0x{} failed (DMA refused)", Long.toHexString(at));
            }
            return;
        }
        if (at + Integer.BYTES > vram.size()) {
            gpu.log("PRAMIN write at VRAM 0x{} beyond the {} bytes of VRAM dropped", Long.toHexString(at), vram.size());
            return;
        }
        vram.write(at, Integer.BYTES, v);
    }
}
