package org.nova.gpu.internal;

import org.nova.bus.pci.DmaCoherent;

/**
 * What differs between falcon generations (nova-core falcon/hal.rs): Turing and GA100 load by
 * PIO, have no boot-ROM parameter registers, a fixed fuse version and the RISC-V status in
 * RISCV_CORE_SWITCH; GA102 and later (Ampere, Ada) load by DMA, program the boot ROM, read the
 * fuses and must select the falcon core of the Peregrine controller.
 */
interface FalconHal {
    /** Puts the engine through reset and waits for memory scrubbing. */
    void resetEngine(Falcon f);

    /** Selects the falcon (not RISC-V) core after reset. */
    void selectCore(Falcon f);

    /** @return the fuse version selecting a heavy-secure ucode's signature */
    int signatureFuseVersion(Falcon f, int engineIdMask, int ucodeId);

    /**
     * Checks, without touching the engine, that {@link #load} can carry out these transfers from
     * {@code ucode}, so that a ucode that cannot be loaded is refused before the boot writes
     * anything.
     *
     * @throws org.nova.driver.DriverException EINVAL (a transfer leaves the DMA object or is
     *     misaligned), ERANGE (a DMA address the engine cannot reach)
     */
    void checkLoad(DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem);

    /** Loads a ucode into IMEM and DMEM. */
    void load(Falcon f, DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem);

    /** Tells the boot ROM where the signature is and which ucode it checks. */
    void programBrom(Falcon f, Falcon.BromParams params);

    /** @return whether the engine's RISC-V core is active */
    boolean isRiscvActive(Falcon f);
}
