package org.nova.gpu.internal;

import org.nova.bus.pci.DmaCoherent;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.fsp.GspFmcBootParams;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The GSP's boot and unload on Hopper and Blackwell, through the FSP (nova-core gsp/hal/gh100.rs
 * and fsp.rs @637315cb, gsp/boot.rs for the steps after the HAL boot): no FWSEC and no booter; the
 * FSP's secure boot awaited, the GSP_FMC_BOOT_PARAMS written, the chain-of-trust message sent and
 * its response checked, the GSP's lockdown release awaited (GSP-FMC booted GSP-RM); then, as on the
 * other chips, the RISC-V core awaited, SetSystemInfo and SetRegistry sent, init done awaited and
 * GetGspStaticInfo read. There is no CPU sequencer step (gsp/hal/gh100.rs has no post-boot).
 *
 * <p>A failure from the secure boot wait on runs {@link #unload} before the probe fails (upstream
 * arms the FspUnloadBundle's guard before Fsp::wait_secure_boot): GSP-RM, if it runs, is asked to
 * unload, then the GSP falcon's halt is awaited. Where this differs from upstream: every DMA address
 * handed to the FSP is checked against the generation's DMA mask ({@link FspGpuHal#dmaMaskBits}),
 * since the PCI layer has no mask to set.
 *
 * <p>Stateless: the {@link Gpu} owns what the boot uses (the DMA memory is the binding's).
 */
final class FspBoot {
    /** How long GSP-FMC may take to release the GSP's lockdown (gsp/hal/gh100.rs: 30 s, every 10 ms). */
    static final long LOCKDOWN_TIMEOUT_MS = 30_000;
    /** gsp/hal/gh100.rs's poll interval. */
    static final long POLL_MS = 10;
    /** How long the GSP falcon may take to halt at unload (gsp/hal/gh100.rs FspUnloadBundle: 5 s). */
    static final long HALT_TIMEOUT_MS = 5000;

    /**
     * What the boot uses, staged before the first hardware write.
     *
     * @param gsp the GSP falcon
     * @param hal the chip's FSP, framebuffer and DMA facts
     * @param fb the framebuffer layout (FRTS's size)
     * @param fmc the FMC firmware's chain-of-trust sections
     * @param fmcImage the FMC image section in DMA memory, which the FSP reads
     * @param wprMeta the GspFwWprMeta GSP-FMC reads
     * @param queues the message queues and the LibOS arguments
     */
    record Parts(Falcon gsp, FspGpuHal hal, FbLayout fb, FmcFirmware fmc, DmaCoherent fmcImage, DmaCoherent wprMeta,
            Gsp queues) {
    }

    private FspBoot() {
    }

    /**
     * Boots the GSP through the FSP, then runs {@code thenInProbe}, all under the unload guard.
     *
     * @throws DriverException the first failure (ETIMEDOUT: secure boot, reply, lockdown, RISC-V;
     *     EIO: the FSP's refusal, GSP-FMC's error; EINVAL: an address beyond the DMA mask), after
     *     {@link #unload} ran (its failures suppressed)
     */
    static void boot(Gpu gpu, Bar0 bar, Parts p, GspBoot.StepTimes times, Runnable thenInProbe) {
        GspBindings abi = gpu.abi();
        Cmdq cmdq = p.queues().cmdq();
        try {
            gpu.faultPoint("FSP secure boot");
            Fsp fsp = Fsp.waitSecureBoot(bar, p.hal());
            times.step("FSP secure boot");
            DmaCoherent params = gpu.pciDevice().allocCoherent(GspFmcBootParams.SIZE);
            GspFmcBootParams.write(params.memory(), p.wprMeta().iova(), GspFwWprMeta.SIZE, p.queues().libosArgs());
            checkDmaMask(p.hal(), "the FMC image", p.fmcImage().iova(), p.fmcImage().size());
            checkDmaMask(p.hal(), "the GSP boot parameters", params.iova(), GspFmcBootParams.SIZE);
            FspCot.Cot cot = new FspCot.Cot(p.hal().cotVersion(), FspCot.PAYLOAD_SIZE, p.fmcImage().iova(), 0, 0,
                    p.hal().frtsVidmemOffset(), (int) (p.fb().frtsEnd() - p.fb().frtsStart()), p.fmc().hash(),
                    p.fmc().publicKey(), p.fmc().signature(), params.iova());
            gpu.faultPoint("FSP chain of trust");
            fsp.bootFmc(cot);
            times.step("FSP chain of trust");
            gpu.faultPoint("GSP lockdown release");
            waitLockdownRelease(bar, params.iova());
            times.step("GSP lockdown release");
            try {
                gpu.faultPoint("GSP RISC-V core active");
                Poll.until("GSP RISC-V core active", GspBoot.RISCV_ACTIVE_TIMEOUT_MS, GspBoot.POLL_MS,
                        p.gsp()::isRiscvActive);
            } catch (DriverException e) {
                throw new DriverException(Errno.ETIMEDOUT, "the GSP's RISC-V core did not become active within "
                        + GspBoot.RISCV_ACTIVE_TIMEOUT_MS + " ms after the lockdown release", e);
            }
            times.step("RISC-V active");
            cmdq.watch(gpu::gspAlive);
            gpu.faultPoint("GSP boot commands");
            Commands.sendBootCommands(abi, cmdq, gpu.pciDevice(), gpu.bootRegistry(), Gpu.RPC_TIMEOUT_MS);
            times.step("SetSystemInfo + SetRegistry");
            GspBoot.awaitInitAndStaticInfo(gpu, abi, cmdq, times);
            thenInProbe.run();
        } catch (RuntimeException e) {
            try {
                unload(bar, p.gsp(), cmdq, abi, gpu::rpc);
                gpu.log().info("{}: boot through the FSP failed; the GSP is unloaded and halted, the GPU can be "
                        + "probed again", gpu.slot());
            } catch (DriverException u) {
                e.addSuppressed(u);
                gpu.log().warn("{}: boot through the FSP failed and the unload failed ({}): the GPU needs a reset "
                        + "(pci:reset) before the next probe", gpu.slot(), u.getMessage());
            }
            cmdq.kill("the probe failed");
            throw e;
        }
    }

    /** @throws DriverException EINVAL if {@code [iova, iova + size)} is beyond the generation's DMA mask */
    private static void checkDmaMask(FspGpuHal hal, String what, long iova, long size) {
        if (((iova + size - 1) >>> hal.dmaMaskBits()) != 0) {
            throw new DriverException(Errno.EINVAL, String.format("%s at DMA address 0x%x (0x%x bytes) is beyond "
                    + "the %d-bit DMA mask of the chip", what, iova, size, hal.dmaMaskBits()));
        }
    }

    /**
     * gsp/hal/gh100.rs wait_for_gsp_lockdown_release: while the PRIV target mask locks the GSP to
     * the FSP its registers read a fixed pattern; then a MAILBOX0 other than 0 is either the boot
     * parameters' address (GSP-FMC has not taken it yet: keep polling) or GSP-FMC's error code;
     * MAILBOX0 0 and the branch privilege lockdown released is success.
     *
     * @throws DriverException ETIMEDOUT after {@link #LOCKDOWN_TIMEOUT_MS}, EIO with GSP-FMC's error code
     */
    static void waitLockdownRelease(Bar0 bar, long bootParams) {
        int[] mbox = new int[2];
        try {
            Poll.until("GSP lockdown release", LOCKDOWN_TIMEOUT_MS, POLL_MS, () -> {
                int hwcfg2 = bar.read(Pfalcon.HWCFG2, FalconEngine.GSP);
                if (hwcfg2 == 0 || (hwcfg2 & Pfalcon.PRIV_TARGET_LOCKED_MASK) == Pfalcon.PRIV_TARGET_LOCKED_PATTERN) {
                    return false;
                }
                mbox[0] = bar.read(Pfalcon.MAILBOX0, FalconEngine.GSP);
                mbox[1] = bar.read(Pfalcon.MAILBOX1, FalconEngine.GSP);
                if (mbox[0] != 0) {
                    return (Integer.toUnsignedLong(mbox[1]) << Integer.SIZE | Integer.toUnsignedLong(mbox[0]))
                            != bootParams;
                }
                return !Pfalcon.HWCFG2_RISCV_BR_PRIV_LOCKDOWN.isSet(hwcfg2);
            });
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, String.format("the GSP's lockdown was not released within %d ms "
                    + "after the FSP accepted the chain of trust (HWCFG2 0x%x, mailbox0 0x%x)", LOCKDOWN_TIMEOUT_MS,
                    bar.read(Pfalcon.HWCFG2, FalconEngine.GSP), bar.read(Pfalcon.MAILBOX0, FalconEngine.GSP)), e);
        }
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("GSP-FMC boot failed (mailbox0 0x%x)", mbox[0]));
        }
    }

    /**
     * gsp/boot.rs Gsp::unload with gsp/hal/gh100.rs's FspUnloadBundle: GSP-RM shut down (a full
     * unload; nothing is sent to a GSP that does not run), then the GSP falcon's halt awaited,
     * since the GSP resets itself.
     *
     * @throws DriverException the first failure, the second suppressed in it (ETIMEDOUT: the GSP
     *     falcon did not halt within {@link #HALT_TIMEOUT_MS})
     */
    static void unload(Bar0 bar, Falcon gsp, Cmdq cmdq, GspBindings abi, RmControl.Rpc rpc) {
        DriverException first = null;
        try {
            GspBoot.shutdown(cmdq, abi, rpc, gsp, Commands.PowerStateLevel.LEVEL_0);
        } catch (DriverException e) {
            first = new DriverException(e.errno(), "GSP shutdown failed: " + e.getMessage(), e);
        }
        try {
            Poll.until("GSP falcon halt", HALT_TIMEOUT_MS, POLL_MS, () -> !gsp.isRiscvActive());
        } catch (DriverException e) {
            DriverException h = new DriverException(Errno.ETIMEDOUT, "the GSP falcon did not halt within "
                    + HALT_TIMEOUT_MS + " ms after GSP-RM's unload", e);
            if (first == null) {
                first = h;
            } else {
                first.addSuppressed(h);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
