package org.nova.hw.sim.gpu;

import static org.nova.nvidia.regs.Pfalcon.*;
import static org.nova.nvidia.regs.Pfalcon2.*;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.nova.nvidia.regs.FalconEngine;

/**
 * One falcon engine of the simulated GPU (GSP or SEC2), nova-core's falcon.rs seen from the
 * hardware side: mailboxes, CPU control (with the alias on GA102 and later), boot vector, the DMA
 * engine and FBIF copying from host memory into IMEM/DMEM ({@link SimFalconDma}, which it owns),
 * PIO ports (IMEMC/IMEMD, DMEMC/DMEMD, as Turing loads), engine reset with memory scrubbing, the boot ROM parameters and the RISC-V core state.
 * Starting the CPU hands control to the GPU's secure ROM model ({@link NvidiaGpu#run}), which
 * decides what the loaded ucode does and reports through {@link #finish} or {@link #post}.
 *
 * <p>Owns the engine's state: the ucode models read it through the accessors and change it only
 * through the methods here.
 */
final class SimFalcon implements Bar0Unit {
    /** IMEM size modelled (64 KiB, enough for FWSEC and the booter). */
    static final int IMEM_SIZE = 64 << 10;
    /** DMEM size modelled. */
    static final int DMEM_SIZE = 64 << 10;
    /** Each of the PFALCON and PFALCON2 windows spans 4 KiB of BAR0 ({@link FalconEngine#containing}). */
    private static final int WINDOW_SIZE = 0x1000;
    /** HWCFG1 core_rev before GA102 (falcon.rs FalconCoreRev::Rev6). */
    private static final int CORE_REV_TU102 = 6;
    /** HWCFG1 core_rev from GA102 on (falcon.rs FalconCoreRev::Rev7). */
    private static final int CORE_REV_GA102 = 7;
    /** Bytes per PIO data word (IMEMD/DMEMD). */
    private static final int PIO_WORD = Integer.BYTES;
    /** Bits per byte, to assemble words. */
    private static final int BYTE_BITS = 8;
    /** Mask of an unsigned byte. */
    private static final int BYTE_MASK = 0xff;
    /** Bits of a mailbox register, to join MAILBOX0 and MAILBOX1 into a 64-bit value. */
    private static final int MAILBOX_BITS = 32;

    private final FalconEngine engine;
    private final NvidiaGpu gpu;
    private final boolean ga102Plus;

    private final byte[] imem = new byte[IMEM_SIZE];
    private final byte[] dmem = new byte[DMEM_SIZE];
    /** Volatile: GSP-RM's thread reports its suspend here ({@link #raiseMailbox0}). */
    private volatile int mailbox0;
    private int mailbox1;
    private int bootvec;
    private int os;
    private int rm;
    private boolean halted;
    private boolean inReset;
    /** The last reset's acknowledgement could not be flushed (no usable sysmem flush page): it stays in reset. */
    private boolean resetStuck;
    private int dmactl;
    /** The DMA engine and FBIF, powered on and reset with this falcon. */
    private final SimFalconDma dma;
    private final int[] imemc = new int[IMEMC.count()];
    private final int[] dmemc = new int[DMEMC.count()];
    private int bromParaaddr;
    private int bromEngidmask;
    private int bromUcodeId;
    private int modSel;
    private int bcrCtrl;
    private volatile boolean riscvActive;
    /**
     * Hopper and Blackwell GSP: the PRIV target mask locks the falcon to the FSP (HWCFG2 reads the
     * locked pattern) from the FSP's acceptance of a chain of trust until GSP-FMC releases it.
     */
    private volatile boolean privLocked;
    /** Hopper and Blackwell GSP: RISC-V branch privilege lockdown (HWCFG2 bit 13), until GSP-FMC booted GSP-RM. */
    private volatile boolean brPrivLockdown;

    SimFalcon(FalconEngine engine, NvidiaGpu gpu, boolean ga102Plus) {
        this.engine = engine;
        this.gpu = gpu;
        this.ga102Plus = ga102Plus;
        this.dma = new SimFalconDma(engine, gpu, imem, dmem);
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
        inReset = false;
        resetStuck = false;
        dmactl = 0;
        dma.powerOn();
        Arrays.fill(imemc, 0);
        Arrays.fill(dmemc, 0);
        bromParaaddr = 0;
        bromEngidmask = 0;
        bromUcodeId = 0;
        modSel = 0;
        // The GSP powers on with its RISC-V core selected (GA102+): the driver must select the falcon.
        bcrCtrl = ga102Plus && engine == FalconEngine.GSP
                ? BCR_CTRL_CORE_SELECT.of(CORE_SELECT_RISCV) | BCR_CTRL_VALID.of(1) : BCR_CTRL_VALID.of(1);
        riscvActive = false;
        privLocked = false;
        // the GSP of an FSP chip powers on locked down: only the FSP's chain of trust boots it
        brPrivLockdown = engine == FalconEngine.GSP && gpu.bootsThroughFsp();
    }

    private void scrub() {
        Arrays.fill(imem, (byte) 0);
        Arrays.fill(dmem, (byte) 0);
    }

    /**
     * The engine's PFALCON and PFALCON2 windows, whole: registers this model does not implement
     * read 0 and ignore writes. That includes NV_PGSP_QUEUE_HEAD, the GSP's command queue doorbell
     * in the GSP's window, which is not modelled ({@link SimGspBoot}).
     */
    @Override
    public boolean decodes(int off) {
        return FalconEngine.containing(off) == engine;
    }

    @Override
    public int read(int off) {
        int rel = off - engine.base();
        if (rel >= 0 && rel < WINDOW_SIZE) {
            return readPfalcon(rel);
        }
        return readPfalcon2(off - engine.base2());
    }

    @Override
    public void write(int off, int value) {
        int rel = off - engine.base();
        if (rel >= 0 && rel < WINDOW_SIZE) {
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
            if (privLocked) {
                return PRIV_TARGET_LOCKED_PATTERN;
            }
            // RISC-V present, scrubbing done at once, reset always ready.
            return HWCFG2_RISCV.of(1) | HWCFG2_RESET_READY.of(1) | HWCFG2_MEM_SCRUBBING.of(inReset ? 1 : 0)
                    | HWCFG2_RISCV_BR_PRIV_LOCKDOWN.of(brPrivLockdown ? 1 : 0);
        } else if (rel == CPUCTL.offset()) {
            return CPUCTL_HALTED.set(0, halted) | CPUCTL_ALIAS_EN.set(0, ga102Plus);
        } else if (rel == BOOTVEC.offset()) {
            return bootvec;
        } else if (rel == DMACTL.offset()) {
            int scrubbing = DMACTL_DMEM_SCRUBBING.mask() | DMACTL_IMEM_SCRUBBING.mask();
            return dmactl & ~scrubbing | (resetStuck ? scrubbing : 0);
        } else if (dma.decodes(rel)) {
            return dma.read(rel);
        } else if (rel == HWCFG1.offset()) {
            return HWCFG1_CORE_REV.of(ga102Plus ? CORE_REV_GA102 : CORE_REV_TU102) | HWCFG1_SECURITY_MODEL.of(SECURITY_MODEL_HEAVY);
        } else if (rel == CPUCTL_ALIAS.offset()) {
            return 0;
        } else if (rel == ENGINE.offset()) {
            return ENGINE_RESET.set(0, inReset);
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
        } else if (dma.decodes(rel)) {
            dma.write(rel, v);
        } else if (rel == ENGINE.offset()) {
            boolean r = ENGINE_RESET.isSet(v);
            if (r) {
                powerOn();
                inReset = true;
                gpu.falconReset(this);
            } else if (inReset) {
                // The reset acknowledgement is a write the falcon flushes to system memory through
                // the sysmem flush page (fb.rs SysmemFlush): without one it never lands and the
                // engine stays in reset, scrubbing never reported done.
                String why = gpu.sysmemFlushUnusable();
                if (why != null) {
                    if (!resetStuck) {
                        gpu.log("{}: reset acknowledgement cannot be flushed, the engine stays in reset: {}", engine,
                                why);
                    }
                    resetStuck = true;
                } else {
                    resetStuck = false;
                    inReset = false; // scrubbing is instantaneous
                }
            }
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
        int at = ctl[port] & offsMask & -PIO_WORD;
        int r = 0;
        if (at + PIO_WORD <= mem.length) {
            if (write) {
                for (int i = 0; i < PIO_WORD; i++) {
                    mem[at + i] = (byte) (v >>> (BYTE_BITS * i));
                }
            } else {
                r = word(mem, at);
            }
        }
        if (write && (ctl[port] & aincwMask) != 0) {
            ctl[port] = (ctl[port] & ~offsMask) | ((at + PIO_WORD) & offsMask);
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

    /**
     * What a ucode running on the falcon (the generic bootloader, {@link SimFwsec}) DMAs in, through
     * this falcon's DMA engine ({@link SimFalconDma#dmaIn}).
     *
     * @return whether every block was copied (else {@link #dmaError()} is set)
     */
    boolean dmaIn(int ctx, long src, boolean toImem, long dst, long len) {
        return dma.dmaIn(ctx, src, toImem, dst, len);
    }

    private void start() {
        if (inReset) {
            return;
        }
        halted = false;
        gpu.run(this);
    }

    // ---- what the ucode models see and do ---------------------------------------------------------

    /** @return the engine */
    FalconEngine engine() {
        return engine;
    }

    /** @return IMEM (a view: the ucode models compare it, never write it) */
    MemorySegment imem() {
        return MemorySegment.ofArray(imem);
    }

    /** @return DMEM (a view: the ucode models compare it, never write it) */
    MemorySegment dmem() {
        return MemorySegment.ofArray(dmem);
    }

    /** @return MAILBOX0 */
    int mailbox0() {
        return mailbox0;
    }

    /** @return MAILBOX1:MAILBOX0 as one 64-bit value (how the driver hands over an address) */
    long mailboxes() {
        return Integer.toUnsignedLong(mailbox0) | Integer.toUnsignedLong(mailbox1) << MAILBOX_BITS;
    }

    /** @return the boot vector the driver set */
    int bootvec() {
        return bootvec;
    }

    /** @return whether a DMA transfer into the falcon failed since its last reset */
    boolean dmaError() {
        return dma.dmaError();
    }

    /**
     * @return whether the boot ROM parameters the driver set (falcon/hal/ga102.rs
     *     program_brom_ga102) are the given ucode's, with the RSA-3K signature algorithm
     */
    boolean bromParamsAre(long pkcDataOffset, long engineIdMask, long ucodeId) {
        return bromParaaddr == pkcDataOffset && bromEngidmask == engineIdMask && bromUcodeId == ucodeId
                && modSel == MOD_SEL_ALGO_RSA3K;
    }

    /** @return the boot ROM parameters, for messages */
    String bromParams() {
        return "paraaddr 0x" + Integer.toHexString(bromParaaddr) + ", engidmask 0x" + Integer.toHexString(bromEngidmask)
                + ", ucode id " + bromUcodeId + ", mod_sel " + modSel;
    }

    /** @return whether the RISC-V core runs */
    boolean riscvActive() {
        return riscvActive;
    }

    /** The RISC-V core starts (the booter started GSP-RM, or SEC2-RTOS resumed it). */
    void startRiscv() {
        riscvActive = true;
    }

    /** The RISC-V core halts (GSP-RM crashed or unloaded). */
    void haltRiscv() {
        riscvActive = false;
    }

    /** Ends a run: result in MAILBOX0, CPU halted (unless the GPU was told to hang). */
    void finish(int result) {
        mailbox0 = result;
        halted = !gpu.options().fault().equals(GpuFault.FALCON_HANG);
    }

    /** Ends a run as {@link #finish(int)}, with MAILBOX1 set too. */
    void finish(int result, int mailbox1Value) {
        mailbox1 = mailbox1Value;
        finish(result);
    }

    /**
     * Ends a run without a result: the ucode stopped before the epilogue that writes its mailboxes,
     * which keep what the driver wrote (upstream's booter_unload sentinel tells this apart).
     */
    void halt() {
        halted = !gpu.options().fault().equals(GpuFault.FALCON_HANG);
    }

    /** The firmware on the RISC-V core sets {@code bits} in MAILBOX0 (GSP-RM's suspend report). */
    void raiseMailbox0(int bits) {
        mailbox0 |= bits;
    }

    /**
     * The FSP took the GSP for a chain of trust: its registers read the PRIV-locked pattern, it is
     * in branch privilege lockdown, and its mailboxes hold the GSP-FMC boot parameters' address.
     */
    void lockToFsp(long bootParams) {
        privLocked = true;
        brPrivLockdown = true;
        mailbox0 = (int) bootParams;
        mailbox1 = (int) (bootParams >>> MAILBOX_BITS);
    }

    /**
     * GSP-FMC is done with the boot parameters: the PRIV target mask is released and MAILBOX0 holds
     * {@code result} (0, or GSP-FMC's error code), MAILBOX1 0; on success the branch privilege
     * lockdown is released too.
     */
    void fmcDone(int result) {
        mailbox0 = result;
        mailbox1 = 0;
        privLocked = false;
        brPrivLockdown = result != 0;
    }

    /** A firmware that keeps running (its CPU does not halt) posts a verdict in MAILBOX0. */
    void post(int result) {
        mailbox0 = result;
    }

    /** @return a little-endian u32 of DMEM */
    int dmem32(int at) {
        return word(dmem, at);
    }

    private static int word(byte[] mem, int at) {
        int r = 0;
        for (int i = 0; i < PIO_WORD; i++) {
            r |= (mem[at + i] & BYTE_MASK) << (BYTE_BITS * i);
        }
        return r;
    }
}
