package org.nova.gpu.internal;

import static org.nova.nvidia.regs.Pfalcon.*;

import org.nova.bus.pci.DmaCoherent;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pmc;

/**
 * One falcon engine (GSP or SEC2) as nova-core's falcon.rs drives it: reset, load, boot with
 * mailboxes, wait for halt.
 */
final class Falcon {
    /** How long a falcon's firmware may run before it must halt (falcon.rs: 2 s). */
    static final long HALT_TIMEOUT_MS = 2000;

    /**
     * Where a part of the ucode goes.
     *
     * @param srcStart offset in the ucode
     * @param dstStart offset in IMEM/DMEM
     * @param len bytes
     */
    record LoadTarget(long srcStart, long dstStart, long len) {
    }

    /**
     * What the boot ROM checks.
     *
     * @param pkcDataOffset DMEM offset of the signature
     * @param engineIdMask engines the ucode may run on
     * @param ucodeId the ucode id
     */
    record BromParams(long pkcDataOffset, int engineIdMask, int ucodeId) {
    }

    final FalconEngine engine;
    final Bar0 bar;
    final FalconHal hal;

    Falcon(FalconEngine engine, Bar0 bar, FalconHal hal) {
        this.engine = engine;
        this.bar = bar;
        this.hal = hal;
    }

    /** falcon.rs reset: engine reset, core selection, scrubbing, RM = BOOT_0. */
    void reset() {
        hal.resetEngine(this);
        hal.selectCore(this);
        bar.write(RM, engine, bar.read(Pmc.BOOT_0));
    }

    /** Pulses ENGINE.reset (reset_engine). */
    void pulseEngineReset() {
        bar.write(ENGINE, engine, ENGINE_RESET.of(1));
        try {
            Thread.sleep(0, ENGINE_RESET_DELAY_US * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        bar.write(ENGINE, engine, 0);
    }

    /**
     * Checks that {@link #load} can carry out these transfers, touching nothing.
     *
     * @throws DriverException EINVAL or ERANGE naming the transfer
     */
    void checkLoad(DmaCoherent ucode, LoadTarget imem, LoadTarget dmem) {
        hal.checkLoad(ucode, imem, dmem);
    }

    /** Loads a ucode and sets the boot vector (dma_load / pio_load). */
    void load(DmaCoherent ucode, LoadTarget imem, LoadTarget dmem, BromParams brom, long bootAddr) {
        hal.load(this, ucode, imem, dmem);
        hal.programBrom(this, brom);
        bar.write(BOOTVEC, engine, (int) bootAddr);
    }

    /**
     * falcon.rs boot: mailboxes, start (through CPUCTL_ALIAS when alias_en), wait for halt.
     *
     * @return {mailbox0, mailbox1}
     * @throws DriverException ETIMEDOUT if the falcon does not halt within 2 s
     */
    int[] boot(Integer mbox0, Integer mbox1, String what) {
        writeMailboxes(mbox0, mbox1);
        start();
        waitTillHalted(what);
        return new int[] {bar.read(MAILBOX0, engine), bar.read(MAILBOX1, engine)};
    }

    /** Writes the mailboxes given (null leaves one alone). */
    void writeMailboxes(Integer mbox0, Integer mbox1) {
        if (mbox0 != null) {
            bar.write(MAILBOX0, engine, mbox0);
        }
        if (mbox1 != null) {
            bar.write(MAILBOX1, engine, mbox1);
        }
    }

    /** @return MAILBOX0 */
    int mailbox0() {
        return bar.read(MAILBOX0, engine);
    }

    /**
     * Starts the CPU (falcon.rs start): through CPUCTL_ALIAS when alias_en is set (GA102 and
     * later lock CPUCTL's start bit), through CPUCTL otherwise.
     */
    void start() {
        if (CPUCTL_ALIAS_EN.isSet(bar.read(CPUCTL, engine))) {
            bar.write(CPUCTL_ALIAS, engine, CPUCTL_ALIAS_STARTCPU.of(1));
        } else {
            bar.write(CPUCTL, engine, CPUCTL_STARTCPU.of(1));
        }
    }

    /**
     * Waits until the CPU halts (falcon.rs wait_till_halted).
     *
     * @param what what the falcon runs, for the error
     * @throws DriverException ETIMEDOUT after {@link #HALT_TIMEOUT_MS}
     */
    void waitTillHalted(String what) {
        try {
            Poll.until(engine + " falcon running " + what + " did not halt", HALT_TIMEOUT_MS, 1,
                    () -> CPUCTL_HALTED.isSet(bar.read(CPUCTL, engine)));
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, engine + " falcon running " + what
                    + " did not halt within " + HALT_TIMEOUT_MS + " ms (firmware hung)", e);
        }
    }

    /**
     * falcon.rs dma_reset: allow physical DMA without a context and clear DMACTL, so the engine's
     * DMA starts from a known state after a reset.
     */
    void dmaReset() {
        bar.write(FBIF_CTL, engine, bar.read(FBIF_CTL, engine) | FBIF_CTL_ALLOW_PHYS_NO_CTX.of(1));
        bar.write(DMACTL, engine, 0);
    }

    int signatureFuseVersion(int engineIdMask, int ucodeId) {
        return hal.signatureFuseVersion(this, engineIdMask, ucodeId);
    }

    boolean isRiscvActive() {
        return hal.isRiscvActive(this);
    }

    void writeOsVersion(long appVersion) {
        bar.write(OS, engine, (int) appVersion);
    }

    /** The checks of falcon.rs dma_wr before a transfer. */
    static void checkDmaRange(DmaCoherent ucode, LoadTarget t, long dmaStart) {
        if (dmaStart % DMA_TRANSFER_BYTES != 0) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "DMA transfer start 0x%x is not a multiple of %d", dmaStart, DMA_TRANSFER_BYTES));
        }
        if (dmaStart >= 1L << 49) {
            throw new DriverException(Errno.ERANGE, String.format("DMA address 0x%x exceeds 49 bits", dmaStart));
        }
        long transfers = (t.len() + DMA_TRANSFER_BYTES - 1) / DMA_TRANSFER_BYTES;
        if (transfers * DMA_TRANSFER_BYTES + t.srcStart() > ucode.size()) {
            throw new DriverException(Errno.EINVAL, "DMA transfer goes beyond the DMA object ("
                    + ucode.size() + " bytes)");
        }
    }
}
