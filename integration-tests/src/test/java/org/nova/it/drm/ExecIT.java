package org.nova.it.drm;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.dma.fence.DmaFence;
import org.nova.dma.fence.FenceContext;
import org.nova.dma.fence.FenceError;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmSyncobj;
import org.nova.drm.GemObject;
import org.nova.drm.NovaDrm;
import org.nova.drm.NovaDrm.ExecPush;
import org.nova.drm.NovaDrm.Sync;
import org.nova.drm.NovaDrm.VmBindOp;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.vram.NovaDrmData;
import org.nova.gpu.vram.VramManager;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.HostMethods;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * nova-drm's EXEC end to end in the running framework, on the real channels: the uAPI (VM_INIT,
 * GEM_CREATE in VRAM and GART, VM_BIND, CHANNEL_ALLOC, EXEC with sync objects) over nova.core's
 * channels through GSP-RM over the simulated GPU's host and copy engine, with pushbuffers built
 * from nvidia.spec's {@link HostMethods} and {@link CopyMethods}. Copies between a VRAM and a
 * system-memory object both ways arrive byte for byte (read through mmap); a chain across two
 * channels through a sync object runs in order; a job on an unmapped VA faults its channel (the
 * job's fence carries ENODEV and the next EXEC answers ENODEV, as nouveau's killed channel) while
 * another channel continues; closing a file with jobs in flight cancels them and leaves no channel
 * and no VRAM behind; {@code drm:jobs} shows a live file's queue; 3000 jobs wrap the ring through
 * credits; an object migrated, and one evicted under VRAM pressure, while jobs that write it are
 * pending is moved only after they ran (the move waits for its space's job fences), with their
 * bytes. Both simulated GPUs: GA102 on r535.113.01 and AD102 on r570.144.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExecIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long FENCE_S = 60;
    private static final List<String> GPUS = List.of("0000:00:05.0", "0000:00:06.0");
    /** A GA102 hot-added with a small framebuffer, so that VRAM fills. */
    private static final String SMALL_SLOT = "00:09.0";
    private static final String SMALL_GPU = "0000:00:09.0";
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long K64 = 1L << 16;
    private static final long M1 = 1L << 20;
    /**
     * VM_INIT's kernel-managed range (where CHANNEL_ALLOC puts the channels' objects): NVK's,
     * [2^39, 2^40) (mesa's NOUVEAU_WS_DEVICE_KERNEL_RESERVATION_START), below the GPFIFO address limit.
     */
    private static final long KM_ADDR = 1L << 39;
    private static final long KM_SIZE = 1L << 39;
    private static final long PB_VA = 0x10_0000;
    private static final long VRAM_VA = 0x1000_0000L;
    private static final long GART_VA = 0x2000_0000L;
    private static final long THIRD_VA = 0x3000_0000L;
    /** A VA no VM_BIND maps: the copy engine faults on it. */
    private static final long UNMAPPED_VA = 0x7000_0000L;
    /**
     * The subchannel the copy class is used on (nouveau's NvSubCopy, nvif/push906f.h's convention);
     * the simulated host does not route by subchannel, any of {@link HostMethods#SUBCHANNELS} works.
     */
    private static final int COPY_SUBCHANNEL = 4;

    @Inject
    private DrmDevices drm;

    @Inject
    private CommandProcessor processor;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private DriverCore core;

    @Configuration
    public Option[] config() {
        return new Option[] {NovaOptions.all()};
    }

    /**
     * Both GPUs up, each with its DRM device's kernel channel (opened lazily by the first GEM move
     * and kept until unplug, as nouveau's {@code drm->channel}): one move here opens it, so that
     * every test's VRAM and channel counts compare like with like.
     */
    @Before
    public void gpusUp() {
        for (String gpu : GPUS) {
            Await.until(gpu + "'s DRM device", TIMEOUT, () -> device(gpu) != null, () -> drm.devices());
            openKernelChannel(gpu);
        }
    }

    /** Moves one object so that the device's kernel channel is open; @return it */
    private GpuChannel openKernelChannel(String gpu) {
        GpuChannel k = kernelChannel(gpu);
        if (k != null) {
            return k;
        }
        DrmDevice dev = device(gpu);
        long moves = dev.acceleratedMoves();
        try (DrmFile f = dev.open(DrmFile.Node.RENDER)) {
            GemObject o = dev.lookup(f, NovaDrm.gemCreate(f, K64, NovaDrm.NOVA_GEM_DOMAIN_GART));
            dev.gemMigrate(o, GemObject.Placement.VRAM);
        }
        assertEquals(gpu + ": the first move is the copy engine's", moves + 1, dev.acceleratedMoves());
        k = kernelChannel(gpu);
        assertNotNull(gpu + ": the first move opened the kernel channel", k);
        return k;
    }

    /** @return the registration data of the GPU's nova-drm auxiliary device, or null */
    private NovaDrmData data(String gpu) {
        for (Device d : core.requireBus("auxiliary").devices()) {
            if (d.name().startsWith("NovaCore.nova-drm.") && d.parent().map(Device::name).orElse("").equals(gpu)) {
                return d.busData() instanceof AuxiliaryDevice a ? a.registrationData(NovaDrmData.class).orElse(null) : null;
            }
        }
        return null;
    }

    /** @return the open channel of the GPU the DRM device moves objects with, or null */
    private GpuChannel kernelChannel(String gpu) {
        NovaDrmData d = data(gpu);
        return d == null || d.channels() == null ? null
                : d.channels().channels().stream().filter(c -> c.owner().endsWith(":kernel")).findFirst().orElse(null);
    }

    private DrmDevice device(String gpu) {
        return drm.devices().stream().filter(d -> !d.isUnplugged() && gpu.equals(d.vram().gpu())).findFirst()
                .orElse(null);
    }

    /** A pushbuffer writer over an mmapped GEM object bound at {@link #PB_VA}. */
    private static final class Push {
        final MemorySegment cpu;
        long words;

        Push(MemorySegment cpu) {
            this.cpu = cpu;
        }

        /** Appends a copy of {@code len} bytes from {@code src} to {@code dst}; @return its EXEC push */
        ExecPush copy(long src, long dst, int len) {
            long start = words;
            int[] w = {
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.OFFSET_IN_UPPER, 4),
                (int) CopyMethods.OFFSET_UPPER.of(src >>> 32), (int) src,
                (int) CopyMethods.OFFSET_UPPER.of(dst >>> 32), (int) dst,
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.LINE_LENGTH_IN, 1), len,
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, CopyMethods.LAUNCH_DMA, 1),
                CopyMethods.launch(true, false, false),
            };
            for (int x : w) {
                cpu.set(U32, 4 * words++, x);
            }
            return new ExecPush(PB_VA + 4 * start, 4 * w.length, 0);
        }
    }

    /** One file with a VA space, a pushbuffer, a VRAM and a GART object of {@code size} each. */
    private static final class Client implements AutoCloseable {
        final DrmFile f;
        final int pb;
        final int vramObj;
        final int gartObj;
        final Push push;

        Client(DrmDevice dev, long size) {
            f = dev.open(DrmFile.Node.RENDER);
            NovaDrm.vmInit(f, KM_ADDR, KM_SIZE);
            pb = NovaDrm.gemCreate(f, K64);
            vramObj = NovaDrm.gemCreate(f, size, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
            gartObj = NovaDrm.gemCreate(f, size, NovaDrm.NOVA_GEM_DOMAIN_GART);
            NovaDrm.vmBindOrThrow(f, List.of(VmBindOp.map(pb, PB_VA, 0, K64), VmBindOp.map(vramObj, VRAM_VA, 0, size),
                    VmBindOp.map(gartObj, GART_VA, 0, size)));
            push = new Push(f.mmap(f.mmapOffset(pb), K64));
        }

        MemorySegment view(int handle, long size) {
            return f.mmap(f.mmapOffset(handle), size);
        }

        @Override
        public void close() {
            f.close();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(MemorySegment m, int n) {
        byte[] b = new byte[n];
        MemorySegment.copy(m, ValueLayout.JAVA_BYTE, 0, b, 0, n);
        return b;
    }

    private static DmaFence done(DrmFile f, int syncobj) throws InterruptedException {
        DmaFence fe = f.syncobjFence(syncobj);
        assertNotNull("a fence in sync object " + syncobj, fe);
        assertTrue(fe + " signalled", fe.await(FENCE_S, TimeUnit.SECONDS));
        return fe;
    }

    private static void exec(DrmFile f, int ch, ExecPush p, List<Sync> waits, int signal) {
        assertEquals(0, NovaDrm.exec(f, ch, List.of(p), waits, List.of(Sync.syncobj(signal))));
    }

    @Test
    public void copiesBetweenVramAndSystemMemoryArriveByteForByteOnBothGpus() throws Exception {
        for (String gpu : GPUS) {
            DrmDevice dev = device(gpu);
            VramManager vram = dev.vram();
            long before = vram.available();
            int n = (int) M1;
            try (Client c = new Client(dev, M1)) {
                assertEquals(GemObject.Placement.SYSMEM, dev.lookup(c.f, c.gartObj).placement());
                assertEquals(GemObject.Placement.VRAM, dev.lookup(c.f, c.vramObj).placement());
                int ch = NovaDrm.channelAlloc(c.f);
                int s = DrmSyncobj.create(c.f, false);
                // VRAM → GART
                byte[] a = random(n, gpu.hashCode());
                MemorySegment.copy(a, 0, c.view(c.vramObj, M1), ValueLayout.JAVA_BYTE, 0, n);
                exec(c.f, ch, c.push.copy(VRAM_VA, GART_VA, n), List.of(), s);
                assertNull(done(c.f, s).error());
                assertArrayEquals(gpu + ": VRAM → system memory", a, read(c.view(c.gartObj, M1), n));
                // GART → VRAM, at an odd offset and length
                byte[] b = random(n / 2 + 12, ~gpu.hashCode());
                MemorySegment.copy(b, 0, c.view(c.gartObj, M1), ValueLayout.JAVA_BYTE, 0, b.length);
                exec(c.f, ch, c.push.copy(GART_VA, VRAM_VA + 4, b.length), List.of(), s);
                assertNull(done(c.f, s).error());
                byte[] back = read(c.view(c.vramObj, M1), n);
                byte[] expect = a.clone();
                System.arraycopy(b, 0, expect, 4, b.length);
                assertArrayEquals(gpu + ": system memory → VRAM, the bytes around untouched", expect, back);
                // drm:jobs on the live file: its channel's queue and the last fences
                String jobs = Gogo.run(processor, "drm:jobs");
                assertTrue(jobs, jobs.contains(c.f.name()) && jobs.contains("running"));
                assertTrue(jobs, jobs.contains(c.f.syncobjFence(s).id()));
                String chans = Gogo.run(processor, "nova:channels " + gpu);
                assertTrue(chans, chans.contains("2 channel(s) open") && chans.contains(":kernel"));
            }
            assertEquals(gpu + ": VRAM back", before, vram.available());
            String chans = Gogo.run(processor, "nova:channels " + gpu);
            assertTrue(chans, chans.contains("1 channel(s) open") && chans.contains(":kernel"));
        }
    }

    /** A kernel-managed range wholly above the GPFIFO's 40-bit addresses cannot hold a channel: ENOMEM. */
    @Test
    public void aKernelManagedRangeAboveTheGpfifoLimitHoldsNoChannel() {
        DrmDevice dev = device(GPUS.get(0));
        try (DrmFile f = dev.open(DrmFile.Node.RENDER)) {
            NovaDrm.vmInit(f, HostMethods.GP_ENTRY_ADDRESS_LIMIT << 4, KM_SIZE);
            DrmException e = org.junit.Assert.assertThrows(DrmException.class, () -> NovaDrm.channelAlloc(f));
            assertEquals(e.getMessage(), DrmErrno.ENOMEM, e.errno());
        }
    }

    /**
     * Credits on the real ring: 3000 jobs of one push (2 GPFIFO entries each with the completion
     * entry) submitted back to back wrap the channel's 1024-entry ring several times; EXEC waits for
     * credits rather than failing, and every fence signals in order without error.
     */
    @Test
    public void thousandsOfJobsWrapTheRingThroughCredits() throws Exception {
        DrmDevice dev = device(GPUS.get(0));
        try (Client c = new Client(dev, K64)) {
            int ch = NovaDrm.channelAlloc(c.f);
            long at = c.push.words;
            c.push.cpu.set(U32, 4 * at, HostMethods.header(HostMethods.SEC_OP_INC_METHOD, COPY_SUBCHANNEL, HostMethods.NOP, 1));
            c.push.cpu.set(U32, 4 * at + 4, 0);
            c.push.words += 2;
            ExecPush nop = new ExecPush(PB_VA + 4 * at, 8, 0);
            int s = DrmSyncobj.create(c.f, false);
            List<DmaFence> fences = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                exec(c.f, ch, nop, List.of(), s);
                fences.add(c.f.syncobjFence(s));
            }
            DmaFence last = done(c.f, s);
            assertNull(last.error());
            long prev = 0;
            for (DmaFence fe : fences) {
                assertTrue(fe.isSignaled());
                assertNull(fe.error());
                assertTrue(fe.seqno() > prev);
                prev = fe.seqno();
            }
        }
    }

    @Test
    public void aChainAcrossTwoChannelsRunsInOrder() throws Exception {
        DrmDevice dev = device(GPUS.get(0));
        int n = (int) (4 * M1);
        try (Client c = new Client(dev, 4 * M1)) {
            int third = NovaDrm.gemCreate(c.f, 4 * M1, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
            NovaDrm.vmBindOrThrow(c.f, List.of(VmBindOp.map(third, THIRD_VA, 0, 4 * M1)));
            int ch1 = NovaDrm.channelAlloc(c.f);
            int ch2 = NovaDrm.channelAlloc(c.f);
            int s1 = DrmSyncobj.create(c.f, false);
            int s2 = DrmSyncobj.create(c.f, false);
            byte[] a = random(n, 42);
            MemorySegment.copy(a, 0, c.view(c.vramObj, 4 * M1), ValueLayout.JAVA_BYTE, 0, n);
            // ch1: VRAM → GART (4 MiB); ch2, waiting on ch1's fence: GART → third
            exec(c.f, ch1, c.push.copy(VRAM_VA, GART_VA, n), List.of(), s1);
            exec(c.f, ch2, c.push.copy(GART_VA, THIRD_VA, n), List.of(Sync.syncobj(s1)), s2);
            DmaFence second = done(c.f, s2);
            DmaFence first = c.f.syncobjFence(s1);
            assertTrue(first.isSignaled());
            assertNull(first.error());
            assertNull(second.error());
            assertTrue(first + " before " + second, first.timestampNanos() <= second.timestampNanos());
            assertArrayEquals("the second job read what the first wrote", a, read(c.view(third, 4 * M1), n));
        }
    }

    @Test
    public void aJobOnAnUnmappedVaFaultsItsChannelAndAnotherContinues() throws Exception {
        DrmDevice dev = device(GPUS.get(0));
        int n = 4096;
        try (Client c = new Client(dev, K64)) {
            int bad = NovaDrm.channelAlloc(c.f);
            int good = NovaDrm.channelAlloc(c.f);
            int s = DrmSyncobj.create(c.f, false);
            exec(c.f, bad, c.push.copy(UNMAPPED_VA, GART_VA, n), List.of(), s);
            DmaFence fault = done(c.f, s);
            // as nouveau: the faulted channel is killed, its job's fence signals ENODEV
            // (nouveau_channel_kill; SYNCOBJ_WAIT still returns 0: the fence signalled) and the next
            // EXEC on it answers ENODEV (nouveau_exec_ioctl_exec's check of chan->killed)
            assertEquals(FenceError.ENODEV, fault.error());
            assertEquals(0, DrmSyncobj.wait(c.f, new int[] {s}, DrmSyncobj.monotonicNanos() + 1_000_000_000L, 0, null));
            ExecPush retry = c.push.copy(VRAM_VA, GART_VA, n);
            assertEquals(-DrmErrno.ENODEV.value(), NovaDrm.exec(c.f, bad, List.of(retry), List.of(), List.of()));
            String jobs = Gogo.run(processor, "drm:jobs");
            assertTrue(jobs, jobs.contains("FAILED"));
            // the other channel of the same file and VA space still works
            byte[] a = random(n, 7);
            MemorySegment.copy(a, 0, c.view(c.vramObj, K64), ValueLayout.JAVA_BYTE, 0, n);
            int s2 = DrmSyncobj.create(c.f, false);
            exec(c.f, good, c.push.copy(VRAM_VA, GART_VA, n), List.of(), s2);
            assertNull(done(c.f, s2).error());
            assertArrayEquals(a, read(c.view(c.gartObj, K64), n));
        }
    }

    @Test
    public void closingAFileWithJobsInFlightCancelsThem() throws Exception {
        DrmDevice dev = device(GPUS.get(0));
        VramManager vram = dev.vram();
        long before = vram.available();
        int n = (int) (4 * M1);
        List<DmaFence> running = new ArrayList<>();
        List<DmaFence> blocked = new ArrayList<>();
        // another driver's fence that never signals (a display's, say): jobs waiting on it stay queued
        DmaFence foreign = new FenceContext("it:foreign").next();
        Client c = new Client(dev, 4 * M1);
        try {
            int ch = NovaDrm.channelAlloc(c.f);
            int s = DrmSyncobj.create(c.f, false);
            int gate = DrmSyncobj.create(c.f, false);
            c.f.syncobjReplaceFence(gate, foreign);
            for (int i = 0; i < 8; i++) {
                exec(c.f, ch, c.push.copy(i % 2 == 0 ? VRAM_VA : GART_VA, i % 2 == 0 ? GART_VA : VRAM_VA, n), List.of(), s);
                running.add(c.f.syncobjFence(s));
            }
            for (int i = 0; i < 4; i++) {
                exec(c.f, ch, c.push.copy(VRAM_VA, GART_VA, n), List.of(Sync.syncobj(gate)), s);
                blocked.add(c.f.syncobjFence(s));
            }
            String jobs = Gogo.run(processor, "drm:jobs");
            assertTrue(jobs, jobs.contains(c.f.name()));
        } finally {
            c.close();
        }
        for (DmaFence fe : running) {
            assertTrue(fe + " signalled by the close", fe.await(FENCE_S, TimeUnit.SECONDS));
            assertTrue(fe + ": done or cancelled", fe.error() == null || fe.error() == FenceError.ECANCELED);
        }
        for (DmaFence fe : blocked) {
            assertTrue(fe + " signalled by the close", fe.isSignaled());
            assertEquals(fe.toString(), FenceError.ECANCELED, fe.error());
        }
        assertTrue("the foreign fence stays its signaller's", !foreign.isSignaled());
        foreign.signal();
        assertEquals("VRAM back", before, vram.available());
        String chans = Gogo.run(processor, "nova:channels " + GPUS.get(0));
        assertTrue(chans, chans.contains("1 channel(s) open") && chans.contains(":kernel"));
    }

    /**
     * Jobs that write a VRAM object (32 MiB from system memory, as 8 jobs) are submitted but held
     * by another driver's fence when the object is migrated to system memory: the move waits for
     * the space's job fences (TTM's reservation wait; nouveau's EXEC jobs fence the VM's shared
     * reservation), the object stays in VRAM until they are done, and the bytes the jobs wrote are
     * in the object after it moved, at the same GPU VA, which the GPU then reads back.
     */
    @Test
    public void anObjectMovedWhileJobsWriteItKeepsTheirBytes() throws Exception {
        DrmDevice dev = device(GPUS.get(0));
        VramManager vram = dev.vram();
        long before = vram.available();
        long size = 32 * M1;
        int n = (int) size;
        int jobs = 8;
        DmaFence foreign = new FenceContext("it:gate").next();
        try (Client c = new Client(dev, size)) {
            int ch = NovaDrm.channelAlloc(c.f);
            byte[] a = random(n, 99);
            MemorySegment.copy(a, 0, c.view(c.gartObj, size), ValueLayout.JAVA_BYTE, 0, n);
            GemObject target = dev.lookup(c.f, c.vramObj);
            assertEquals(GemObject.Placement.VRAM, target.placement());
            int gate = DrmSyncobj.create(c.f, false);
            c.f.syncobjReplaceFence(gate, foreign);
            int out = DrmSyncobj.create(c.f, false);
            int chunk = n / jobs;
            for (int i = 0; i < jobs; i++) {
                exec(c.f, ch, c.push.copy(GART_VA + (long) i * chunk, VRAM_VA + (long) i * chunk, chunk),
                        List.of(Sync.syncobj(gate)), out);
            }
            DmaFence last = c.f.syncobjFence(out);
            AtomicReference<Throwable> moveError = new AtomicReference<>();
            Thread mover = Thread.ofPlatform().name("it:migrate").start(() -> {
                try {
                    dev.gemMigrate(target, GemObject.Placement.SYSMEM);
                } catch (Throwable t) {
                    moveError.set(t);
                }
            });
            // the move blocks in the wait for the jobs' fences (it returned at once before nova-drm waited)
            Await.until("the move waits for the jobs in flight", TIMEOUT, () -> {
                assertTrue("the move finished before the jobs ran: " + moveError.get(), mover.isAlive());
                return mover.getState() == Thread.State.TIMED_WAITING;
            }, () -> mover.getState());
            assertEquals("not moved while its jobs are pending", GemObject.Placement.VRAM, target.placement());
            assertTrue(!last.isSignaled());
            foreign.signal();
            mover.join();
            assertNull(moveError.get());
            assertTrue(last.isSignaled());
            assertNull(last.error());
            assertEquals(GemObject.Placement.SYSMEM, target.placement());
            assertArrayEquals("every byte the jobs wrote moved with the object", a, read(c.view(c.vramObj, size), n));
            // and back through the GPU: a copy from the moved object's (unchanged) VA
            int back = NovaDrm.gemCreate(c.f, size, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
            NovaDrm.vmBindOrThrow(c.f, List.of(VmBindOp.map(back, THIRD_VA, 0, size)));
            int s = DrmSyncobj.create(c.f, false);
            exec(c.f, ch, c.push.copy(VRAM_VA, THIRD_VA, n), List.of(), s);
            assertNull(done(c.f, s).error());
            assertArrayEquals(a, read(c.view(back, size), n));
        } finally {
            foreign.signal();
        }
        assertEquals("VRAM back", before, vram.available());
    }

    /**
     * VRAM pressure while jobs that write the least recently used object are held by another
     * driver's fence, on a GA102 hot-added with 512 MiB of framebuffer: the eviction that picks it
     * waits in the victim's space's job fences (the creating thread blocks there, nothing is evicted
     * yet) until the jobs ran, then moves it; its bytes are the jobs' and its VA reads them.
     */
    @Test
    public void evictionUnderPressureWaitsForTheVictimsJobs() throws Exception {
        org.osgi.service.cm.Configuration conf = cm.createFactoryConfiguration("org.nova.hw.sim.device", "?");
        conf.update(new Hashtable<>(Map.of("bridge", "sim0", "slot", SMALL_SLOT, "model", "nvidia-gpu", "chip", "ga102",
                "fb_mib", "512")));
        DmaFence foreign = new FenceContext("it:gate").next();
        try {
            Await.until(SMALL_GPU + "'s DRM device", TIMEOUT, () -> device(SMALL_GPU) != null, () -> drm.devices());
            // test_remove (CI's second run) probes, removes and probes again: the device found first
            // may be the removed one, so wait for every probe to finish and look again
            assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
            DrmDevice dev = device(SMALL_GPU);
            long size = 16 * M1;
            int n = (int) size;
            try (Client c = new Client(dev, size); DrmFile b = dev.open(DrmFile.Node.RENDER)) {
                NovaDrm.vmInit(b, KM_ADDR, KM_SIZE);
                int ch = NovaDrm.channelAlloc(c.f);
                byte[] a = random(n, 1234);
                MemorySegment.copy(a, 0, c.view(c.gartObj, size), ValueLayout.JAVA_BYTE, 0, n);
                GemObject victim = dev.lookup(c.f, c.vramObj);
                int gate = DrmSyncobj.create(c.f, false);
                c.f.syncobjReplaceFence(gate, foreign);
                int out = DrmSyncobj.create(c.f, false);
                for (int i = 0; i < 4; i++) {
                    exec(c.f, ch, c.push.copy(GART_VA + (long) i * n / 4, VRAM_VA + (long) i * n / 4, n / 4),
                            List.of(Sync.syncobj(gate)), out);
                }
                DmaFence last = c.f.syncobjFence(out);
                long evictions = dev.evictions();
                AtomicReference<Throwable> pressError = new AtomicReference<>();
                Thread presser = Thread.ofPlatform().name("it:pressure").start(() -> {
                    try {
                        while (dev.evictions() == evictions) {
                            NovaDrm.gemCreate(b, size, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
                        }
                    } catch (Throwable t) {
                        pressError.set(t);
                    }
                });
                Await.until("the eviction waits for the victim's jobs", TIMEOUT, () -> {
                    assertTrue("the pressure ended before the jobs ran: " + pressError.get(), presser.isAlive());
                    return java.util.Arrays.stream(presser.getStackTrace())
                            .anyMatch(f -> f.getMethodName().equals("awaitIdle"));
                }, () -> java.util.Arrays.toString(presser.getStackTrace()));
                assertEquals("nothing evicted while the victim's jobs are pending", evictions, dev.evictions());
                assertEquals(GemObject.Placement.VRAM, victim.placement());
                foreign.signal();
                presser.join();
                assertNull(pressError.get());
                assertTrue(last.isSignaled());
                assertNull(last.error());
                assertEquals("the least recently used object was evicted", GemObject.Placement.SYSMEM, victim.placement());
                assertArrayEquals("the jobs' bytes moved with it", a, read(c.view(c.vramObj, size), n));
            }
        } finally {
            foreign.signal();
            conf.delete();
            Await.until(SMALL_GPU + " removed", TIMEOUT, () -> device(SMALL_GPU) == null, () -> drm.devices());
        }
    }

    /** The GPU copies {@code n} bytes from {@code from} to the zeroed GART object {@code back} at {@link #THIRD_VA}; @return them */
    private static byte[] gpuRead(Client c, int ch, int back, long from, int n) throws InterruptedException {
        MemorySegment view = c.view(back, n);
        view.fill((byte) 0);
        int s = DrmSyncobj.create(c.f, false);
        exec(c.f, ch, c.push.copy(from, THIRD_VA, n), List.of(), s);
        assertNull(done(c.f, s).error());
        return read(view, n);
    }

    /**
     * Eviction under VRAM pressure on a GA102 hot-added with 512 MiB of framebuffer, with the moves
     * done by the copy engine on the DRM device's kernel channel (nouveau_bo_move_m2mf): every
     * eviction counts as an accelerated move, the evicted object's bytes read back through the GPU
     * (a job copying from its unchanged VA: the simulated MMU walks to the new system memory), a
     * migration back to VRAM is the engine's too. Then the kernel channel fails (aborted, as a fault
     * stops it): the next move falls back to the CPU copy (no accelerated move counted) and still
     * carries the bytes, read through the GPU and through mmap. Removing the GPU closes the channel.
     */
    @Test
    public void movesAreTheCopyEnginesAndFallBackToTheCpuWhenTheKernelChannelFails() throws Exception {
        org.osgi.service.cm.Configuration conf = cm.createFactoryConfiguration("org.nova.hw.sim.device", "?");
        conf.update(new Hashtable<>(Map.of("bridge", "sim0", "slot", SMALL_SLOT, "model", "nvidia-gpu", "chip", "ga102",
                "fb_mib", "512")));
        GpuChannel kernel = null;
        try {
            Await.until(SMALL_GPU + "'s DRM device", TIMEOUT, () -> device(SMALL_GPU) != null, () -> drm.devices());
            // test_remove (CI's second run) probes, removes and probes again: the device found first
            // may be the removed one, so wait for every probe to finish and look again
            assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
            DrmDevice dev = device(SMALL_GPU);
            assertNull("no kernel channel before the first move", kernelChannel(SMALL_GPU));
            long size = 16 * M1;
            int n = (int) size;
            try (Client c = new Client(dev, size)) {
                int ch = NovaDrm.channelAlloc(c.f);
                byte[] a = random(n, 4321);
                MemorySegment.copy(a, 0, c.view(c.gartObj, size), ValueLayout.JAVA_BYTE, 0, n);
                int s = DrmSyncobj.create(c.f, false);
                exec(c.f, ch, c.push.copy(GART_VA, VRAM_VA, n), List.of(), s);
                assertNull(done(c.f, s).error());
                int back = NovaDrm.gemCreate(c.f, size, NovaDrm.NOVA_GEM_DOMAIN_GART);
                NovaDrm.vmBindOrThrow(c.f, List.of(VmBindOp.map(back, THIRD_VA, 0, size)));
                GemObject victim = dev.lookup(c.f, c.vramObj);
                long evictions = dev.evictions();
                long moves = dev.acceleratedMoves();
                try (DrmFile b = dev.open(DrmFile.Node.RENDER)) {
                    while (victim.placement() == GemObject.Placement.VRAM) {
                        NovaDrm.gemCreate(b, size, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
                    }
                    assertTrue(dev.evictions() > evictions);
                    assertEquals("every eviction was the copy engine's", dev.evictions() - evictions,
                            dev.acceleratedMoves() - moves);
                    kernel = kernelChannel(SMALL_GPU);
                    assertNotNull("the first move opened the kernel channel", kernel);
                    assertNull(kernel.error());
                    assertArrayEquals("the evicted object's bytes, read by the GPU at its VA", a,
                            gpuRead(c, ch, back, VRAM_VA, n));
                }
                // room again (b's objects are gone): back to VRAM, by the engine
                moves = dev.acceleratedMoves();
                dev.gemMigrate(victim, GemObject.Placement.VRAM);
                assertEquals(GemObject.Placement.VRAM, victim.placement());
                assertEquals(moves + 1, dev.acceleratedMoves());
                assertArrayEquals("moved back to VRAM by the engine", a, gpuRead(c, ch, back, VRAM_VA, n));
                // the kernel channel fails: moves go to the CPU
                kernel.abort("it: the kernel channel fails");
                GpuChannel k = kernel;
                Await.until("the kernel channel stopped", TIMEOUT, () -> k.error() != null, () -> k.error());
                moves = dev.acceleratedMoves();
                dev.gemMigrate(victim, GemObject.Placement.SYSMEM);
                assertEquals(GemObject.Placement.SYSMEM, victim.placement());
                assertEquals("the move after the failure was the CPU's", moves, dev.acceleratedMoves());
                assertArrayEquals("the CPU copy carried the bytes (GPU read)", a, gpuRead(c, ch, back, VRAM_VA, n));
                assertArrayEquals("the CPU copy carried the bytes (mmap)", a, read(c.view(c.vramObj, size), n));
                String chans = Gogo.run(processor, "nova:channels " + SMALL_GPU);
                assertTrue(chans, chans.contains(":kernel") && chans.contains("the kernel channel fails"));
            }
        } finally {
            conf.delete();
            Await.until(SMALL_GPU + " removed", TIMEOUT, () -> device(SMALL_GPU) == null, () -> drm.devices());
        }
        assertTrue("the GPU's removal closed the kernel channel", kernel.isClosed());
    }
}
