package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.bus.pci.Bar;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.GspStruct;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The CPU sequencer's operations, run directly against the simulated GPU's registers and falcons
 * (the boot sequence GSP-RM sends is covered by {@link GspRpcTest}): every opcode, the core
 * operations' timeouts and errors, and the buffer's bounds.
 */
class SequencerTest {
    private static final int SCRATCH = Pbus.SW_SCRATCH.address(0x11);
    private static final long LIBOS = 0x1234_5000L;

    @TempDir
    Path tmp;

    private final GspBindings abi = GspBindings.of("535.113.01").orElseThrow();
    private SimPciDevice dev;
    private Revocable.Guard<Bar> guard;
    private Bar0 bar;
    private Falcon gsp;

    private void open(GpuFault fault) {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(new GpuOptions(Chipset.GA102, GpuOptions.defaultFbMiB(Chipset.GA102), fault,
                List.of(fw)));
        dev = new SimPciDevice(gpu, "0000:00:05.0");
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> b = dev.iomapRegionSized(0, Bar0.SIZE, Bar0.NAME);
        guard = b.access();
        bar = new Bar0(guard.get());
        // as the probe does before any falcon is reset: a reset's acknowledgement is flushed through it
        SysmemFlush.register(dev, bar, GpuHal.of(Chipset.GA102));
        gsp = new Falcon(FalconEngine.GSP, bar, GpuHal.of(Chipset.GA102).falconHal());
    }

    @AfterEach
    void close() {
        if (guard != null) {
            guard.close();
        }
        if (dev != null) {
            dev.releaseAll();
        }
    }

    private Sequencer sequencer() {
        return new Sequencer(abi, bar, new Sequencer.Cores(gsp,
                new Falcon(FalconEngine.SEC2, bar, GpuHal.of(Chipset.GA102).falconHal()), LIBOS, 7));
    }

    private int op(String name) {
        return abi.constant("GSP_SEQ_BUF_OPCODE_" + name);
    }

    /** A RUN_CPU_SEQUENCER event: capacity words of buffer, cmdIndex = used, then the words. */
    private GspMsgQueue.Message sized(int capacity, int cmdIndex, int... words) {
        GspStruct h = abi.struct("rpc_run_cpu_sequencer_v17_00");
        byte[] p = new byte[h.size() + 4 * Math.max(capacity, words.length)];
        h.put(p, 0, "bufferSizeDWord", capacity);
        h.put(p, 0, "cmdIndex", cmdIndex);
        for (int i = 0; i < words.length; i++) {
            GspMsgQueue.putLe(p, h.size() + 4 * i, words[i]);
        }
        return new GspMsgQueue.Message(0, abi.event("GSP_RUN_CPU_SEQUENCER"), 0, 0, p, 1);
    }

    private GspMsgQueue.Message event(int... words) {
        return sized(words.length, words.length, words);
    }

    private static void assertErrno(Errno errno, String text, Runnable r, Consumer<String> more) {
        DriverException e = assertThrows(DriverException.class, r::run);
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
        more.accept(e.getMessage());
    }

    @Test
    void registerOperationsWriteModifyPollDelayAndStore() {
        open(GpuFault.NONE);
        Sequencer s = sequencer();
        int ops = s.run(event(
                op("REG_WRITE"), SCRATCH, 0x1200_0000,
                op("REG_MODIFY"), SCRATCH, 0x0000_ff00, 0x0000_3400,
                op("REG_POLL"), SCRATCH, 0xffff_ff00, 0x1200_3400, 0, 0xe,
                op("DELAY_US"), 10,
                op("REG_STORE"), SCRATCH, 3));
        assertEquals(5, ops);
        assertEquals(0x1200_3400, bar.readFirmwareDirected(SCRATCH));
        assertEquals(0x1200_3400, s.saveArea()[3]);
    }

    @Test
    void cmdIndexEndsTheSequenceNotTheBufferCapacity() {
        open(GpuFault.NONE);
        // capacity 8 words, 3 written; what follows is stale buffer content and must not run
        int ops = sequencer().run(sized(8, 3, op("REG_WRITE"), SCRATCH, 5, 0x7777, 1, 2, 3, 4));
        assertEquals(1, ops);
        assertEquals(5, bar.readFirmwareDirected(SCRATCH));
    }

    @Test
    void coreResetStartAndWaitForHaltDriveTheGspFalcon() {
        open(GpuFault.NONE);
        gsp.writeMailboxes(0x42, 0);
        int ops = sequencer().run(event(op("CORE_RESET"), op("CORE_START"), op("CORE_WAIT_FOR_HALT")));
        assertEquals(3, ops);
        // the reset cleared the mailboxes, the GSP falcon ran and halted
        assertEquals(0, gsp.mailbox0());
        assertTrue(Pfalcon.CPUCTL_HALTED.isSet(bar.read(Pfalcon.CPUCTL, FalconEngine.GSP)));
    }

    @Test
    void waitForHaltOnAHungCoreTimesOut() {
        open(GpuFault.FALCON_HANG);
        assertErrno(Errno.ETIMEDOUT, "did not halt within " + Falcon.HALT_TIMEOUT_MS + " ms",
                () -> sequencer().run(event(op("CORE_RESET"), op("CORE_START"), op("CORE_WAIT_FOR_HALT"))), m -> {
                });
    }

    @Test
    void resumeWithoutGspRmWaitingTimesOutNamingSec2sMailbox() {
        open(GpuFault.NONE);
        // nothing staged in SEC2: starting it runs whatever IMEM holds, the boot ROM refuses it
        assertErrno(Errno.ETIMEDOUT, "boot stage 3 hand-off", () -> sequencer().run(event(op("CORE_RESUME"))),
                m -> assertTrue(m.contains("SEC2 mailbox0 0x" + Integer.toHexString(NvidiaGpu.BROM_ERR_SIGNATURE)), m));
        // the resume reset the GSP and handed it the LibOS arguments again
        assertEquals((int) LIBOS, gsp.mailbox0());
    }

    @Test
    void malformedBuffersAreRefused() {
        open(GpuFault.NONE);
        Sequencer s = sequencer();
        assertErrno(Errno.EINVAL, "unknown opcode 99", () -> s.run(event(99)), m -> {
        });
        assertErrno(Errno.EINVAL, "needs 2 arguments, 1 left", () -> s.run(event(op("REG_WRITE"), SCRATCH)), m -> {
        });
        assertErrno(Errno.EINVAL, "cmdIndex 9 is beyond the buffer", () -> s.run(sized(4, 9, 1, 2, 3, 4)), m -> {
        });
        assertErrno(Errno.EINVAL, "save index 8 out of range", () -> s.run(event(op("REG_STORE"), SCRATCH, 8)), m -> {
        });
        assertErrno(Errno.EINVAL, "outside BAR0", () -> s.run(event(op("REG_WRITE"), (int) Bar0.SIZE, 1)), m -> {
        });
        assertErrno(Errno.EINVAL, "shorter than", () -> s.run(new GspMsgQueue.Message(0, 0, 0, 0, new byte[4], 1)),
                m -> {
                });
        // a refused buffer ran nothing before its bad operation
        assertFalse(bar.readFirmwareDirected(SCRATCH) == 1);
    }

    @Test
    void aPollThatNeverMatchesTimesOutWithGspRmsErrorCode() {
        open(GpuFault.NONE);
        assertErrno(Errno.ETIMEDOUT, "within 2000 us (error 0xbeef)",
                () -> sequencer().run(event(op("REG_POLL"), SCRATCH, 1, 1, 2000, 0xbeef)), m -> {
                });
        assertArrayEquals(new int[8], sequencer().saveArea());
    }
}
