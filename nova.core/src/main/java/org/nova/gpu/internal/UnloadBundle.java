package org.nova.gpu.internal;

import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.vbios.Vbios;

/**
 * What resets the GSP after GSP-RM stopped, so that the GPU can be booted again without a reset
 * (nova-core gsp/hal/tu102.rs Sec2UnloadBundle, newest stored version): FWSEC-SB, which puts the
 * GSP falcon back in its pre-LibOS state, and booter_unload on SEC2, which removes WPR2. Both are
 * built at probe, before the boot's first hardware write, so that any failure past FWSEC-FRTS can
 * run them ({@link GspBoot#unload}); their DMA copies belong to the binding and each is freed after
 * its run.
 *
 * <p>Owned by {@link Gpu}; run at most once (each run frees the copy it ran).
 *
 * @param fwsecSb FWSEC patched with the SB command
 * @param booterUnload booter_unload, signed for SEC2's fuses
 */
record UnloadBundle(Fwsec.Prepared fwsecSb, Booter.Prepared booterUnload) {
    /**
     * What booter_unload finds in both mailboxes when it starts (gsp/hal/tu102.rs
     * {@code MAILBOX_SENTINEL}): it writes 0 to MAILBOX0 when it succeeds, so a sentinel still
     * there means it never got that far.
     */
    static final int MAILBOX_SENTINEL = 0xff;

    /**
     * Prepares FWSEC-SB from the VBIOS (through the generic bootloader {@code genBl} where the chip
     * needs it, else null) and booter_unload from the firmware; touches nothing of the GPU but its
     * fuse registers. A refusal frees what was prepared.
     *
     * @throws DriverException EINVAL naming the image, the structure and why (as {@link Fwsec#prepareSb}
     *     and {@link Booter#prepare})
     */
    static UnloadBundle build(PciDevice dev, Chipset chip, Falcon gsp, Falcon sec2, Vbios bios, BooterFirmware unload,
            GenBootloader genBl) {
        Fwsec.Prepared sb = Fwsec.prepareSb(dev, gsp, bios, genBl);
        try {
            return new UnloadBundle(sb, Booter.prepare(dev, chip, sec2, unload, FirmwareNames.BOOTER_UNLOAD));
        } catch (RuntimeException e) {
            sb.ucode().close();
            throw e;
        }
    }

    /**
     * Sec2UnloadBundle::run: FWSEC-SB on the GSP falcon, then, if WPR2 is set, booter_unload on
     * SEC2 with the sentinel in its mailboxes, and WPR2 read back.
     *
     * @throws DriverException EIO (FWSEC-SB reported an error), EINVAL (booter_unload's MAILBOX0
     *     is not 0: its error, or the sentinel when it did not finish), EBUSY (WPR2 still set after
     *     it), ETIMEDOUT (a falcon did not halt)
     */
    void run(Bar0 bar, Falcon gsp, Falcon sec2) {
        Fwsec.runSb(gsp, fwsecSb);
        if (!wpr2Set(bar)) {
            booterUnload.ucode().close();
            return;
        }
        int[] mbox = Booter.run(sec2, booterUnload, MAILBOX_SENTINEL, MAILBOX_SENTINEL);
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EINVAL, String.format("booter_unload on SEC2 returned 0x%x in mailbox 0%s",
                    mbox[0], mbox[0] == MAILBOX_SENTINEL ? " (the sentinel: it did not finish)" : ""));
        }
        if (wpr2Set(bar)) {
            throw new DriverException(Errno.EBUSY, "WPR2 is still set after booter_unload returned ("
                    + Pfb.PRI_MMU_WPR2_ADDR_HI.describe(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) + ")");
        }
    }

    /** @return whether WPR2 exists (regs.rs is_wpr2_set: a non-zero higher bound) */
    static boolean wpr2Set(Bar0 bar) {
        return Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0;
    }
}
