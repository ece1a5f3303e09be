package org.nova.drm.nova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.drm.NovaDrm.VmBindOp.map;
import static org.nova.drm.NovaDrm.VmBindOp.unmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.drm.GemObject.Placement;
import org.nova.drm.NovaDrm;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.VmAperture;
import org.nova.gpu.vm.VmWalk;

/**
 * Placement of GEM objects between VRAM and GPU system memory on a nova-drm device over the
 * simulated GPU with a small VRAM: eviction under pressure keeps every GPU VA (two per object for
 * some) translating to the object's bytes through the driver's walker and the simulated MMU, CPU
 * mappings keep showing the bytes (pinned objects stay, evicted ones map their DMA buffer),
 * GEM_CREATE's domain rules and errnos, explicit migration back to VRAM, and the release of
 * everything at file close and at GPU removal.
 */
class PlacementTest {
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    private static final long M2 = 1L << 21;
    private static final long MANAGED = 16L << 20;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    @TempDir
    Path tmp;

    private static GpuVm space(VmGpu g, DrmFile f) {
        return ((NovaDriver) g.dev.driver()).fileData(f).vm().space();
    }

    private static long pattern(int obj, long off) {
        return 0x5eed_0000_0000L | (long) obj << 24 | off;
    }

    private static DrmErrno errno(Runnable r) {
        return assertThrows(DrmException.class, r::run).errno();
    }

    /** The GPU writes the object's pattern through one of its VAs. */
    private static void gpuFill(VmGpu g, GpuVm s, long va, int obj, long size) {
        for (long off = 0; off < size; off += K64) {
            assertTrue(g.gpu.mmu().write(s.instBlock(), va + off, 8, pattern(obj, off)));
        }
    }

    /** Every VA of the object translates, in both walkers, to where it lives, and reads its pattern. */
    private static void checkObject(VmGpu g, GpuVm s, long va, GemObject o, int obj) {
        for (long off = 0; off < o.size(); off += K64) {
            VmWalk w = s.walk(va + off + 8);
            String at = o + " at VA 0x" + Long.toHexString(va + off) + ": " + w;
            long pa;
            if (o.placement() == Placement.VRAM) {
                pa = o.vramOffset() + off + 8;
                assertEquals(VmAperture.VIDEO_MEMORY, w.aperture(), at);
            } else {
                pa = o.sysmemBuffer().dmaAddress() + off + 8;
                assertEquals(VmAperture.SYSTEM_COHERENT, w.aperture(), at);
            }
            assertEquals(pa, w.pa(), at);
            assertEquals(pa, g.sim(s.instBlock(), va + off + 8, false), at);
            assertEquals(pattern(obj, off), g.gpu.mmu().read(s.instBlock(), va + off, 8).orElseThrow(), at);
        }
    }

    @Test
    void underPressureLeastRecentlyUsedObjectsMoveToSystemMemoryKeepingTheirVasAndBytes() {
        VmGpu g = new VmGpu(tmp, MANAGED, 64L << 20);
        long start = g.vram.stats().allocated();
        DrmFile f = g.dev.open(DrmFile.Node.RENDER);
        NovaDrm.vmInit(f, 0, 0);
        GpuVm s = space(g, f);
        int n = 14; // 28 MiB of objects over 16 MiB of VRAM
        List<GemObject> objs = new ArrayList<>();
        List<Integer> handles = new ArrayList<>();
        long alias = 1L << 32;
        MemorySegment pinnedView = null;
        int exported = -1;
        for (int i = 0; i < n; i++) {
            int h = NovaDrm.gemCreate(f, M2);
            GemObject o = g.dev.lookup(f, h);
            handles.add(h);
            objs.add(o);
            NovaDrm.vmBindOrThrow(f, List.of(map(h, (i + 1) * 8 * M2, 0, M2)));
            if (i % 3 == 0) {
                // a second VA onto the same object, its second half only
                NovaDrm.vmBindOrThrow(f, List.of(map(h, alias + i * 4 * M2, M2 / 2, M2 / 2)));
            }
            assertEquals(Placement.VRAM, o.placement(), "a new object is created in VRAM, evicting others");
            gpuFill(g, s, (i + 1) * 8 * M2, i, M2);
            if (i == 4) {
                // CPU-mapped: pinned in VRAM from now on
                pinnedView = f.mmap(f.mmapOffset(h), M2);
                assertTrue(o.isPinned());
            }
            if (i == 5) {
                // exported as a dma-buf: pinned too
                exported = NovaDrm.primeHandleToFd(f, h);
                assertTrue(o.isPinned());
            }
        }
        assertTrue(g.dev.evictions() >= n - 7, "evictions: " + g.dev.evictions());
        int inSysmem = 0;
        for (int i = 0; i < n; i++) {
            GemObject o = objs.get(i);
            checkObject(g, s, (i + 1) * 8 * M2, o, i);
            if (i % 3 == 0) {
                for (long off = 0; off < M2 / 2; off += K64) {
                    assertEquals(pattern(i, M2 / 2 + off),
                            g.gpu.mmu().read(s.instBlock(), alias + i * 4 * M2 + off, 8).orElseThrow(),
                            "the alias VA of " + o + " follows it too");
                }
            }
            inSysmem += o.placement() == Placement.SYSMEM ? 1 : 0;
            assertEquals(o.placement() == Placement.SYSMEM ? NovaDrm.NOVA_GEM_DOMAIN_GART : NovaDrm.NOVA_GEM_DOMAIN_VRAM,
                    NovaDrm.gemDomain(f, handles.get(i)));
        }
        assertTrue(inSysmem > 0);
        assertEquals(Placement.SYSMEM, objs.get(0).placement(), "the least recently used went first");
        assertEquals(Placement.VRAM, objs.get(n - 1).placement(), "the newest stays");
        assertEquals(Placement.VRAM, objs.get(4).placement(), "the CPU-mapped object never moves");
        assertEquals(0, objs.get(4).moves());
        assertEquals(Placement.VRAM, objs.get(5).placement(), "the exported object never moves");
        assertEquals(0, objs.get(5).moves());
        for (long off = 0; off < M2; off += K64) {
            assertEquals(pattern(4, off), pinnedView.get(U64, off), "the pinned object's CPU mapping");
        }
        assertEquals(0, g.gpu.mmu().faultCount(), "no GPU access faulted across the moves");

        // an evicted object mmapped now maps its DMA buffer: the CPU sees the GPU's bytes
        GemObject evicted = objs.get(1);
        assertEquals(Placement.SYSMEM, evicted.placement());
        MemorySegment m = f.mmap(f.mmapOffset(handles.get(1)), M2);
        for (long off = 0; off < M2; off += K64) {
            assertEquals(pattern(1, off), m.get(U64, off));
        }
        m.set(U64, 16, 0xc0ffeeL);
        assertEquals(0xc0ffeeL, g.gpu.mmu().read(s.instBlock(), 2 * 8 * M2 + 16, 8).orElseThrow(),
                "coherent: the GPU sees the CPU's write");
        assertEquals(DrmErrno.EBUSY, errno(() -> g.dev.gemMigrate(evicted, Placement.VRAM)), "mmapped: pinned");

        // free the first objects' VRAM neighbours, then migrate an evicted one back
        for (int i = 7; i < n; i++) {
            if (i == 4) {
                continue;
            }
            NovaDrm.vmBindOrThrow(f, List.of(unmap((i + 1) * 8 * M2, M2)));
            NovaDrm.gemClose(f, handles.get(i));
        }
        GemObject back = objs.get(2);
        assertEquals(Placement.SYSMEM, back.placement());
        long sysBefore = g.sysmem.allocated();
        g.dev.gemMigrate(back, Placement.VRAM);
        assertEquals(Placement.VRAM, back.placement());
        assertEquals(sysBefore - M2, g.sysmem.allocated(), "its DMA buffer was freed");
        checkObject(g, s, 3 * 8 * M2, back, 2);
        // and out again explicitly
        g.dev.gemMigrate(back, Placement.SYSMEM);
        checkObject(g, s, 3 * 8 * M2, back, 2);
        assertEquals(0, g.gpu.mmu().faultCount());
        // every live object, wherever it ended up, shows its bytes through mmap too
        for (int i = 0; i < 7; i++) {
            MemorySegment view = f.mmap(f.mmapOffset(handles.get(i)), M2);
            for (long off = 0; off < M2; off += K64) {
                assertEquals(pattern(i, off), view.get(U64, off), objs.get(i) + " (" + objs.get(i).placement() + ") at +0x"
                        + Long.toHexString(off));
            }
        }

        f.close();
        g.cls.closeFd(exported);
        assertEquals(List.of(), g.dev.objects());
        assertEquals(start, g.vram.stats().allocated(), "every object and table back in the buddy");
        assertEquals(0, g.sysmem.allocated());
        assertEquals(0, g.dmaBuffers(), "every DMA buffer unmapped from the IOMMU");
        g.cls.unregister(g.dev);
        g.vms.revoke();
        g.sysmem.revoke();
    }

    @Test
    void gemCreateDomainRulesAndErrnos() {
        VmGpu g = new VmGpu(tmp, MANAGED, 8L << 20);
        long start = g.vram.stats().allocated();
        DrmFile f = g.dev.open(DrmFile.Node.RENDER);
        assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemCreate(f, K4, 1)), "NOUVEAU_GEM_DOMAIN_CPU");
        assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemCreate(f, K4, 1 << 3)), "MAPPABLE");
        assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemCreate(f, K4, NovaDrm.NOVA_GEM_DOMAIN_VRAM | 1 << 4)));

        // GART: created in system memory, mapped with the system memory aperture, mmap maps the buffer
        int hg = NovaDrm.gemCreate(f, 3 * K4, NovaDrm.NOVA_GEM_DOMAIN_GART);
        GemObject og = g.dev.lookup(f, hg);
        assertEquals(Placement.SYSMEM, og.placement());
        assertEquals(NovaDrm.NOVA_GEM_DOMAIN_GART, NovaDrm.gemDomain(f, hg));
        assertEquals(3 * K4, NovaDrm.gemInfo(f, hg));
        NovaDrm.vmInit(f, 0, 0);
        NovaDrm.vmBindOrThrow(f, List.of(map(hg, 64 * M2, 0, 3 * K4)));
        GpuVm s = space(g, f);
        assertTrue(g.gpu.mmu().write(s.instBlock(), 64 * M2 + K4 + 8, 8, 0xfeedL));
        MemorySegment m = f.mmap(f.mmapOffset(hg), 3 * K4);
        assertEquals(0xfeedL, m.get(U64, K4 + 8));
        assertEquals(VmAperture.SYSTEM_COHERENT, s.walk(64 * M2).aperture());

        // pin everything in VRAM (mmap), then VRAM-only fails, VRAM|GART falls back to GART
        List<Integer> pinned = new ArrayList<>();
        while (true) {
            int h;
            try {
                h = NovaDrm.gemCreate(f, M2, NovaDrm.NOVA_GEM_DOMAIN_VRAM);
            } catch (DrmException e) {
                assertEquals(DrmErrno.ENOMEM, e.errno(), "VRAM only, full, nothing evictable");
                break;
            }
            f.mmap(f.mmapOffset(h), K4);
            pinned.add(h);
        }
        assertTrue(pinned.size() >= 6, "filled VRAM with " + pinned.size());
        assertEquals(0, g.dev.evictions(), "nothing was evictable");
        int hf = NovaDrm.gemCreate(f, M2, NovaDrm.NOVA_GEM_DOMAIN_VRAM | NovaDrm.NOVA_GEM_DOMAIN_GART);
        assertEquals(Placement.SYSMEM, g.dev.lookup(f, hf).placement());
        // GPU system memory has its limit too: 8 MiB, 2 MiB + 12 KiB held
        assertEquals(DrmErrno.ENOMEM, errno(() -> NovaDrm.gemCreate(f, 6 * M2, NovaDrm.NOVA_GEM_DOMAIN_GART)));
        assertEquals(DrmErrno.EBUSY, errno(() -> g.dev.gemMigrate(og, Placement.VRAM)), "mmapped: pinned");
        f.close();
        assertEquals(start, g.vram.stats().allocated());
        assertEquals(0, g.sysmem.allocated());
        g.cls.unregister(g.dev);
        g.vms.revoke();
        g.sysmem.revoke();

        // a device without system memory: GART is EINVAL, VRAM works as before
        VmGpu plain = new VmGpu(tmp);
        DrmFile p = plain.dev.open(DrmFile.Node.RENDER);
        assertEquals(DrmErrno.EINVAL, errno(() -> NovaDrm.gemCreate(p, K4, NovaDrm.NOVA_GEM_DOMAIN_GART)));
        assertEquals(NovaDrm.NOVA_GEM_DOMAIN_VRAM, NovaDrm.gemDomain(p, NovaDrm.gemCreate(p, K4)));
        p.close();
        plain.cls.unregister(plain.dev);
        plain.vms.revoke();
    }

    /**
     * An object whose space has a job in flight is busy (its done fence guards the VM's objects,
     * nouveau's shared reservation): once the wait bound (the driver's job timeout) passes, eviction skips it and moves the next least recently used object, migration answers
     * EBUSY; once the fence signals the object moves like any other. The job timeout (the bound
     * of the wait) is short here so that the busy verdicts come quickly.
     */
    @Test
    void anObjectOfASpaceWithAJobInFlightIsBusyAndAnotherIsEvicted() {
        VmGpu g = new VmGpu(tmp, MANAGED, 64L << 20, java.time.Duration.ofMillis(20));
        long start = g.vram.stats().allocated();
        DrmFile a = g.dev.open(DrmFile.Node.RENDER);
        DrmFile b = g.dev.open(DrmFile.Node.RENDER);
        NovaDrm.vmInit(a, 0, 0);
        NovaDrm.vmInit(b, 0, 0);
        int ha = NovaDrm.gemCreate(a, M2); // the least recently used
        int hb = NovaDrm.gemCreate(b, M2);
        NovaDrm.vmBindOrThrow(a, List.of(map(ha, 8 * M2, 0, M2)));
        NovaDrm.vmBindOrThrow(b, List.of(map(hb, 8 * M2, 0, M2)));
        GemObject oa = g.dev.lookup(a, ha);
        GemObject ob = g.dev.lookup(b, hb);
        assertEquals(Placement.VRAM, oa.placement());
        assertEquals(Placement.VRAM, ob.placement());
        gpuFill(g, space(g, a), 8 * M2, 1, M2);
        // a's space has a job in flight: its done fence, not signalled
        org.nova.dma.fence.DmaFence job = new org.nova.dma.fence.FenceContext("test:job").next();
        ((NovaDriver) g.dev.driver()).fileData(a).vm().jobSubmitted(job);
        assertEquals(DrmErrno.EBUSY, errno(() -> g.dev.gemMigrate(oa, Placement.SYSMEM)), "busy: not migrated");
        // pressure: b's object goes although a's is older
        while (ob.placement() == Placement.VRAM) {
            NovaDrm.gemCreate(b, 2 * M2);
            assertEquals(Placement.VRAM, oa.placement(), "the busy object stays");
        }
        job.signal();
        assertTrue(((NovaDriver) g.dev.driver()).fileData(a).vm().busyFences().isEmpty(), "the signalled fence is dropped");
        g.dev.gemMigrate(oa, Placement.SYSMEM);
        assertEquals(Placement.SYSMEM, oa.placement());
        checkObject(g, space(g, a), 8 * M2, oa, 1);
        a.close();
        b.close();
        g.cls.unregister(g.dev);
        g.vms.revoke();
        g.sysmem.revoke();
        assertEquals(start, g.vram.stats().allocated(), "every object and table back in the buddy");
    }

    @Test
    void gpuRemovalWithLiveVaSpacesMappingsAndSystemMemoryObjectsReleasesEverything() {
        VmGpu g = new VmGpu(tmp, MANAGED, 64L << 20);
        long start = g.vram.stats().allocated();
        DrmFile a = g.dev.open(DrmFile.Node.RENDER);
        DrmFile b = g.dev.open(DrmFile.Node.RENDER);
        for (DrmFile f : List.of(a, b)) {
            NovaDrm.vmInit(f, 0, 0);
            int hv = NovaDrm.gemCreate(f, 4 * M2);
            int hs = NovaDrm.gemCreate(f, M2, NovaDrm.NOVA_GEM_DOMAIN_GART);
            NovaDrm.vmBindOrThrow(f, List.of(map(hv, 8 * M2, 0, 4 * M2), map(hs, 32 * M2, 0, M2),
                    NovaDrm.VmBindOp.sparse(64 * M2, 8 * M2), map(hv, 66 * M2, K64, K64)));
            f.mmap(f.mmapOffset(hs), K4);
        }
        // pressure: evictions move a's VRAM object out while both files are live
        for (int i = 0; i < 6 && g.dev.evictions() == 0; i++) {
            assertNotNull(g.dev.lookup(a, NovaDrm.gemCreate(a, 2 * M2)));
        }
        assertTrue(g.dev.evictions() > 0);
        assertTrue(g.sysmem.allocated() > 2 * M2, "the GART objects and at least one evicted object");
        assertTrue(g.dmaBuffers() >= 2);
        GpuVm sa = space(g, a);

        // the GPU goes: nova-drm unbinds first (unplug), then nova.core revokes its managers
        g.cls.unregister(g.dev);
        g.vms.revoke();
        g.sysmem.revoke();
        assertTrue(sa.isClosed());
        assertEquals(List.of(), g.vms.spaces());
        assertEquals(List.of(), g.dev.objects());
        assertEquals(start, g.vram.stats().allocated(), "every object and table back in the buddy");
        assertEquals(0, g.sysmem.allocated());
        assertEquals(0, g.dmaBuffers(), "every DMA buffer unmapped");
        for (DrmFile f : List.of(a, b)) {
            assertEquals(-DrmErrno.ENODEV.value(), NovaDrm.vmBind(f, List.of(unmap(8 * M2, M2))));
            assertEquals(DrmErrno.ENODEV, errno(() -> NovaDrm.gemCreate(f, K4)));
            assertEquals(DrmErrno.ENODEV, errno(() -> NovaDrm.gemCreate(f, K4, NovaDrm.NOVA_GEM_DOMAIN_GART)));
            f.close();
        }
        assertFalse(g.sysmem.buffers().iterator().hasNext());
    }
}
