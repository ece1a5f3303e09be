package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspMsgQueue;

/** Boot completion over the GSP message queues against the simulated GSP, and its faults. */
class GspRpcTest {
    @TempDir
    Path tmp;

    private record Run(SimPciDevice dev, NvidiaGpu gpu, Gpu driver, DriverException error) {
    }

    private Run probe(GpuFault fault) {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(new GpuOptions(Chipset.GA102, GpuOptions.defaultFbMiB(Chipset.GA102), fault,
                List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        try {
            return new Run(dev, gpu, Gpu.probe(dev, new DirFirmwareLoader(fw)), null);
        } catch (DriverException e) {
            dev.releaseAll();
            return new Run(dev, gpu, null, e);
        }
    }

    @Test
    void bootCompletesThroughTheQueuesAndUnloads() {
        Run r = probe(GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        Gpu g = r.driver();
        assertEquals("535.113.01", g.abi().version());
        assertEquals("org.nova.nvidia.gsp.r535_113_01", g.abi().bindingsPackage());
        String log = SimLogs.text(g);
        assertTrue(log.contains("rpc function " + g.abi().FUNCTION_GSP_SET_SYSTEM_INFO() + " "), log);
        // the sequence ended with GSP-RM's mid-initialisation reset: core reset, then resume through SEC2-RTOS
        assertTrue(log.contains("CPU sequencer done, resumed by SEC2-RTOS"), log);
        assertTrue(r.gpu().gspRunning());
        assertTrue(log.contains("init done"), log);
        assertEquals(1, g.sequencerRuns());
        assertTrue(log.contains("rpc function " + g.abi().FUNCTION_GET_GSP_STATIC_INFO() + " "), log);
        // a loopback command through the transport
        byte[] p = {1, 2, 3, 4};
        GspMsgQueue.Message m = g.rpc(g.abi().function("GSP_RM_CONTROL"), p, 2000);
        assertEquals(4, m.payload().length);
        assertTrue(g.cmdq().sent.get() >= 4);
        g.unbind();
        String after = SimLogs.text(g);
        assertTrue(after.isEmpty() || after.contains("unloaded"), after);
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveDma());
        var e = org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> g.rpc(g.abi().function("GSP_RM_CONTROL"), p, 100));
        assertEquals(Errno.ENODEV, e.errno());
    }

    @Test
    void r570FirmwareBootsThroughItsOwnBindings() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.AD102, tmp.resolve("r570"), "570.144");
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:06.0");
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
        assertEquals("570.144", g.info().firmwareVersion());
        assertEquals(NvidiaGpu.BAR0_SIZE, g.info().bar0Size());
        assertEquals(NvidiaGpu.BAR1_SIZE, g.info().bar1Size());
        assertEquals("org.nova.nvidia.gsp.r570_144", g.abi().bindingsPackage());
        assertEquals("NVIDIA AD102 (simulated)", g.gspName());
        assertEquals(GpuOptions.defaultFbMiB(Chipset.AD102) << 20, g.gspFbLength());
        // the rest of GetGspStaticInfo, by r570.144's field names
        var info = g.gspStatus().staticInfo();
        assertEquals("NVIDIA AD102 (simulated)", info.get("gpuNameString"));
        assertEquals("AD102", info.get("gpuShortNameString"));
        assertEquals("384", info.get("fb_bus_width"));
        assertEquals(Long.toString(96L << 20), info.get("l2_cache_size"));
        assertEquals("4", info.get("sriovMaxGfid"), "AD102 runs vGPUs on its 4 VFs");
        assertEquals(Integer.toString(0x10de), info.get("vbiosSubVendor"));
        assertEquals(null, info.get("gidInfo"), "nested structures are not decoded");
        assertTrue(SimLogs.text(g).contains("GSP-RM release 570.144 started"), SimLogs.text(g));
        g.unbind();
        dev.releaseAll();
        assertEquals(0, dev.liveDma());
    }

    @Test
    void gspRmReadsNovaCoresRegistryAndALargeTableThroughContinuationRecords() throws Exception {
        Run r = probe(GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        Gpu g = r.driver();
        assertEquals(Map.of("RMSecBusResetEnable", 1, "RMForcePcieConfigSave", 1, "RMDevidCheckIgnore", 1),
                r.gpu().gspRegistry(), "the registry nova-core sets at boot");
        // a table four elements long: 6000 entries and their names
        Map<String, Integer> big = new LinkedHashMap<>();
        for (int i = 0; i < 6000; i++) {
            big.put("RMNovaTestKey" + i, i * 7);
        }
        byte[] table = Commands.packRegistry(g.abi(), big);
        assertTrue(table.length > 3 * GspMsgQueue.MAX_PAYLOAD, "length " + table.length);
        long sent = g.cmdq().sent.get();
        g.cmdq().send(g.abi().FUNCTION_SET_REGISTRY(), table, 2000);
        assertEquals(sent + 4, g.cmdq().sent.get(), "the command and three continuation records");
        long until = System.nanoTime() + 10_000_000_000L;
        while (r.gpu().gspRegistry().size() != big.size() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(big, r.gpu().gspRegistry(), "GSP-RM reassembled the table whole");
        // the queues stay in step: an RPC after it is answered
        assertEquals(4, g.rpc(g.abi().FUNCTION_GSP_RM_CONTROL(), new byte[] {1, 2, 3, 4}, 2000).payload().length);
        g.unbind();
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveDma());
    }

    /** Registry entries whose packed table is exactly {@code total} bytes (the last key's length makes up the rest). */
    private static Map<String, Integer> registryOfLength(int total) {
        int header = 8;
        int entry = 16;
        int perKey = entry + "K00000".length() + 1;
        int n = (total - header) / perKey - 1;
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(String.format("K%05d", i), i);
        }
        int last = total - header - (n + 1) * entry - n * ("K00000".length() + 1) - 1;
        m.put("L" + "x".repeat(last - 1), -1);
        return m;
    }

    @Test
    void commandsAroundTheElementLimitRoundTripThroughGspRm() throws Exception {
        Run r = probe(GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        Gpu g = r.driver();
        int max = GspMsgQueue.MAX_PAYLOAD;
        for (int total : new int[] {max - 1, max, max + 1, 2 * max, 2 * max + 1}) {
            Map<String, Integer> entries = registryOfLength(total);
            byte[] table = Commands.packRegistry(g.abi(), entries);
            assertEquals(total, table.length);
            long sent = g.cmdq().sent.get();
            g.cmdq().send(g.abi().FUNCTION_SET_REGISTRY(), table, 2000);
            assertEquals((total + max - 1) / max, g.cmdq().sent.get() - sent, "elements for " + total + " bytes");
            long until = System.nanoTime() + 10_000_000_000L;
            while (!r.gpu().gspRegistry().equals(entries) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(entries, r.gpu().gspRegistry(), total + " bytes reassembled");
        }
        g.unbind();
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void theCommandServiceSendsAccountsAndIsRevokedAtUnbind() throws Exception {
        Run r = probe(GpuFault.NONE);
        Gpu g = r.driver();
        org.nova.gpu.GspChannel ch = g.open("test-client");
        assertEquals("535.113.01", ch.firmwareVersion());
        var reply = ch.call("GSP_RM_CONTROL", new byte[] {7, 8}, java.time.Duration.ofSeconds(2));
        assertEquals(2, reply.payload().length);
        var async = ch.submit("GSP_RM_CONTROL", new byte[] {1}, java.time.Duration.ofSeconds(2));
        assertEquals(1, async.get(5, java.util.concurrent.TimeUnit.SECONDS).payload()[0]);
        assertEquals(Errno.EINVAL, org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> ch.call("NO_SUCH_FUNCTION", new byte[0], java.time.Duration.ofSeconds(1))).errno());
        assertEquals(Errno.EINVAL, org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> ch.call("CONTINUATION_RECORD", new byte[4], java.time.Duration.ofSeconds(1))).errno());
        // SET_REGISTRY gets no answer from the GSP: the caller's timeout applies
        assertEquals(Errno.ETIMEDOUT, org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> ch.call("SET_REGISTRY", new byte[8], java.time.Duration.ofMillis(100))).errno());
        var st = ch.stats();
        assertEquals(3, st.calls());
        assertEquals(1, st.failures());
        assertEquals(1, st.timeouts());
        assertEquals(List.of(st.client()), g.stats().stream().map(org.nova.gpu.RpcStats::client).toList());
        g.unbind();
        assertTrue(ch.revoked());
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> ch.submit("GSP_RM_CONTROL", new byte[0], java.time.Duration.ofSeconds(1)).get());
        assertEquals(Errno.ENODEV, ((DriverException) e.getCause()).errno());
        assertTrue(e.getCause().getMessage().contains("revoked"), e.getCause().getMessage());
        ch.close();
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void unbindRunsBooterUnloadSoTheSameGpuBindsAgain() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        for (int i = 0; i < 2; i++) {
            Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
            assertTrue(gpu.gspRunning());
            g.unbind();
            org.junit.jupiter.api.Assertions.assertFalse(gpu.gspRunning());
            assertEquals(0, gpu.read(org.nova.nvidia.regs.Pfb.PRI_MMU_WPR2_ADDR_HI.address(), 4),
                    "booter_unload removed WPR2");
            dev.releaseAll();
            assertEquals(0, dev.liveDma());
        }
    }

    @Test
    void aCrashAfterBootRevokesChannelsUnbindsCleanlyAndAResetLetsItBindAgain() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
        org.nova.gpu.GspChannel ch = g.open("client");
        gpu.crashGsp();
        DriverException e = org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> ch.call("GSP_RM_CONTROL", new byte[4], java.time.Duration.ofSeconds(2)));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("GSP-RM stopped"), e.getMessage());
        assertTrue(ch.revoked());
        assertTrue(g.gspStatus().error().contains("GSP-RM stopped"));
        assertEquals(Errno.ENODEV, org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> g.open("late")).errno());
        g.unbind(); // no unload RPC possible; falcons reset
        dev.releaseAll();
        assertEquals(0, dev.liveDma());
        // WPR2 survived the crash: the same GPU refuses until reset, then binds
        DriverException busy = org.junit.jupiter.api.Assertions.assertThrows(DriverException.class,
                () -> Gpu.probe(dev, new DirFirmwareLoader(fw)));
        assertEquals(Errno.EBUSY, busy.errno());
        dev.releaseAll();
        gpu.reset();
        Gpu again = Gpu.probe(dev, new DirFirmwareLoader(fw));
        assertTrue(gpu.gspRunning());
        again.unbind();
        dev.releaseAll();
        assertEquals(0, dev.liveDma());
    }

    private void assertFault(GpuFault fault, Errno errno, String fragment) {
        Run r = probe(fault);
        assertNotNull(r.error(), fault + " should fail the probe");
        assertEquals(errno, r.error().errno(), r.error().getMessage());
        assertTrue(r.error().getMessage().contains(fragment), r.error().getMessage());
        assertEquals(0, r.dev().liveResources());
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void wrongFunctionIsErange() {
        assertFault(GpuFault.GSP_WRONG_FUNCTION, Errno.ERANGE, "GSP_RM_CONTROL");
    }

    @Test
    void badChecksumIsEio() {
        assertFault(GpuFault.GSP_BAD_CHECKSUM, Errno.EIO, "checksum");
    }

    @Test
    void crashIsDetected() {
        assertFault(GpuFault.GSP_CRASH, Errno.ENODEV, "RISC-V core is no longer active");
    }

    @Test
    void aRefusedCoreResumeFailsTheProbeWithSec2sError() {
        // as in nova-core and nouveau, the hand-off is awaited first (2 s); the error names SEC2's verdict. The
        // sequencer is a boot step (gsp/hal/tu102.rs post_boot), so its timeout is the probe's error
        assertFault(GpuFault.SEC2_RESUME_ERROR, Errno.ETIMEDOUT, String.format("boot stage 3 hand-off within %d ms "
                + "(SEC2 mailbox0 0x%x)", Sequencer.RESUME_TIMEOUT_MS, NvidiaGpu.SEC2_ERR_RESUME));
    }

    @Test
    void rebindAfterAFaultWorks() {
        assertFault(GpuFault.GSP_WRONG_FUNCTION, Errno.ERANGE, "expected");
        Run r = probe(GpuFault.NONE);
        assertNull(r.error());
        r.driver().unbind();
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void repliesArriveByInterruptWithoutTheFallbackPoll() {
        Run r = probe(GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        Gpu g = r.driver();
        Cmdq q = g.cmdq();
        assertTrue(q.isInterruptDriven(), "the driver requested the GPU's interrupt");
        // boot: every message GSP-RM wrote (sequencer, init done, static info, ...) raised the interrupt
        assertTrue(r.gpu().msgqInterrupts() >= 3, () -> "interrupts raised: " + r.gpu().msgqInterrupts());
        assertTrue(q.interrupts.get() >= 3, () -> "interrupts handled: " + q.interrupts.get());
        long irqs = q.interrupts.get();
        long raised = r.gpu().msgqInterrupts();
        long fallback = q.fallbackHits.get();
        byte[] p = {9, 8, 7, 6};
        for (int i = 0; i < 20; i++) {
            GspMsgQueue.Message m = g.rpc(g.abi().function("GSP_RM_CONTROL"), p, 2000);
            assertEquals(4, m.payload().length);
        }
        // one interrupt per reply, each handled; no reply was found by the safety-net poll
        assertEquals(raised + 20, r.gpu().msgqInterrupts());
        assertEquals(irqs + 20, q.interrupts.get());
        assertEquals(fallback, q.fallbackHits.get(), "a reply arrived through the fallback poll");
        // the handler cleared SWGEN0 each time
        assertTrue(!r.gpu().msgqInterruptPending(), "SWGEN0 left pending");
        // what nova:rpc-stats shows
        org.nova.gpu.GspStatus st = g.gspStatus();
        assertEquals(irqs + 20, st.interrupts());
        assertEquals(fallback, st.fallbackPolls());
        assertEquals(1, st.sequencerRuns());
        assertEquals(q.received.get(), st.messagesReceived());
        g.unbind();
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveResources());
    }

    @Test
    void aLostInterruptIsCoveredByTheBoundedFallbackPoll() {
        Run r = probe(GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        Gpu g = r.driver();
        Cmdq q = g.cmdq();
        r.dev().deliverInterrupts = false;
        long fallback = q.fallbackHits.get();
        long t0 = System.nanoTime();
        GspMsgQueue.Message m = g.rpc(g.abi().function("GSP_RM_CONTROL"), new byte[] {1}, 2000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, m.payload().length);
        assertEquals(fallback + 1, q.fallbackHits.get(), "the fallback poll found the reply");
        assertTrue(ms < 1000, "the fallback poll is bounded: " + ms + " ms");
        r.dev().deliverInterrupts = true;
        g.unbind();
        r.dev().releaseAll();
    }
}
