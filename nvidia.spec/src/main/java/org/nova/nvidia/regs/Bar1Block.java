package org.nova.nvidia.regs;

/**
 * The BAR1 block register: which instance block (and so which page directory) translates CPU
 * accesses through BAR1, or none (PHYSICAL mode: BAR1 shows VRAM linearly). Same layout at two
 * places: {@code NV_PBUS_BAR1_BLOCK} (maxwell/gm107/dev_bus.h, where GSP-RM-era drivers still
 * write it to reset BAR1 to physical) and, from Turing on, the copy in the function's
 * {@code NV_VIRTUAL_FUNCTION_PRIV} space at BAR0 0xb80f40 with its bind status at 0xb80f50, which
 * nouveau's bar/tu102.c programs ({@code tu102_bar_bar1_init}: ptr | MODE_VIRTUAL;
 * {@code tu102_bar_bar1_wait}: status bits 1:0 clear).
 */
public final class Bar1Block {
    private static final String SRC_BUS = "open-gpu-kernel-modules maxwell/gm107/dev_bus.h";
    private static final String SRC_TU102 = "nouveau nvkm/subdev/bar/tu102.c (layout: gm107/dev_bus.h)";

    /** {@code NV_PBUS_BAR1_BLOCK_PTR_SHIFT}: the pointer counts 4 KiB units. */
    public static final int PTR_SHIFT = 12;
    /** {@code NV_PBUS_BAR1_BLOCK_TARGET_VID_MEM}. */
    public static final int TARGET_VID_MEM = 0;
    /** {@code NV_PBUS_BAR1_BLOCK_TARGET_SYS_MEM_COHERENT}. */
    public static final int TARGET_SYS_MEM_COHERENT = 2;
    /** {@code NV_PBUS_BAR1_BLOCK_TARGET_SYS_MEM_NONCOHERENT}. */
    public static final int TARGET_SYS_MEM_NONCOHERENT = 3;
    /** {@code NV_PBUS_BAR1_BLOCK_MODE_PHYSICAL}: BAR1 maps VRAM 1:1. */
    public static final int MODE_PHYSICAL = 0;
    /** {@code NV_PBUS_BAR1_BLOCK_MODE_VIRTUAL}: BAR1 translates through the instance block. */
    public static final int MODE_VIRTUAL = 1;

    /** The pre-Turing location (declared for the record; Turing+ drivers reset it to physical). */
    public static final Register PBUS_BAR1_BLOCK = Register.bar0("NV_PBUS_BAR1_BLOCK", 0x0000_1704,
            "BAR1 instance block pointer, target and mode (pre-Turing location)", SRC_BUS);
    /** Instance block address >> 12. */
    public static final Field PBUS_BAR1_BLOCK_PTR = PBUS_BAR1_BLOCK.field(27, 0, "ptr",
            "Instance block address >> 12");
    /** Memory holding the instance block. */
    public static final Field PBUS_BAR1_BLOCK_TARGET = PBUS_BAR1_BLOCK.field(29, 28, "target",
            "0 VID_MEM, 2 SYS_MEM_COHERENT, 3 SYS_MEM_NONCOHERENT");
    /** PHYSICAL or VIRTUAL. */
    public static final Field PBUS_BAR1_BLOCK_MODE = PBUS_BAR1_BLOCK.field(31, 31, "mode",
            "0 PHYSICAL, 1 VIRTUAL");

    /** The Turing+ location nouveau programs (NV_VIRTUAL_FUNCTION_FULL_PHYS_OFFSET + 0xf40). */
    public static final Register FUNC_BAR1_BLOCK = Register.bar0("NV_VIRTUAL_FUNCTION_PRIV_FUNC_BAR1_BLOCK",
            0x00b8_0f40, "BAR1 instance block pointer, target and mode (Turing, Ampere, Ada)", SRC_TU102);
    /** Instance block address >> 12. */
    public static final Field FUNC_BAR1_BLOCK_PTR = FUNC_BAR1_BLOCK.field(27, 0, "ptr",
            "Instance block address >> 12");
    /** Memory holding the instance block. */
    public static final Field FUNC_BAR1_BLOCK_TARGET = FUNC_BAR1_BLOCK.field(29, 28, "target",
            "0 VID_MEM, 2 SYS_MEM_COHERENT, 3 SYS_MEM_NONCOHERENT");
    /** PHYSICAL or VIRTUAL. */
    public static final Field FUNC_BAR1_BLOCK_MODE = FUNC_BAR1_BLOCK.field(31, 31, "mode",
            "0 PHYSICAL, 1 VIRTUAL");

    /** The bind status nouveau polls after writing the block (0xb80f50). */
    public static final Register FUNC_BIND_STATUS = Register.bar0("NV_VIRTUAL_FUNCTION_PRIV_FUNC_BIND_STATUS",
            0x00b8_0f50, "Whether a BAR1/BAR2 block bind is still pending (Turing+)", SRC_TU102);
    /** BAR1 bind pending (gm107 dev_bus.h NV_PBUS_BIND_STATUS_BAR1_PENDING). */
    public static final Field BIND_STATUS_BAR1_PENDING = FUNC_BIND_STATUS.field(0, 0, "bar1_pending",
            "BAR1 bind in progress");
    /** BAR1 bind outstanding (NV_PBUS_BIND_STATUS_BAR1_OUTSTANDING). */
    public static final Field BIND_STATUS_BAR1_OUTSTANDING = FUNC_BIND_STATUS.field(1, 1, "bar1_outstanding",
            "BAR1 bind outstanding");

    private Bar1Block() {
    }
}
