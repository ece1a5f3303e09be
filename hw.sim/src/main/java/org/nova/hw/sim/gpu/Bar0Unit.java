package org.nova.hw.sim.gpu;

/**
 * One unit of the GPU's BAR0 register space (PMC, PBUS, PFB, FUSE, a falcon, ...) as nova-core's
 * regs.rs groups them: which registers it decodes and what a host access to them does.
 * {@link SimBar0} routes each 32-bit access to the unit that decodes it; no two units decode the
 * same register.
 *
 * <p>Called with the function's lock held (the platform's region contract).
 */
interface Bar0Unit {
    /** @return whether this unit decodes the 32-bit register at BAR0 offset {@code off} */
    boolean decodes(int off);

    /** @return the register at {@code off} as the host reads it */
    int read(int off);

    /** A host write of {@code value} to the register at {@code off}; read-only registers ignore it. */
    void write(int off, int value);
}
