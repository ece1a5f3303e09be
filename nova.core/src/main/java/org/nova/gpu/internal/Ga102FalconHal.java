package org.nova.gpu.internal;

import static org.nova.nvidia.regs.Pfalcon.*;
import static org.nova.nvidia.regs.Pfalcon2.*;

import org.nova.bus.pci.DmaCoherent;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.fw.HsSignatureParams;
import org.nova.nvidia.regs.Fuse;

/**
 * GA102 and later falcons (Ampere GA10x, Ada), nova-core falcon/hal/ga102.rs: DMA loading,
 * boot-ROM parameters, fuse-selected signatures, Peregrine core selection, scrubbing status in
 * HWCFG2, RISC-V status in RISCV_CPUCTL.
 */
final class Ga102FalconHal implements FalconHal {
    /** Wait for RESET_READY (non-fatal; ga102.rs: 150 us). */
    static final long RESET_READY_TIMEOUT_MS = 1;
    /** Memory scrubbing must end within 20 ms. */
    static final long SCRUB_TIMEOUT_MS = 20;
    /** Core selection must become valid within 10 ms. */
    static final long SELECT_TIMEOUT_MS = 10;

    @Override
    public void resetEngine(Falcon f) {
        try {
            Poll.until(f.engine + " reset ready", RESET_READY_TIMEOUT_MS, 0,
                    () -> HWCFG2_RESET_READY.isSet(f.bar.read(HWCFG2, f.engine)));
        } catch (DriverException e) {
            // OpenRM kflcnPreResetWait_GA102: hardware sometimes does not set RESET_READY.
        }
        f.pulseEngineReset();
        Poll.until(f.engine + " memory scrubbing", SCRUB_TIMEOUT_MS, 0,
                () -> !HWCFG2_MEM_SCRUBBING.isSet(f.bar.read(HWCFG2, f.engine)));
    }

    @Override
    public void selectCore(Falcon f) {
        if (BCR_CTRL_CORE_SELECT.get(f.bar.read(RISCV_BCR_CTRL, f.engine)) != CORE_SELECT_FALCON) {
            f.bar.write(RISCV_BCR_CTRL, f.engine, BCR_CTRL_CORE_SELECT.of(CORE_SELECT_FALCON));
            Poll.until(f.engine + " falcon core selection", SELECT_TIMEOUT_MS, 0,
                    () -> BCR_CTRL_VALID.isSet(f.bar.read(RISCV_BCR_CTRL, f.engine)));
        }
    }

    @Override
    public int signatureFuseVersion(Falcon f, int engineIdMask, int ucodeId) {
        if (ucodeId < 1 || ucodeId > Fuse.OPT_FPF_SIZE) {
            throw new DriverException(Errno.EINVAL, String.format("invalid ucode id 0x%x", ucodeId));
        }
        int idx = ucodeId - 1;
        int raw;
        if ((engineIdMask & HsSignatureParams.ENGINE_ID_SEC2) != 0) {
            raw = Fuse.OPT_FPF_SEC2_DATA.get(f.bar.read(Fuse.OPT_FPF_SEC2_UCODE1_VERSION, idx));
        } else if ((engineIdMask & HsSignatureParams.ENGINE_ID_NVDEC) != 0) {
            raw = Fuse.OPT_FPF_NVDEC_DATA.get(f.bar.read(Fuse.OPT_FPF_NVDEC_UCODE1_VERSION, idx));
        } else if ((engineIdMask & HsSignatureParams.ENGINE_ID_GSP) != 0) {
            raw = Fuse.OPT_FPF_GSP_DATA.get(f.bar.read(Fuse.OPT_FPF_GSP_UCODE1_VERSION, idx));
        } else {
            throw new DriverException(Errno.EINVAL, String.format("unexpected engine_id_mask 0x%x", engineIdMask));
        }
        return Fuse.versionFromBitmap(raw);
    }

    @Override
    public void checkLoad(DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem) {
        Falcon.checkDmaRange(ucode, imem, dmaStart(ucode, imem, true));
        Falcon.checkDmaRange(ucode, dmem, dmaStart(ucode, dmem, false));
    }

    /** IMEM keeps the source offset as the virtual tag; DMEM folds it into the base. */
    private static long dmaStart(DmaCoherent ucode, Falcon.LoadTarget t, boolean toImem) {
        return toImem ? ucode.iova() : ucode.iova() + t.srcStart();
    }

    @Override
    public void load(Falcon f, DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem) {
        // dma_reset, then the FBIF aperture of context 0: coherent system memory, physical.
        f.dmaReset();
        int t = f.bar.read(FBIF_TRANSCFG, f.engine, 0);
        t = FBIF_TRANSCFG_TARGET.set(t, FBIF_TARGET_COHERENT_SYSMEM);
        t = FBIF_TRANSCFG_MEM_TYPE.set(t, 1);
        f.bar.write(FBIF_TRANSCFG, f.engine, 0, t);
        transfer(f, ucode, imem, true);
        transfer(f, ucode, dmem, false);
    }

    private static void transfer(Falcon f, DmaCoherent ucode, Falcon.LoadTarget t, boolean toImem) {
        long srcStart = toImem ? t.srcStart() : 0;
        long dmaStart = dmaStart(ucode, t, toImem);
        Falcon.checkDmaRange(ucode, t, dmaStart);
        f.bar.write(DMATRFBASE, f.engine, (int) (dmaStart >>> 8));
        f.bar.write(DMATRFBASE1, f.engine, DMATRFBASE1_BASE.of((dmaStart >>> 40) & 0x1ff));
        int cmd = DMATRFCMD_SIZE.of(DMATRFCMD_SIZE_256B) | DMATRFCMD_IMEM.set(0, toImem) | DMATRFCMD_SEC.of(1);
        for (long pos = 0; pos < t.len(); pos += DMA_TRANSFER_BYTES) {
            f.bar.write(DMATRFMOFFS, f.engine, DMATRFMOFFS_OFFS.of(t.dstStart() + pos));
            f.bar.write(DMATRFFBOFFS, f.engine, (int) (srcStart + pos));
            f.bar.write(DMATRFCMD, f.engine, cmd);
            Poll.until(f.engine + " DMA transfer", Falcon.HALT_TIMEOUT_MS, 0,
                    () -> DMATRFCMD_IDLE.isSet(f.bar.read(DMATRFCMD, f.engine)));
        }
    }

    @Override
    public void programBrom(Falcon f, Falcon.BromParams p) {
        f.bar.write(BROM_PARAADDR, f.engine, 0, (int) p.pkcDataOffset());
        f.bar.write(BROM_ENGIDMASK, f.engine, p.engineIdMask());
        f.bar.write(BROM_CURR_UCODE_ID, f.engine, BROM_CURR_UCODE_ID_VALUE.of(p.ucodeId()));
        f.bar.write(MOD_SEL, f.engine, MOD_SEL_ALGO.of(MOD_SEL_ALGO_RSA3K));
    }

    @Override
    public boolean isRiscvActive(Falcon f) {
        return RISCV_CPUCTL_ACTIVE_STAT.isSet(f.bar.read(RISCV_CPUCTL, f.engine));
    }
}
