package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.vbios.Vbios;

/**
 * FWSEC, the VBIOS's heavy-secure ucode on the GSP falcon (nova-core firmware/fwsec.rs, newest
 * stored version; run_fwsec_frts of gsp/boot.rs and gsp/hal/tu102.rs). {@link #prepare} copies the
 * FWSEC image into DMA memory, patches its FRTS command with the region the framebuffer layout
 * reserved and, for a V3 descriptor, its signature for the fuse version (a V2 image is signed as it
 * is), and checks the GSP falcon can load it, writing nothing to the GPU; {@link #run} runs it, and
 * it carves WPR2. {@link #prepareSb} patches a second copy with the SB command (FwsecCommand::Sb),
 * built at boot into the unload bundle ({@link UnloadBundle}), and {@link #runSb} runs it at unload,
 * where it puts the GSP falcon back in its pre-LibOS state.
 *
 * <p>Where the chip needs it ({@link org.nova.nvidia.Chipset#needsFwsecBootloader}: Turing and
 * GA100) FWSEC is not loaded into the falcon directly: the generic bootloader is, and DMAs FWSEC in
 * ({@link FwsecBootloader}, firmware/fwsec/bootloader.rs). Where the framebuffer layout gives FRTS
 * no room (GA100's FRTS size is 0: fb/hal/ga100.rs, gsp/boot.rs "only boot FRTS if its region is
 * allocated"), FWSEC-FRTS is neither prepared nor run ({@link #frtsNeeded}).
 *
 * <p>Each prepared copy is DMA memory of the binding, freed after its run or with the binding; a
 * refusal while preparing frees the copy it made.
 */
final class Fwsec {
    private Fwsec() {
    }

    /**
     * FWSEC ready to run: its patched ucode (DMA memory of the binding), descriptor and, where the
     * chip loads FWSEC through it, the generic bootloader's part.
     *
     * @param ucode IMEM image then DMEM image, command and signature patched in (after the
     *     bootloader's mirror padding, if any)
     * @param desc the descriptor from the VBIOS
     * @param bootloader the bootloader run's part, or null where FWSEC is loaded directly
     */
    record Prepared(DmaCoherent ucode, FalconUcodeDesc desc, FwsecBootloader.Staged bootloader) {
        Falcon.LoadTarget imem() {
            FalconUcodeDesc.LoadTarget t = desc.imemSecure();
            return new Falcon.LoadTarget(t.srcStart(), t.dstStart(), t.len());
        }

        Falcon.LoadTarget dmem() {
            FalconUcodeDesc.LoadTarget t = desc.dmem();
            return new Falcon.LoadTarget(t.srcStart(), t.dstStart(), t.len());
        }
    }

    /**
     * @return whether the layout gives FRTS room, so FWSEC-FRTS must run (gsp/boot.rs skips it
     *     where the FRTS region is empty, as on GA100)
     */
    static boolean frtsNeeded(FbLayout fb) {
        return fb.frtsEnd() > fb.frtsStart();
    }

    /**
     * Patches FWSEC for the FRTS command; reads the GSP falcon's fuse registers, writes nothing.
     *
     * @param bl the generic bootloader where the chip loads FWSEC through it, else null
     * @throws DriverException EINVAL naming the VBIOS structure and why: no DMEM mapper, no signature
     *     for the fuse version, a ucode id or engine mask the fuses do not know, a part the falcon
     *     or the bootloader cannot load; EINVAL too if the layout has no FRTS region (nothing to
     *     patch: the caller skips FRTS, see {@link #frtsNeeded})
     */
    static Prepared prepare(PciDevice dev, Falcon gsp, Vbios bios, FbLayout fb, GenBootloader bl) {
        if (!frtsNeeded(fb)) {
            throw new DriverException(Errno.EINVAL, "FWSEC-FRTS asked for with an empty FRTS region (" + fb + ")");
        }
        return prepare(dev, gsp, bios, bl, (appif, ucode) -> appif.writeFrts(ucode, fb.frtsStart(),
                fb.frtsEnd() - fb.frtsStart()));
    }

    /**
     * Patches FWSEC for the SB command, as {@link #prepare} does for FRTS; reads the GSP falcon's
     * fuse registers, writes nothing.
     *
     * @param bl the generic bootloader where the chip loads FWSEC through it, else null
     * @throws DriverException EINVAL as {@link #prepare}
     */
    static Prepared prepareSb(PciDevice dev, Falcon gsp, Vbios bios, GenBootloader bl) {
        return prepare(dev, gsp, bios, bl, FwsecInterface::writeSb);
    }

    /** How a command is written into a copy of the ucode through its DMEM mapper. */
    private interface CommandWriter {
        void write(FwsecInterface appif, MemorySegment ucode);
    }

    private static Prepared prepare(PciDevice dev, Falcon gsp, Vbios bios, GenBootloader bl, CommandWriter command) {
        FalconUcodeDesc desc = bios.fwsecDesc();
        String what = "FWSEC in the VBIOS: FalconUCodeDescV" + desc.version();
        // The bootloader DMAs from a mirror image of IMEM: pad the copy so offsets match.
        int pad = bl == null ? 0 : FwsecBootloader.padding(desc);
        DmaCoherent dma = GpuFirmware.toDma(dev, MemorySegment.ofArray(new byte[pad]), (int) bios.fwsecUcode().byteSize());
        try {
            MemorySegment.copy(bios.fwsecUcode(), 0, dma.memory(), pad, bios.fwsecUcode().byteSize());
            MemorySegment ucode = dma.memory().asSlice(pad, bios.fwsecUcode().byteSize());
            try {
                FwsecInterface appif = FwsecInterface.locate("FWSEC", ucode, desc);
                command.write(appif, ucode);
            } catch (FormatException e) {
                throw new DriverException(Errno.EINVAL, "FWSEC in the VBIOS: " + e.getMessage(), e);
            }
            if (desc.signatureCount() > 0) {
                int idx;
                try {
                    int fuse = gsp.signatureFuseVersion(desc.engineIdMask(), desc.ucodeId());
                    idx = desc.signatureIndex(fuse);
                } catch (DriverException e) {
                    throw new DriverException(e.errno(), what + ": " + e.getMessage(), e);
                } catch (IllegalArgumentException e) {
                    throw new DriverException(Errno.EINVAL, what + ": " + e.getMessage(), e);
                }
                MemorySegment sig = bios.fwsecSignatures().get(idx);
                MemorySegment.copy(sig, 0, ucode, desc.signaturePatchOffset(), sig.byteSize());
            }
            if (bl != null) {
                return new Prepared(dma, desc, FwsecBootloader.stage(bl, dma, desc));
            }
            Prepared p = new Prepared(dma, desc, null);
            try {
                gsp.checkLoad(dma, p.imem(), p.dmem());
            } catch (DriverException e) {
                throw new DriverException(Errno.EINVAL, what + ": the GSP falcon cannot load it: " + e.getMessage(), e);
            }
            return p;
        } catch (RuntimeException e) {
            dma.close();
            throw e;
        }
    }

    /**
     * Runs prepared FWSEC-FRTS and checks that WPR2 was created where the layout put FRTS; does
     * nothing where the layout has no FRTS region ({@link #frtsNeeded}: {@code p} is then null).
     *
     * @throws DriverException EBUSY (WPR2 exists already: the GPU needs a reset; nothing was
     *     written), EIO (FWSEC reported an error or WPR2 is missing or misplaced), ETIMEDOUT
     */
    static void run(Bar0 bar, Falcon gsp, Prepared p, FbLayout fb) {
        if (!frtsNeeded(fb)) {
            return;
        }
        checkNoWpr2(bar);
        execute(gsp, p, "FWSEC-FRTS");
        int err = Pbus.FRTS_ERR_CODE.get(bar.read(Pbus.SW_SCRATCH_0E_FRTS_ERR));
        if (err != 0) {
            throw new DriverException(Errno.EIO, String.format("FWSEC-FRTS returned with error code 0x%x (%s)", err,
                    Pbus.SW_SCRATCH_0E_FRTS_ERR.name()));
        }
        long lo = Pfb.wpr2LowerBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_LO));
        long hi = Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI));
        if (hi == 0) {
            throw new DriverException(Errno.EIO, "WPR2 region not created after running FWSEC-FRTS");
        }
        if (lo != fb.frtsStart()) {
            throw new DriverException(Errno.EIO, String.format(
                    "WPR2 region created at unexpected address 0x%x; expected 0x%x", lo, fb.frtsStart()));
        }
    }

    /**
     * FWSEC-FRTS refuses to run while WPR2 exists: only booter_unload or a reset removes it.
     *
     * @throws DriverException EBUSY naming WPR2's bounds
     */
    static void checkNoWpr2(Bar0 bar) {
        if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
            throw new DriverException(Errno.EBUSY, "WPR2 region already exists ("
                    + Pfb.PRI_MMU_WPR2_ADDR_HI.describe(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI))
                    + "): the GPU needs to be reset before FWSEC-FRTS can run");
        }
    }

    /**
     * Runs prepared FWSEC-SB (gsp/hal/tu102.rs Sec2UnloadBundle::run), which leaves the GSP falcon
     * in its pre-LibOS state for booter_unload.
     *
     * @throws DriverException EIO (FWSEC reported an error in mailbox 0), ETIMEDOUT (no halt)
     */
    static void runSb(Falcon gsp, Prepared p) {
        execute(gsp, p, "FWSEC-SB");
    }

    /**
     * fwsec.rs FwsecFirmware::run (reset, load, boot with mailbox 0 cleared), or bootloader.rs
     * FwsecFirmwareWithBl::run where the chip loads FWSEC through the generic bootloader; 0 back
     * is success. The prepared copy is freed whatever the outcome.
     */
    private static void execute(Falcon gsp, Prepared p, String what) {
        int[] mbox;
        try {
            if (p.bootloader() != null) {
                mbox = FwsecBootloader.run(gsp, p.bootloader(), what);
            } else {
                FalconUcodeDesc desc = p.desc();
                gsp.reset();
                gsp.load(p.ucode(), p.imem(), p.dmem(),
                        new Falcon.BromParams(desc.pkcDataOffset(), desc.engineIdMask(), desc.ucodeId()), 0);
                mbox = gsp.boot(0, null, what);
            }
        } finally {
            p.ucode().close();
        }
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("%s failed: the GSP falcon reports 0x%x in mailbox 0%s",
                    what, mbox[0], p.bootloader() != null ? " (FWSEC loaded through the generic bootloader "
                            + p.bootloader().bootloader().source() + ")" : ""));
        }
    }
}
