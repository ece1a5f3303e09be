package org.nova.nvidia.mmu;

import org.nova.nvidia.regs.Bar0Window;
import org.nova.nvidia.regs.Bar1Block;
import org.nova.nvidia.regs.Field;
import org.nova.nvidia.regs.Register;

/**
 * Turing, Ampere and Ada: MMU format version 2, the PRAMIN window in {@code NV_PBUS_BAR0_WINDOW}
 * with a target field (nova-core's PRAMIN code uses it on exactly these three), BAR1 bound through
 * the BAR0 copy of the function's BAR1 block (nouveau bar/tu102.c, which ga102 and ad102 reuse).
 */
public final class Tu102MmuHal implements MmuHal {
    /** The one instance. */
    public static final Tu102MmuHal INSTANCE = new Tu102MmuHal();

    private Tu102MmuHal() {
    }

    @Override
    public int mmuVersion() {
        return 2;
    }

    @Override
    public MmuFormat format() {
        return MmuFormat.V2;
    }

    @Override
    public Register windowRegister() {
        return Bar0Window.PBUS_BAR0_WINDOW;
    }

    @Override
    public Field windowBase() {
        return Bar0Window.PBUS_BAR0_WINDOW_BASE;
    }

    @Override
    public int windowValue(long base) {
        return Bar0Window.PBUS_BAR0_WINDOW_TARGET.set(windowBase().of(windowUnits(base, windowBase())),
                Bar0Window.TARGET_VID_MEM);
    }

    @Override
    public Register bar1BlockRegister() {
        return Bar1Block.FUNC_BAR1_BLOCK;
    }

    static long windowUnits(long base, Field field) {
        if (base < 0 || (base & ((1L << Bar0Window.BASE_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException(String.format("PRAMIN window base 0x%x is not 64 KiB aligned", base));
        }
        return base >>> Bar0Window.BASE_SHIFT;
    }
}
