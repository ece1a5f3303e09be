package org.nova.nvidia.regs;

/**
 * The PRAMIN window: BAR0's 1 MiB aperture {@code NV_PRAMIN} (0x700000..0x7fffff) onto VRAM (or
 * system memory), placed by the BAR0 window register at a 64 KiB-aligned base. The driver's
 * bootstrap path to VRAM before BAR1 has page tables (nouveau instmem/nv50.c, nova-core mm/pramin).
 * Sources: open-gpu-kernel-modules maxwell/gm107/dev_bus.h ({@code NV_PBUS_BAR0_WINDOW}, the
 * register Turing, Ampere and Ada keep at the same offset), turing/tu102/dev_ram.h
 * ({@code NV_PRAMIN}), hopper/gh100/pri_nv_xal_ep.h ({@code NV_XAL_EP_BAR0_WINDOW}, its Hopper+
 * replacement). Which one a chip uses is its {@link org.nova.nvidia.mmu.MmuHal}'s choice.
 */
public final class Bar0Window {
    private static final String SRC_BUS = "open-gpu-kernel-modules maxwell/gm107/dev_bus.h";
    private static final String SRC_XAL = "open-gpu-kernel-modules hopper/gh100/pri_nv_xal_ep.h";

    /** BAR0 offset of the window's first byte (dev_ram.h {@code NV_PRAMIN} 0x00700000). */
    public static final int PRAMIN_BASE = 0x0070_0000;
    /** Bytes the window shows (dev_ram.h {@code NV_PRAMIN} 0x007FFFFF:0x00700000: 1 MiB). */
    public static final int PRAMIN_SIZE = 0x0010_0000;
    /** {@code NV_PBUS_BAR0_WINDOW_BASE_SHIFT}: the base field counts 64 KiB units. */
    public static final int BASE_SHIFT = 16;

    /** Pre-Hopper window register (Turing, Ampere, Ada). */
    public static final Register PBUS_BAR0_WINDOW = Register.bar0("NV_PBUS_BAR0_WINDOW", 0x0000_1700,
            "Where the PRAMIN window shows memory: base in 64 KiB units and target", SRC_BUS);
    /** Base of the window in 64 KiB units. */
    public static final Field PBUS_BAR0_WINDOW_BASE = PBUS_BAR0_WINDOW.field(23, 0, "base",
            "Window base >> 16");
    /** Memory the window shows: VID_MEM, SYS_MEM_COHERENT or SYS_MEM_NONCOHERENT. */
    public static final Field PBUS_BAR0_WINDOW_TARGET = PBUS_BAR0_WINDOW.field(25, 24, "target",
            "0 VID_MEM, 2 SYS_MEM_COHERENT, 3 SYS_MEM_NONCOHERENT");

    /** {@code NV_PBUS_BAR0_WINDOW_TARGET_VID_MEM}. */
    public static final int TARGET_VID_MEM = 0;
    /** {@code NV_PBUS_BAR0_WINDOW_TARGET_SYS_MEM_COHERENT}. */
    public static final int TARGET_SYS_MEM_COHERENT = 2;
    /** {@code NV_PBUS_BAR0_WINDOW_TARGET_SYS_MEM_NONCOHERENT}. */
    public static final int TARGET_SYS_MEM_NONCOHERENT = 3;

    /** Hopper+ window register (declared; the simulator's Hopper and Blackwell run no MMU). */
    public static final Register XAL_EP_BAR0_WINDOW = Register.bar0("NV_XAL_EP_BAR0_WINDOW", 0x0010_fd40,
            "Hopper+ PRAMIN window base in 64 KiB units (VRAM only)", SRC_XAL);
    /** Base of the window in 64 KiB units. */
    public static final Field XAL_EP_BAR0_WINDOW_BASE = XAL_EP_BAR0_WINDOW.field(21, 0, "base",
            "Window base >> 16");

    private Bar0Window() {
    }

    /**
     * @param offset a BAR0 offset
     * @return whether it falls in the PRAMIN window
     */
    public static boolean inWindow(long offset) {
        return offset >= PRAMIN_BASE && offset < PRAMIN_BASE + PRAMIN_SIZE;
    }
}
