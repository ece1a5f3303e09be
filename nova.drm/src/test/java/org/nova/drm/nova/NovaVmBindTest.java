package org.nova.drm.nova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.drm.NovaDrm.VmBindOp.map;
import static org.nova.drm.NovaDrm.VmBindOp.sparse;
import static org.nova.drm.NovaDrm.VmBindOp.unmap;
import static org.nova.drm.NovaDrm.VmBindOp.unsparse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.drm.NovaDrm;
import org.nova.drm.NovaDrm.VmBindOp;
import org.nova.gpu.vm.GpuVm;
import org.nova.nvidia.Chipset;

/**
 * VM_INIT and VM_BIND through the ioctl dispatch on a nova-drm device over the simulated GPU: each
 * rule with its errno (and nothing changed by a refused bind), DRM GPUVM's split of mappings under
 * MAP and UNMAP, sparse regions, GEM objects kept alive while mapped, two files isolated, teardown
 * on file close and on unplug with the buddy back where it started, and random bind sequences
 * against a per-page model checked through the driver's walker and the simulated MMU.
 */
class NovaVmBindTest {
    private static final long K4 = 1L << 12;
    private static final long K64 = 1L << 16;
    private static final long M2 = 1L << 21;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;
    private VmGpu g;
    private long start;
    private DrmFile f;

    /** @return the simulated chip; {@link NovaVmBindV3Test} runs every test on GH100 (MMU format version 3) */
    Chipset chip() {
        return Chipset.GA102;
    }

    @BeforeEach
    void setUp() {
        g = new VmGpu(tmp, chip());
        start = g.vram.stats().allocated();
        f = g.dev.open(DrmFile.Node.RENDER);
    }

    @AfterEach
    void tearDown() {
        if (!g.dev.isUnplugged()) {
            g.cls.unregister(g.dev);
        }
        g.vms.revoke();
        assertEquals(start, g.vram.stats().allocated(), "every object and table back in the buddy");
    }

    private GpuVm space(DrmFile file) {
        return ((NovaDriver) g.dev.driver()).fileData(file).vm().space();
    }

    private List<NovaVm.Va> mappings(DrmFile file) {
        return ((NovaDriver) g.dev.driver()).fileData(file).vm().mappings();
    }

    private static void errno(DrmErrno expected, int r) {
        assertEquals(-expected.value(), r, "expected " + expected + ", got " + DrmErrno.of(r));
    }

    private void refused(DrmErrno expected, VmBindOp... ops) {
        List<NovaVm.Va> before = mappings(f);
        long allocated = g.vram.stats().allocated();
        errno(expected, NovaDrm.vmBind(f, List.of(ops)));
        assertEquals(before, mappings(f), "a refused bind changes no mapping");
        assertEquals(allocated, g.vram.stats().allocated(), "a refused bind leaves no table");
    }

    /** VM_BIND with the raw structure, for the fields the helper does not set. */
    private static int rawBind(DrmFile file, int count, int flags, int waits, int sigs, long opPtr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(NovaDrm.STRUCT_DRM_NOVA_VM_BIND);
            s.set(U32, 0, count);
            s.set(U32, 4, flags);
            s.set(U32, 8, waits);
            s.set(U32, 12, sigs);
            s.set(U64, 32, opPtr);
            return file.ioctl(NovaDrm.DRM_IOCTL_NOVA_VM_BIND, s);
        }
    }

    private static int rawInit(DrmFile file, long addr, long size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(NovaDrm.STRUCT_DRM_NOVA_VM_INIT);
            s.set(U64, 0, addr);
            s.set(U64, 8, size);
            return file.ioctl(NovaDrm.DRM_IOCTL_NOVA_VM_INIT, s);
        }
    }

    @Test
    void vmInitRules() {
        errno(DrmErrno.ENOSYS, NovaDrm.vmBind(f, List.of()));
        errno(DrmErrno.EINVAL, rawInit(f, -K4, 2 * K4));
        errno(DrmErrno.EINVAL, rawInit(f, NovaDrm.NOVA_VA_SPACE_END - K4, 2 * K4));
        assertEquals(start, g.vram.stats().allocated());
        NovaDrm.vmInit(f, 1L << 40, 1L << 32);
        errno(DrmErrno.EBUSY, rawInit(f, 0, 0));
        assertEquals(List.of(space(f)), g.vms.spaces());
        assertEquals(0, NovaDrm.vmBind(f, List.of()), "an empty bind is no error (nouveau)");
    }

    @Test
    void everyVmBindRuleHasItsErrnoAndChangesNothing() {
        NovaDrm.vmInit(f, 1L << 40, 1L << 32);
        int h = NovaDrm.gemCreate(f, 4 * K64);
        NovaDrm.vmBindOrThrow(f, List.of(map(h, M2, 0, 4 * K64), sparse(64 * M2, 8 * M2)));
        // synchronous only, no syncobjs, no unknown flags (issue 20 brings job submission)
        errno(DrmErrno.EINVAL, rawBind(f, 0, NovaDrm.DRM_NOVA_VM_BIND_RUN_ASYNC, 0, 0, 0));
        errno(DrmErrno.EINVAL, rawBind(f, 0, 0x100, 0, 0, 0));
        errno(DrmErrno.EINVAL, rawBind(f, 0, 0, 1, 0, 0));
        errno(DrmErrno.EINVAL, rawBind(f, 0, 0, 0, 1, 0));
        // op_ptr outside the caller's memory: copy_from_user's EFAULT
        errno(DrmErrno.EFAULT, rawBind(f, 1, 0, 0, 0, 0x1000));
        refused(DrmErrno.EINVAL, new VmBindOp(7, 0, h, 0, 0, K4));
        refused(DrmErrno.EINVAL, new VmBindOp(NovaDrm.DRM_NOVA_VM_BIND_OP_MAP, 1 << 3, h, 0, 0, K4));
        // the handle
        refused(DrmErrno.ENOENT, map(h + 1, 0, 0, K4));
        // range: alignment, emptiness, the VA space, the kernel-managed range
        refused(DrmErrno.EINVAL, map(h, 8 * M2 + 8, 0, K4));
        refused(DrmErrno.EINVAL, map(h, 8 * M2, 0, K4 + 8));
        refused(DrmErrno.EINVAL, map(h, 8 * M2, 0, 0));
        refused(DrmErrno.EINVAL, map(h, NovaDrm.NOVA_VA_SPACE_END - K4, 0, 2 * K4));
        refused(DrmErrno.EINVAL, map(h, -K4, 0, K4));
        refused(DrmErrno.EINVAL, map(h, (1L << 40) + (1L << 32) - K4, 0, 2 * K4));
        refused(DrmErrno.EINVAL, map(h, (1L << 40) - K4, 0, 2 * K4));
        refused(DrmErrno.EINVAL, unmap(1L << 40, K4));
        // the object: bo_offset aligned, inside, range within
        refused(DrmErrno.EINVAL, map(h, 8 * M2, 8, K4));
        refused(DrmErrno.EINVAL, map(h, 8 * M2, 4 * K64, K4));
        refused(DrmErrno.EINVAL, map(h, 8 * M2, K64, 3 * K64 + K4));
        // sparse regions: a map inside or outside, a sparse map overlapping none, an exact unmap
        refused(DrmErrno.ENOSPC, map(h, 64 * M2 - K4, 0, 2 * K4));
        refused(DrmErrno.ENOSPC, map(h, 72 * M2 - K4, 0, 2 * K4));
        refused(DrmErrno.ENOSPC, sparse(70 * M2, 4 * M2));
        refused(DrmErrno.ENOSPC, sparse(60 * M2, 100 * M2));
        refused(DrmErrno.ENOENT, unsparse(64 * M2, 4 * M2));
        refused(DrmErrno.ENOENT, unsparse(66 * M2, 6 * M2));
        // a bind is all or nothing: the good MAP before the bad one is undone, the split it made too
        refused(DrmErrno.ENOENT, map(h, 16 * M2, 0, K64), map(h, M2 + K64, 0, K4), map(h + 9, 0, 0, K4));
        assertEquals(g.dev.lookup(f, h).vramOffset(), space(f).walk(M2).pa());
        assertEquals(g.dev.lookup(f, h).vramOffset() + K64, g.sim(space(f).instBlock(), M2 + K64, true));
        assertEquals(-1, g.sim(space(f).instBlock(), 16 * M2, false));
    }

    /**
     * VRAM that cannot hold a page table: the bind fails with ENOMEM (as the kernel's page-table
     * allocation does) and undoes its earlier operations, the split one included.
     */
    @Test
    void aBindThatRunsOutOfVramForTablesIsUndoneWhole() {
        NovaDrm.vmInit(f, 0, 0);
        int h = NovaDrm.gemCreate(f, 4 * K64);
        NovaDrm.vmBindOrThrow(f, List.of(map(h, M2, 0, 4 * K64)));
        List<Integer> fill = new ArrayList<>();
        for (long size = VmGpu.MANAGED; size >= K4; size >>= 1) {
            while (g.vram.available() >= size) {
                fill.add(NovaDrm.gemCreate(f, size));
            }
        }
        assertEquals(0, g.vram.available());
        List<NovaVm.Va> before = mappings(f);
        // the first op splits A (its 4 KiB piece needs a small page table: no VRAM for it either)
        errno(DrmErrno.ENOMEM, NovaDrm.vmBind(f, List.of(unmap(M2 + K64, K4), map(h, 1L << 45, 0, K4))));
        assertEquals(before, mappings(f));
        errno(DrmErrno.ENOMEM, NovaDrm.vmBind(f, List.of(unmap(M2 + K64, K64), map(h, 1L << 45, 0, K4))));
        assertEquals(before, mappings(f));
        assertEquals(0, g.vram.available());
        long inst = space(f).instBlock();
        for (long at = M2; at < M2 + 4 * K64; at += K4) {
            assertEquals(g.dev.lookup(f, h).vramOffset() + (at - M2), g.sim(inst, at, false));
        }
        assertEquals(-1, g.sim(inst, 1L << 45, false));
        for (int k : fill) {
            NovaDrm.gemClose(f, k);
        }
    }

    @Test
    void mapOverMappingsRemapsTheirPiecesAndPartialUnmapSplits() {
        NovaDrm.vmInit(f, 0, 0);
        int a = NovaDrm.gemCreate(f, 16 * K64);
        int b = NovaDrm.gemCreate(f, K64);
        GemObject oa = g.dev.lookup(f, a);
        GemObject ob = g.dev.lookup(f, b);
        long va = 32 * M2;
        NovaDrm.vmBindOrThrow(f, List.of(map(a, va, 0, 16 * K64)));
        // B over the middle of A: A's prev and next pieces stay, with their bo offsets
        NovaDrm.vmBindOrThrow(f, List.of(map(b, va + 4 * K64, 0, K64)));
        assertEquals(List.of(new NovaVm.Va(va, 4 * K64, oa, 0), new NovaVm.Va(va + 4 * K64, K64, ob, 0),
                new NovaVm.Va(va + 5 * K64, 11 * K64, oa, 5 * K64)), mappings(f));
        assertEquals(2, oa.vmRefCount(), "each piece holds a reference");
        // an unmap across the end of B and into A's next piece
        NovaDrm.vmBindOrThrow(f, List.of(unmap(va + 4 * K64 + K4 * 8, 2 * K64)));
        assertEquals(List.of(new NovaVm.Va(va, 4 * K64, oa, 0), new NovaVm.Va(va + 4 * K64, 8 * K4, ob, 0),
                new NovaVm.Va(va + 6 * K64 + 8 * K4, 9 * K64 + 8 * K4, oa, 6 * K64 + 8 * K4)), mappings(f));
        long inst = space(f).instBlock();
        for (long at = va; at < va + 16 * K64; at += K4) {
            long expect = at < va + 4 * K64 ? oa.vramOffset() + (at - va)
                    : at < va + 4 * K64 + 8 * K4 ? ob.vramOffset() + (at - va - 4 * K64)
                    : at < va + 6 * K64 + 8 * K4 ? -1 : oa.vramOffset() + (at - va);
            assertEquals(expect, space(f).walk(at).pa(), "driver walk at " + Long.toHexString(at));
            assertEquals(expect, g.sim(inst, at, true), "simulated MMU at " + Long.toHexString(at));
        }
        // unmapping nothing is no error; unmapping all drops every reference
        NovaDrm.vmBindOrThrow(f, List.of(unmap(0, 8 * M2), unmap(va, 16 * K64)));
        assertEquals(List.of(), mappings(f));
        assertEquals(0, oa.vmRefCount());
        assertEquals(1, space(f).tables());
    }

    @Test
    void sparseRegionsHoldMapsAndTheirUnmapDropsThem() {
        NovaDrm.vmInit(f, 0, 0);
        int h = NovaDrm.gemCreate(f, K64);
        NovaDrm.vmBindOrThrow(f, List.of(sparse(4 * M2, 4 * M2), map(h, 5 * M2, 0, K64), map(h, 16 * M2, 0, K64)));
        assertEquals(1, space(f).sparseRanges().size());
        NovaDrm.vmBindOrThrow(f, List.of(unsparse(4 * M2, 4 * M2)));
        assertEquals(List.of(new NovaVm.Va(16 * M2, K64, g.dev.lookup(f, h), 0)), mappings(f));
        assertEquals(List.of(), space(f).sparseRanges());
        assertEquals(-1, g.sim(space(f).instBlock(), 5 * M2, false));
    }

    @Test
    void anObjectLivesWhileMappedAndIsFreedAfterItsLastUnmap() {
        NovaDrm.vmInit(f, 0, 0);
        int h = NovaDrm.gemCreate(f, 2 * K64);
        GemObject o = g.dev.lookup(f, h);
        NovaDrm.vmBindOrThrow(f, List.of(map(h, M2, 0, 2 * K64), map(h, 4 * M2, K64, K64)));
        NovaDrm.gemClose(f, h);
        assertFalse(o.isFreed(), "mapped: the handle's close leaves the object alive");
        assertEquals(o.vramOffset() + K64, g.sim(space(f).instBlock(), 4 * M2, false));
        NovaDrm.vmBindOrThrow(f, List.of(unmap(M2, 2 * K64)));
        assertFalse(o.isFreed());
        NovaDrm.vmBindOrThrow(f, List.of(unmap(4 * M2, K64)));
        assertTrue(o.isFreed(), "the last unmap frees it");
    }

    @Test
    void twoFilesCannotReachEachOthersObjectsOrMappings() {
        DrmFile other = g.dev.open(DrmFile.Node.RENDER);
        NovaDrm.vmInit(f, 0, 0);
        NovaDrm.vmInit(other, 0, 0);
        int mine = NovaDrm.gemCreate(f, K64);
        int theirs = NovaDrm.gemCreate(other, 2 * K64);
        NovaDrm.vmBindOrThrow(other, List.of(map(theirs, M2, 0, 2 * K64)));
        if (theirs != mine) {
            errno(DrmErrno.ENOENT, NovaDrm.vmBind(f, List.of(map(theirs, M2, 0, K4))));
        }
        int onlyTheirs = NovaDrm.gemCreate(other, K64);
        errno(DrmErrno.ENOENT, NovaDrm.vmBind(f, List.of(map(onlyTheirs, M2, 0, K4))));
        assertEquals(-1, g.sim(space(f).instBlock(), M2, false), "their mapping is not in my space");
        assertEquals(g.dev.lookup(other, theirs).vramOffset(), g.sim(space(other).instBlock(), M2, false));
        other.close();
    }

    @Test
    void fileCloseTearsEverythingDown() {
        NovaDrm.vmInit(f, 0, 0);
        int h = NovaDrm.gemCreate(f, 4 * M2);
        NovaDrm.vmBindOrThrow(f, List.of(map(h, 0, 0, 4 * M2), map(h, 1L << 45, M2, K64), sparse(1L << 46, M2)));
        GpuVm s = space(f);
        f.close();
        assertTrue(s.isClosed());
        assertEquals(List.of(), g.vms.spaces());
        assertEquals(start, g.vram.stats().allocated());
    }

    @Test
    void unplugTearsEveryOpenFileDown() {
        DrmFile other = g.dev.open(DrmFile.Node.RENDER);
        NovaDrm.vmInit(f, 0, 0);
        NovaDrm.vmInit(other, 0, 0);
        int h = NovaDrm.gemCreate(f, M2);
        NovaDrm.vmBindOrThrow(f, List.of(map(h, M2, 0, M2)));
        NovaDrm.gemClose(f, h);
        int k = NovaDrm.gemCreate(other, K64);
        NovaDrm.vmBindOrThrow(other, List.of(map(k, M2, 0, K64)));
        g.cls.unregister(g.dev);
        assertEquals(List.of(), g.vms.spaces());
        assertEquals(start, g.vram.stats().allocated());
        errno(DrmErrno.ENODEV, NovaDrm.vmBind(f, List.of(unmap(M2, M2))));
        f.close();
        other.close();
    }

    /**
     * Random MAP/UNMAP/sparse sequences against a model of one file's space (VA page → object
     * page, per 4 KiB), checked page by page through the driver's walker and the simulated MMU.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void randomBindsAgreeWithAPerPageModelThroughBothWalkers(long seed) {
        Random rnd = new Random(seed);
        NovaDrm.vmInit(f, 0, 0);
        long span = 8 * M2;
        long base = (1L << 30) - 4 * M2; // straddles a PD1 boundary
        int[] handles = new int[3];
        GemObject[] objs = new GemObject[3];
        for (int i = 0; i < 3; i++) {
            handles[i] = NovaDrm.gemCreate(f, 4 * M2 >> i);
            objs[i] = g.dev.lookup(f, handles[i]);
        }
        TreeMap<Long, Long> model = new TreeMap<>(); // VA page -> VRAM address
        List<long[]> regions = new ArrayList<>();
        GpuVm s = space(f);
        for (int step = 0; step < 40; step++) {
            int kind = rnd.nextInt(10);
            long va = base + (rnd.nextInt((int) (span / K4))) * K4;
            if (rnd.nextBoolean()) {
                va &= ~(K64 - 1);
            }
            if (kind < 6) {
                int i = rnd.nextInt(3);
                long size = objs[i].size();
                long off = rnd.nextInt((int) (size / K4)) * K4;
                long range = (1 + rnd.nextInt((int) Math.min(512, (size - off) / K4))) * K4;
                if (rnd.nextBoolean() && (size - off) >= K64) {
                    off &= ~(K64 - 1);
                    range = Math.max(K64, range & ~(K64 - 1));
                }
                range = Math.min(range, base + span - va);
                int r = NovaDrm.vmBind(f, List.of(map(handles[i], va, off, range)));
                if (crossesRegion(regions, va, range)) {
                    errno(DrmErrno.ENOSPC, r);
                } else {
                    assertEquals(0, r);
                    for (long p = 0; p < range; p += K4) {
                        model.put(va + p, objs[i].vramOffset() + off + p);
                    }
                }
            } else if (kind < 9) {
                long range = Math.min((1 + rnd.nextInt(1024)) * K4, base + span - va);
                NovaDrm.vmBindOrThrow(f, List.of(unmap(va, range)));
                model.subMap(va, va + range).clear();
            } else if (regions.isEmpty()) {
                long range = Math.min(M2, base + span - va);
                if (!overlapsRegion(regions, va, range)) {
                    NovaDrm.vmBindOrThrow(f, List.of(sparse(va, range)));
                    regions.add(new long[] {va, range});
                }
            } else {
                long[] r = regions.remove(0);
                NovaDrm.vmBindOrThrow(f, List.of(unsparse(r[0], r[1])));
                model.subMap(r[0], r[0] + r[1]).clear();
            }
            if (step % 8 == 7) {
                check(s, model, regions, base, span);
            }
        }
        check(s, model, regions, base, span);
        assertEquals(0, g.gpu.mmu().faultCount() - faultsExpected, "no fault the model did not predict");
    }

    private long faultsExpected;

    private void check(GpuVm s, TreeMap<Long, Long> model, List<long[]> regions, long base, long span) {
        for (long va = base; va < base + span; va += K4) {
            Long pa = model.get(va);
            long expect = pa == null ? -1 : pa;
            boolean sparse = pa == null && overlapsRegion(regions, va, K4);
            assertEquals(expect, s.walk(va).pa(), "driver walk at " + Long.toHexString(va));
            assertEquals(sparse, s.walk(va).sparse(), "driver walk (sparse?) at " + Long.toHexString(va));
            assertEquals(expect, g.sim(s.instBlock(), va, true), "simulated MMU at " + Long.toHexString(va));
            if (pa == null && !sparse) {
                faultsExpected++; // an unmapped VA outside every sparse region faults; inside one it is sparse
            }
        }
    }

    private static boolean overlapsRegion(List<long[]> regions, long va, long range) {
        return regions.stream().anyMatch(r -> va < r[0] + r[1] && r[0] < va + range);
    }

    private static boolean crossesRegion(List<long[]> regions, long va, long range) {
        return regions.stream().anyMatch(r -> va < r[0] + r[1] && r[0] < va + range
                && (va < r[0] || va + range > r[0] + r[1]));
    }
}
