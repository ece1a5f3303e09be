package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.BootloaderDmemDescV2;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;

/**
 * FWSEC, the VBIOS's heavy-secure ucode, run on the GSP falcon as nova-core's firmware/fwsec.rs
 * and gsp/boot.rs run_fwsec_frts run it. The boot ROM first checks what the driver loaded: the
 * IMEM image, the signature for the fused version at the descriptor's PKC offset of DMEM, and (from
 * GA102 on) the boot ROM parameters; a ucode it refuses ends with {@link NvidiaGpu#BROM_ERR_SIGNATURE}
 * in MAILBOX0. FWSEC then executes the command its DMEM mapper names, found through the application
 * interface table as the driver found it to patch ({@link FwsecInterface}). FRTS creates WPR2 over
 * the FRTS region the command gives, or refuses the region (one of size 0 included: GA100 has no
 * FRTS and upstream skips the command) and reports an error code in SW_SCRATCH_0E ({@link SimFb});
 * either way the falcon halts with MAILBOX0 0. SB (run at unload, gsp/hal/tu102.rs
 * Sec2UnloadBundle) puts the GSP falcon back in its pre-LibOS state, which booter_unload requires
 * ({@link SimGspBoot#fwsecSbRan}).
 *
 * <p>On Turing and GA100 (nova-core firmware/fwsec/bootloader.rs, commit 1f9283af) FWSEC carries a
 * V2 descriptor, signed as it is, and is started only by the generic bootloader: the falcon must
 * start at the bootloader's start tag with the trusted gen_bootloader code ({@link TrustedFirmware})
 * in IMEM right below 64 KiB; the bootloader reads the {@link BootloaderDmemDescV2} at DMEM 0 and
 * DMAs FWSEC's non-secure code, secure code and data in through the DMA context it names
 * ({@link SimFalcon#dmaIn}: system-memory aperture, the device's DMA path), so a wrong address or
 * size brings in other bytes and the boot ROM's check of the code fails. FWSEC put into IMEM
 * directly (by PIO, as GA102's DMA path would) is not started there.
 */
final class SimFwsec {
    /** MAILBOX0 when the falcon was not started at the generic bootloader's entry (it runs nothing). */
    static final int BL_ERR_BOOT_VECTOR = 0x0000_0b1e;
    private final NvidiaGpu gpu;
    private final SimVbios vbios;
    private final SimFuse fuse;
    private final SimFb fb;
    private final SimGspBoot gspBoot;
    private final TrustedFirmware trusted;

    SimFwsec(NvidiaGpu gpu, SimVbios vbios, SimFuse fuse, SimFb fb, SimGspBoot gspBoot, TrustedFirmware trusted) {
        this.gpu = gpu;
        this.vbios = vbios;
        this.fuse = fuse;
        this.fb = fb;
        this.gspBoot = gspBoot;
        this.trusted = trusted;
    }

    private boolean viaBootloader() {
        return gpu.options().chipset().needsFwsecBootloader();
    }

    /**
     * @return whether the falcon's IMEM holds what starts FWSEC: the VBIOS's FWSEC code where its
     *     descriptor puts it, or (Turing, GA100) the generic bootloader
     */
    boolean loadedIn(SimFalcon f) {
        if (viaBootloader() && somethingBelowTheCeiling(f)) {
            return true;
        }
        // FWSEC's secure code where its descriptor puts it: a start of FWSEC (refused on Turing and
        // GA100 without the bootloader, whatever else was loaded)
        FalconUcodeDesc d = vbios.parsed().fwsecDesc();
        return same(f.imem(), vbios.parsed().fwsecUcode(), d.imemSecure());
    }

    /**
     * @return whether the IMEM block right below the bootloader's load ceiling holds code: a
     *     bootloader (trusted or not) was loaded where bootloader.rs puts it
     */
    private static boolean somethingBelowTheCeiling(SimFalcon f) {
        MemorySegment block = f.imem().asSlice(GenBootloader.LOAD_CEILING - GenBootloader.MEM_BLOCK_ALIGNMENT,
                GenBootloader.MEM_BLOCK_ALIGNMENT);
        return block.mismatch(MemorySegment.ofArray(new byte[GenBootloader.MEM_BLOCK_ALIGNMENT])) != -1;
    }

    /** @return whether IMEM holds the VBIOS's FWSEC code (secure and non-secure parts) where the descriptor puts them */
    private boolean codeIn(SimFalcon f) {
        FalconUcodeDesc d = vbios.parsed().fwsecDesc();
        MemorySegment ucode = vbios.parsed().fwsecUcode();
        if (!same(f.imem(), ucode, d.imemSecure())) {
            return false;
        }
        return d.imemNonSecure().map(ns -> same(f.imem(), ucode, ns)).orElse(true);
    }

    private static boolean same(MemorySegment mem, MemorySegment ucode, FalconUcodeDesc.LoadTarget t) {
        return t.dstStart() + t.len() <= mem.byteSize() && t.srcStart() + t.len() <= ucode.byteSize()
                && mem.asSlice(t.dstStart(), t.len()).mismatch(ucode.asSlice(t.srcStart(), t.len())) == -1;
    }

    /** @return whether IMEM holds the trusted bootloader's code, padded, right below the load ceiling */
    private static boolean bootloaderIn(SimFalcon f, GenBootloader g) {
        MemorySegment padded = MemorySegment.ofArray(new byte[(int) g.alignedCodeSize()]);
        MemorySegment.copy(g.code(), 0, padded, 0, g.codeSize());
        return f.imem().asSlice(g.imemDstStart(), g.alignedCodeSize()).mismatch(padded) == -1;
    }

    /** Runs the FWSEC loaded in {@code f}: the boot ROM's checks, then its command. */
    void run(SimFalcon f) {
        FalconUcodeDesc d = vbios.parsed().fwsecDesc();
        if (viaBootloader() && !runBootloader(f)) {
            return;
        }
        if (f.dmaError()) {
            gpu.log("FWSEC: a DMA transfer into the falcon failed; the boot ROM refuses the ucode");
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return;
        }
        if (d.signatureCount() > 0) {
            int version = fuse.signatureFuseVersion(FalconEngine.GSP);
            MemorySegment expected = vbios.parsed().fwsecSignatures().get(d.signatureIndex(version));
            long pkc = d.pkcDataOffset();
            if (gpu.ga102Plus() && !f.bromParamsAre(pkc, d.engineIdMask(), d.ucodeId())) {
                gpu.log("FWSEC: boot ROM parameters ({}) do not match the ucode", f.bromParams());
                f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
                return;
            }
            if (f.dmem().asSlice(d.dmem().dstStart() + pkc, expected.byteSize()).mismatch(expected) != -1) {
                gpu.log("FWSEC: DMEM at 0x{} does not hold the signature for fuse version {}", Long.toHexString(pkc),
                        version);
                f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
                return;
            }
        } else if (!codeIn(f)) {
            // a V2 image is signed as it is: its code must be the VBIOS's, byte for byte
            gpu.log("FWSEC: the code in IMEM is not the VBIOS's signed FWSEC image; the boot ROM refuses it");
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
     * The generic bootloader's run: started at its entry with its code in IMEM, it reads its
     * descriptor from DMEM 0 and DMAs FWSEC in. On any refusal the run ends here with an error in
     * MAILBOX0.
     *
     * @return whether FWSEC is now loaded (by DMA) and runs
     */
    private boolean runBootloader(SimFalcon f) {
        Optional<GenBootloader> trustedBl = trusted.genBootloader();
        if (trustedBl.isEmpty()) {
            gpu.log("FWSEC: no trusted {} in {}: the boot ROM starts no bootloader", FirmwareNames.GEN_BOOTLOADER,
                    trusted.dirs());
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return false;
        }
        GenBootloader g = trustedBl.get();
        if (!bootloaderIn(f, g)) {
            gpu.log("FWSEC: {} starts FWSEC only through the generic bootloader's DMA; IMEM at 0x{} does not hold "
                    + "it (FWSEC loaded directly is not started)", gpu.options().chipset(),
                    Long.toHexString(g.imemDstStart()));
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return false;
        }
        if (Integer.toUnsignedLong(f.bootvec()) != g.bootAddr()) {
            gpu.log("FWSEC: the falcon started at 0x{}, not at the generic bootloader's entry 0x{}",
                    Integer.toHexString(f.bootvec()), Long.toHexString(g.bootAddr()));
            f.finish(BL_ERR_BOOT_VECTOR);
            return false;
        }
        BootloaderDmemDescV2 d = BootloaderDmemDescV2.parse("DMEM of " + f.engine(), f.dmem(), 0);
        if (d.codeDmaBase() % Pfalcon.DMA_TRANSFER_BYTES != 0 || d.dataDmaBase() % Pfalcon.DMA_TRANSFER_BYTES != 0) {
            gpu.log("FWSEC: bootloader descriptor code_dma_base 0x{} / data_dma_base 0x{} not 256-byte aligned",
                    Long.toHexString(d.codeDmaBase()), Long.toHexString(d.dataDmaBase()));
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return false;
        }
        int ctx = (int) d.ctxDma();
        // the DMA object mirrors IMEM: each code offset is both source offset and IMEM destination
        boolean ok = f.dmaIn(ctx, d.codeDmaBase() + d.nonSecCodeOff(), true, d.nonSecCodeOff(), d.nonSecCodeSize())
                && f.dmaIn(ctx, d.codeDmaBase() + d.secCodeOff(), true, d.secCodeOff(), d.secCodeSize())
                && f.dmaIn(ctx, d.dataDmaBase(), false, 0, d.dataSize());
        if (!ok) {
            gpu.log("FWSEC: the generic bootloader's DMA failed; nothing runs");
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return false;
        }
        return true;
    }

    /**
     * Reads the command from the ucode as loaded: the IMEM image, then the DMEM image, the layout
     * {@link FwsecInterface} walks.
     */
    private static FwsecInterface.Command loadedCommand(SimFalcon f, FalconUcodeDesc d) {
        MemorySegment loaded = MemorySegment.ofArray(new byte[(int) (d.imemLoadSize() + d.dmemLoadSize())]);
        long imemAt = d.imemNonSecure().map(FalconUcodeDesc.LoadTarget::dstStart).orElse(d.imemSecure().dstStart());
        loaded.copyFrom(f.imem().asSlice(imemAt, d.imemLoadSize()));
        loaded.asSlice(d.imemLoadSize()).copyFrom(f.dmem().asSlice(d.dmem().dstStart(), d.dmemLoadSize()));
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
        if (size == 0) {
            gpu.log("FWSEC-FRTS: refused an FRTS region of size 0 at 0x{} (a chip without FRTS, as GA100, is not "
                    + "sent the command)", Long.toHexString(start));
            fb.frtsFailed(SimFb.FRTS_ERR_REGION_REFUSED);
            return;
        }
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
