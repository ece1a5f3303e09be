package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.ChannelListener;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.PushSegment;
import java.util.Optional;
import org.nova.gpu.internal.fifo.NovaChannels;
import org.nova.gpu.internal.shell.ChannelsCommand;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.internal.mm.Bar1VramManager;
import org.nova.gpu.internal.mm.GpuVmSpaces;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.VmRange;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.HostMethods;
import org.nova.nvidia.fifo.RobustChannel;

/**
 * nova.core's channels ({@link NovaChannels}) against the simulated GPU with GSP-RM booted: a copy
 * job through the copy engine completes and the bytes arrive, a thousand submissions wrap the
 * ring and meet EAGAIN when it is full, a job on an unmapped VA fails its channel once (the next
 * submit is EIO) while another channel keeps working, abort, close with work in flight, revoke
 * (the GPU unbinding) with channels open, the argument errors, and every step of an open failing
 * on purpose without leaking. GA102 boots r535.113.01 and AD102 r570.144: both ABI releases.
 */
class ChannelsTest {
    private static final String SLOT = "0000:00:05.0";
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long VA_SIZE = 1L << 40;
    private static final VmRange KERNEL = new VmRange(1L << 36, 1L << 28);
    private static final long SRC_VA = 0x100_0000;
    private static final long DST_VA = 0x200_0000;
    private static final long PB_VA = 0x300_0000;
    private static final long BLOCK = 1L << 16;
    private static final long WAIT_NANOS = 20_000_000_000L;

    @TempDir
    Path tmp;
    private NvidiaGpu sim;
    private SimPciDevice dev;
    private Gpu gpu;
    private BuddyVramManager buddy;
    private Bar1Space bar1;
    private Bar1VramManager vram;
    private GpuVmSpaces vms;
    private NovaChannels channels;
    private final List<VramBlock> blocks = new ArrayList<>();

    private void probe(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        sim = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        dev = new SimPciDevice(sim, SLOT);
        gpu = Gpu.probe(dev, new DirFirmwareLoader(fw));
        MemorySegment aperture = sim.bar1Memory();
        buddy = gpu.fbRegions().vramManager(SLOT, aperture);
        bar1 = gpu.bar1Space(buddy);
        vram = new Bar1VramManager(buddy, bar1, aperture);
        GpuMemory mem = gpu.memory();
        vms = new GpuVmSpaces(SLOT, mem.mmu(), vram, mem.pramin(), mem.tlb());
        channels = gpu.channels(vram, vms);
    }

    /** Frees the test's own VRAM blocks (CPU views, pushbuffers, buffers). */
    private void freeBlocks() {
        for (VramBlock b : blocks) {
            vram.free(b);
        }
        blocks.clear();
    }

    @AfterEach
    void tearDown() {
        if (dev != null && dev.hostLock.isHeldByCurrentThread()) {
            dev.hostLock.unlock();
        }
        if (gpu != null) {
            channels.revoke();
            vms.revoke();
            freeBlocks();
            bar1.close();
            gpu.unbind();
            dev.releaseAll();
        }
    }

    /** A space with a source, a destination and a pushbuffer block mapped. */
    private GpuVm space() {
        GpuVm vm = vms.create("test", VA_SIZE);
        for (long va : List.of(SRC_VA, DST_VA, PB_VA)) {
            VramBlock b = vram.allocate(BLOCK, "test");
            blocks.add(b);
            vm.map(va, b, 0, BLOCK, true);
        }
        return vm;
    }

    private MemorySegment cpu(int i) {
        return vram.map(blocks.get(i));
    }

    private static int inc(int method, int count) {
        return HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 4, method, count);
    }

    /** Writes a pushbuffer copying {@code len} bytes at pushbuffer offset {@code at}; @return its segment. */
    private PushSegment copyJob(long at, long src, long dst, int len) {
        int[] w = {
            inc(CopyMethods.OFFSET_IN_UPPER, 4), (int) (src >>> 32), (int) src, (int) (dst >>> 32), (int) dst,
            inc(CopyMethods.LINE_LENGTH_IN, 1), len,
            inc(CopyMethods.LAUNCH_DMA, 1), CopyMethods.launch(true, false, false),
        };
        MemorySegment pb = cpu(2);
        for (int i = 0; i < w.length; i++) {
            pb.set(LE32, at + 4L * i, w[i]);
        }
        return new PushSegment(PB_VA + at, w.length);
    }

    /** Records what a channel tells. */
    private static final class Recorder implements ChannelListener {
        final AtomicLong completed = new AtomicLong();
        final List<ChannelError> failures = new CopyOnWriteArrayList<>();

        @Override
        public void completed(long seqno) {
            completed.accumulateAndGet(seqno, Math::max);
        }

        @Override
        public void failed(ChannelError error) {
            failures.add(error);
        }
    }

    private static void await(String what, BooleanSupplier cond) {
        long until = System.nanoTime() + WAIT_NANOS;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > until) {
                fail("never happened: " + what);
            }
            Thread.onSpinWait();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"GA102", "AD102", "GH100", "GB100", "GB202"})
    void aCopyJobCompletesAndTheBytesArrive(Chipset chip) {
        probe(chip);
        long start = buddy.stats().allocated();
        GpuVm vm = space();
        byte[] data = new byte[40_000];
        new Random(3).nextBytes(data);
        MemorySegment.copy(data, 0, cpu(0), ValueLayout.JAVA_BYTE, 0, data.length);
        GpuChannel c = channels.open("nova-drm:card0:file1", vm, KERNEL, Engine.COPY0, 64);
        Recorder r = new Recorder();
        c.setListener(r);
        assertEquals(List.of(c), channels.channels());
        assertEquals(63, c.freeEntries());
        c.submit(List.of(copyJob(0, SRC_VA, DST_VA + 8, data.length)), 1);
        await("completed(1)", () -> r.completed.get() == 1);
        byte[] out = new byte[data.length];
        MemorySegment.copy(cpu(1), ValueLayout.JAVA_BYTE, 8, out, 0, out.length);
        assertArrayEquals(data, out);
        assertEquals(1, c.completedSeqno());
        assertNull(c.error());
        assertTrue(r.failures.isEmpty());
        ChannelsCommand cmd = new ChannelsCommand(null, d -> d.equals(SLOT) ? Optional.of(channels) : Optional.empty());
        String shown = ChannelsCommand.format(SLOT, cmd.view(SLOT));
        assertTrue(shown.contains("1 channel(s) open"), shown);
        assertTrue(shown.matches("(?s).*\\n  " + c.id() + " +nova-drm:card0:file1 +COPY0 +63/64 +2 +2 +1 +-\\n.*"),
                shown);
        assertEquals(Errno.ENOENT, assertThrows(DriverException.class, () -> cmd.view("0000:00:06.0")).errno());
        c.close();
        assertTrue(c.isClosed());
        assertEquals(1, r.failures.size(), "close tells failed once when it was not");
        assertEquals(0, r.failures.get(0).rcType());
        assertThrows(DriverException.class, () -> c.submit(List.of(new PushSegment(PB_VA, 1)), 2));
        vm.close();
        freeBlocks();
        assertEquals(start, buddy.stats().allocated(), "the channel's VRAM and tables went back");
    }

    @Test
    void aThousandSubmissionsWrapTheRingAndAFullRingIsEagain() {
        probe(Chipset.GA102);
        GpuVm vm = space();
        GpuChannel c = channels.open("ring", vm, KERNEL, Engine.COPY0, 16);
        Recorder r = new Recorder();
        c.setListener(r);
        PushSegment nop = copyJob(0, SRC_VA, DST_VA, 4);
        long seq = 0;
        int eagain = 0;
        while (seq < 1000) {
            try {
                c.submit(List.of(nop), seq + 1);
                seq++;
            } catch (DriverException e) {
                assertEquals(Errno.EAGAIN, e.errno(), e.getMessage());
                eagain++;
                Thread.onSpinWait();
            }
        }
        long last = seq;
        await("completed(1000)", () -> r.completed.get() == last);
        assertEquals(15, c.freeEntries(), "everything consumed");
        // a stalled engine: the ring fills, and the submit that does not fit is EAGAIN, queueing nothing
        dev.hostLock.lock();
        int queued = 0;
        DriverException full = null;
        while (full == null) {
            try {
                c.submit(List.of(nop), 1001 + queued);
                queued++;
            } catch (DriverException e) {
                full = e;
            }
        }
        assertEquals(Errno.EAGAIN, full.errno());
        assertTrue(queued >= 7 && queued <= 8, "a 16-entry ring holds 7 two-entry submissions (+1 fetched): " + queued);
        int free = c.freeEntries();
        assertThrows(DriverException.class, () -> c.submit(List.of(nop, nop), 5000));
        assertEquals(free, c.freeEntries(), "nothing queued by a refused submit");
        dev.hostLock.unlock();
        long end = 1000 + queued;
        await("completed(" + end + ")", () -> r.completed.get() == end);
        assertTrue(eagain >= 0);
        assertTrue(r.failures.isEmpty());
    }

    @ParameterizedTest
    @EnumSource(names = {"GA102", "AD102", "GH100", "GB100", "GB202"})
    void aJobOnAnUnmappedVaFailsItsChannelOnceAndAnotherChannelContinues(Chipset chip) {
        probe(chip);
        GpuVm vm = space();
        GpuChannel bad = channels.open("bad", vm, KERNEL, Engine.COPY0, 8);
        GpuChannel good = channels.open("good", vm, KERNEL, Engine.COPY0, 8);
        assertTrue(bad.id() != good.id());
        Recorder rb = new Recorder();
        Recorder rg = new Recorder();
        bad.setListener(rb);
        good.setListener(rg);
        long unmapped = 0x700_0000;
        bad.submit(List.of(copyJob(0, unmapped, DST_VA, 16)), 1);
        await("failed", () -> !rb.failures.isEmpty());
        ChannelError e = rb.failures.get(0);
        assertEquals(RobustChannel.FIFO_ERROR_MMU_ERR_FLT, e.rcType(), e.reason());
        // r570.144's RC_TRIGGERED carries the fault address; r535.113.01's has none
        assertEquals(chip == Chipset.GA102 ? -1 : unmapped, e.faultVa(), e.reason());
        assertEquals(0, e.completedSeqno());
        assertEquals(e, bad.error());
        DriverException eio = assertThrows(DriverException.class,
                () -> bad.submit(List.of(copyJob(0x100, SRC_VA, DST_VA, 4)), 2));
        assertEquals(Errno.EIO, eio.errno());
        cpu(0).set(LE32, 0, 0x600d_600d);
        good.submit(List.of(copyJob(0x200, SRC_VA, DST_VA + 0x100, 4)), 7);
        await("the other channel completes", () -> rg.completed.get() == 7);
        assertEquals(0x600d_600d, cpu(1).get(LE32, 0x100));
        String shown = ChannelsCommand.format(SLOT, channels.states());
        assertTrue(shown.contains("rc 31: "), shown);
        bad.abort("no effect on a failed channel");
        bad.close();
        assertEquals(1, rb.failures.size(), "failed exactly once");
        assertTrue(rg.failures.isEmpty());
    }

    @Test
    void abortStopsTheChannelOnce() {
        probe(Chipset.GA102);
        GpuVm vm = space();
        GpuChannel c = channels.open("abort", vm, KERNEL, Engine.COPY0, 8);
        Recorder r = new Recorder();
        c.setListener(r);
        c.abort("job 3 timed out");
        c.abort("again");
        assertEquals(1, r.failures.size());
        assertEquals(0, r.failures.get(0).rcType());
        assertEquals("job 3 timed out", r.failures.get(0).reason());
        assertEquals(Errno.EIO, assertThrows(DriverException.class,
                () -> c.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 1)).errno());
        c.close();
        assertEquals(1, r.failures.size());
    }

    @Test
    void closeWithWorkInFlightAndRevokeWithChannelsOpenFreeEverything() {
        probe(Chipset.GA102);
        long start = buddy.stats().allocated();
        GpuVm vm = space();
        GpuChannel a = channels.open("a", vm, KERNEL, Engine.COPY0, 8);
        GpuChannel b = channels.open("b", vm, KERNEL, Engine.COPY0, 8);
        GpuChannel c = channels.open("c", vm, KERNEL, Engine.COPY0, 8);
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        a.setListener(ra);
        b.setListener(rb);
        dev.hostLock.lock(); // the engine is busy: the job stays in flight
        a.submit(List.of(copyJob(0, SRC_VA, DST_VA, 64)), 1);
        a.close();
        assertEquals(1, ra.failures.size());
        assertEquals(0, ra.failures.get(0).completedSeqno(), "the job never completed");
        dev.hostLock.unlock();
        assertEquals(List.of(b, c), channels.channels());
        channels.revoke();
        assertTrue(b.isClosed() && c.isClosed());
        assertEquals(1, rb.failures.size());
        assertTrue(rb.failures.get(0).reason().contains("unbinding"), rb.failures.get(0).reason());
        assertEquals(List.of(), channels.channels());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class,
                () -> channels.open("late", vm, KERNEL, Engine.COPY0, 8)).errno());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class,
                () -> b.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 1)).errno());
        vm.close();
        freeBlocks();
        assertEquals(start, buddy.stats().allocated(), "VRAM back to the start");
    }

    @Test
    void badArgumentsAreRefusedWithTheContractsErrno() {
        probe(Chipset.GA102);
        GpuVm vm = space();
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> channels.open("x", vm, KERNEL, Engine.COPY0, 12)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> channels.open(null, vm, KERNEL, Engine.COPY0, 8)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> channels.open("x", vm, new VmRange(VA_SIZE - 0x1000, 0x2000), Engine.COPY0, 8)).errno());
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class,
                () -> channels.open("x", vm, new VmRange(KERNEL.va(), 0x2000), Engine.COPY0, 8)).errno(),
                "a kernel range too small for the channel");
        VramBlock squatter = vram.allocate(BLOCK, "test");
        blocks.add(squatter);
        vm.map(KERNEL.va(), squatter, 0, BLOCK, true);
        assertEquals(Errno.EEXIST, assertThrows(DriverException.class,
                () -> channels.open("x", vm, KERNEL, Engine.COPY0, 8)).errno());
        vm.unmap(KERNEL.va(), BLOCK);
        GpuChannel c = channels.open("x", vm, KERNEL, Engine.COPY0, 8);
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> c.submit(List.of(), 1)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> c.submit(List.of(new PushSegment(PB_VA + 2, 1)), 1)).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> c.submit(List.of(new PushSegment(PB_VA, 0)), 1)).errno());
        c.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 5);
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> c.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 5)).errno(), "seqno not past the last");
        GpuVm other = vms.create("other", VA_SIZE);
        other.close();
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class,
                () -> channels.open("x", other, KERNEL, Engine.COPY0, 8)).errno());
    }

    /**
     * GPFIFO entries and GP_GET name 40-bit addresses: the channel's objects go in the part of the
     * kernel range below {@link HostMethods#GP_ENTRY_ADDRESS_LIMIT}; a range above it, or with too
     * little room below it, is ENOSPC (a range at 2^44, as a VM_INIT may give, used to reach GSP-RM
     * and be refused as EIO).
     */
    @Test
    void theChannelsObjectsStayBelowTheGpfifoAddressLimit() {
        probe(Chipset.GA102);
        GpuVm big = vms.create("big", 1L << 47);
        long limit = HostMethods.GP_ENTRY_ADDRESS_LIMIT;
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class,
                () -> channels.open("x", big, new VmRange(limit << 4, 1L << 32), Engine.COPY0, 8)).errno());
        assertEquals(Errno.ENOSPC, assertThrows(DriverException.class,
                () -> channels.open("x", big, new VmRange(limit - 0x1000, 1L << 32), Engine.COPY0, 8)).errno(),
                "4 KiB below the limit: no room, and nothing may go above it");
        GpuChannel c = channels.open("x", big, new VmRange(limit - (1L << 20), 1L << 32), Engine.COPY0, 8);
        assertNull(big.walk(limit - (1L << 20)).fault(), "the channel's objects are mapped below the limit");
        assertEquals(1, channels.channels().size());
        c.close();
        big.close();
    }

    @Test
    void everyStepOfAnOpenCanFailAndNothingLeaks() {
        probe(Chipset.GA102);
        GpuVm vm = space();
        for (int i = 0; i < 3; i++) {
            cpu(i); // the test's own CPU views (BAR1 tables) before the count
        }
        long start = buddy.stats().allocated();
        var failNth = dev.device().devres().failNth();
        List<String> failed = new ArrayList<>();
        for (int k = 1; k < 100; k++) {
            failNth.set(k);
            GpuChannel c;
            try {
                c = channels.open("f", vm, KERNEL, Engine.COPY0, 8);
            } catch (DriverException e) {
                String point = failNth.injected();
                assertNotNull(point, "open failed with no fault injected: " + e.getMessage());
                failed.add(point);
                assertEquals(start, buddy.stats().allocated(), "VRAM left after the fault at " + point);
                assertEquals(List.of(), channels.channels());
                continue;
            }
            failNth.set(0);
            assertEquals(List.of("channel step VRAM", "channel step kernel VA", "channel step map",
                    "channel step VA space", "channel step reserved PDEs", "channel step channel",
                    "channel step copy object", "channel step bind", "channel step schedule",
                    "channel step work-submit token"), failed.stream().filter(p -> p.startsWith("channel")).toList());
            assertEquals(0, c.id(), "no channel ID was leaked by the failed opens");
            Recorder r = new Recorder();
            c.setListener(r);
            cpu(0).set(LE32, 0, 0x5eed);
            c.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 1);
            await("completed", () -> r.completed.get() == 1);
            assertEquals(0x5eed, cpu(1).get(LE32, 0));
            c.close();
            assertEquals(start, buddy.stats().allocated());
            return;
        }
        fail("the open never succeeded");
    }

    @Test
    void aLostInterruptDoesNotLoseTheCompletion() {
        probe(Chipset.GA102);
        GpuVm vm = space();
        GpuChannel c = channels.open("lost", vm, KERNEL, Engine.COPY0, 8);
        Recorder r = new Recorder();
        c.setListener(r);
        dev.deliverInterrupts = false;
        try {
            long delivered = dev.interruptsDelivered.get();
            c.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 1);
            await("completed without an interrupt", () -> r.completed.get() == 1);
            assertEquals(delivered, dev.interruptsDelivered.get(), "no interrupt reached the handler");
        } finally {
            dev.deliverInterrupts = true;
        }
    }

    @Test
    void theGpuInterruptReachesTheListener() {
        probe(Chipset.GA102);
        GpuVm vm = space();
        GpuChannel c = channels.open("irq", vm, KERNEL, Engine.COPY0, 8);
        Recorder r = new Recorder();
        c.setListener(r);
        long before = sim.nonstallInterrupts();
        c.submit(List.of(copyJob(0, SRC_VA, DST_VA, 4)), 1);
        await("completed", () -> r.completed.get() == 1);
        assertTrue(sim.nonstallInterrupts() > before, "the completion came through the non-stall interrupt");
        assertFalse(dev.interruptsDelivered.get() == 0);
    }
}
