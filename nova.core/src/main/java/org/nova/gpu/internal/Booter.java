package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfb;

/**
 * The booters on SEC2 (nova-core firmware/booter.rs; gsp/boot.rs runs booter_load, its unload
 * path booter_unload): the image in DMA memory with its signature for the fuse version patched
 * in, loaded through the falcon's DMA and started with the WPR metadata's address in the mailboxes.
 */
final class Booter {
    /** How long GSP-RM may take to halt after the unload RPC before booter_unload runs. */
    static final long UNLOAD_HALT_TIMEOUT_MS = 1_000;

    private Booter() {
    }

    /**
     * Loads {@code b} on SEC2 and runs it with {@code wprMeta}'s address in its mailboxes.
     *
     * @return the mailboxes after it halted
     * @throws DriverException EINVAL (no signature for the fuse version), ETIMEDOUT (no halt)
     */
    static int[] run(PciDevice dev, Chipset chip, Falcon sec2, BooterFirmware b, DmaCoherent wprMeta, String what) {
        DmaCoherent booter = GpuFirmware.toDma(dev, b.ucode(), Pfalcon.DMA_TRANSFER_BYTES);
        if (!b.signatures().isEmpty()) {
            int fuse = sec2.signatureFuseVersion((int) b.params().engineIdMask(), (int) b.params().ucodeId());
            MemorySegment sig = GpuFirmware.parse(chip, what, () -> b.signatureFor(fuse));
            GpuFirmware.parse(chip, what, () -> {
                b.patchSignature(booter.memory(), sig);
                return null;
            });
        }
        sec2.reset();
        var app0 = b.imemSecLoad();
        sec2.load(booter, new Falcon.LoadTarget(app0.offset(), 0, app0.len()),
                new Falcon.LoadTarget(b.load().osDataOffset(), 0, b.load().osDataSize()),
                new Falcon.BromParams(b.pkcDataOffset(), (int) b.params().engineIdMask(), (int) b.params().ucodeId()),
                b.bootAddress());
        int[] mbox = sec2.boot((int) wprMeta.iova(), (int) (wprMeta.iova() >>> 32), what);
        booter.close();
        return mbox;
    }

    /**
     * After the unload RPC: waits for GSP-RM to halt, then runs booter_unload on SEC2, which tears
     * WPR2 down so that a later probe can run FWSEC-FRTS again (gsp/boot.rs unload).
     *
     * @throws DriverException ETIMEDOUT (GSP-RM did not halt), EIO (booter_unload failed, WPR2 left)
     */
    static void unload(PciDevice dev, Chipset chip, Bar0 bar, Falcon gsp, Falcon sec2, BooterFirmware b,
            DmaCoherent wprMeta) {
        Poll.until("GSP RISC-V core halted after unload", UNLOAD_HALT_TIMEOUT_MS, 1, () -> !gsp.isRiscvActive());
        int[] mbox = run(dev, chip, sec2, b, wprMeta, "booter_unload");
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("booter_unload on SEC2 failed with error 0x%x", mbox[0]));
        }
        if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
            throw new DriverException(Errno.EIO, "WPR2 still exists after booter_unload");
        }
    }
}
