package org.nova.nvidia.regs;

/**
 * PBUS: the software scratch registers, one of which FWSEC-FRTS reports its error in.
 * Source: nova-core regs.rs ({@code NV_PBUS_SW_SCRATCH}, {@code NV_PBUS_SW_SCRATCH_0E_FRTS_ERR}).
 */
public final class Pbus {
    private static final String SRC = "nova-core regs.rs";

    /** 64 software scratch registers. */
    public static final Register SW_SCRATCH = Register.bar0Array("NV_PBUS_SW_SCRATCH",
            0x0000_1400, 64, 4, "Software scratch registers", SRC);

    /** Index of the scratch register FWSEC-FRTS writes its error code into. */
    public static final int SW_SCRATCH_FRTS_ERR_INDEX = 0xe;

    /** Scratch register 0xe, used as FWSEC-FRTS error code. */
    public static final Register SW_SCRATCH_0E_FRTS_ERR = Register.bar0(
            "NV_PBUS_SW_SCRATCH_0E_FRTS_ERR", SW_SCRATCH.address(SW_SCRATCH_FRTS_ERR_INDEX),
            "Scratch register 0xe used as FRTS firmware error code", SRC);
    /** FRTS error code; 0 means FWSEC-FRTS succeeded. */
    public static final Field FRTS_ERR_CODE = SW_SCRATCH_0E_FRTS_ERR.field(31, 16,
            "frts_err_code", "FWSEC-FRTS error code (0 = success)");

    private Pbus() {
    }
}
