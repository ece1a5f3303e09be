package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.vbios.Vbios;

/**
 * FWSEC, the VBIOS's heavy-secure ucode on the GSP falcon (nova-core firmware/fwsec.rs, newest
 * stored version; run_fwsec_frts of gsp/hal/tu102.rs). {@link #prepare} copies the FWSEC image into
 * DMA memory, patches its FRTS command with the region the framebuffer layout reserved and its
 * signature for the fuse version, and checks the GSP falcon can load it, writing nothing to the GPU;
 * {@link #run} runs it, and it carves WPR2. {@link #prepareSb} patches a second copy with the SB
 * command (FwsecCommand::Sb), built at boot into the unload bundle ({@link UnloadBundle}), and
 * {@link #runSb} runs it at unload, where it puts the GSP falcon back in its pre-LibOS state. Each
 * prepared copy is DMA memory of the binding, freed after its run or with the binding.
 */
final class Fwsec {
    private Fwsec() {
    }

    /**
     * FWSEC ready to run: its patched ucode (DMA memory of the binding) and descriptor.
     *
     * @param ucode IMEM image then DMEM image, command and signature patched in
     * @param desc the descriptor from the VBIOS
     */
    record Prepared(DmaCoherent ucode, FalconUcodeDescV3 desc) {
        Falcon.LoadTarget imem() {
            return new Falcon.LoadTarget(0, desc.imemPhysBase(), desc.imemLoadSize());
        }

        Falcon.LoadTarget dmem() {
            return new Falcon.LoadTarget(desc.imemLoadSize(), desc.dmemPhysBase(), desc.dmemLoadSize());
        }
    }

    /**
     * Patches FWSEC for the FRTS command; reads the GSP falcon's fuse registers, writes nothing.
     *
     * @throws DriverException EINVAL naming the VBIOS structure and why: no DMEM mapper, no signature
     *     for the fuse version, a ucode id or engine mask the fuses do not know, a part the falcon
     *     cannot load
     */
    static Prepared prepare(PciDevice dev, Falcon gsp, Vbios bios, FbLayout fb) {
        return prepare(dev, gsp, bios, (appif, ucode) -> appif.writeFrts(ucode, fb.frtsStart(),
                fb.frtsEnd() - fb.frtsStart()));
    }

    /**
     * Patches FWSEC for the SB command, as {@link #prepare} does for FRTS; reads the GSP falcon's
     * fuse registers, writes nothing.
     *
     * @throws DriverException EINVAL as {@link #prepare}
     */
    static Prepared prepareSb(PciDevice dev, Falcon gsp, Vbios bios) {
        return prepare(dev, gsp, bios, FwsecInterface::writeSb);
    }

    /** How a command is written into a copy of the ucode through its DMEM mapper. */
    private interface CommandWriter {
        void write(FwsecInterface appif, MemorySegment ucode);
    }

    private static Prepared prepare(PciDevice dev, Falcon gsp, Vbios bios, CommandWriter command) {
        FalconUcodeDescV3 desc = bios.fwsecDesc();
        DmaCoherent ucode = GpuFirmware.toDma(dev, bios.fwsecUcode(), 0);
        try {
            FwsecInterface appif = FwsecInterface.locate("FWSEC", ucode.memory(), desc);
            command.write(appif, ucode.memory());
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, "FWSEC in the VBIOS: " + e.getMessage(), e);
        }
        if (desc.signatureCount() > 0) {
            int idx;
            try {
                int fuse = gsp.signatureFuseVersion(desc.engineIdMask(), desc.ucodeId());
                idx = desc.signatureIndex(fuse);
            } catch (DriverException e) {
                throw new DriverException(e.errno(), "FWSEC in the VBIOS: FalconUCodeDescV3: " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new DriverException(Errno.EINVAL, "FWSEC in the VBIOS: FalconUCodeDescV3: " + e.getMessage(), e);
            }
            MemorySegment sig = bios.fwsecSignatures().get(idx);
            MemorySegment.copy(sig, 0, ucode.memory(), desc.signaturePatchOffset(), sig.byteSize());
        }
        Prepared p = new Prepared(ucode, desc);
        try {
            gsp.checkLoad(ucode, p.imem(), p.dmem());
        } catch (DriverException e) {
            throw new DriverException(Errno.EINVAL, "FWSEC in the VBIOS: FalconUCodeDescV3: the GSP falcon "
                    + "cannot load it: " + e.getMessage(), e);
        }
        return p;
    }

    /**
     * Runs prepared FWSEC-FRTS and checks that WPR2 was created where the layout put FRTS.
     *
     * @throws DriverException EBUSY (WPR2 exists already: the GPU needs a reset; nothing was
     *     written), EIO (FWSEC reported an error or WPR2 is missing or misplaced), ETIMEDOUT
     */
    static void run(Bar0 bar, Falcon gsp, Prepared p, FbLayout fb) {
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

    /** fwsec.rs FwsecFirmware::run: reset, load, boot with mailbox 0 cleared; 0 back is success. */
    private static void execute(Falcon gsp, Prepared p, String what) {
        FalconUcodeDescV3 desc = p.desc();
        gsp.reset();
        gsp.load(p.ucode(), p.imem(), p.dmem(),
                new Falcon.BromParams(desc.pkcDataOffset(), desc.engineIdMask(), desc.ucodeId()), 0);
        int[] mbox = gsp.boot(0, null, what);
        p.ucode().close();
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("%s failed: the GSP falcon reports 0x%x in mailbox 0",
                    what, mbox[0]));
        }
    }
}
