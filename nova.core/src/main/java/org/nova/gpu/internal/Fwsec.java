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
 * FWSEC-FRTS (nova-core firmware/fwsec.rs and gsp/boot.rs run_fwsec_frts): {@link #prepare} copies
 * the VBIOS's FWSEC image into DMA memory, patches its FRTS command with the region the framebuffer
 * layout reserved and its signature for the fuse version, and checks the GSP falcon can load it,
 * writing nothing to the GPU; {@link #run} runs it on the GSP falcon, where it carves WPR2.
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
        FalconUcodeDescV3 desc = bios.fwsecDesc();
        DmaCoherent ucode = GpuFirmware.toDma(dev, bios.fwsecUcode(), 0);
        try {
            FwsecInterface appif = FwsecInterface.locate("FWSEC", ucode.memory(), desc);
            appif.writeFrts(ucode.memory(), fb.frtsStart(), fb.frtsEnd() - fb.frtsStart());
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
        if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
            throw new DriverException(Errno.EBUSY, "WPR2 region already exists ("
                    + Pfb.PRI_MMU_WPR2_ADDR_HI.describe(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI))
                    + "): the GPU needs to be reset before FWSEC-FRTS can run");
        }
        FalconUcodeDescV3 desc = p.desc();
        gsp.reset();
        gsp.load(p.ucode(), p.imem(), p.dmem(),
                new Falcon.BromParams(desc.pkcDataOffset(), desc.engineIdMask(), desc.ucodeId()), 0);
        int[] mbox = gsp.boot(0, null, "FWSEC-FRTS");
        p.ucode().close();
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
