package org.nova.it.drm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmIoctl;
import org.nova.drm.DrmSyncobj;
import org.nova.drm.GemObject;
import org.nova.drm.NovaDrm;
import org.nova.gpu.vram.VramManager;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Issue 7's "done when" in the framework: on the default simulated platform (GA102 at 00:05.0 and
 * AD102 at 00:06.0, bound to NovaCore, each with a "NovaCore.nova-drm.N" auxiliary device bound by
 * "Nova.nova-drm"), {@code drm:list} shows a DRM device per GPU; a program using the client API
 * (the {@link DrmDevices} service) creates GEM objects on both through the uAPI structures,
 * queries, shares (PRIME export/import) and frees them, with handle isolation between files and
 * every byte back in the VRAM manager; and unbinding a GPU with a file open fails that file's
 * ioctls with ENODEV and returns its VRAM.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NovaDrmIT {
    /** GPU boot (GSP RPCs on the simulator's thread) and probing; running out is a hang. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The default platform's simulated GPUs (hw.sim SimDefaultPlatform). */
    private static final List<String> GPUS = List.of("0000:00:05.0", "0000:00:06.0");
    private static final String NOVA_CORE = "NovaCore";
    private static final String NOVA_DRM = "Nova.nova-drm";
    private static final String AUX_PREFIX = "NovaCore.nova-drm.";
    private static final String AUXILIARY = "auxiliary";

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Inject
    private DriverCore core;

    @Inject
    private DrmDevices drm;

    @Inject
    private CommandProcessor processor;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    /** Both GPUs bound to NovaCore, their nova-drm devices bound, one DRM device each. */
    @Before
    public void gpusUp() {
        // the run's test_remove switch reached the framework (the driver core reads it there)
        assertEquals(NovaOptions.testRemove(),
                Boolean.parseBoolean(context.getProperty(NovaOptions.TEST_REMOVE_PROPERTY)));
        awaitGpusUp();
    }

    // ---------------------------------------------------------------- drm:list

    @Test
    public void drmListShowsADrmDevicePerGpu() throws Exception {
        String out = shell("drm:list");
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(out, List.of("MINOR", "RENDER", "NAME", "PARENT", "GPU", "VRAM(used/total)", "FILES"),
                words(lines.get(0)));
        Map<String, List<String>> byGpu = new TreeMap<>();
        for (String l : lines.subList(1, lines.size())) {
            List<String> w = words(l);
            byGpu.put(w.get(4), w);
        }
        assertEquals(out, GPUS, new ArrayList<>(byGpu.keySet()));
        for (String gpu : GPUS) {
            DrmDevice d = deviceOf(gpu);
            List<String> row = byGpu.get(gpu);
            assertEquals(out, Integer.toString(d.primaryMinor()), row.get(0));
            assertEquals(out, d.renderName(), row.get(1));
            assertEquals(out, "nova", row.get(2));
            assertTrue(out, row.get(3).startsWith(AUX_PREFIX));
            assertEquals(out, d.parent(), row.get(3));
            assertEquals(out, "0K/" + (d.vram().total() >> 20) + "M", row.get(5));
            assertTrue(out, d.vram().total() > 0);
            assertEquals(out, "0", row.get(6));
            // the parent is the nova-drm auxiliary device, bound by nova-drm, child of the GPU
            Device aux = core.requireBus(AUXILIARY).device(d.parent()).orElseThrow();
            assertEquals(NOVA_DRM, aux.driver().orElse("-"));
            assertEquals(gpu, aux.parent().orElseThrow().name());
            // card N and renderD(128+N), as the kernel names them
            assertEquals("card" + d.primaryMinor(), d.primaryName());
            assertEquals("renderD" + d.renderMinor(), d.renderName());
            assertEquals(d.primaryMinor() + 128, d.renderMinor());
            assertSame(d, drm.byMinor(d.primaryMinor()).orElseThrow());
            assertSame(d, drm.byMinor(d.renderMinor()).orElseThrow());
        }
    }

    // ---------------------------------------------------------------- GEM through the uAPI

    @Test
    public void gemObjectsAreCreatedSharedIsolatedAndFreedOnBothGpus() {
        for (String gpu : GPUS) {
            DrmDevice dev = deviceOf(gpu);
            VramManager vram = dev.vram();
            long availableBefore = vram.available();
            assertEquals(gpu + " usage " + vram.usageByOwner(), vram.total(), availableBefore);
            int fdsBefore = drm.openFds().size();

            int fd = -1;
            DrmFile a = dev.open(DrmFile.Node.RENDER);
            DrmFile b = dev.open(DrmFile.Node.RENDER);
            try (Arena arena = Arena.ofConfined()) {
                assertNotEquals(a.id(), b.id());
                assertEquals(2, dev.files().size());

                // GETPARAM: VRAM_BAR_SIZE is BAR1's length
                MemorySegment param = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GETPARAM);
                param.set(U64, 0, NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE);
                assertEquals(0, a.ioctl(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, param));
                long bar1 = core.requireBus(PciBus.NAME).device(gpu).orElseThrow()
                        .busData(org.nova.bus.pci.PciDevice.class).resourceLen(1);
                assertEquals(gpu, bar1, param.get(U64, 8));
                assertTrue(gpu + " BAR1", bar1 > 0);

                // GEM_CREATE through struct drm_nova_gem_create: sizes round up to 4 KiB
                int ha = create(a, arena, 100_000);
                int ha2 = create(a, arena, 1 << 20);
                int hb = create(b, arena, 8192);
                assertNotEquals(ha, ha2);
                createFails(a, arena, 0, DrmErrno.EINVAL);

                // GEM_INFO through struct drm_nova_gem_info
                assertEquals(102_400L, info(a, arena, ha));
                assertEquals(1L << 20, info(a, arena, ha2));
                assertEquals(8192L, info(b, arena, hb));
                // VRAM: power-of-two buddy blocks of at least the object's size
                long inUse = 0;
                for (GemObject o : dev.objects()) {
                    assertEquals(o.toString(), Long.highestOneBit(o.size() * 2 - 1), o.vramSize());
                    inUse += o.vramSize();
                }
                assertEquals(131_072L + (1 << 20) + 8192, inUse);
                assertEquals(inUse, dev.vramInUse());
                assertEquals(gpu + " " + vram.usageByOwner(), availableBefore - inUse, vram.available());
                assertEquals(3, dev.objects().size());

                // isolation: a's handles mean nothing in b (b's own handle numbers name b's objects)
                for (int h : List.of(ha, ha2)) {
                    if (b.objects().containsKey(h)) {
                        assertNotEquals(a.objects().get(h), b.objects().get(h));
                        assertEquals(8192L, info(b, arena, h));
                    } else {
                        assertEquals(-DrmErrno.ENOENT.value(), ioctlInfo(b, arena, h));
                    }
                }
                int unused = Math.max(Math.max(ha, ha2), hb) + 100;
                assertEquals(-DrmErrno.ENOENT.value(), ioctlInfo(a, arena, unused));
                assertEquals(-DrmErrno.ENOENT.value(), ioctlInfo(b, arena, unused));

                // PRIME: a exports ha, b imports it and sees the same object
                fd = NovaDrm.primeHandleToFd(a, ha);
                assertTrue(drm.openFds().contains(fd));
                int hbImported = NovaDrm.primeFdToHandle(b, fd);
                assertNotEquals(hb, hbImported);
                assertEquals(102_400L, info(b, arena, hbImported));
                GemObject shared = a.objects().get(ha);
                assertSame(shared, b.objects().get(hbImported));
                assertEquals(3, dev.objects().size());
                // importing again gives the same handle (drm_prime_lookup_buf_handle)
                assertEquals(hbImported, NovaDrm.primeFdToHandle(b, fd));
                drm.closeFd(fd);
                assertFalse(drm.openFds().contains(fd));

                // a closes its handle: the object lives on through b's
                gemClose(a, arena, ha);
                assertEquals(-DrmErrno.ENOENT.value(), ioctlInfo(a, arena, ha));
                assertEquals(102_400L, info(b, arena, hbImported));
                assertFalse(shared.isFreed());
                // a closing a handle twice: EINVAL, as drm_gem_handle_delete
                MemorySegment close = arena.allocate(DrmIoctl.DRM_GEM_CLOSE_SIZE);
                close.set(U32, 0, ha);
                assertEquals(-DrmErrno.EINVAL.value(), a.ioctl(DrmIoctl.DRM_IOCTL_GEM_CLOSE, close));
                // b closes it too: freed, its VRAM back
                gemClose(b, arena, hbImported);
                assertTrue(shared.isFreed());
                assertEquals((1L << 20) + 8192, dev.vramInUse());
                assertEquals(availableBefore - (1L << 20) - 8192, vram.available());

                // closing the files frees the rest
                a.close();
                assertEquals(8192L, dev.vramInUse());
                assertEquals(-DrmErrno.EBADF.value(), ioctlInfo(a, arena, ha2));
                b.close();
                assertEquals(0, dev.vramInUse());
                assertEquals(List.of(), dev.objects());
                assertEquals(List.of(), dev.files());
            } finally {
                a.close();
                b.close();
                if (fd >= 0 && drm.openFds().contains(fd)) {
                    drm.closeFd(fd);
                }
            }
            assertEquals(gpu + " usage " + vram.usageByOwner(), availableBefore, vram.available());
            assertEquals(gpu, Map.of(), vram.usageByOwner());
            assertEquals(fdsBefore, drm.openFds().size());
        }
    }

    @Test
    public void objectsOnBothGpusAtOnceAreIndependent() {
        DrmDevice d0 = deviceOf(GPUS.get(0));
        DrmDevice d1 = deviceOf(GPUS.get(1));
        assertNotEquals(d0, d1);
        try (Arena arena = Arena.ofConfined(); DrmFile f0 = d0.open(DrmFile.Node.RENDER);
                DrmFile f1 = d1.open(DrmFile.Node.RENDER)) {
            int h0 = create(f0, arena, 4096);
            int h1 = create(f1, arena, 3 * 4096);
            assertEquals(4096L, info(f0, arena, h0));
            assertEquals(3L * 4096, info(f1, arena, h1));
            assertEquals(4096L, d0.vramInUse());
            assertEquals(4L * 4096, d1.vramInUse()); // a buddy block: 3 pages take 4
            assertNotEquals(d0.vram(), d1.vram());
            assertTrue(d0.vram().available() < d0.vram().total());
            assertTrue(d1.vram().available() < d1.vram().total());
        }
        assertEquals(0, d0.vramInUse());
        assertEquals(0, d1.vramInUse());
        assertEquals(d0.vram().total(), d0.vram().available());
        assertEquals(d1.vram().total(), d1.vram().available());
    }

    // ---------------------------------------------------------------- mmap through the VRAM aperture

    /**
     * On both GPUs: a GEM object created through the uAPI is mmapped through BAR1 (nova.core's
     * devres mapping of the simulated GPU's RAM-backed aperture), written through the mapping and
     * read back through a second file's mapping after PRIME import. Then unbinding a GPU makes a
     * mapping kept beyond it inaccessible: IllegalStateException, never unmapped memory.
     */
    @Test
    public void gemObjectsAreMappedThroughTheApertureAndDieWithTheBinding() {
        List<MemorySegment> kept = new ArrayList<>();
        for (String gpu : GPUS) {
            DrmDevice dev = deviceOf(gpu);
            try (Arena arena = Arena.ofConfined(); DrmFile a = dev.open(DrmFile.Node.RENDER);
                    DrmFile b = dev.open(DrmFile.Node.RENDER)) {
                create(a, arena, 3 * 4096); // an object below, so the shared one is not at VRAM 0
                int ha = create(a, arena, 100_000);
                MemorySegment ma = a.mmap(a.mmapOffset(ha), 102_400);
                for (long i = 0; i < 102_400; i += 4) {
                    ma.set(U32, i, (int) (0x6e000000L + i));
                }
                int fd = NovaDrm.primeHandleToFd(a, ha);
                int hb = NovaDrm.primeFdToHandle(b, fd);
                drm.closeFd(fd);
                MemorySegment mb = b.mmap(b.mmapOffset(hb), 102_400);
                for (long i = 0; i < 102_400; i += 4) {
                    assertEquals(gpu + " at " + i, (int) (0x6e000000L + i), mb.get(U32, i));
                }
                // a mapping of one object is not another's
                int hc = create(b, arena, 4096);
                MemorySegment mc = b.mmap(b.mmapOffset(hc), 4096);
                mc.set(U32, 0, 0xdeadbeef);
                assertEquals((int) 0x6e000000L, mb.get(U32, 0));
                // mmap errors of the uAPI
                try {
                    b.mmap(b.mmapOffset(hb), 102_400 + 4096);
                    fail("mmap beyond the object should throw");
                } catch (DrmException e) {
                    assertEquals(DrmErrno.EINVAL, e.errno());
                }
                if (gpu.equals(GPUS.get(0))) {
                    kept.add(mb);
                }
            }
        }
        // the object is freed (the files closed) but the slice is the GPU's BAR1 until unbind
        MemorySegment stale = kept.get(0);
        stale.get(U32, 0);
        String gpu = GPUS.get(0);
        Bus pci = core.requireBus(PciBus.NAME);
        try {
            pci.unbind(gpu);
            await(gpu + " unbound", () -> pci.device(gpu).orElseThrow().driver().isEmpty(), this::state);
            try {
                stale.get(U32, 0);
                fail("a mapping of " + gpu + "'s aperture is accessible after unbind");
            } catch (IllegalStateException expected) {
                // the BAR1 view was closed when nova.core's devres revoked the Bar
            }
            try {
                stale.set(U32, 4, 1);
                fail("a mapping of " + gpu + "'s aperture is writable after unbind");
            } catch (IllegalStateException expected) {
                // as above
            }
        } finally {
            pci.bind(gpu, NOVA_CORE);
        }
        awaitGpusUp();
        // the new binding maps the aperture again
        DrmDevice again = deviceOf(gpu);
        try (Arena arena = Arena.ofConfined(); DrmFile f = again.open(DrmFile.Node.RENDER)) {
            int h = create(f, arena, 4096);
            MemorySegment m = f.mmap(f.mmapOffset(h), 4096);
            m.set(U32, 8, 42);
            assertEquals(42, m.get(U32, 8));
        }
        assertEquals(again.vram().total(), again.vram().available());
    }

    // ---------------------------------------------------------------- GPU VA spaces (issue 19)

    /**
     * VM_INIT and VM_BIND on the probed GPU: the mapping is in page tables nova.core wrote
     * through the real probe's PRAMIN, {@code drm:vm} shows it translating to the object's VRAM,
     * the handle's close keeps the object while mapped, and unbinding the GPU with the file open
     * force-closes the space with every byte (objects and tables) back in VRAM.
     */
    @Test
    public void vmBindMapsObjectsShowsThemInDrmVmAndUnbindTearsDown() throws Exception {
        String gpu = GPUS.get(0);
        DrmDevice dev = deviceOf(gpu);
        VramManager vram = dev.vram();
        Bus pci = core.requireBus(PciBus.NAME);
        DrmFile f = dev.open(DrmFile.Node.RENDER);
        DrmFile other = dev.open(DrmFile.Node.RENDER);
        try {
            NovaDrm.vmInit(f, 1L << 40, 1L << 30);
            try {
                NovaDrm.vmInit(f, 0, 0);
                fail("a second VM_INIT should be refused");
            } catch (DrmException e) {
                assertEquals(DrmErrno.EBUSY, e.errno());
            }
            int h = NovaDrm.gemCreate(f, 1 << 22);
            long va = 1L << 32;
            NovaDrm.vmBindOrThrow(f, List.of(NovaDrm.VmBindOp.map(h, va, 1 << 21, 1 << 21),
                    NovaDrm.VmBindOp.sparse(1L << 36, 1L << 21)));
            long pa = dev.lookup(f, h).vramOffset() + (1 << 21);
            // the other file has no VA space and cannot reach the handle
            NovaDrm.vmInit(other, 0, 0);
            assertEquals(-DrmErrno.ENOENT.value(), NovaDrm.vmBind(other, List.of(NovaDrm.VmBindOp.map(h + 7, 0, 0, 4096))));
            String out = shell("drm:vm " + f.name());
            assertTrue(out, out.contains(String.format("%#x", va)) && out.contains(String.format("%#x", pa)));
            assertTrue(out, out.contains("sparse"));
            assertTrue(out, !out.contains("unmapped!"));
            NovaDrm.gemClose(f, h);
            assertTrue(vram.usageByOwner().toString(), vram.available() < vram.total());
            pci.unbind(gpu);
            await(gpu + " unbound", () -> pci.device(gpu).orElseThrow().driver().isEmpty(), this::state);
            assertEquals(-DrmErrno.ENODEV.value(), NovaDrm.vmBind(f, List.of(NovaDrm.VmBindOp.unmap(va, 1 << 21))));
            assertEquals(Map.of(), vram.usageByOwner());
            assertEquals(vram.total(), vram.available());
        } finally {
            f.close();
            other.close();
            if (pci.device(gpu).orElseThrow().driver().isEmpty()) {
                pci.bind(gpu, NOVA_CORE);
            }
        }
        awaitGpusUp();
    }

    /**
     * Stopping the nova-drm bundle with a file's objects mapped (one only through its mapping)
     * unplugs the devices: the file's VA space closes and every byte, objects and page tables,
     * goes back to VRAM; started again, nova-drm binds both GPUs anew.
     */
    @Test
    public void syncobjsWorkOnAProbedGpuAndExecNeedsAVaSpace() throws Exception {
        DrmDevice dev = deviceOf(GPUS.get(0));
        DrmFile f = dev.open(DrmFile.Node.RENDER);
        DrmFile other = dev.open(DrmFile.Node.RENDER);
        try {
            int signaled = DrmSyncobj.create(f, true);
            int empty = DrmSyncobj.create(f, false);
            assertEquals(0, DrmSyncobj.wait(f, new int[] {signaled}, 0, 0, null));
            assertEquals(-DrmErrno.EINVAL.value(), DrmSyncobj.wait(f, new int[] {empty}, 0, 0, null));
            assertEquals(-DrmErrno.ETIME.value(), DrmSyncobj.wait(f, new int[] {empty}, 0,
                    DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, null));
            assertEquals(0, DrmSyncobj.signal(f, empty));
            assertEquals(0, DrmSyncobj.wait(f, new int[] {signaled, empty}, 0,
                    DrmSyncobj.DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, null));
            assertEquals(-DrmErrno.ENOENT.value(), DrmSyncobj.wait(other, new int[] {empty + 5}, 0, 0, null));
            assertEquals(-DrmErrno.ENOSYS.value(), NovaDrm.exec(f, 1,
                    List.of(new NovaDrm.ExecPush(1L << 32, 4, 0)), List.of(), List.of()));
            String out = shell("drm:jobs " + f.name());
            assertTrue(out, out.contains("has no channel"));
        } finally {
            f.close();
            other.close();
        }
    }

    @Test
    public void stoppingNovaDrmWithMappingsGivesEveryByteBack() throws Exception {
        DrmDevice dev = deviceOf(GPUS.get(1));
        VramManager vram = dev.vram();
        Bundle bundle = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "nova.drm".equals(b.getSymbolicName())).findFirst().orElseThrow();
        DrmFile f = dev.open(DrmFile.Node.RENDER);
        try {
            NovaDrm.vmInit(f, 0, 0);
            int h = NovaDrm.gemCreate(f, 1 << 21);
            int k = NovaDrm.gemCreate(f, 1 << 16);
            NovaDrm.vmBindOrThrow(f, List.of(NovaDrm.VmBindOp.map(h, 1L << 32, 0, 1 << 21),
                    NovaDrm.VmBindOp.map(k, (1L << 32) + (1 << 16), 0, 1 << 16)));
            NovaDrm.gemClose(f, h);
            assertTrue(vram.usageByOwner().toString(), vram.available() < vram.total());
            bundle.stop();
            assertTrue(dev.isUnplugged());
            assertEquals(Map.of(), vram.usageByOwner());
            assertEquals(vram.total(), vram.available());
            assertEquals(-DrmErrno.ENODEV.value(), NovaDrm.vmBind(f, List.of(NovaDrm.VmBindOp.unmap(1L << 32, 1 << 21))));
        } finally {
            f.close();
            if (bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
        }
        await("nova-drm's DRM devices back", () -> {
            var ref = context.getServiceReference(DrmDevices.class);
            DrmDevices d = ref == null ? null : context.getService(ref);
            return d != null && d.devices().stream().filter(x -> !x.isUnplugged()).count() == GPUS.size();
        }, this::state);
    }

    /**
     * On both GPUs the simulated GSP-RM has bound BAR1 to its page tables, so a GEM mmap is a
     * BAR1 VA mapping: {@code nova:vm} lists it under the file that mapped it, the driver's walk of
     * the VA ends at the object's VRAM page, and the range goes when the object does, leaving the
     * VRAM allocator where it started.
     */
    @Test
    public void gemMmapsAreBar1VaMappingsThatGoWithTheObject() throws Exception {
        for (String gpu : GPUS) {
            DrmDevice dev = deviceOf(gpu);
            long before = dev.vram().available();
            try (Arena arena = Arena.ofConfined(); DrmFile f = dev.open(DrmFile.Node.RENDER)) {
                int h = create(f, arena, 3 * 65536);
                MemorySegment m = f.mmap(f.mmapOffset(h), 3 * 65536);
                m.set(U64, 0x1_0008, 0x0123_4567_89ab_cdefL);
                String vm = shell("nova:vm " + gpu);
                assertTrue(vm, vm.contains("bound by GSP-RM"));
                String line = vm.lines().filter(l -> l.contains(f.owner())).findFirst().orElseThrow(
                        () -> new AssertionError(f.owner() + " not in\n" + vm));
                long va = Long.decode(words(line).get(0));
                String walk = shell("nova:vm " + gpu + " 0x" + Long.toHexString(va + 0x1_0008));
                long pa = dev.lookup(f, h).vramOffset() + 0x1_0008;
                assertTrue(walk, walk.contains(String.format("-> VRAM 0x%x (64 KiB page)", pa)));
                assertEquals(0x0123_4567_89ab_cdefL, m.get(U64, 0x1_0008));
            }
            String after = shell("nova:vm " + gpu);
            assertEquals(after, List.of("kernel"), bar1Owners(after));
            assertEquals(before, dev.vram().available());
        }
    }

    /**
     * A GH100 added at run time (the chips that boot through the FSP use MMU format version 3):
     * GSP-RM binds BAR1 under an empty PD4, a GEM object's mmap is a BAR1 mapping in the driver's
     * version 3 tables ({@code nova:vm} names the format and walks from PD4 to the object's VRAM
     * page), VM_INIT and VM_BIND map the object in a version 3 GPU VA space, and removing the
     * device gives everything back.
     */
    @Test
    public void hopperMapsGemObjectsThroughVersion3TablesInBar1AndVmBind() throws Exception {
        String pid = "org.nova.hw.sim.device~hopper";
        String gpu = "0000:00:09.0";
        shell("cm:set " + pid + " model=nvidia-gpu chip=gh100 slot=00:09.0");
        try {
            await(gpu + " bound with a nova-drm DRM device", () -> drm.devices().stream()
                    .anyMatch(d -> !d.isUnplugged() && gpu.equals(d.vram().gpu())), this::state);
            // test_remove (CI's second run) probes, removes and probes again: the device found first
            // may be the removed one, so wait for every probe to finish and look again
            assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
            DrmDevice dev = deviceOf(gpu);
            long before = dev.vram().available();
            try (Arena arena = Arena.ofConfined(); DrmFile f = dev.open(DrmFile.Node.RENDER)) {
                int h = create(f, arena, 3 * 65536);
                MemorySegment m = f.mmap(f.mmapOffset(h), 3 * 65536);
                m.set(U64, 0x1_0008, 0x0123_4567_89ab_cdefL);
                String vm = shell("nova:vm " + gpu);
                assertTrue(vm, vm.contains("bound by GSP-RM") && vm.contains("MMU format version 3 (57-bit VA)")
                        && vm.contains("root (PD4)"));
                String line = vm.lines().filter(l -> l.contains(f.owner())).findFirst().orElseThrow(
                        () -> new AssertionError(f.owner() + " not in\n" + vm));
                long va = Long.decode(words(line).get(0));
                String walk = shell("nova:vm " + gpu + " 0x" + Long.toHexString(va + 0x1_0008));
                long pa = dev.lookup(f, h).vramOffset() + 0x1_0008;
                assertTrue(walk, walk.lines().anyMatch(l -> l.trim().startsWith("PD4")));
                assertTrue(walk, walk.contains(String.format("-> VRAM 0x%x (64 KiB page)", pa)));
                assertEquals(0x0123_4567_89ab_cdefL, m.get(U64, 0x1_0008));
                // the file's GPU VA space: version 3 tables too
                NovaDrm.vmInit(f, 1L << 40, 1L << 30);
                long gva = 1L << 32;
                NovaDrm.vmBindOrThrow(f, List.of(NovaDrm.VmBindOp.map(h, gva, 0, 65536)));
                String out = shell("drm:vm " + f.name());
                assertTrue(out, out.contains(String.format("%#x", gva))
                        && out.contains(String.format("%#x", dev.lookup(f, h).vramOffset())) && !out.contains("unmapped!"));
                NovaDrm.vmBindOrThrow(f, List.of(NovaDrm.VmBindOp.unmap(gva, 65536)));
            }
            assertEquals(List.of("kernel"), bar1Owners(shell("nova:vm " + gpu)));
            assertEquals(before, dev.vram().available());
        } finally {
            shell("cm:delete " + pid);
            await(gpu + " removed", () -> core.requireBus(PciBus.NAME).device(gpu).isEmpty()
                    && drm.devices().stream().noneMatch(d -> !d.isUnplugged() && gpu.equals(d.vram().gpu())), this::state);
        }
    }

    /**
     * Stopping nova.core with a GEM object mapped through BAR1 releases the mapping with the
     * binding (nova-drm's device is unplugged, the object's VRAM freed, the BAR1 tables given
     * back, GSP-RM unloaded); the next start boots GSP-RM again, which binds BAR1 afresh: nothing
     * is mapped, all VRAM is free, and a new object maps and reads back.
     */
    @Test
    public void stoppingNovaCoreWithAMappedObjectReleasesBar1AndTheNextStartSetsItUpAgain() throws Exception {
        String gpu = GPUS.get(0);
        org.osgi.framework.Bundle core = java.util.stream.Stream.of(context.getBundles())
                .filter(b -> "nova.core".equals(b.getSymbolicName())).findFirst().orElseThrow();
        DrmDevice dev = deviceOf(gpu);
        DrmFile f = dev.open(DrmFile.Node.RENDER);
        MemorySegment m;
        try (Arena arena = Arena.ofConfined()) {
            int h = create(f, arena, 65536);
            m = f.mmap(f.mmapOffset(h), 65536);
            m.set(U64, 8, 0x5eed);
        }
        assertTrue(shell("nova:vm " + gpu).contains(f.owner()));
        core.stop();
        try {
            try {
                m.get(U64, 8);
                fail("a BAR1 mapping is accessible after nova.core stopped");
            } catch (IllegalStateException expected) {
                // the BAR1 view was closed when the binding's devres revoked the Bar
            }
        } finally {
            f.close();
            core.start();
        }
        awaitGpusUp();
        DrmDevice again = deviceOf(gpu);
        String vm = shell("nova:vm " + gpu);
        assertTrue(vm, vm.contains("bound by GSP-RM"));
        assertEquals(vm, List.of("kernel"), bar1Owners(vm));
        assertEquals(again.vram().total(), again.vram().available());
        try (Arena arena = Arena.ofConfined(); DrmFile g = again.open(DrmFile.Node.RENDER)) {
            int h = create(g, arena, 65536);
            MemorySegment n = g.mmap(g.mmapOffset(h), 65536);
            n.set(U64, 8, 0x600d);
            assertEquals(0x600d, n.get(U64, 8));
        }
        assertEquals(again.vram().total(), again.vram().available());
    }

    // ---------------------------------------------------------------- unbind with files open

    @Test
    public void unbindingAGpuWithAFileOpenFailsItsIoctlsWithEnodev() {
        String gpu = GPUS.get(0);
        DrmDevice dev = deviceOf(gpu);
        DrmDevice other = deviceOf(GPUS.get(1));
        VramManager vram = dev.vram();
        String aux = dev.parent();
        Bus pci = core.requireBus(PciBus.NAME);
        try (Arena arena = Arena.ofConfined()) {
            DrmFile f = dev.open(DrmFile.Node.RENDER);
            DrmFile primary = dev.open(DrmFile.Node.PRIMARY);
            DrmFile survivor = other.open(DrmFile.Node.RENDER);
            int h = create(f, arena, 1 << 16);
            create(primary, arena, 1 << 12);
            int hs = create(survivor, arena, 1 << 12);
            int fd = NovaDrm.primeHandleToFd(f, h);
            assertTrue(vram.available() < vram.total());
            try {
                pci.unbind(gpu);
                await(gpu + " unbound", () -> pci.device(gpu).orElseThrow().driver().isEmpty(), this::state);

                assertTrue(dev.isUnplugged());
                assertFalse(drm.devices().contains(dev));
                assertTrue("the nova-drm device " + aux + " is gone",
                        core.requireBus(AUXILIARY).device(aux).isEmpty());
                // every ioctl of the open files: ENODEV
                assertEquals(-DrmErrno.ENODEV.value(), ioctlInfo(f, arena, h));
                MemorySegment c = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_CREATE);
                c.set(U64, 8, 4096);
                assertEquals(-DrmErrno.ENODEV.value(), f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, c));
                MemorySegment p = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GETPARAM);
                p.set(U64, 0, NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE);
                assertEquals(-DrmErrno.ENODEV.value(), primary.ioctl(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, p));
                MemorySegment close = arena.allocate(DrmIoctl.DRM_GEM_CLOSE_SIZE);
                close.set(U32, 0, h);
                assertEquals(-DrmErrno.ENODEV.value(), f.ioctl(DrmIoctl.DRM_IOCTL_GEM_CLOSE, close));
                try {
                    NovaDrm.gemInfo(f, h);
                    fail("GEM_INFO after unplug should throw");
                } catch (DrmException e) {
                    assertEquals(DrmErrno.ENODEV, e.errno());
                }
                try {
                    dev.open(DrmFile.Node.RENDER);
                    fail("open after unplug should throw");
                } catch (DrmException e) {
                    assertEquals(DrmErrno.ENODEV, e.errno());
                }
                // all its memory went back to the allocator, the exported dma-buf included
                assertEquals(0, dev.vramInUse());
                assertEquals(vram.usageByOwner().toString(), vram.total(), vram.available());
                assertEquals(Map.of(), vram.usageByOwner());
                assertTrue(vram.isRevoked());
                assertFalse(drm.openFds().contains(fd));
                // the other GPU is untouched
                assertEquals(4096L, info(survivor, arena, hs));
                f.close();
                primary.close();
            } finally {
                survivor.close();
                pci.bind(gpu, NOVA_CORE);
            }
        }
        awaitGpusUp();
        DrmDevice again = deviceOf(gpu);
        assertNotEquals(dev, again);
        assertFalse(again.isUnplugged());
        assertEquals(again.vram().total(), again.vram().available());
        assertEquals(0, other.vramInUse());
    }

    // ---------------------------------------------------------------- helpers

    private int create(DrmFile f, Arena arena, long size) {
        MemorySegment s = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_CREATE);
        s.set(U64, 8, size);
        assertEquals(f + " GEM_CREATE " + size, 0, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, s));
        int h = s.get(U32, 0);
        assertTrue("handle " + h, h > 0);
        return h;
    }

    private void createFails(DrmFile f, Arena arena, long size, DrmErrno expected) {
        MemorySegment s = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_CREATE);
        s.set(U64, 8, size);
        assertEquals(f + " GEM_CREATE " + size, -expected.value(), f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, s));
    }

    private int ioctlInfo(DrmFile f, Arena arena, int handle) {
        MemorySegment s = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_INFO);
        s.set(U32, 0, handle);
        return f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, s);
    }

    private long info(DrmFile f, Arena arena, int handle) {
        MemorySegment s = arena.allocate(NovaDrm.STRUCT_DRM_NOVA_GEM_INFO);
        s.set(U32, 0, handle);
        assertEquals(f + " GEM_INFO " + handle, 0, f.ioctl(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, s));
        assertEquals(handle, s.get(U32, 0));
        return s.get(U64, 8);
    }

    private void gemClose(DrmFile f, Arena arena, int handle) {
        MemorySegment s = arena.allocate(DrmIoctl.DRM_GEM_CLOSE_SIZE);
        s.set(U32, 0, handle);
        assertEquals(f + " GEM_CLOSE " + handle, 0, f.ioctl(DrmIoctl.DRM_IOCTL_GEM_CLOSE, s));
    }

    /** @return the DRM device whose VRAM is that GPU's */
    private DrmDevice deviceOf(String gpu) {
        List<DrmDevice> ds = drm.devices().stream().filter(d -> gpu.equals(d.vram().gpu())).toList();
        assertEquals("DRM devices of " + gpu + ": " + drm.devices(), 1, ds.size());
        assertNotNull(ds.get(0));
        return ds.get(0);
    }

    private void awaitGpusUp() {
        await("both GPUs bound to NovaCore, each with a nova-drm DRM device", () -> {
            Bus pci = core.requireBus(PciBus.NAME);
            for (String gpu : GPUS) {
                if (!pci.device(gpu).flatMap(Device::driver).map(NOVA_CORE::equals).orElse(false)) {
                    return false;
                }
            }
            List<String> bound = core.requireBus(AUXILIARY).devices().stream()
                    .filter(d -> d.name().startsWith(AUX_PREFIX) && NOVA_DRM.equals(d.driver().orElse(null)))
                    .map(d -> d.parent().map(Device::name).orElse("-")).sorted().toList();
            List<String> drmGpus = drm.devices().stream().filter(d -> !d.isUnplugged()).map(d -> d.vram().gpu())
                    .sorted().toList();
            return bound.equals(GPUS) && drmGpus.equals(GPUS);
        }, this::state);
        assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
    }

    private String state() {
        StringBuilder sb = new StringBuilder();
        for (String b : List.of(PciBus.NAME, AUXILIARY)) {
            for (Device d : core.requireBus(b).devices()) {
                sb.append(b).append(':').append(d.name()).append('=').append(d.driver().orElse("-")).append(' ');
            }
        }
        sb.append("drm=").append(drm.devices());
        return sb.toString();
    }

    private static void await(String what, BooleanSupplier condition, Supplier<?> state) {
        Await.until(what, TIMEOUT, condition, state);
    }

    /** @return the owners of the BAR1 VA ranges {@code nova:vm} lists (the carve-out is "kernel") */
    private static List<String> bar1Owners(String vm) {
        List<String> lines = vm.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> words(l).equals(List.of("VA", "SIZE", "OWNER")))
                .findFirst().orElseThrow(() -> new AssertionError("no range table in\n" + vm)));
        return lines.subList(header + 1, lines.size()).stream().takeWhile(l -> l.startsWith("  "))
                .map(l -> words(l).get(2)).toList();
    }

    private String shell(String commandLine) throws Exception {
        return Gogo.run(processor, commandLine);
    }

    private static List<String> words(String line) {
        return List.of(line.trim().split("\\s+"));
    }
}
