package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.regs.FalconEngine;

/**
 * FWSEC, the VBIOS's heavy-secure ucode, run on the GSP falcon as nova-core's firmware/fwsec.rs
 * and gsp/boot.rs run_fwsec_frts run it. The boot ROM first checks what the driver loaded: the
 * IMEM image, the signature for the fused version at the descriptor's PKC offset of DMEM, and (from
 * GA102 on) the boot ROM parameters; a ucode it refuses ends with {@link NvidiaGpu#BROM_ERR_SIGNATURE}
 * in MAILBOX0. FWSEC then executes the command its DMEM mapper names, found through the application
 * interface table as the driver found it to patch ({@link FwsecInterface}). FRTS creates WPR2 over
 * the FRTS region the command gives, or refuses the region and reports an error code in
 * SW_SCRATCH_0E ({@link SimFb}); either way the falcon halts with MAILBOX0 0. SB (run at unload,
 * gsp/hal/tu102.rs Sec2UnloadBundle) puts the GSP falcon back in its pre-LibOS state, which
 * booter_unload requires ({@link SimGspBoot#fwsecSbRan}).
 */
final class SimFwsec {
    private final NvidiaGpu gpu;
    private final SimVbios vbios;
    private final SimFuse fuse;
    private final SimFb fb;
    private final SimGspBoot gspBoot;

    SimFwsec(NvidiaGpu gpu, SimVbios vbios, SimFuse fuse, SimFb fb, SimGspBoot gspBoot) {
        this.gpu = gpu;
        this.vbios = vbios;
        this.fuse = fuse;
        this.fb = fb;
        this.gspBoot = gspBoot;
    }

    /** @return whether the falcon's IMEM holds the VBIOS's FWSEC code where its descriptor puts it */
    boolean loadedIn(SimFalcon f) {
        FalconUcodeDescV3 d = vbios.parsed().fwsecDesc();
        MemorySegment ucode = vbios.parsed().fwsecUcode();
        return f.imem().asSlice(d.imemPhysBase(), d.imemLoadSize()).mismatch(ucode.asSlice(0, d.imemLoadSize())) == -1;
    }

    /** Runs the FWSEC loaded in {@code f}: the boot ROM's checks, then its command. */
    void run(SimFalcon f) {
        FalconUcodeDescV3 d = vbios.parsed().fwsecDesc();
        if (f.dmaError()) {
            gpu.log("FWSEC: a DMA transfer into the falcon failed; the boot ROM refuses the ucode");
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return;
        }
        int version = fuse.signatureFuseVersion(FalconEngine.GSP);
        MemorySegment expected = vbios.parsed().fwsecSignatures().get(d.signatureIndex(version));
        long pkc = d.pkcDataOffset();
        if (gpu.ga102Plus() && !f.bromParamsAre(pkc, d.engineIdMask(), d.ucodeId())) {
            gpu.log("FWSEC: boot ROM parameters ({}) do not match the ucode", f.bromParams());
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return;
        }
        if (f.dmem().asSlice(d.dmemPhysBase() + pkc, expected.byteSize()).mismatch(expected) != -1) {
            gpu.log("FWSEC: DMEM at 0x{} does not hold the signature for fuse version {}", Long.toHexString(pkc), version);
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return;
        }
        FwsecInterface.Command cmd;
        try {
            cmd = loadedCommand(f, d);
        } catch (FormatException e) {
            gpu.log("FWSEC: no command to run: {}", e.getMessage());
            f.finish(NvidiaGpu.FWSEC_ERR_COMMAND);
            return;
        }
        if (cmd.initCmd() == FwsecInterface.CMD_SB) {
            // the falcon it runs on went through reset to load it; SB leaves it in its pre-LibOS state
            gspBoot.fwsecSbRan();
            gpu.info("FWSEC-SB: the GSP falcon is back in its pre-LibOS state");
            f.finish(0);
            return;
        }
        if (cmd.initCmd() != FwsecInterface.CMD_FRTS) {
            gpu.log("FWSEC: command 0x{} is not modelled (only FRTS and SB)", Integer.toHexString(cmd.initCmd()));
            f.finish(NvidiaGpu.FWSEC_ERR_COMMAND);
            return;
        }
        frts(cmd);
        f.finish(0);
    }

    /**
     * Reads the command from the ucode as loaded: the IMEM image, then the DMEM image, the layout
     * {@link FwsecInterface} walks.
     */
    private static FwsecInterface.Command loadedCommand(SimFalcon f, FalconUcodeDescV3 d) {
        MemorySegment loaded = MemorySegment.ofArray(new byte[(int) (d.imemLoadSize() + d.dmemLoadSize())]);
        loaded.copyFrom(f.imem().asSlice(d.imemPhysBase(), d.imemLoadSize()));
        loaded.asSlice(d.imemLoadSize()).copyFrom(f.dmem().asSlice(d.dmemPhysBase(), d.dmemLoadSize()));
        return FwsecInterface.locate("FWSEC in the GSP falcon", loaded, d).readCommand(loaded);
    }

    /** FRTS: WPR2 over the region, unless the region is not the FRTS region of the framebuffer. */
    private void frts(FwsecInterface.Command cmd) {
        if (gpu.options().fault() == GpuFault.FWSEC_ERROR) {
            fb.frtsFailed(GpuFault.FWSEC_ERROR_CODE);
            return;
        }
        long start = cmd.frtsAddress();
        long size = cmd.frtsSize();
        if (cmd.regionType() != FwsecInterface.FRTS_REGION_TYPE_FB || size != FbLayoutFacts.FRTS_SIZE
                || start + size > fb.size() || fb.hasWpr2()) {
            gpu.log("FWSEC-FRTS: refused region 0x{}+0x{} type {} (framebuffer 0x{}, WPR2 end 0x{})",
                    Long.toHexString(start), Long.toHexString(size), cmd.regionType(), Long.toHexString(fb.size()),
                    Long.toHexString(fb.wpr2End()));
            fb.frtsFailed(SimFb.FRTS_ERR_REGION_REFUSED);
            return;
        }
        fb.frtsDone(start, start + size);
    }
}
