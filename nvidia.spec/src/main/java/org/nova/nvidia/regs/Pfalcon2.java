package org.nova.nvidia.regs;

import static org.nova.nvidia.regs.Register.Space.PFALCON2;

/**
 * PFALCON2 and PRISCV: the boot ROM parameters and RISC-V core control of a falcon engine,
 * relative to its {@link FalconEngine#base2()} (GSP 0x111000, SEC2 0x841000).
 * Source: nova-core regs.rs ({@code NV_PFALCON2_*}, {@code NV_PRISCV_*}) and falcon/hal/ga102.rs.
 */
public final class Pfalcon2 {
    private static final String SRC = "nova-core regs.rs (PFALCON2/PRISCV)";

    /** Signature algorithm for the boot ROM. */
    public static final Register MOD_SEL = Register.falcon(PFALCON2, "NV_PFALCON2_FALCON_MOD_SEL",
            0x180, "Signature algorithm selection for the BROM", SRC);
    /** Algorithm; {@link #MOD_SEL_ALGO_RSA3K}. */
    public static final Field MOD_SEL_ALGO = MOD_SEL.field(7, 0, "algo", "Signing algorithm");
    /** MOD_SEL algorithm RSA-3K, the one nova-core programs. */
    public static final int MOD_SEL_ALGO_RSA3K = 1;

    /** Ucode id of the firmware for the boot ROM. */
    public static final Register BROM_CURR_UCODE_ID = Register.falcon(PFALCON2,
            "NV_PFALCON2_FALCON_BROM_CURR_UCODE_ID", 0x198, "Ucode id for the BROM", SRC);
    /** Ucode id. */
    public static final Field BROM_CURR_UCODE_ID_VALUE = BROM_CURR_UCODE_ID.field(7, 0,
            "ucode_id", "Ucode id");
    /** Engine id mask for the boot ROM. */
    public static final Register BROM_ENGIDMASK = Register.falcon(PFALCON2,
            "NV_PFALCON2_FALCON_BROM_ENGIDMASK", 0x19c, "Engine id mask for the BROM", SRC);
    /** Engine id mask. */
    public static final Field BROM_ENGIDMASK_VALUE = BROM_ENGIDMASK.field(31, 0, "value",
            "Engine id mask");
    /** Offset of the signature (PKC data) in DMEM for the boot ROM. */
    public static final Register BROM_PARAADDR = Register.falconArray(PFALCON2,
            "NV_PFALCON2_FALCON_BROM_PARAADDR", 0x210, 1, 4, "PKC data offset for the BROM", SRC);
    /** PKC data offset. */
    public static final Field BROM_PARAADDR_VALUE = BROM_PARAADDR.field(31, 0, "value",
            "PKC data offset in DMEM");

    /** RISC-V core status (Turing and GA100 only). */
    public static final Register RISCV_CORE_SWITCH_RISCV_STATUS = Register.falcon(PFALCON2,
            "NV_PRISCV_RISCV_CORE_SWITCH_RISCV_STATUS", 0x240,
            "RISC-V core status (TU10x, GA100)", SRC);
    /** RISC-V core active. */
    public static final Field RISCV_STATUS_ACTIVE_STAT = RISCV_CORE_SWITCH_RISCV_STATUS.field(0, 0,
            "active_stat", "RISC-V core active/inactive status");

    /** RISC-V CPU control (GA102 and later). */
    public static final Register RISCV_CPUCTL = Register.falcon(PFALCON2, "NV_PRISCV_RISCV_CPUCTL",
            0x388, "RISC-V CPU control (GA102+)", SRC);
    /** RISC-V core halted. */
    public static final Field RISCV_CPUCTL_HALTED = RISCV_CPUCTL.field(0, 0, "halted",
            "RISC-V core halted");
    /** RISC-V core active. */
    public static final Field RISCV_CPUCTL_ACTIVE_STAT = RISCV_CPUCTL.field(7, 7, "active_stat",
            "RISC-V core active");

    /** Boot configuration of the dual falcon/RISC-V (Peregrine) controller. */
    public static final Register RISCV_BCR_CTRL = Register.falcon(PFALCON2,
            "NV_PRISCV_RISCV_BCR_CTRL", 0x668, "Peregrine core selection", SRC);
    /** Configuration valid. */
    public static final Field BCR_CTRL_VALID = RISCV_BCR_CTRL.field(0, 0, "valid",
            "Configuration valid");
    /** Core select: 0 falcon, 1 RISC-V. */
    public static final Field BCR_CTRL_CORE_SELECT = RISCV_BCR_CTRL.field(4, 4, "core_select",
            "Active core: 0 falcon, 1 RISC-V");
    /** Branch fetch. */
    public static final Field BCR_CTRL_BR_FETCH = RISCV_BCR_CTRL.field(8, 8, "br_fetch",
            "Branch fetch");
    /** Core select value: falcon. */
    public static final int CORE_SELECT_FALCON = 0;
    /** Core select value: RISC-V. */
    public static final int CORE_SELECT_RISCV = 1;

    private Pfalcon2() {
    }
}
