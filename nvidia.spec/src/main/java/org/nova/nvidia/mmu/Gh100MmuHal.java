package org.nova.nvidia.mmu;

import org.nova.nvidia.regs.Bar0Window;
import org.nova.nvidia.regs.Bar1Block;
import org.nova.nvidia.regs.Field;
import org.nova.nvidia.regs.Register;

/**
 * Hopper and Blackwell: MMU format version 3, the PRAMIN window in {@code NV_XAL_EP_BAR0_WINDOW}
 * (VRAM only, no target field; nouveau instmem gh100 hook, nova-core mm/hal/gh100). BAR1 is bound
 * through the same BAR0 copy of the function's BAR1 block as on Turing to Ada: GSP-RM binds it on
 * these chips too, and the driver only checks the binding (nouveau r535_bar_bar1_init).
 */
public final class Gh100MmuHal implements MmuHal {
    /** The one instance. */
    public static final Gh100MmuHal INSTANCE = new Gh100MmuHal();

    private Gh100MmuHal() {
    }

    @Override
    public int mmuVersion() {
        return 3;
    }

    @Override
    public MmuFormat format() {
        return MmuFormat.V3;
    }

    @Override
    public Register windowRegister() {
        return Bar0Window.XAL_EP_BAR0_WINDOW;
    }

    @Override
    public Field windowBase() {
        return Bar0Window.XAL_EP_BAR0_WINDOW_BASE;
    }

    @Override
    public int windowValue(long base) {
        return windowBase().of(Tu102MmuHal.windowUnits(base, windowBase()));
    }

    @Override
    public Register bar1BlockRegister() {
        // GH100's NV_VIRTUAL_FUNCTION_PRIV_FUNC_BAR1_BLOCK_LOW_ADDR has another layout, not declared yet
        return Bar1Block.FUNC_BAR1_BLOCK;
    }
}
