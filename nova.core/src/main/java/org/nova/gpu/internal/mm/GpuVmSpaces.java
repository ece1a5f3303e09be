package org.nova.gpu.internal.mm;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.bus.pci.DmaSegment;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vm.VmAperture;
import org.nova.gpu.vm.VmMapping;
import org.nova.gpu.vm.VmRange;
import org.nova.gpu.vm.VmWalk;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.mmu.MmuHal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nova.core's {@link GpuVmManager}: every space is a {@link PageTableManager} over the GPU's
 * VRAM manager, written through the GPU's {@link Pramin} and flushed with its {@link TlbFlush},
 * plus the extents mapped in it (what {@link GpuVm#unmap} needs to split a mapping: the page
 * tables only know pages) and its sparse reservations. One lock per space; the manager's lock
 * guards the set of open spaces.
 */
public final class GpuVmSpaces implements GpuVmManager {
    private static final Logger LOG = LoggerFactory.getLogger(GpuVmSpaces.class);
    private static final long K4 = 1L << 12;

    private final String gpu;
    private final MmuHal hal;
    private final VramManager vram;
    private final Pramin pramin;
    private final TlbFlush tlb;
    private final Walker walker;
    private final LinkedHashSet<Space> open = new LinkedHashSet<>();
    private boolean revoked;

    /**
     * @param gpu the GPU's name
     * @param hal the chip's MMU HAL (its {@link MmuHal#format()} is the tables' format)
     * @param vram where tables come from, and whose blocks are mapped
     * @param pramin the path tables are written and walked through
     * @param tlb the invalidate after each change
     */
    public GpuVmSpaces(String gpu, MmuHal hal, VramManager vram, Pramin pramin, TlbFlush tlb) {
        this.gpu = gpu;
        this.hal = hal;
        this.vram = vram;
        this.pramin = pramin;
        this.tlb = tlb;
        this.walker = new Walker(pramin, hal.format());
    }

    @Override
    public String gpu() {
        return gpu;
    }

    /** @return the PRAMIN window the spaces' tables are written through (the GPU's one window) */
    public Pramin pramin() {
        return pramin;
    }

    @Override
    public GpuVm create(String owner, long vaSize) {
        if (owner == null || owner.isEmpty()) {
            throw new DriverException(Errno.EINVAL, gpu + ": a GPU VA space needs an owner");
        }
        synchronized (this) {
            if (revoked) {
                throw new DriverException(Errno.ENODEV, gpu + " is unbinding: no new GPU VA spaces");
            }
            Space s = new Space(owner, new PageTableManager(owner, hal.format(), vram, pramin, tlb, vaSize));
            open.add(s);
            return s;
        }
    }

    @Override
    public synchronized List<GpuVm> spaces() {
        return List.copyOf(open);
    }

    @Override
    public void revoke() {
        List<Space> left;
        synchronized (this) {
            revoked = true;
            left = new ArrayList<>(open);
        }
        for (Space s : left) {
            LOG.info("{}: GPU VA space of {} force-closed ({} mappings)", gpu, s.owner, s.extents.size());
            s.close();
        }
    }

    @Override
    public synchronized boolean isRevoked() {
        return revoked;
    }

    private synchronized void closed(Space s) {
        open.remove(s);
    }

    /** One space; its methods are serialised on the space. */
    private final class Space implements GpuVm {
        private final String owner;
        private final PageTableManager pt;
        /** Mapped extents by VA (never overlapping). */
        private final TreeMap<Long, VmMapping> extents = new TreeMap<>();
        private final TreeMap<Long, VmRange> sparse = new TreeMap<>();
        private boolean closed;

        Space(String owner, PageTableManager pt) {
            this.owner = owner;
            this.pt = pt;
        }

        @Override
        public String owner() {
            return owner;
        }

        @Override
        public long vaSize() {
            return pt.vaSize();
        }

        @Override
        public long instBlock() {
            return pt.instBlock();
        }

        @Override
        public long pageDirectory() {
            return pt.pageDirectory();
        }

        private void checkOpen() {
            if (closed) {
                throw new DriverException(Errno.ENODEV, owner + ": the GPU VA space is closed");
            }
        }

        private void checkRange(long va, long range) {
            if (range <= 0 || range % K4 != 0 || va < 0 || va % K4 != 0 || va > pt.vaSize() - range) {
                throw new DriverException(Errno.EINVAL, String.format(
                        "%s: VA range [0x%x, +0x%x) is not 4 KiB aligned or leaves the 0x%x-byte space", owner, va,
                        range, pt.vaSize()));
            }
        }

        @Override
        public synchronized void map(long va, VramBlock block, long offset, long range, boolean writable) {
            checkOpen();
            checkRange(va, range);
            if (block == null || !block.isAllocated()) {
                throw new DriverException(Errno.EINVAL, owner + ": map of " + block + ": not an allocated VRAM block");
            }
            if (offset < 0 || offset % K4 != 0 || offset >= block.size() || range > block.size() - offset) {
                throw new DriverException(Errno.EINVAL, String.format(
                        "%s: [0x%x, +0x%x) of %s is not 4 KiB aligned or leaves the block", owner, offset, range, block));
            }
            Map.Entry<Long, VmMapping> below = extents.lowerEntry(va + range);
            if (below != null && below.getValue().end() > va) {
                throw new DriverException(Errno.EEXIST, String.format(
                        "%s: [0x%x, +0x%x) overlaps the mapping at 0x%x", owner, va, range, below.getKey()));
            }
            pt.map(va, block.offset() + offset, range, !writable);
            extents.put(va, new VmMapping(va, range, block.offset() + offset, writable));
        }

        @Override
        public synchronized void mapSysmem(long va, List<DmaSegment> segments, boolean coherent, boolean writable) {
            checkOpen();
            if (segments == null || segments.isEmpty()) {
                throw new DriverException(Errno.EINVAL, owner + ": a system memory mapping needs DMA segments");
            }
            // merge segments contiguous in DMA space: their pages may then be larger
            List<long[]> runs = new ArrayList<>();
            long total = 0;
            for (DmaSegment seg : segments) {
                if (seg.address() < 0 || seg.address() % K4 != 0 || seg.length() <= 0 || seg.length() % K4 != 0) {
                    throw new DriverException(Errno.EINVAL, String.format(
                            "%s: DMA segment [0x%x, +0x%x) is not 4 KiB aligned", owner, seg.address(), seg.length()));
                }
                long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && last[0] + last[1] == seg.address()) {
                    last[1] += seg.length();
                } else {
                    runs.add(new long[] {seg.address(), seg.length()});
                }
                total += seg.length();
            }
            checkRange(va, total);
            Map.Entry<Long, VmMapping> below = extents.lowerEntry(va + total);
            if (below != null && below.getValue().end() > va) {
                throw new DriverException(Errno.EEXIST, String.format(
                        "%s: [0x%x, +0x%x) overlaps the mapping at 0x%x", owner, va, total, below.getKey()));
            }
            VmAperture ap = coherent ? VmAperture.SYSTEM_COHERENT : VmAperture.SYSTEM_NON_COHERENT;
            List<VmMapping> done = new ArrayList<>();
            long at = va;
            try {
                for (long[] r : runs) {
                    pt.map(at, r[0], r[1], !writable, ap);
                    done.add(new VmMapping(at, r[1], r[0], writable, ap));
                    at += r[1];
                }
            } catch (RuntimeException e) {
                for (VmMapping m : done) {
                    try {
                        pt.unmap(m.va(), m.size());
                    } catch (RuntimeException e2) {
                        e.addSuppressed(e2);
                    }
                }
                throw e;
            }
            for (VmMapping m : done) {
                extents.put(m.va(), m);
            }
        }

        @Override
        public synchronized long unmap(long va, long range) {
            checkOpen();
            checkRange(va, range);
            return unmapLocked(va, va + range);
        }

        /** Unmaps [from, to): whole extents inside, the outer pieces of straddling ones re-laid. */
        private long unmapLocked(long from, long to) {
            List<VmMapping> hit = new ArrayList<>();
            Long k = extents.lowerKey(to);
            while (k != null) {
                VmMapping m = extents.get(k);
                if (m.end() <= from) {
                    break;
                }
                hit.add(0, m);
                k = extents.lowerKey(k);
            }
            long bytes = 0;
            for (VmMapping m : hit) {
                long cutFrom = Math.max(from, m.va());
                long cutTo = Math.min(to, m.end());
                bytes += cutTo - cutFrom;
                pt.unmap(m.va(), m.size());
                extents.remove(m.va());
                List<VmMapping> kept = new ArrayList<>();
                try {
                    if (m.va() < cutFrom) {
                        kept.add(piece(m, m.va(), cutFrom));
                    }
                    if (cutTo < m.end()) {
                        kept.add(piece(m, cutTo, m.end()));
                    }
                    for (VmMapping p : kept) {
                        pt.map(p.va(), p.pa(), p.size(), !p.writable(), p.aperture());
                        extents.put(p.va(), p);
                    }
                } catch (RuntimeException e) {
                    // a piece needed a table VRAM cannot hold: put the mapping back as it was
                    for (VmMapping p : kept) {
                        if (extents.remove(p.va()) != null) {
                            pt.unmap(p.va(), p.size());
                        }
                    }
                    pt.map(m.va(), m.pa(), m.size(), !m.writable(), m.aperture());
                    extents.put(m.va(), m);
                    throw e;
                }
            }
            return bytes;
        }

        private static VmMapping piece(VmMapping m, long from, long to) {
            return new VmMapping(from, to - from, m.pa() + (from - m.va()), m.writable(), m.aperture());
        }

        @Override
        public synchronized void reserveSparse(long va, long range) {
            checkOpen();
            checkRange(va, range);
            Map.Entry<Long, VmRange> below = sparse.lowerEntry(va + range);
            if (below != null && below.getValue().end() > va) {
                throw new DriverException(Errno.EEXIST, String.format(
                        "%s: sparse range [0x%x, +0x%x) overlaps the sparse range at 0x%x", owner, va, range,
                        below.getKey()));
            }
            pt.setSparse(va, range, true);
            sparse.put(va, new VmRange(va, range));
        }

        @Override
        public synchronized void unreserveSparse(long va, long range) {
            checkOpen();
            VmRange r = sparse.get(va);
            if (r == null || r.size() != range) {
                throw new DriverException(Errno.ENOENT, String.format(
                        "%s: no sparse range is exactly [0x%x, +0x%x)", owner, va, range));
            }
            unmapLocked(va, va + range);
            pt.setSparse(va, range, false);
            sparse.remove(va);
        }

        @Override
        public synchronized List<VmMapping> mappings() {
            return List.copyOf(extents.values());
        }

        @Override
        public synchronized List<VmRange> sparseRanges() {
            return List.copyOf(sparse.values());
        }

        @Override
        public synchronized int tables() {
            return pt.tables();
        }

        @Override
        public synchronized VmWalk walk(long va) {
            checkOpen();
            Walker.Walk w = walker.walk(pt.instBlock(), va);
            return new VmWalk(va, w.steps().stream().map(Walker.Step::toString).toList(), w.pa(), w.pageShift(),
                    w.mapped() && !w.readOnly(), w.fault(), w.aperture(), w.sparse());
        }

        @Override
        public synchronized boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                extents.clear();
                sparse.clear();
                try {
                    // clearing the root unhooks every mapping at once; the manager invalidates
                    // before the tables go back to VRAM
                    pt.close();
                } catch (RuntimeException e) {
                    LOG.warn("{}: closing the GPU VA space of {}: {}", gpu, owner, e.getMessage());
                }
            }
            closed(this);
        }

        @Override
        public String toString() {
            return "GpuVm[" + owner + "]";
        }
    }
}
