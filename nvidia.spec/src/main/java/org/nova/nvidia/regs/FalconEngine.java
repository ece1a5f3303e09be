package org.nova.nvidia.regs;

/**
 * A falcon engine instance: the bases of its {@code PFALCON} and {@code PFALCON2} register
 * windows in BAR0. Source: nova-core falcon/gsp.rs and falcon/sec2.rs
 * ({@code RegisterBase<PFalconBase>}, {@code RegisterBase<PFalcon2Base>}).
 */
public enum FalconEngine {
    /** The GSP falcon (RISC-V capable): runs FWSEC, then the GSP bootloader and GSP-RM. */
    GSP(0x0011_0000, 0x0011_1000),
    /** The SEC2 falcon: runs the booter that loads the GSP. */
    SEC2(0x0084_0000, 0x0084_1000);

    private final int base;
    private final int base2;

    FalconEngine(int base, int base2) {
        this.base = base;
        this.base2 = base2;
    }

    /** @return BAR0 offset of this engine's PFALCON window */
    public int base() {
        return base;
    }

    /** @return BAR0 offset of this engine's PFALCON2 (and PRISCV) window */
    public int base2() {
        return base2;
    }

    /**
     * @param bar0Offset an offset in BAR0
     * @return the engine whose PFALCON or PFALCON2 window (4 KiB each) contains it, or null
     */
    public static FalconEngine containing(long bar0Offset) {
        for (FalconEngine e : values()) {
            if ((bar0Offset >= e.base && bar0Offset < e.base + 0x1000)
                    || (bar0Offset >= e.base2 && bar0Offset < e.base2 + 0x1000)) {
                return e;
            }
        }
        return null;
    }
}
