package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The booters on SEC2 (nova-core firmware/booter.rs, newest stored version; gsp/hal/tu102.rs runs
 * booter_load, {@link UnloadBundle} booter_unload): {@link #prepare} puts the image in DMA memory with its signature for the
 * fuse version patched in and checks that SEC2 can load it, touching nothing of the GPU but its
 * fuse registers; {@link #run} loads it through the falcon and starts it with the WPR metadata's
 * address in the mailboxes. Both booters are prepared before the boot's first hardware write, so
 * a booter the GPU cannot use fails the probe while the GPU is untouched (booter.rs does this
 * after FWSEC-FRTS, leaving WPR2 behind).
 */
final class Booter {
    private Booter() {
    }

    /**
     * A booter ready to run (booter.rs BooterFirmware): the signed ucode in DMA memory, a device
     * resource of the binding, and where its parts go.
     *
     * @param what "booter_load" or "booter_unload", for errors
     * @param ucode the ucode with the signature patched in
     * @param imem app 0's code, to secure IMEM 0
     * @param dmem the data segment, to DMEM 0
     * @param brom what the boot ROM checks
     * @param bootAddress app 0's offset
     */
    record Prepared(String what, DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem,
            Falcon.BromParams brom, long bootAddress) {
    }

    /**
     * Copies {@code b} into DMA memory, reads SEC2's fuse version and patches the signature for it,
     * and checks SEC2 can load the result. Reads the fuse registers; writes nothing.
     *
     * @param what "booter_load" or "booter_unload"
     * @throws DriverException EINVAL naming the file, the field and why: no signature for the fuse
     *     version, a ucode id or engine mask the fuses do not know, a part SEC2 cannot load
     */
    static Prepared prepare(PciDevice dev, Chipset chip, Falcon sec2, BooterFirmware b, String what) {
        String file = b.bin().source();
        DmaCoherent booter = GpuFirmware.toDma(dev, b.ucode(), Pfalcon.DMA_TRANSFER_BYTES);
        if (!b.signatures().isEmpty()) {
            int fuse;
            try {
                fuse = sec2.signatureFuseVersion((int) b.params().engineIdMask(), (int) b.params().ucodeId());
            } catch (DriverException e) {
                throw new DriverException(e.errno(), "firmware " + what + " for " + chip + ": " + file
                        + ": HsSignatureParams: " + e.getMessage(), e);
            }
            MemorySegment sig = GpuFirmware.parse(chip, what, () -> b.signatureFor(fuse));
            GpuFirmware.parse(chip, what, () -> {
                b.patchSignature(booter.memory(), sig);
                return null;
            });
        }
        var app0 = b.imemSecLoad();
        Prepared p = new Prepared(what, booter, new Falcon.LoadTarget(app0.offset(), 0, app0.len()),
                new Falcon.LoadTarget(b.load().osDataOffset(), 0, b.load().osDataSize()),
                new Falcon.BromParams(b.pkcDataOffset(), (int) b.params().engineIdMask(), (int) b.params().ucodeId()),
                b.bootAddress());
        try {
            sec2.checkLoad(booter, p.imem(), p.dmem());
        } catch (DriverException e) {
            throw new DriverException(Errno.EINVAL, "firmware " + what + " for " + chip + ": " + file
                    + ": HsLoadHeaderV2: SEC2 cannot load it: " + e.getMessage(), e);
        }
        return p;
    }

    /**
     * Loads a prepared booter on SEC2 and runs it with {@code wprMeta}'s address in its mailboxes.
     *
     * @return the mailboxes after it halted
     * @throws DriverException ETIMEDOUT (no halt)
     */
    static int[] run(Falcon sec2, Prepared p, DmaCoherent wprMeta) {
        long arg = wprMeta.iova();
        return run(sec2, p, (int) arg, (int) (arg >>> 32));
    }

    /**
     * Resets SEC2, loads a prepared booter and runs it with the given mailboxes; its DMA copy is
     * freed after the run.
     *
     * @return the mailboxes after it halted
     * @throws DriverException ETIMEDOUT (no halt)
     */
    static int[] run(Falcon sec2, Prepared p, int mbox0, int mbox1) {
        sec2.reset();
        sec2.load(p.ucode(), p.imem(), p.dmem(), p.brom(), p.bootAddress());
        int[] mbox = sec2.boot(mbox0, mbox1, p.what());
        p.ucode().close();
        return mbox;
    }
}
