package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.bus.pci.Bar;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfb;

/**
 * gsp/boot.rs's failure recovery and the complete unload against the simulated GPU: every boot
 * failure past FWSEC-FRTS unloads, so the same GPU probes again without a reset; unbind and probe
 * again a hundred times leaks nothing; and a driver that skips or gets wrong one step of the unload
 * (UNLOADING_GUEST_DRIVER, the suspend report, FWSEC-SB, the sentinel) is refused by the GPU, which
 * then needs a reset or another unload.
 */
class GspUnloadTest {
    private static final String SLOT = "0000:00:05.0";

    @TempDir
    Path tmp;

    private static boolean wpr2(NvidiaGpu gpu) {
        return Pfb.wpr2HigherBound((int) gpu.read(Pfb.PRI_MMU_WPR2_ADDR_HI.address(), Integer.BYTES)) != 0;
    }

    private static DriverException probeFails(SimPciDevice dev, Path fw) {
        DriverException e = assertThrows(DriverException.class, () -> Gpu.probe(dev, new DirFirmwareLoader(fw)));
        dev.releaseAll(); // what the bus does after a failed probe
        assertEquals(0, dev.liveResources(), "devres left after the failed probe");
        assertEquals(0, dev.liveDma(), "DMA left after the failed probe");
        return e;
    }

    private static void unbind(SimPciDevice dev, Gpu g) {
        g.unbind();
        dev.releaseAll();
        assertEquals(0, dev.liveResources());
        assertEquals(0, dev.liveDma());
    }

    /** The boot steps of gsp/boot.rs that run after WPR2 may exist (each one a fault point of the probe). */
    private static final List<String> PAST_FRTS = List.of("FWSEC-FRTS", "GSP falcon boot", "booter_load",
            "GSP RISC-V core active", "GSP boot commands", "GSP CPU sequencer", "GSP init done", "GSP static info",
            "vGPU support query");

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void everyFailurePastFwsecFrtsUnloadsAndTheSameGpuProbesAgainWithoutAReset(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        List<String> pastFrts = new ArrayList<>();
        for (int k = 1; k < 500; k++) {
            var failNth = dev.device().devres().failNth();
            failNth.set(k);
            Gpu g;
            try {
                g = Gpu.probe(dev, new DirFirmwareLoader(fw));
            } catch (RuntimeException e) { // a DriverException, or a devres acquisition's own exception
                String point = failNth.injected();
                assertNotNull(point, "probe failed with no fault injected: " + e.getMessage());
                dev.releaseAll();
                assertEquals(0, dev.liveDma(), "DMA left after the fault at " + point);
                assertFalse(e instanceof DriverException d && d.errno() == Errno.EBUSY,
                        "the fault before this one left WPR2 behind: " + e.getMessage());
                assertFalse(wpr2(gpu), "WPR2 left after the fault at " + point + ": " + e.getMessage());
                assertFalse(gpu.gspRunning(), "GSP-RM left running after the fault at " + point);
                PAST_FRTS.stream().filter(s -> point.equals("GSP boot step " + s)).forEach(pastFrts::add);
                continue;
            }
            failNth.set(0);
            assertEquals(PAST_FRTS, pastFrts, "every step past FWSEC-FRTS failed once, in boot order");
            assertTrue(gpu.gspRunning());
            unbind(dev, g);
            assertFalse(wpr2(gpu), "the unbind removed WPR2");
            return;
        }
        fail("the probe never succeeded");
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void theBootRunsInGspBootRsOrder(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
        // the HAL boot, the OS version and RISC-V active, SetSystemInfo + SetRegistry, the sequencer, init done
        assertEquals(List.of("GFW boot", "VBIOS", "firmware", "layout and staging", "FWSEC-FRTS", "GSP falcon start",
                "booter_load", "RISC-V active", "SetSystemInfo + SetRegistry", "CPU sequencer", "init done",
                "GetGspStaticInfo", "vGPU query"), List.copyOf(g.bootTimes().keySet()));
        assertEquals(1, g.sequencerRuns(), "the sequencer ran once, as the boot's post-boot step");
        // AD102 with its VFs boots with vGPU on: RMSetSriovMode too
        assertEquals(Commands.bootRegistry(chip == Chipset.AD102), gpu.gspRegistry(), "GSP-RM read SetRegistry");
        unbind(dev, g);
    }

    @Test
    void aRefusedCoreResumeStillLeavesNoWpr2AndTheNextProbeMeetsTheSameFaultNotEbusy() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw)).withFault(GpuFault.SEC2_RESUME_ERROR));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        for (int i = 0; i < 2; i++) {
            DriverException e = probeFails(dev, fw);
            assertEquals(Errno.ETIMEDOUT, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("hand-off"), e.getMessage());
            assertEquals(0, e.getSuppressed().length, "the unload went through: " + List.of(e.getSuppressed()));
            assertFalse(wpr2(gpu), "GSP-RM halted for its resume; FWSEC-SB and booter_unload removed WPR2");
        }
    }

    @Test
    void aCrashedGspRmCannotBeUnloadedTheFailedUnloadIsTheProbesSuppressedErrorAndAResetRecovers() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.AD102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)).withFault(GpuFault.GSP_CRASH));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        DriverException e = probeFails(dev, fw);
        assertEquals(Errno.ENODEV, e.errno(), e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        String unload = e.getSuppressed()[0].getMessage();
        assertTrue(unload.contains("booter_unload") && unload.contains(Integer.toHexString(NvidiaGpu.BOOTER_ERR_GSP_RUNNING)),
                unload);
        assertTrue(wpr2(gpu));
        assertEquals(Errno.EBUSY, probeFails(dev, fw).errno());
        gpu.reset();
        assertEquals(Errno.ENODEV, probeFails(dev, fw).errno(), "after the reset the boot runs again (and crashes)");
    }

    @Test
    void aWpr2LeftByAnEarlierDriverFailsTheProbeWithEbusyAndThatProbesUnloadRemovesIt() {
        // upstream arms its unload guard before run_fwsec_frts, so the EBUSY probe runs the unload bundle:
        // FWSEC-SB, then booter_unload, as WPR2 is set; nothing ran GSP-RM in it, so booter_unload takes it down
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw)).withFault(GpuFault.WPR2_SET));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        assertTrue(wpr2(gpu));
        DriverException e = probeFails(dev, fw);
        assertEquals(Errno.EBUSY, e.errno(), e.getMessage());
        assertEquals(0, e.getSuppressed().length, List.of(e.getSuppressed()).toString());
        assertFalse(wpr2(gpu));
        unbind(dev, Gpu.probe(dev, new DirFirmwareLoader(fw)));
    }

    /** Per chip of the FWSEC boot (the FSP chips have FspBootTest's): GA100's WPR2 comes from booter_load. */
    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void unbindThenProbeAgainAHundredTimesOnOneGpuLeaksNothing(Chipset chip) throws InterruptedException {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        long simThreadsBefore = simGspThreads();
        int threadsBefore = Thread.activeCount();
        for (int i = 0; i < 100; i++) {
            Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
            assertTrue(gpu.gspRunning(), "probe " + i);
            unbind(dev, g);
            assertFalse(wpr2(gpu), "unbind " + i + " left WPR2");
            assertFalse(gpu.gspRunning());
        }
        // GSP-RM's thread ends after its unload; give the last one a moment
        for (int i = 0; i < 100 && simGspThreads() > simThreadsBefore; i++) {
            Thread.sleep(10);
        }
        assertEquals(simThreadsBefore, simGspThreads(), "GSP-RM threads left running");
        assertTrue(Thread.activeCount() <= threadsBefore + 2, "threads grew from " + threadsBefore + " to "
                + Thread.activeCount());
    }

    private static long simGspThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sim-gsp-")).count();
    }

    // ---- a driver that skips or gets wrong one step of the unload -------------------------------------

    /** A booted GPU, BAR0 mapped a second time for the test's own driver steps, and the GPU's falcons. */
    private record Booted(NvidiaGpu gpu, SimPciDevice dev, Path fw, Gpu driver, Bar0 bar, Falcon gsp, Falcon sec2) {
    }

    /**
     * Boots {@code chip}, runs {@code steps} with BAR0 mapped (the test's driver), then, with the
     * mapping's guard closed (a release waits for it), {@code after}; everything is released at the end.
     */
    private void withBooted(Chipset chip, Consumer<Booted> steps, Consumer<Booted> after) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
        Devres<Bar> mapping = dev.iomapRegionSized(0, Bar0.SIZE, "test");
        Booted b;
        try (Revocable.Guard<Bar> guard = mapping.access()) {
            Bar0 bar = new Bar0(guard.get());
            FalconHal hal = GpuHal.of(chip).falconHal();
            b = new Booted(gpu, dev, fw, g, bar, new Falcon(FalconEngine.GSP, bar, hal),
                    new Falcon(FalconEngine.SEC2, bar, hal));
            steps.accept(b);
        }
        // the test's driver is gone: its queues with it, its resources as the bus releases them
        g.cmdq().kill("the test's driver unbound");
        dev.releaseAll();
        after.accept(b);
        dev.releaseAll();
        assertEquals(0, dev.liveResources());
        assertEquals(0, dev.liveDma());
    }

    /** After a refused unload: WPR2 stays and the GPU refuses the next probes until a reset. */
    private static void needsAReset(Booted b) {
        assertTrue(wpr2(b.gpu()), "WPR2 stays");
        DriverException busy = probeFails(b.dev(), b.fw());
        assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
        assertTrue(wpr2(b.gpu()), "GSP-RM never suspended: the failed probe's unload cannot remove WPR2 either");
        b.gpu().reset();
        unbind(b.dev(), Gpu.probe(b.dev(), new DirFirmwareLoader(b.fw())));
        assertFalse(wpr2(b.gpu()));
    }

    private static void shutdown(Booted b) {
        GspBoot.shutdown(b.driver().cmdq(), b.driver().abi(), b.driver()::rpc, b.gsp(),
                Commands.PowerStateLevel.LEVEL_0);
    }

    @Test
    void withoutUnloadingGuestDriverFwsecSbStopsARunningGspRmAndBooterUnloadRefuses() {
        withBooted(Chipset.GA102, b -> {
            DriverException e = assertThrows(DriverException.class,
                    () -> b.driver().unloadBundle().run(b.bar(), b.gsp(), b.sec2()));
            assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains(String.format("0x%x", NvidiaGpu.BOOTER_ERR_GSP_RUNNING)), e.getMessage());
        }, GspUnloadTest::needsAReset);
    }

    @Test
    void notWaitingForTheSuspendReportResetsAGspRmStillTearingDownAndBooterUnloadRefuses() {
        withBooted(Chipset.AD102, b -> {
            b.gpu().holdGspTeardown(true);
            Commands.unloadingGuestDriver(b.driver().abi(), b.driver()::rpc, Commands.PowerStateLevel.LEVEL_0,
                    GspBoot.UNLOAD_TIMEOUT_MS);
            assertTrue(b.gpu().gspRunning(), "acknowledged, still tearing down");
            DriverException e = assertThrows(DriverException.class,
                    () -> b.driver().unloadBundle().run(b.bar(), b.gsp(), b.sec2()));
            b.gpu().holdGspTeardown(false);
            assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains(String.format("0x%x", NvidiaGpu.BOOTER_ERR_GSP_RUNNING)), e.getMessage());
        }, GspUnloadTest::needsAReset);
    }

    @Test
    void theShutdownWaitsForTheSuspendReportAndTheCompleteUnloadLetsTheGpuProbeAgain() {
        withBooted(Chipset.TU102, b -> {
            b.gpu().holdGspTeardown(true);
            long t0 = System.nanoTime();
            Thread release = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                b.gpu().holdGspTeardown(false);
            });
            shutdown(b);
            assertTrue(System.nanoTime() - t0 >= 200_000_000L, "the shutdown returned before GSP-RM suspended");
            assertFalse(b.gpu().gspRunning());
            b.driver().unloadBundle().run(b.bar(), b.gsp(), b.sec2());
            assertFalse(wpr2(b.gpu()), "the complete unload removed WPR2");
            try {
                release.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, b -> unbind(b.dev(), Gpu.probe(b.dev(), new DirFirmwareLoader(b.fw()))));
    }

    @Test
    void skippingFwsecSbLeavesTheSentinelInBooterUnloadsMailboxAndWpr2Stays() {
        withBooted(Chipset.GA102, b -> {
            shutdown(b);
            int[] mbox = Booter.run(b.sec2(), b.driver().unloadBundle().booterUnload(), UnloadBundle.MAILBOX_SENTINEL,
                    UnloadBundle.MAILBOX_SENTINEL);
            assertEquals(UnloadBundle.MAILBOX_SENTINEL, mbox[0], "booter_unload stopped without a result");
            assertTrue(wpr2(b.gpu()));
        }, b -> {
            // the GPU refuses the next probe; its unload (GSP-RM did suspend) runs FWSEC-SB and removes WPR2
            assertEquals(Errno.EBUSY, probeFails(b.dev(), b.fw()).errno());
            assertFalse(wpr2(b.gpu()), "the failed probe's unload removed WPR2");
            unbind(b.dev(), Gpu.probe(b.dev(), new DirFirmwareLoader(b.fw())));
        });
    }

    @Test
    void aZeroInsteadOfTheSentinelLooksLikeSuccessButTheWpr2ReadBackCatchesIt() {
        withBooted(Chipset.AD102, b -> {
            shutdown(b);
            int[] mbox = Booter.run(b.sec2(), b.driver().unloadBundle().booterUnload(), 0, 0);
            assertEquals(0, mbox[0], "without the sentinel a booter that did not finish reads as success");
            assertTrue(UnloadBundle.wpr2Set(b.bar()), "what UnloadBundle reads back after booter_unload");
        }, b -> assertEquals(Errno.EBUSY, probeFails(b.dev(), b.fw()).errno()));
    }

    @Test
    void aPowerTransitionOrAnInconsistentLevelIsRefusedAndGspRmStillUnloadsCompletely() {
        withBooted(Chipset.GA102, b -> {
            Gpu g = b.driver();
            DriverException s3 = assertThrows(DriverException.class, () -> Commands.unloadingGuestDriver(g.abi(),
                    g::rpc, Commands.PowerStateLevel.LEVEL_3, GspBoot.UNLOAD_TIMEOUT_MS));
            assertEquals(Errno.EIO, s3.errno());
            assertTrue(s3.getMessage().contains(String.format("0x%x", g.abi().NV_ERR_NOT_SUPPORTED())), s3.getMessage());
            byte[] p = Commands.unloadingGuestDriverPayload(g.abi(), Commands.PowerStateLevel.LEVEL_0);
            g.abi().rpc_unloading_guest_driver_v1F_07().bInPMTransition(p, 0, 1);
            var m = g.rpc(g.abi().FUNCTION_UNLOADING_GUEST_DRIVER(), p, GspBoot.UNLOAD_TIMEOUT_MS);
            assertEquals(g.abi().NV_ERR_INVALID_ARGUMENT(), m.rpcResult());
            assertTrue(b.gpu().gspRunning(), "a refused unload leaves GSP-RM running");
            g.unbind();
            assertFalse(wpr2(b.gpu()), "the unbind's complete unload");
        }, b -> { });
    }

    @Test
    void thePayloadIsNovaCoresLevel0WithNoPmTransitionAndNoGc6() {
        withBooted(Chipset.TU102, b -> {
            var abi = b.driver().abi();
            var u = abi.rpc_unloading_guest_driver_v1F_07();
            byte[] full = Commands.unloadingGuestDriverPayload(abi, Commands.PowerStateLevel.LEVEL_0);
            assertEquals(u.size(), full.length);
            assertEquals(0, u.bInPMTransition(full, 0));
            assertEquals(0, u.bGc6Entering(full, 0));
            assertEquals(abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0(), u.newLevel(full, 0));
            byte[] hibernate = Commands.unloadingGuestDriverPayload(abi, Commands.PowerStateLevel.LEVEL_7);
            assertEquals(1, u.bInPMTransition(hibernate, 0));
            assertEquals(abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7(), u.newLevel(hibernate, 0));
            b.driver().unbind();
            assertFalse(wpr2(b.gpu()));
        }, b -> { });
    }
}
