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
 * FWSEC-FRTS (nova-core firmware/fwsec.rs and gsp/boot.rs run_fwsec_frts): the VBIOS's FWSEC
 * image, its FRTS command patched with the region the framebuffer layout reserved and its
 * signature for the fuse version, run on the GSP falcon; it carves WPR2.
 */
final class Fwsec {
    private Fwsec() {
    }

    /**
     * Runs FWSEC-FRTS and checks that WPR2 was created where the layout put FRTS.
     *
     * @throws DriverException EBUSY (WPR2 exists already: the GPU needs a reset), EINVAL (FWSEC
     *     malformed), EIO (FWSEC reported an error or WPR2 is missing or misplaced)
     */
    static void runFrts(PciDevice dev, Bar0 bar, Falcon gsp, Vbios bios, FbLayout fb) {
        if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
            throw new DriverException(Errno.EBUSY, "WPR2 region already exists ("
                    + Pfb.PRI_MMU_WPR2_ADDR_HI.describe(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI))
                    + "): the GPU needs to be reset before FWSEC-FRTS can run");
        }
        FalconUcodeDescV3 desc = bios.fwsecDesc();
        DmaCoherent ucode = GpuFirmware.toDma(dev, bios.fwsecUcode(), 0);
        try {
            FwsecInterface appif = FwsecInterface.locate("FWSEC", ucode.memory(), desc);
            appif.writeFrts(ucode.memory(), fb.frtsStart(), fb.frtsEnd() - fb.frtsStart());
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, "FWSEC in the VBIOS: " + e.getMessage(), e);
        }
        if (desc.signatureCount() > 0) {
            int fuse = gsp.signatureFuseVersion(desc.engineIdMask(), desc.ucodeId());
            int idx;
            try {
                idx = desc.signatureIndex(fuse);
            } catch (IllegalArgumentException e) {
                throw new DriverException(Errno.EINVAL, "FWSEC: " + e.getMessage(), e);
            }
            MemorySegment sig = bios.fwsecSignatures().get(idx);
            MemorySegment.copy(sig, 0, ucode.memory(), desc.signaturePatchOffset(), sig.byteSize());
        }
        gsp.reset();
        gsp.load(ucode, new Falcon.LoadTarget(0, desc.imemPhysBase(), desc.imemLoadSize()),
                new Falcon.LoadTarget(desc.imemLoadSize(), desc.dmemPhysBase(), desc.dmemLoadSize()),
                new Falcon.BromParams(desc.pkcDataOffset(), desc.engineIdMask(), desc.ucodeId()), 0);
        int[] mbox = gsp.boot(0, null, "FWSEC-FRTS");
        ucode.close();
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("FWSEC-FRTS failed: the GSP falcon reports 0x%x in "
                    + "mailbox 0", mbox[0]));
        }
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
}
