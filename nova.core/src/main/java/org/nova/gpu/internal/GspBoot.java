package org.nova.gpu.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nova.bus.pci.DmaCoherent;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The GSP's boot and unload in nova-core's order (gsp/boot.rs Gsp::boot, shutdown_gsp and
 * Gsp::unload, with the Turing-to-Ada HAL of gsp/hal/tu102.rs boot and post_boot; the newest
 * stored versions):
 *
 * <ol>
 *   <li>the HAL boot: FWSEC-FRTS (WPR2), the GSP falcon reset and started with the LibOS
 *       arguments, booter_load on SEC2 with the WPR metadata;</li>
 *   <li>the OS version (the bootloader's app version) written, the RISC-V core awaited;</li>
 *   <li>SetSystemInfo and SetRegistry sent;</li>
 *   <li>the HAL post-boot: the CPU sequencer GSP-RM asks for, run as its message arrives;</li>
 *   <li>init done awaited, GetGspStaticInfo read.</li>
 * </ol>
 *
 * <p>From FWSEC-FRTS on a failure runs {@link #unload} before the probe fails (upstream's
 * BootUnloadGuard, armed before run_fwsec_frts): GSP-RM, if it runs, is asked to unload and its
 * suspend awaited, then the {@link UnloadBundle} runs FWSEC-SB and booter_unload, so the next probe
 * finds no WPR2 and needs no reset. Where this differs from upstream: no unload command is sent to a
 * GSP whose RISC-V core is not active (GSP-RM never started or already stopped: upstream sends it
 * and waits out the timeout), and the failure the probe reports is the boot's, with the unload's
 * attached as suppressed.
 *
 * <p>Stateless: the {@link Gpu} owns what the boot creates and is handed it as each step completes.
 */
final class GspBoot {
    /** How long the GSP's RISC-V core may take to become active (gsp/boot.rs: 5 s, polled every 10 ms). */
    static final long RISCV_ACTIVE_TIMEOUT_MS = 5000;
    /** gsp/boot.rs's poll interval for the RISC-V core and the suspend report. */
    static final long POLL_MS = 10;
    /** How long the CPU sequencer's message may take (gsp/sequencer.rs GspSequencer::run: 10 s). */
    static final long SEQUENCER_TIMEOUT_MS = 10_000;
    /** How long the GSP may take to report init done (gsp/commands.rs wait_gsp_init_done: 10 s). */
    static final long INIT_DONE_TIMEOUT_MS = 10_000;
    /** How long the acknowledgement of UNLOADING_GUEST_DRIVER may take. */
    static final long UNLOAD_TIMEOUT_MS = 1_000;
    /** How long GSP-RM may take to report its suspend after the acknowledgement (shutdown_gsp: 5 s). */
    static final long SUSPEND_TIMEOUT_MS = 5000;

    /**
     * What the boot runs, every image checked, signed and staged before the first hardware write,
     * so that a refusal before FWSEC-FRTS leaves the GPU untouched.
     *
     * @param gsp the GSP falcon
     * @param sec2 SEC2
     * @param frts FWSEC patched for FRTS
     * @param booterLoad booter_load
     * @param unload FWSEC-SB and booter_unload, for {@link #unload}
     * @param fb the framebuffer layout
     * @param wprMeta the GspFwWprMeta booter_load reads
     * @param queues the message queues and the LibOS arguments
     * @param appVersion the bootloader's app version (the OS register, the sequencer's resume)
     */
    record Parts(Falcon gsp, Falcon sec2, Fwsec.Prepared frts, Booter.Prepared booterLoad, UnloadBundle unload,
            FbLayout fb, DmaCoherent wprMeta, Gsp queues, long appVersion) {
    }

    /** The steps' wall-clock times in order, in nanoseconds (what {@code nova:boot-times}-like figures read). */
    static final class StepTimes {
        private final Map<String, Long> nanos = new LinkedHashMap<>();
        private long mark = System.nanoTime();

        /** Ends the step running since the previous mark. */
        void step(String name) {
            long now = System.nanoTime();
            nanos.merge(name, now - mark, Long::sum);
            mark = now;
        }

        /** @return step name to nanoseconds, in boot order */
        Map<String, Long> nanos() {
            return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nanos));
        }

        /** @return the steps as "name 12.3 ms, ..." */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            nanos.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ')
                    .append(String.format("%.1f ms", v / 1e6)));
            return b.toString();
        }
    }

    private GspBoot() {
    }

    /**
     * The boot's common end (gsp/boot.rs, after the HAL's boot): GSP-RM's INIT_DONE event, then
     * GetGspStaticInfo handed to {@code gpu}. Both boots end so ({@link FspBoot} too).
     *
     * @throws DriverException as the wait or the command: the caller unloads
     */
    static void awaitInitAndStaticInfo(Gpu gpu, GspBindings abi, Cmdq cmdq, StepTimes times) {
        try {
            gpu.faultPoint("GSP init done");
            cmdq.awaitEvent(abi.EVENT_GSP_INIT_DONE(), INIT_DONE_TIMEOUT_MS);
        } catch (DriverException e) {
            throw new DriverException(e.errno(), "GSP-RM did not complete its initialisation: " + e.getMessage(), e);
        }
        times.step("init done");
        gpu.faultPoint("GSP static info");
        gpu.staticInfo(Commands.getStaticInfo(abi, gpu::rpc, Gpu.RPC_TIMEOUT_MS));
        times.step("GetGspStaticInfo");
    }

    /**
     * Boots the GSP from FWSEC-FRTS to GetGspStaticInfo, then runs {@code thenInProbe} (what the
     * probe adds past upstream's boot), all under the unload guard.
     *
     * @throws DriverException the first failure, after {@link #unload} ran (its failures suppressed)
     */
    static void boot(Gpu gpu, Bar0 bar, Parts p, StepTimes times, Runnable thenInProbe) {
        GspBindings abi = gpu.abi();
        Cmdq cmdq = p.queues().cmdq();
        try {
            // the HAL boot (gsp/hal/tu102.rs)
            gpu.faultPoint("FWSEC-FRTS");
            Fwsec.run(bar, p.gsp(), p.frts(), p.fb());
            times.step("FWSEC-FRTS");
            gpu.faultPoint("GSP falcon boot");
            p.gsp().reset();
            long libos = p.queues().libosArgs();
            p.gsp().boot((int) libos, (int) (libos >>> 32), "the GSP bootstrap");
            times.step("GSP falcon start");
            gpu.faultPoint("booter_load");
            int[] mbox = Booter.run(p.sec2(), p.booterLoad(), p.wprMeta());
            if (mbox[0] != 0) {
                throw new DriverException(Errno.ENODEV, String.format(
                        "booter_load on SEC2 failed with error 0x%x (mailbox1 0x%x): the GSP was not started",
                        mbox[0], mbox[1]));
            }
            times.step("booter_load");
            // gsp/boot.rs
            p.gsp().writeOsVersion(p.appVersion());
            try {
                gpu.faultPoint("GSP RISC-V core active");
                Poll.until("GSP RISC-V core active", RISCV_ACTIVE_TIMEOUT_MS, POLL_MS, p.gsp()::isRiscvActive);
            } catch (DriverException e) {
                throw new DriverException(Errno.ETIMEDOUT, "the GSP's RISC-V core did not become active within "
                        + RISCV_ACTIVE_TIMEOUT_MS + " ms after booter_load", e);
            }
            times.step("RISC-V active");
            cmdq.watch(gpu::gspAlive);
            gpu.faultPoint("GSP boot commands");
            Commands.sendBootCommands(abi, cmdq, gpu.pciDevice(), gpu.bootRegistry(), Gpu.RPC_TIMEOUT_MS);
            times.step("SetSystemInfo + SetRegistry");
            // the HAL post-boot: the CPU sequencer
            gpu.faultPoint("GSP CPU sequencer");
            GspMsgQueue.Message seq = cmdq.awaitEvent(abi.EVENT_GSP_RUN_CPU_SEQUENCER(), SEQUENCER_TIMEOUT_MS);
            gpu.runSequencer(bar, seq);
            times.step("CPU sequencer");
            awaitInitAndStaticInfo(gpu, abi, cmdq, times);
            thenInProbe.run();
        } catch (RuntimeException e) {
            try {
                unload(bar, p.gsp(), p.sec2(), cmdq, abi, gpu::rpc, p.unload());
                gpu.log().info("{}: boot failed past FWSEC-FRTS; the GSP unloaded and WPR2 is gone, the GPU can be "
                        + "probed again", gpu.slot());
            } catch (DriverException u) {
                e.addSuppressed(u);
                gpu.log().warn("{}: boot failed past FWSEC-FRTS and the unload failed ({}): the GPU needs a reset "
                        + "(pci:reset) before the next probe", gpu.slot(), u.getMessage());
            }
            cmdq.kill("the probe failed");
            throw e;
        }
    }

    /**
     * gsp/boot.rs shutdown_gsp: UNLOADING_GUEST_DRIVER with {@code level}, its acknowledgement, then
     * GSP-RM's suspend report in the GSP falcon's MAILBOX0. Nothing is sent to a GSP whose RISC-V
     * core is not active (nothing runs there to unload).
     *
     * @throws DriverException ENODEV (GSP-RM runs but its queues are unusable), EIO (GSP-RM
     *     refused), ETIMEDOUT (no acknowledgement, or no suspend within {@link #SUSPEND_TIMEOUT_MS})
     */
    static void shutdown(Cmdq cmdq, GspBindings abi, RmControl.Rpc rpc, Falcon gsp, Commands.PowerStateLevel level) {
        if (!gsp.isRiscvActive()) {
            return;
        }
        if (cmdq.dead().isPresent()) {
            throw new DriverException(Errno.ENODEV, "GSP-RM runs but cannot be asked to unload: "
                    + cmdq.dead().get());
        }
        Commands.unloadingGuestDriver(abi, rpc, level, UNLOAD_TIMEOUT_MS);
        try {
            Poll.until("GSP-RM suspended", SUSPEND_TIMEOUT_MS, POLL_MS,
                    () -> Pfalcon.MAILBOX0_LIBOS_PROCESSOR_SUSPENDED.isSet(gsp.mailbox0()));
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, String.format("GSP-RM acknowledged UNLOADING_GUEST_DRIVER but "
                    + "did not report its suspend within %d ms (GSP mailbox0 0x%x)", SUSPEND_TIMEOUT_MS,
                    gsp.mailbox0()), e);
        }
    }

    /**
     * gsp/boot.rs Gsp::unload: shuts GSP-RM down (a full unload), keeps going whatever that gives,
     * then runs the unload bundle, which leaves no WPR2 behind.
     *
     * @throws DriverException the first failure, the second suppressed in it
     */
    static void unload(Bar0 bar, Falcon gsp, Falcon sec2, Cmdq cmdq, GspBindings abi, RmControl.Rpc rpc,
            UnloadBundle bundle) {
        DriverException first = null;
        try {
            shutdown(cmdq, abi, rpc, gsp, Commands.PowerStateLevel.LEVEL_0);
        } catch (DriverException e) {
            first = new DriverException(e.errno(), "GSP shutdown failed: " + e.getMessage(), e);
        }
        try {
            bundle.run(bar, gsp, sec2);
        } catch (DriverException e) {
            DriverException b = new DriverException(e.errno(), "unload bundle failed: " + e.getMessage(), e);
            if (first == null) {
                first = b;
            } else {
                first.addSuppressed(b);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
