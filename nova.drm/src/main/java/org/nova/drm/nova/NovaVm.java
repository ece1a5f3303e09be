package org.nova.drm.nova;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemMover;
import org.nova.dma.fence.DmaFence;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.nova.drm.GemObject;
import org.nova.drm.NovaDrm;
import org.nova.drm.NovaDrm.VmBindOp;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;

/**
 * One file's GPU VA space as DRM GPUVM keeps it (drm_gpuvm.c) with nouveau_uvmm.c's rules: the
 * mappings (each a GEM object range at a VA, holding a reference on the object), the sparse
 * regions, the kernel-managed range, over a nova.core {@link GpuVm} that holds the page tables.
 *
 * <p>Rules, with nouveau's errnos: a range must be page aligned, non-empty, inside
 * [0, {@link NovaDrm#NOVA_VA_SPACE_END}) and clear of the kernel-managed range (EINVAL,
 * nouveau_uvmm_validate_range); a MAP's handle must be the file's (ENOENT), its bo_offset page
 * aligned and below the object's size and its range within the object (EINVAL, bind_validate_op);
 * a MAP lies wholly inside one sparse region or outside all (ENOSPC), a sparse MAP overlaps no
 * region (ENOSPC, bind_validate_map_common); a sparse UNMAP names a region exactly (ENOENT); an
 * unknown op or flag is EINVAL. A MAP over existing mappings unmaps them and keeps their pieces
 * outside the new range (drm_gpuvm_sm_map's REMAP prev/next, with their bo offsets); an UNMAP
 * does the same without the new mapping (sm_unmap); unmapping where nothing is mapped is no
 * error. Mappings are not merged, as drm_gpuvm does not merge them. A bind's operations apply in
 * order; if one fails, those before it are undone and the space is as before the bind.
 *
 * <p>Ownership: made by VM_INIT, owned by the file's {@link NovaFile}; {@link #close} (file
 * close, device unplug) unmaps everything, closes the nova.core space and drops the object
 * references, freeing objects that have no handle left. Serialised on itself.
 *
 * <p>Placement: an object is mapped where it lives, VRAM or system memory ({@link GpuVm#mapSysmem},
 * coherent). The space is a {@link GemMover} of every object it maps: when the device evicts or
 * migrates one, {@link #moved} maps each of its VAs again, same VA, onto the new backing. Binds
 * run under the device's placement lock, so no object moves in the middle of one. Before an object
 * moves, {@link #awaitIdle} waits for the done fences of this space's jobs in flight on any of the
 * file's channels (nouveau attaches each EXEC job's done fence to the VM's shared reservation, so
 * every object the VM maps waits for all of its jobs); past the driver's job timeout the object is
 * busy and the device evicts another one (migration answers EBUSY).
 */
final class NovaVm implements GemMover {
    private static final long PAGE = 1L << 12;

    /** A mapping: [va, va + range) shows obj from boOffset. */
    record Va(long va, long range, GemObject obj, long boOffset) {
        long end() {
            return va + range;
        }
    }

    private final DrmFile file;
    private final GpuVm space;
    private final long kmAddr;
    private final long kmSize;
    private final TreeMap<Long, Va> vas = new TreeMap<>();
    private final TreeMap<Long, Long> regions = new TreeMap<>();
    /** Objects this space registered as their mover. */
    private final Set<GemObject> tracked = new LinkedHashSet<>();
    private boolean closed;
    /**
     * The done fences of this space's jobs not signalled yet (nouveau's VM-wide shared reservation:
     * nouveau_exec_job_armed_submit adds each job's done fence to the VM's resv). Not guarded by the
     * space's monitor: a job's fence signals from the channel's completion path.
     */
    private final Set<DmaFence> jobs = ConcurrentHashMap.newKeySet();
    private final Duration idleBound;

    /**
     * @param idleBound how long {@link #awaitIdle} waits for the space's jobs (the driver's job
     *     timeout: a job still running past it is being failed by its queue)
     */
    NovaVm(DrmFile file, GpuVm space, long kmAddr, long kmSize, Duration idleBound) {
        this.file = file;
        this.space = space;
        this.kmAddr = kmAddr;
        this.kmSize = kmSize;
        this.idleBound = idleBound;
    }

    /**
     * A job of this space was submitted: its done fence guards every object the space maps until
     * it signals (EXEC's attach to the VM's reservation).
     */
    void jobSubmitted(DmaFence done) {
        jobs.add(done);
        if (!done.addCallback(jobs::remove)) {
            jobs.remove(done);
        }
    }

    /** @return the done fences of this space's jobs that have not signalled */
    List<DmaFence> busyFences() {
        return List.copyOf(jobs);
    }

    /**
     * Waits for every job of this space in flight now (a job's done fence, whichever channel runs
     * it): TTM's wait on the shared reservation before the object moves. The space maps {@code o}
     * (the device asks the movers of {@code o} only). Waits at most {@link #idleBound} in all, then
     * answers busy; an interrupt answers busy and keeps the flag.
     */
    @Override
    public boolean awaitIdle(GemObject o) {
        long deadline = System.nanoTime() + idleBound.toNanos();
        for (DmaFence f : List.copyOf(jobs)) {
            long left = deadline - System.nanoTime();
            try {
                if (!f.isSignaled() && (left <= 0 || !f.await(left, TimeUnit.NANOSECONDS))) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** @return the nova.core space (its instance block is what the GPU would be pointed at) */
    GpuVm space() {
        return space;
    }

    long kernelManagedAddr() {
        return kmAddr;
    }

    long kernelManagedSize() {
        return kmSize;
    }

    synchronized List<Va> mappings() {
        return List.copyOf(vas.values());
    }

    /**
     * @return true if every byte of [va, va + len) lies in a mapping (adjacent mappings may share
     *     the range): what an EXEC push must point at
     */
    synchronized boolean covers(long va, long len) {
        long at = va;
        long end = va + len;
        if (len <= 0 || end < va || closed) {
            return false;
        }
        while (at < end) {
            Map.Entry<Long, Va> e = vas.floorEntry(at);
            if (e == null || e.getValue().end() <= at) {
                return false;
            }
            at = e.getValue().end();
        }
        return true;
    }

    /** @return sparse regions, {addr, range} */
    synchronized List<long[]> regions() {
        List<long[]> l = new ArrayList<>();
        regions.forEach((a, r) -> l.add(new long[] {a, r}));
        return l;
    }

    /** Runs a VM_BIND's operations in order; all or nothing. Under the device's placement lock. */
    void bind(List<VmBindOp> ops) {
        file.device().placementLock().lock();
        try {
            bindLocked(ops);
        } finally {
            file.device().placementLock().unlock();
        }
    }

    private synchronized void bindLocked(List<VmBindOp> ops) {
        if (closed) {
            throw new DrmException(DrmErrno.ENODEV, file + ": the VA space is gone");
        }
        TreeMap<Long, Va> before = new TreeMap<>(vas);
        TreeMap<Long, Long> regionsBefore = new TreeMap<>(regions);
        List<long[]> touched = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            VmBindOp op = ops.get(i);
            try {
                apply(op, touched);
            } catch (RuntimeException e) {
                undo(before, regionsBefore, touched, e);
                DrmErrno errno = e instanceof DrmException d ? d.errno()
                        : e instanceof DriverException d && (d.errno() == Errno.ENOSPC || d.errno() == Errno.ENOMEM)
                                ? DrmErrno.ENOMEM
                                : e instanceof DriverException d && d.errno() == Errno.ENODEV ? DrmErrno.ENODEV
                                        : DrmErrno.EINVAL;
                throw new DrmException(errno, String.format("%s: VM_BIND op %d of %d (%s): %s", file, i, ops.size(),
                        op, e.getMessage()));
            }
        }
    }

    private void apply(VmBindOp op, List<long[]> touched) {
        boolean sparse = (op.flags() & NovaDrm.DRM_NOVA_VM_BIND_SPARSE) != 0;
        if ((op.flags() & ~NovaDrm.DRM_NOVA_VM_BIND_SPARSE) != 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format("unknown flags %#x", op.flags()));
        }
        switch (op.op()) {
            case NovaDrm.DRM_NOVA_VM_BIND_OP_MAP -> {
                if (sparse) {
                    validateRange(op.addr(), op.range());
                    if (firstRegion(op.addr(), op.range()) != null) {
                        throw new DrmException(DrmErrno.ENOSPC, String.format(
                                "sparse region [%#x, +%#x) overlaps another", op.addr(), op.range()));
                    }
                    space.reserveSparse(op.addr(), op.range());
                    regions.put(op.addr(), op.range());
                } else {
                    GemObject obj = file.device().lookup(file, op.handle());
                    long off = op.boOffset();
                    if ((off & (PAGE - 1)) != 0 || Long.compareUnsigned(obj.size(), off) <= 0
                            || Long.compareUnsigned(op.range(), obj.size() - off) > 0) {
                        throw new DrmException(DrmErrno.EINVAL, String.format(
                                "bo_offset %#x + range %#x do not fit the %#x-byte object (or are not page aligned)",
                                off, op.range(), obj.size()));
                    }
                    validateRange(op.addr(), op.range());
                    Map.Entry<Long, Long> reg = firstRegion(op.addr(), op.range());
                    if (reg != null && (reg.getKey() > op.addr()
                            || reg.getKey() + reg.getValue() < op.addr() + op.range())) {
                        throw new DrmException(DrmErrno.ENOSPC, String.format(
                                "[%#x, +%#x) is neither inside nor outside the sparse region [%#x, +%#x)", op.addr(),
                                op.range(), reg.getKey(), reg.getValue()));
                    }
                    touched.add(new long[] {op.addr(), op.range()});
                    smUnmap(op.addr(), op.range());
                    file.device().gemGet(obj);
                    try {
                        mapObject(op.addr(), obj, off, op.range());
                    } catch (RuntimeException e) {
                        file.device().gemPut(obj);
                        throw e;
                    }
                    if (tracked.add(obj)) {
                        file.device().gemTrack(obj, this, true);
                    }
                    vas.put(op.addr(), new Va(op.addr(), op.range(), obj, off));
                }
            }
            case NovaDrm.DRM_NOVA_VM_BIND_OP_UNMAP -> {
                validateRange(op.addr(), op.range());
                if (sparse) {
                    Long r = regions.get(op.addr());
                    if (r == null || r != op.range()) {
                        throw new DrmException(DrmErrno.ENOENT, String.format(
                                "no sparse region is exactly [%#x, +%#x)", op.addr(), op.range()));
                    }
                    touched.add(new long[] {op.addr(), op.range()});
                    smUnmap(op.addr(), op.range());
                    space.unreserveSparse(op.addr(), op.range());
                    regions.remove(op.addr());
                } else {
                    touched.add(new long[] {op.addr(), op.range()});
                    smUnmap(op.addr(), op.range());
                }
            }
            default -> throw new DrmException(DrmErrno.EINVAL, "unknown VM_BIND op " + Integer.toUnsignedString(op.op()));
        }
    }

    /** nouveau_uvmm_validate_range with drm_gpuvm_range_valid. */
    private void validateRange(long addr, long range) {
        if ((addr & (PAGE - 1)) != 0 || (range & (PAGE - 1)) != 0 || range == 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format(
                    "[%#x, +%#x) is not page aligned or empty", addr, range));
        }
        if (addr < 0 || range < 0 || addr > NovaDrm.NOVA_VA_SPACE_END - range) {
            throw new DrmException(DrmErrno.EINVAL, String.format(
                    "[%#x, +%#x) leaves the VA space [0, %#x)", addr, range, NovaDrm.NOVA_VA_SPACE_END));
        }
        if (kmSize > 0 && addr < kmAddr + kmSize && kmAddr < addr + range) {
            throw new DrmException(DrmErrno.EINVAL, String.format(
                    "[%#x, +%#x) overlaps the kernel-managed range [%#x, +%#x)", addr, range, kmAddr, kmSize));
        }
    }

    private Map.Entry<Long, Long> firstRegion(long addr, long range) {
        Map.Entry<Long, Long> e = regions.floorEntry(addr);
        if (e != null && e.getKey() + e.getValue() > addr) {
            return e;
        }
        e = regions.ceilingEntry(addr);
        return e != null && e.getKey() < addr + range ? e : null;
    }

    /**
     * drm_gpuvm_sm_unmap over [addr, addr + range): mappings inside go (UNMAP), those straddling
     * an end keep their outer pieces (REMAP prev/next), each piece holding its own reference.
     */
    private void smUnmap(long addr, long range) {
        long end = addr + range;
        List<Va> hit = new ArrayList<>();
        Map.Entry<Long, Va> e = vas.lowerEntry(end);
        while (e != null && e.getValue().end() > addr) {
            hit.add(e.getValue());
            e = vas.lowerEntry(e.getKey());
        }
        if (hit.isEmpty()) {
            return;
        }
        space.unmap(addr, range);
        for (Va v : hit) {
            vas.remove(v.va());
            if (v.va() < addr) {
                file.device().gemGet(v.obj());
                vas.put(v.va(), new Va(v.va(), addr - v.va(), v.obj(), v.boOffset()));
            }
            if (v.end() > end) {
                file.device().gemGet(v.obj());
                vas.put(end, new Va(end, v.end() - end, v.obj(), v.boOffset() + (end - v.va())));
            }
            file.device().gemPut(v.obj());
        }
    }

    /**
     * Puts the space back as it was before a failed bind: the touched ranges (with every old
     * mapping they cut) are cleared in the page tables and the old mappings in them mapped again; references follow the
     * mapping lists (the old ones taken before the new ones are dropped, so no object dies between).
     */
    private void undo(TreeMap<Long, Va> before, TreeMap<Long, Long> regionsBefore, List<long[]> touched,
            RuntimeException cause) {
        // the touched ranges, widened to the whole of every old mapping they cut (so that it is
        // mapped again whole, with the pages it had), as disjoint intervals
        List<long[]> widened = new ArrayList<>(touched);
        for (Va v : before.values()) {
            for (long[] t : touched) {
                if (v.va() < t[0] + t[1] && t[0] < v.end()) {
                    widened.add(new long[] {v.va(), v.range()});
                    break;
                }
            }
        }
        TreeMap<Long, Long> union = new TreeMap<>();
        for (long[] t : widened) {
            long from = t[0];
            long to = t[0] + t[1];
            Map.Entry<Long, Long> e = union.floorEntry(to);
            while (e != null && e.getValue() >= from) {
                from = Math.min(from, e.getKey());
                to = Math.max(to, e.getValue());
                union.remove(e.getKey());
                e = union.floorEntry(to);
            }
            union.put(from, to);
        }
        try {
            for (Map.Entry<Long, Long> t : union.entrySet()) {
                space.unmap(t.getKey(), t.getValue() - t.getKey());
                for (Va v : before.subMap(t.getKey(), t.getValue()).values()) {
                    mapObject(v.va(), v.obj(), v.boOffset(), v.range());
                }
            }
            for (Map.Entry<Long, Long> r : regions.entrySet()) {
                if (!regionsBefore.containsKey(r.getKey())) {
                    space.unreserveSparse(r.getKey(), r.getValue());
                }
            }
            for (Map.Entry<Long, Long> r : regionsBefore.entrySet()) {
                if (!regions.containsKey(r.getKey())) {
                    space.reserveSparse(r.getKey(), r.getValue());
                }
            }
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        for (Va v : before.values()) {
            file.device().gemGet(v.obj());
        }
        for (Va v : vas.values()) {
            file.device().gemPut(v.obj());
        }
        vas.clear();
        vas.putAll(before);
        regions.clear();
        regions.putAll(regionsBefore);
    }

    /** Maps [va, va + range) onto the object from {@code off}, where the object lives now. */
    private void mapObject(long va, GemObject obj, long off, long range) {
        VramBlock block = obj.vramBlock();
        if (block != null) {
            space.map(va, block, off, range, true);
            return;
        }
        SysmemBuffer sys = obj.sysmemBuffer();
        if (sys == null) {
            throw new DrmException(DrmErrno.EINVAL, obj + " has no memory (freed)");
        }
        space.mapSysmem(va, sys, off, range, true);
    }

    /**
     * The device moved {@code o}: each VA of it is unmapped and mapped again at once onto the new
     * backing (GpuVm invalidates the TLB after each). A space already closed has nothing to remap.
     */
    @Override
    public synchronized void moved(GemObject o) {
        if (closed) {
            return;
        }
        for (Va v : vas.values()) {
            if (v.obj() == o) {
                space.unmap(v.va(), v.range());
                mapObject(v.va(), o, v.boOffset(), v.range());
            }
        }
    }

    /** Unmaps everything, closes the nova.core space, drops the references. Idempotent. */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (GemObject o : tracked) {
            file.device().gemTrack(o, this, false);
        }
        tracked.clear();
        space.close();
        for (Va v : vas.values()) {
            file.device().gemPut(v.obj());
        }
        vas.clear();
        regions.clear();
    }
}
