package org.nova.hw.sim.gpu;

import static org.nova.nvidia.regs.Pfalcon.*;
import static org.nova.nvidia.regs.Pfalcon2.*;

import java.lang.foreign.MemorySegment;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;

/**
 * One falcon engine of the simulated GPU (GSP or SEC2): mailboxes, CPU control (with the alias
 * on GA102 and later), boot vector, DMA engine copying from host memory into IMEM/DMEM, PIO
 * ports (IMEMC/IMEMD, DMEMC/DMEMD, as Turing loads), engine reset with memory scrubbing, the
 * boot ROM parameters and the RISC-V core state. Starting the CPU hands control to the GPU's
 * secure ROM model ({@link NvidiaGpu#run}), which decides what the loaded ucode does.
 */
final class SimFalcon {
    /** IMEM size modelled (64 KiB, enough for FWSEC and the booter). */
    static final int IMEM_SIZE = 64 << 10;
    /** DMEM size modelled. */
    static final int DMEM_SIZE = 64 << 10;

    final FalconEngine engine;
    private final NvidiaGpu gpu;
    private final boolean ga102Plus;

    final byte[] imem = new byte[IMEM_SIZE];
    final byte[] dmem = new byte[DMEM_SIZE];
    int mailbox0;
    int mailbox1;
    int bootvec;
    int os;
    int rm;
    boolean halted;
    boolean started;
    boolean inReset;
    int dmactl;
    int dmaBase;
    int dmaBase1;
    int dmaMoffs;
    int dmaFboffs;
    final int[] transcfg = new int[FBIF_TRANSCFG.count()];
    int fbifCtl;
    final int[] imemc = new int[4];
    final int[] dmemc = new int[8];
    int bromParaaddr;
    int bromEngidmask;
    int bromUcodeId;
    int modSel;
    int bcrCtrl;
    boolean riscvActive;
    /** Set when a DMA transfer was refused (bad aperture, IOMMU); the ucode will not verify. */
    boolean dmaError;

    SimFalcon(FalconEngine engine, NvidiaGpu gpu, boolean ga102Plus) {
        this.engine = engine;
        this.gpu = gpu;
        this.ga102Plus = ga102Plus;
        powerOn();
    }

    void powerOn() {
        scrub();
        mailbox0 = 0;
        mailbox1 = 0;
        bootvec = 0;
        os = 0;
        rm = 0;
        halted = false;
        started = false;
        inReset = false;
        dmactl = 0;
        java.util.Arrays.fill(transcfg, 0);
        fbifCtl = 0;
        java.util.Arrays.fill(imemc, 0);
        java.util.Arrays.fill(dmemc, 0);
        bromParaaddr = 0;
        bromEngidmask = 0;
        bromUcodeId = 0;
        modSel = 0;
        // The GSP powers on with its RISC-V core selected (GA102+): the driver must select the falcon.
        bcrCtrl = ga102Plus && engine == FalconEngine.GSP
                ? BCR_CTRL_CORE_SELECT.of(CORE_SELECT_RISCV) | BCR_CTRL_VALID.of(1) : BCR_CTRL_VALID.of(1);
        riscvActive = false;
        dmaError = false;
    }

    private void scrub() {
        java.util.Arrays.fill(imem, (byte) 0);
        java.util.Arrays.fill(dmem, (byte) 0);
    }

    /** @return whether {@code reg} at {@code rel} (offset from base or base2) belongs to this engine */
    int read(int off) {
        int rel = off - engine.base();
        if (rel >= 0 && rel < 0x1000) {
            return readPfalcon(rel);
        }
        return readPfalcon2(off - engine.base2());
    }

    void write(int off, int value) {
        int rel = off - engine.base();
        if (rel >= 0 && rel < 0x1000) {
            writePfalcon(rel, value);
        } else {
            writePfalcon2(off - engine.base2(), value);
        }
    }

    private int readPfalcon(int rel) {
        if (rel == MAILBOX0.offset()) {
            return mailbox0;
        } else if (rel == MAILBOX1.offset()) {
            return mailbox1;
        } else if (rel == OS.offset()) {
            return os;
        } else if (rel == RM.offset()) {
            return rm;
        } else if (rel == HWCFG2.offset()) {
            // RISC-V present, scrubbing done at once, reset always ready.
            return HWCFG2_RISCV.of(1) | HWCFG2_RESET_READY.of(1) | HWCFG2_MEM_SCRUBBING.of(inReset ? 1 : 0);
        } else if (rel == CPUCTL.offset()) {
            return CPUCTL_HALTED.set(0, halted) | CPUCTL_ALIAS_EN.set(0, ga102Plus);
        } else if (rel == BOOTVEC.offset()) {
            return bootvec;
        } else if (rel == DMACTL.offset()) {
            return dmactl & ~(DMACTL_DMEM_SCRUBBING.mask() | DMACTL_IMEM_SCRUBBING.mask());
        } else if (rel == DMATRFBASE.offset()) {
            return dmaBase;
        } else if (rel == DMATRFBASE1.offset()) {
            return dmaBase1;
        } else if (rel == DMATRFMOFFS.offset()) {
            return dmaMoffs;
        } else if (rel == DMATRFFBOFFS.offset()) {
            return dmaFboffs;
        } else if (rel == DMATRFCMD.offset()) {
            return DMATRFCMD_IDLE.of(1); // transfers complete synchronously
        } else if (rel == HWCFG1.offset()) {
            return HWCFG1_CORE_REV.of(ga102Plus ? 7 : 6) | HWCFG1_SECURITY_MODEL.of(SECURITY_MODEL_HEAVY);
        } else if (rel == CPUCTL_ALIAS.offset()) {
            return 0;
        } else if (rel == ENGINE.offset()) {
            return ENGINE_RESET.set(0, inReset);
        } else if (rel == FBIF_CTL.offset()) {
            return fbifCtl;
        } else if (FBIF_TRANSCFG.indexAt(rel) >= 0) {
            return transcfg[FBIF_TRANSCFG.indexAt(rel)];
        } else if (IMEMC.indexAt(rel) >= 0) {
            return imemc[IMEMC.indexAt(rel)];
        } else if (DMEMC.indexAt(rel) >= 0) {
            return dmemc[DMEMC.indexAt(rel)];
        } else if (IMEMD.indexAt(rel) >= 0) {
            return pio(imem, imemc, IMEMD.indexAt(rel), IMEMC_OFFS.mask(), IMEMC_AINCW.mask(), 0, false);
        } else if (DMEMD.indexAt(rel) >= 0) {
            return pio(dmem, dmemc, DMEMD.indexAt(rel), DMEMC_OFFS.mask(), DMEMC_AINCW.mask(), 0, false);
        }
        return 0;
    }

    private void writePfalcon(int rel, int v) {
        if (rel == MAILBOX0.offset()) {
            mailbox0 = v;
        } else if (rel == MAILBOX1.offset()) {
            mailbox1 = v;
        } else if (rel == OS.offset()) {
            os = v;
        } else if (rel == RM.offset()) {
            rm = v;
        } else if (rel == CPUCTL.offset()) {
            // With alias_en the CPUCTL start bit is locked: starting goes through CPUCTL_ALIAS.
            if (CPUCTL_STARTCPU.isSet(v) && !ga102Plus) {
                start();
            }
        } else if (rel == CPUCTL_ALIAS.offset()) {
            if (CPUCTL_ALIAS_STARTCPU.isSet(v) && ga102Plus) {
                start();
            }
        } else if (rel == BOOTVEC.offset()) {
            bootvec = v;
        } else if (rel == DMACTL.offset()) {
            dmactl = v;
        } else if (rel == DMATRFBASE.offset()) {
            dmaBase = v;
        } else if (rel == DMATRFBASE1.offset()) {
            dmaBase1 = v & DMATRFBASE1_BASE.mask();
        } else if (rel == DMATRFMOFFS.offset()) {
            dmaMoffs = v & DMATRFMOFFS_OFFS.mask();
        } else if (rel == DMATRFFBOFFS.offset()) {
            dmaFboffs = v;
        } else if (rel == DMATRFCMD.offset()) {
            dmaTransfer(v);
        } else if (rel == ENGINE.offset()) {
            boolean r = ENGINE_RESET.isSet(v);
            if (r) {
                powerOn();
                inReset = true;
                gpu.falconReset(this);
            } else if (inReset) {
                inReset = false; // scrubbing is instantaneous
            }
        } else if (rel == FBIF_CTL.offset()) {
            fbifCtl = v;
        } else if (FBIF_TRANSCFG.indexAt(rel) >= 0) {
            transcfg[FBIF_TRANSCFG.indexAt(rel)] = v;
        } else if (IMEMC.indexAt(rel) >= 0) {
            imemc[IMEMC.indexAt(rel)] = v;
        } else if (DMEMC.indexAt(rel) >= 0) {
            dmemc[DMEMC.indexAt(rel)] = v;
        } else if (IMEMD.indexAt(rel) >= 0) {
            pio(imem, imemc, IMEMD.indexAt(rel), IMEMC_OFFS.mask(), IMEMC_AINCW.mask(), v, true);
        } else if (DMEMD.indexAt(rel) >= 0) {
            pio(dmem, dmemc, DMEMD.indexAt(rel), DMEMC_OFFS.mask(), DMEMC_AINCW.mask(), v, true);
        }
    }

    private static int pio(byte[] mem, int[] ctl, int port, int offsMask, int aincwMask, int v, boolean write) {
        int at = ctl[port] & offsMask & ~3;
        int r = 0;
        if (at + 4 <= mem.length) {
            if (write) {
                for (int i = 0; i < 4; i++) {
                    mem[at + i] = (byte) (v >>> (8 * i));
                }
            } else {
                for (int i = 0; i < 4; i++) {
                    r |= (mem[at + i] & 0xff) << (8 * i);
                }
            }
        }
        if (write && (ctl[port] & aincwMask) != 0) {
            ctl[port] = (ctl[port] & ~offsMask) | ((at + 4) & offsMask);
        }
        return r;
    }

    private int readPfalcon2(int rel) {
        if (rel == MOD_SEL.offset()) {
            return modSel;
        } else if (rel == BROM_CURR_UCODE_ID.offset()) {
            return bromUcodeId;
        } else if (rel == BROM_ENGIDMASK.offset()) {
            return bromEngidmask;
        } else if (rel == BROM_PARAADDR.offset()) {
            return bromParaaddr;
        } else if (rel == RISCV_CORE_SWITCH_RISCV_STATUS.offset()) {
            return RISCV_STATUS_ACTIVE_STAT.set(0, riscvActive);
        } else if (rel == RISCV_CPUCTL.offset()) {
            return RISCV_CPUCTL_ACTIVE_STAT.set(0, riscvActive) | RISCV_CPUCTL_HALTED.set(0, !riscvActive);
        } else if (rel == RISCV_BCR_CTRL.offset()) {
            return bcrCtrl;
        }
        return 0;
    }

    private void writePfalcon2(int rel, int v) {
        if (rel == MOD_SEL.offset()) {
            modSel = v & MOD_SEL_ALGO.mask();
        } else if (rel == BROM_CURR_UCODE_ID.offset()) {
            bromUcodeId = v & BROM_CURR_UCODE_ID_VALUE.mask();
        } else if (rel == BROM_ENGIDMASK.offset()) {
            bromEngidmask = v;
        } else if (rel == BROM_PARAADDR.offset()) {
            bromParaaddr = v;
        } else if (rel == RISCV_BCR_CTRL.offset()) {
            // A core selection takes effect at once and reads back valid.
            bcrCtrl = (v & (BCR_CTRL_CORE_SELECT.mask() | BCR_CTRL_BR_FETCH.mask())) | BCR_CTRL_VALID.of(1);
        }
    }

    /** One DMATRFCMD write: a 256-byte copy from host memory into IMEM or DMEM. */
    private void dmaTransfer(int cmd) {
        if (Pfalcon.DMATRFCMD_IS_WRITE.isSet(cmd)) {
            gpu.log("{}: DMA from falcon memory to host is not modelled; ignored", engine);
            dmaError = true;
            return;
        }
        if (DMATRFCMD_SIZE.get(cmd) != DMATRFCMD_SIZE_256B) {
            gpu.log("{}: DMA size code {} is not modelled (only 256 B)", engine, DMATRFCMD_SIZE.get(cmd));
            dmaError = true;
            return;
        }
        int ctx = DMATRFCMD_CTXDMA.get(cmd);
        int target = FBIF_TRANSCFG_TARGET.get(transcfg[ctx]);
        if (target != FBIF_TARGET_COHERENT_SYSMEM && target != FBIF_TARGET_NONCOHERENT_SYSMEM) {
            // The aperture points at VRAM: what the driver put in system memory is not fetched.
            gpu.log("{}: DMA context {} targets local FB (TRANSCFG 0x{}), not system memory", engine, ctx,
                    Integer.toHexString(transcfg[ctx]));
            dmaError = true;
            return;
        }
        long base = (Integer.toUnsignedLong(dmaBase) << 8) | ((long) dmaBase1 << 40);
        long src = base + Integer.toUnsignedLong(dmaFboffs);
        boolean toImem = DMATRFCMD_IMEM.isSet(cmd);
        byte[] mem = toImem ? imem : dmem;
        int dst = dmaMoffs;
        if (dst + DMA_TRANSFER_BYTES > mem.length) {
            gpu.log("{}: DMA to {} offset 0x{} is past its end", engine, toImem ? "IMEM" : "DMEM", Integer.toHexString(dst));
            dmaError = true;
            return;
        }
        MemorySegment buf = MemorySegment.ofArray(new byte[DMA_TRANSFER_BYTES]);
        if (!gpu.host().dmaRead(src, buf)) {
            gpu.log("{}: DMA read of 0x{} refused by the IOMMU", engine, Long.toHexString(src));
            dmaError = true;
            return;
        }
        MemorySegment.copy(buf, 0, MemorySegment.ofArray(mem), dst, DMA_TRANSFER_BYTES);
    }

    private void start() {
        if (inReset) {
            return;
        }
        started = true;
        halted = false;
        gpu.run(this);
    }

    /** Ends a run: result in MAILBOX0, CPU halted (unless the GPU was told to hang). */
    void finish(int result) {
        mailbox0 = result;
        halted = !gpu.options().fault().equals(GpuFault.FALCON_HANG);
    }

    /** @return a little-endian u32 of DMEM */
    int dmem32(int at) {
        return (dmem[at] & 0xff) | (dmem[at + 1] & 0xff) << 8 | (dmem[at + 2] & 0xff) << 16 | (dmem[at + 3] & 0xff) << 24;
    }
}
