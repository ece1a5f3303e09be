package org.nova.gpu.internal.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vm.VmAperture;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuLevel;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;

/**
 * The page tables of one GPU virtual address space in the chip's MMU format ({@link MmuFormat}:
 * version 2, {@link MmuV2}, on Turing to Ada; version 3, {@link org.nova.nvidia.mmu.MmuV3}, on
 * Hopper and Blackwell; every entry is built through the format, so nothing here depends on the
 * version): an instance block naming the root page directory (PD3, or PD4 in version 3), directories allocated from VRAM as
 * mappings need them, and the mapping of VA ranges onto VRAM with the largest page size that fits
 * each piece (2 MiB where VA and PA are 2 MiB aligned and 2 MiB remain, else 64 KiB, else 4 KiB;
 * one PD0 entry may mix 64 KiB and 4 KiB pages through its dual halves). Follows nouveau
 * mmu/vmm.c, vmmgp100.c and vmmgh100.c: each table counts its used entries, a table that becomes empty is
 * unhooked from its parent and freed; after every change the TLB is invalidated ({@link
 * TlbFlush}) and only then is freed table memory given back, so the GPU never walks memory that
 * is reused. Big page table entries not mapping a 64 KiB page hold the format's "use the small
 * table" entry ({@link MmuFormat#lptUseSmall}). Entries are written through
 * {@link Pramin}, the path that needs no page tables. Pages are VRAM or system memory (a DMA
 * address with the coherent or non-coherent aperture, {@link MmuFormat#sysPte}).
 *
 * <p>Sparse ranges ({@link #setSparse}): every page in one that maps nothing holds the sparse
 * encoding, so GPU reads there return zero and writes are dropped. A 2 MiB PD0 entry wholly
 * sparse and mapping nothing is one sparse dual PDE (gp100_vmm_pd0_sparse, no page table); a
 * PD0 entry partly sparse or partly mapped gets a small page table whose unmapped sparse entries
 * are sparse PTEs (gp100_vmm_pgt_sparse). The sparse entries are derived state: each operation
 * strips them from the entries it touches, changes the mappings, and lays them out again. As
 * nouveau marks whole directory entries sparse, a directory entry below the root (PD2: 256 GiB,
 * PD1: 512 MiB; version 3's PD3: 128 TiB) whose
 * whole span is sparse and holds no table is itself one sparse entry (VALID clear + VOL), so a
 * sparse range costs tables only around its ends and around what is mapped in it; mapping under
 * such an entry replaces it by a table whose entries are laid out sparse again.
 *
 * <p>Ownership: the manager owns its instance block and every table (VRAM blocks charged to its
 * owner name) until {@link #close()}, which frees them all. Mapped pages belong to the caller;
 * the manager only points at them. A failed map or unmap changes nothing: tables allocated for
 * it are freed and entries written are cleared again. Thread-safe (methods are serialised).
 *
 * <p>Why one class: it is nouveau's vmm.c for one format — the tree of tables, their use counts
 * and the order of writes, invalidate and frees only hold together in one place.
 */
public final class PageTableManager implements AutoCloseable {
    /** The 4 KiB granule: the smallest page and table alignment of both formats. */
    private static final long KIB4 = 1L << MmuV2.PAGE_SHIFT_4K;
    /** Tables are allocated in whole 4 KiB VRAM chunks (the buddy's granule; nouveau aligns tables to 0x1000). */
    private static final long TABLE_BLOCK = KIB4;

    /** A page table or directory in VRAM and its software mirror. */
    private static final class Table {
        final MmuLevel level;
        /** The table's VRAM, or null for a root another party owns ({@link #underRoot}). */
        final VramBlock block;
        final long addr;
        /** Directories above PD0: child directories. */
        final Table[] dirs;
        /** Directories between the root and PD0: which entries are one sparse entry (no table below; counted in {@link #used}). */
        final boolean[] sparseDir;
        /** PD0: each entry's small and big page tables, and whether it holds a 2 MiB page. */
        final Table[] small;
        final Table[] big;
        final boolean[] huge;
        /** PD0: which entries are one sparse dual PDE. */
        final boolean[] sparseBig;
        /** Page tables: which entries map a page (and the page's read-only flag is in VRAM). */
        final boolean[] mapped;
        /** Small page tables: which entries hold the sparse PTE (counted in {@link #used}). */
        final boolean[] sparse;
        int used;

        Table(MmuFormat format, MmuLevel level, VramBlock block, long addr) {
            this.level = level;
            this.block = block;
            this.addr = addr;
            int n = level.entries();
            boolean pd0 = level == format.pd0();
            boolean pt = level == format.spt() || level == format.lpt();
            this.dirs = !pd0 && !pt ? new Table[n] : null;
            this.sparseDir = !pd0 && !pt && level != format.root() ? new boolean[n] : null;
            this.small = pd0 ? new Table[n] : null;
            this.big = pd0 ? new Table[n] : null;
            this.huge = pd0 ? new boolean[n] : null;
            this.sparseBig = pd0 ? new boolean[n] : null;
            this.mapped = pt ? new boolean[n] : null;
            this.sparse = pt ? new boolean[n] : null;
        }

        long addr() {
            return addr;
        }

        long entry(int i) {
            return addr() + (long) i * level.entrySize();
        }
    }

    private final String owner;
    private final MmuFormat format;
    private final VramManager vram;
    private final Pramin pramin;
    private final TlbFlush tlb;
    private final long vaSize;
    /** Null when the root is another party's (GSP-RM's BAR1 directory): it owns the instance block too. */
    private final VramBlock instBlock;
    private final Table root;
    /** Blocks unhooked by the current operation, freed after its TLB invalidate. */
    private final List<VramBlock> toFree = new ArrayList<>();
    /** Sparse VA ranges, first VA to end (never overlapping, merged when adjacent). */
    private final TreeMap<Long, Long> sparse = new TreeMap<>();
    private int tables;
    private boolean closed;

    /**
     * Creates an empty address space: allocates and writes the instance block and the root
     * directory.
     *
     * @param owner the VRAM owner name charged for the tables (e.g. "nova-core:bar1")
     * @param format the chip's page-table format ({@link org.nova.nvidia.mmu.MmuHal#format()})
     * @param vram where tables come from
     * @param pramin the path to write them
     * @param tlb the invalidate run after every change
     * @param vaSize bytes of VA the space spans from 0 (the instance block's ADR_LIMIT), a multiple
     *     of 4 KiB, at most 2^{@link MmuFormat#vaBits()} (49 or 57)
     * @throws DriverException EINVAL for a bad size; ENOSPC (or ENODEV) from the VRAM manager,
     *     with nothing left allocated
     */
    public PageTableManager(String owner, MmuFormat format, VramManager vram, Pramin pramin, TlbFlush tlb,
            long vaSize) {
        checkSize(owner, format, vaSize);
        this.owner = owner;
        this.format = format;
        this.vram = vram;
        this.pramin = pramin;
        this.tlb = tlb;
        this.vaSize = vaSize;
        VramBlock inst = vram.allocate(Ramin.SIZE, owner);
        Table r;
        try {
            r = newTable(format.root());
            pramin.zero(inst.offset(), Ramin.SIZE);
            pramin.write64(inst.offset() + Ramin.PAGE_DIR_BASE_OFFSET, Ramin.pageDirBaseV2(r.addr()));
            pramin.write64(inst.offset() + Ramin.ADR_LIMIT_OFFSET, Ramin.adrLimit(vaSize - 1));
        } catch (RuntimeException e) {
            releaseQuietly(inst, e);
            throw e;
        }
        this.instBlock = inst;
        this.root = r;
    }

    private PageTableManager(String owner, MmuFormat format, VramManager vram, Pramin pramin, TlbFlush tlb,
            long vaSize, long rootPd) {
        this.owner = owner;
        this.format = format;
        this.vram = vram;
        this.pramin = pramin;
        this.tlb = tlb;
        this.vaSize = vaSize;
        this.instBlock = null;
        this.root = new Table(format, format.root(), null, rootPd);
    }

    private static void checkSize(String owner, MmuFormat format, long vaSize) {
        if (vaSize <= 0 || vaSize % KIB4 != 0 || vaSize > 1L << format.vaBits()) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: VA space size 0x%x is not a multiple of 4 KiB up to 2^%d", owner, vaSize, format.vaBits()));
        }
    }

    /**
     * An address space under a root directory (PD3, or PD4 in version 3) another party owns, as nouveau's
     * r535_bar_bar1_init takes GSP-RM's BAR1 directory ({@code rm_bar1_pdb}) for the root of its
     * BAR1 VMM: this manager writes only the root entries for the directories it adds, and owns
     * everything below them. The root must be empty where this space maps (the owner reported it
     * for the driver's use); it is neither allocated, cleared as a whole nor freed here.
     *
     * @param rootPd VRAM address of the root directory, 4 KiB aligned
     * @throws DriverException EINVAL for a bad size or a root outside VRAM or misaligned
     */
    public static PageTableManager underRoot(String owner, MmuFormat format, VramManager vram, Pramin pramin,
            TlbFlush tlb, long vaSize, long rootPd) {
        checkSize(owner, format, vaSize);
        if (rootPd <= 0 || rootPd % KIB4 != 0 || rootPd > pramin.vramSize() - format.root().tableBytes()) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: root page directory at 0x%x is not a 4 KiB aligned table inside VRAM", owner, rootPd));
        }
        return new PageTableManager(owner, format, vram, pramin, tlb, vaSize, rootPd);
    }

    /**
     * @return the VRAM address of the instance block (what a BAR1 block or channel binds)
     * @throws DriverException EOPNOTSUPP for a space {@link #underRoot} another party's root: its
     *     instance block is that party's
     */
    public long instBlock() {
        if (instBlock == null) {
            throw new DriverException(Errno.EOPNOTSUPP, owner + ": the instance block is the root owner's");
        }
        return instBlock.offset();
    }

    /** @return whether the root directory (and the instance block) belong to another party */
    public boolean foreignRoot() {
        return instBlock == null;
    }

    /** @return the page-table format the space is written in */
    public MmuFormat format() {
        return format;
    }

    /** @return the VRAM address of the root page directory (PD3, or PD4 in version 3) */
    public long pageDirectory() {
        return root.addr();
    }

    /** @return the bytes of VA the space spans from 0 */
    public long vaSize() {
        return vaSize;
    }

    /** @return tables (directories and page tables) allocated now, the root included unless foreign */
    public synchronized int tables() {
        return tables;
    }

    /**
     * Maps [va, va + size) onto VRAM [pa, pa + size), largest pages first, then invalidates.
     *
     * @param va 4 KiB aligned, inside the space
     * @param pa 4 KiB aligned VRAM address
     * @param size a multiple of 4 KiB, &gt; 0
     * @param readOnly whether writes through the mapping fault
     * @throws DriverException EINVAL for a misaligned or out-of-range request; EEXIST if part of
     *     the range is mapped already; ENOSPC when no VRAM is left for a table; ENODEV after
     *     {@link #close()}. Nothing is mapped or allocated on error.
     */
    public synchronized void map(long va, long pa, long size, boolean readOnly) {
        map(va, pa, size, readOnly, VmAperture.VIDEO_MEMORY);
    }

    /**
     * Maps [va, va + size) onto [pa, pa + size) of {@code aperture}'s memory (VRAM offsets, or
     * DMA addresses the GPU reaches through the IOMMU), largest pages first, then invalidates.
     * Sparse entries under the range give way to the pages.
     *
     * @param pa 4 KiB aligned; inside VRAM for {@link VmAperture#VIDEO_MEMORY}, below
     *     2^{@link MmuFormat#sysAddressBits()} (the PTE's SYS address field) for system memory
     * @throws DriverException as {@link #map(long, long, long, boolean)}
     */
    public synchronized void map(long va, long pa, long size, boolean readOnly, VmAperture aperture) {
        checkOpen();
        checkRange(va, size);
        long limit = aperture == VmAperture.VIDEO_MEMORY ? pramin.vramSize()
                : 1L << format.sysAddressBits();
        if (pa < 0 || pa % KIB4 != 0 || pa > limit - size) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: map of 0x%x bytes at %s address 0x%x: not 4 KiB aligned or beyond the aperture", owner,
                    size, aperture, pa));
        }
        for (long off = 0; off < size;) {
            int shift = pageShift(va + off, pa + off, size - off);
            if (!isFree(va + off, shift)) {
                throw new DriverException(Errno.EEXIST, String.format(
                        "%s: VA 0x%x is mapped already (map of [0x%x, +0x%x))", owner, va + off, va, size));
            }
            off += 1L << shift;
        }
        long done = 0;
        long[] ext = stripSparse(va, size);
        try {
            while (done < size) {
                int shift = pageShift(va + done, pa + done, size - done);
                mapPage(va + done, pa + done, shift, readOnly, aperture);
                done += 1L << shift;
            }
            layOutSparse(ext[0], ext[1]);
        } catch (RuntimeException e) {
            // give back what this call mapped and allocated: the space is as before
            for (long off = 0; off < done;) {
                off += 1L << unmapPage(va + off);
            }
            restoreSparse(ext, e);
            throw e;
        }
        tidy(ext);
        finish();
    }

    /**
     * Unmaps [va, va + size), frees tables left empty, invalidates.
     *
     * @param va 4 KiB aligned
     * @param size a multiple of 4 KiB, &gt; 0
     * @throws DriverException EINVAL if part of the range is not mapped or the range cuts a 64 KiB
     *     or 2 MiB page; ENODEV after {@link #close()}. Nothing is unmapped on error.
     */
    public synchronized void unmap(long va, long size) {
        checkOpen();
        checkRange(va, size);
        for (long off = 0; off < size;) {
            int shift = mappedShift(va + off);
            if (shift < 0) {
                throw new DriverException(Errno.EINVAL, String.format("%s: VA 0x%x is not mapped", owner, va + off));
            }
            long page = 1L << shift;
            if (((va + off) & (page - 1)) != 0 || off + page > size) {
                throw new DriverException(Errno.EINVAL, String.format(
                        "%s: unmap of [0x%x, +0x%x) would split the %d KiB page at 0x%x", owner, va, size,
                        page >> 10, (va + off) & ~(page - 1)));
            }
            off += page;
        }
        long[] ext = stripSparse(va, size);
        for (long off = 0; off < size;) {
            off += 1L << unmapPage(va + off);
        }
        try {
            layOutSparse(ext[0], ext[1]);
        } catch (RuntimeException e) {
            // the pages are gone; the sparse entries a table VRAM could not hold are missing
            // (those VAs fault instead of reading zero) until the next change lays them out
            tidy(ext);
            finish();
            throw e;
        }
        tidy(ext);
        finish();
    }

    /**
     * Marks [va, va + size) sparse or not: unmapped pages there get (or lose) the sparse
     * encoding; mapped pages stay as they are. Then invalidates.
     *
     * @param on true to mark sparse (the range must not overlap a sparse range), false to clear
     *     (the range must be exactly one marked before)
     * @throws DriverException EINVAL for a bad range; EEXIST if marking overlaps a sparse range;
     *     ENOENT if clearing names no sparse range; ENOSPC when no VRAM is left for a table (the
     *     space is then as before); ENODEV after {@link #close()}
     */
    public synchronized void setSparse(long va, long size, boolean on) {
        checkOpen();
        checkRange(va, size);
        if (on) {
            Map.Entry<Long, Long> below = sparse.lowerEntry(va + size);
            if (below != null && below.getValue() > va) {
                throw new DriverException(Errno.EEXIST, String.format(
                        "%s: [0x%x, +0x%x) overlaps the sparse range at 0x%x", owner, va, size, below.getKey()));
            }
        } else {
            Long end = sparse.get(va);
            if (end == null || end != va + size) {
                throw new DriverException(Errno.ENOENT, String.format(
                        "%s: no sparse range is exactly [0x%x, +0x%x)", owner, va, size));
            }
        }
        long[] ext = stripSparse(va, size);
        if (on) {
            sparse.put(va, va + size);
        } else {
            sparse.remove(va);
        }
        try {
            layOutSparse(ext[0], ext[1]);
        } catch (RuntimeException e) {
            if (on) {
                sparse.remove(va);
            } else {
                sparse.put(va, va + size);
            }
            restoreSparse(ext, e);
            throw e;
        }
        tidy(ext);
        finish();
    }

    /**
     * @param va a virtual address
     * @return whether {@code va} lies in a sparse range and maps no page (software state)
     */
    public synchronized boolean isSparse(long va) {
        return inSparse(va) && mappedShift(va) < 0;
    }

    /**
     * @param va a virtual address
     * @return the page size (shift) of the page mapping {@code va}, or -1 if none (software state)
     */
    public synchronized int mappedShift(long va) {
        if (va < 0 || va >= vaSize) {
            return -1;
        }
        Table pd0 = pd0(va, false);
        if (pd0 == null) {
            return -1;
        }
        int i = format.pd0().index(va);
        if (pd0.huge[i]) {
            return format.pd0().shift();
        }
        if (pd0.big[i] != null && pd0.big[i].mapped[format.lpt().index(va)]) {
            return format.lpt().shift();
        }
        if (pd0.small[i] != null && pd0.small[i].mapped[format.spt().index(va)]) {
            return format.spt().shift();
        }
        return -1;
    }

    /**
     * Frees every table and the instance block, after clearing the root and invalidating. The
     * caller unbinds the space from every user (BAR1, channels) first. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        try {
            if (instBlock == null) {
                // the root is the owner's: clear only the entries this space wrote
                for (int i = 0; i < root.dirs.length; i++) {
                    if (root.dirs[i] != null) {
                        pramin.write64(root.entry(i), 0);
                    }
                }
            } else {
                pramin.zero(root.addr(), root.level.tableBytes());
            }
            tlb.invalidate(root.addr());
        } catch (RuntimeException e) {
            first = e;
        }
        collect(root);
        if (instBlock != null) {
            toFree.add(instBlock);
        }
        for (VramBlock b : toFree) {
            try {
                vram.free(b);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        toFree.clear();
        tables = 0;
        if (first != null) {
            throw first;
        }
    }

    // ---- internals ---------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new DriverException(Errno.ENODEV, owner + ": the address space was destroyed");
        }
    }

    private void checkRange(long va, long size) {
        if (size <= 0 || size % KIB4 != 0 || va < 0 || va % KIB4 != 0 || va > vaSize - size) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: range [0x%x, +0x%x) is not 4 KiB aligned or leaves the 0x%x-byte space", owner, va, size,
                    vaSize));
        }
    }

    private int pageShift(long va, long pa, long left) {
        for (int shift : new int[] {format.pd0().shift(), format.lpt().shift()}) {
            long page = 1L << shift;
            if (((va | pa) & (page - 1)) == 0 && left >= page) {
                return shift;
            }
        }
        return format.spt().shift();
    }

    /** @return whether nothing is mapped in the page of size {@code 1 << shift} at {@code va} */
    private boolean isFree(long va, int shift) {
        Table pd0 = pd0(va, false);
        if (pd0 == null) {
            return true;
        }
        int i = format.pd0().index(va);
        if (pd0.huge[i]) {
            return false;
        }
        Table lpt = pd0.big[i];
        Table spt = pd0.small[i];
        if (shift == format.pd0().shift()) {
            // a table holding only sparse entries does not count: they are stripped before mapping
            return (lpt == null || mappedCount(lpt) == 0) && (spt == null || mappedCount(spt) == 0);
        }
        if (lpt != null && lpt.mapped[format.lpt().index(va)]) {
            return false;
        }
        if (spt == null) {
            return true;
        }
        int first = format.spt().index(va);
        int n = (int) ((1L << shift) / KIB4);
        for (int j = first; j < first + n; j++) {
            if (spt.mapped[j]) {
                return false;
            }
        }
        return true;
    }

    private Table newTable(MmuLevel level) {
        VramBlock b = vram.allocate(TABLE_BLOCK, owner);
        Table t = new Table(format, level, b, b.offset());
        try {
            if (level == format.lpt() && format.lptUseSmall() != 0) {
                for (int j = 0; j < level.entries(); j++) {
                    pramin.write64(t.entry(j), format.lptUseSmall());
                }
            } else {
                pramin.zero(b.offset(), level.tableBytes());
            }
        } catch (RuntimeException e) {
            releaseQuietly(b, e);
            throw e;
        }
        tables++;
        return t;
    }

    private void releaseQuietly(VramBlock b, RuntimeException cause) {
        try {
            vram.free(b);
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** @return the PD0 table covering {@code va}, created (with its directories) if asked */
    private Table pd0(long va, boolean create) {
        Table t = root;
        List<MmuLevel> dirs = format.directories();
        for (MmuLevel next : dirs.subList(1, dirs.size())) {
            int i = t.level.index(va);
            Table c = t.dirs[i];
            if (c == null) {
                if (!create) {
                    return null;
                }
                c = newTable(next);
                t.dirs[i] = c;
                if (t.sparseDir != null && t.sparseDir[i]) {
                    // callers strip the sparse entries first; should one remain, the table replaces it
                    t.sparseDir[i] = false;
                } else {
                    t.used++;
                }
                pramin.write64(t.entry(i), format.vramPde(c.addr()));
            }
            t = c;
        }
        return t;
    }

    private void writePd0(Table pd0, int i) {
        long bigWord;
        if (pd0.huge[i]) {
            return; // written by mapPage with the PTE itself
        }
        if (pd0.sparseBig[i]) {
            pramin.write64(pd0.entry(i) + Long.BYTES, 0);
            pramin.write64(pd0.entry(i), format.dualSparseBig());
            return;
        }
        bigWord = pd0.big[i] != null ? format.dualBigVram(pd0.big[i].addr()) : 0;
        long smallWord = pd0.small[i] != null ? format.dualSmallVram(pd0.small[i].addr()) : 0;
        // small half first: a walk between the two writes then sees at most a table it may use
        pramin.write64(pd0.entry(i) + Long.BYTES, smallWord);
        pramin.write64(pd0.entry(i), bigWord);
    }

    private static boolean pd0EntryUsed(Table pd0, int i) {
        return pd0.huge[i] || pd0.sparseBig[i] || pd0.big[i] != null || pd0.small[i] != null;
    }

    private static int mappedCount(Table t) {
        int n = 0;
        for (boolean b : t.mapped) {
            n += b ? 1 : 0;
        }
        return n;
    }

    private void mapPage(long va, long pa, int shift, boolean readOnly, VmAperture aperture) {
        Table pd0 = pd0(va, true);
        int i = format.pd0().index(va);
        long pte = aperture == VmAperture.VIDEO_MEMORY ? format.vramPte(pa, readOnly, false)
                : format.sysPte(pa, aperture == VmAperture.SYSTEM_COHERENT, readOnly);
        boolean wasUsed = pd0EntryUsed(pd0, i);
        if (shift == format.pd0().shift()) {
            // tables left empty by stripping the sparse entries go before the 2 MiB PTE replaces them
            for (Table t : new Table[] {pd0.small[i], pd0.big[i]}) {
                if (t != null) {
                    unhook(t);
                }
            }
            pd0.small[i] = null;
            pd0.big[i] = null;
            pd0.huge[i] = true;
            pramin.write64(pd0.entry(i) + Long.BYTES, 0);
            pramin.write64(pd0.entry(i), pte);
        } else {
            boolean big = shift == format.lpt().shift();
            Table pt = big ? pd0.big[i] : pd0.small[i];
            if (pt == null) {
                pt = newTable(big ? format.lpt() : format.spt());
                if (big) {
                    pd0.big[i] = pt;
                } else {
                    pd0.small[i] = pt;
                }
                writePd0(pd0, i);
            }
            int j = pt.level.index(va);
            pt.mapped[j] = true;
            pt.used++;
            pramin.write64(pt.entry(j), pte);
        }
        if (!wasUsed) {
            pd0.used++;
        }
    }

    /** Unmaps the page at {@code va} (mapped, page-aligned); frees page tables left empty. @return its shift */
    private int unmapPage(long va) {
        Table pd0 = pd0(va, false);
        int i = format.pd0().index(va);
        int shift;
        if (pd0.huge[i]) {
            pd0.huge[i] = false;
            pramin.write64(pd0.entry(i), 0);
            shift = format.pd0().shift();
        } else {
            Table lpt = pd0.big[i];
            boolean big = lpt != null && lpt.mapped[format.lpt().index(va)];
            Table pt = big ? lpt : pd0.small[i];
            int j = pt.level.index(va);
            pt.mapped[j] = false;
            pt.used--;
            pramin.write64(pt.entry(j), big ? format.lptUseSmall() : 0);
            if (pt.used == 0) {
                if (big) {
                    pd0.big[i] = null;
                } else {
                    pd0.small[i] = null;
                }
                writePd0(pd0, i);
                unhook(pt);
            }
            shift = big ? format.lpt().shift() : format.spt().shift();
        }
        if (!pd0EntryUsed(pd0, i)) {
            pd0.used--;
        }
        return shift;
    }

    private boolean inSparse(long va) {
        Map.Entry<Long, Long> r = sparse.floorEntry(va);
        return r != null && r.getValue() > va;
    }

    /** @return whether one sparse range covers [from, to) */
    private boolean sparseCovers(long from, long to) {
        Map.Entry<Long, Long> r = sparse.floorEntry(from);
        return r != null && r.getValue() >= to;
    }

    /** @return whether a sparse range overlaps [from, to) */
    private boolean sparseOverlaps(long from, long to) {
        Map.Entry<Long, Long> r = sparse.lowerEntry(to);
        return r != null && r.getValue() > from;
    }

    /** A PD0 entry visitor: the PD0 table, the entry's index, the entry's first VA. */
    private interface Pd0Entry {
        void visit(Table pd0, int i, long at);
    }

    /** Calls {@code f} for every PD0 entry of an existing PD0 table that [from, to) touches. */
    private void eachPd0Entry(Table t, long from, long to, Pd0Entry f) {
        long span = t.level.entrySpan();
        for (long at = from & ~(span - 1); at < to; at += span) {
            int i = t.level.index(at);
            if (t.level == format.pd0()) {
                f.visit(t, i, at);
            } else if (t.dirs[i] != null) {
                eachPd0Entry(t.dirs[i], Math.max(from, at), Math.min(to, at + span), f);
            }
        }
    }

    /**
     * Clears the sparse entries of the tables [va, va + size) touches, keeping the (maybe empty)
     * tables. A sparse directory entry (below the root, above PD0) it clears covered VAs outside the range too.
     *
     * @return the range whose sparse entries must be laid out again: [va, va + size) widened to
     *     every sparse directory entry cleared
     */
    private long[] stripSparse(long va, long size) {
        long[] ext = {va, va + size};
        stripDirs(root, va, va + size, ext);
        eachPd0Entry(root, va, va + size, (pd0, i, at) -> {
            if (pd0.sparseBig[i]) {
                pd0.sparseBig[i] = false;
                pramin.write64(pd0.entry(i), 0);
                if (!pd0EntryUsed(pd0, i)) {
                    pd0.used--;
                }
            }
            Table spt = pd0.small[i];
            if (spt != null) {
                for (int j = 0; j < spt.sparse.length; j++) {
                    if (spt.sparse[j]) {
                        spt.sparse[j] = false;
                        spt.used--;
                        pramin.write64(spt.entry(j), 0);
                    }
                }
            }
        });
        return ext;
    }

    private void stripDirs(Table t, long from, long to, long[] ext) {
        long span = t.level.entrySpan();
        for (long at = from & ~(span - 1); at < to; at += span) {
            int i = t.level.index(at);
            if (t.sparseDir != null && t.sparseDir[i]) {
                t.sparseDir[i] = false;
                t.used--;
                pramin.write64(t.entry(i), 0);
                ext[0] = Math.min(ext[0], at);
                ext[1] = Math.max(ext[1], at + span);
            } else if (t.dirs[i] != null && t.dirs[i].level != format.pd0()) {
                stripDirs(t.dirs[i], Math.max(from, at), Math.min(to, at + span), ext);
            }
        }
    }

    /**
     * Writes the sparse entries of [from, to) from the sparse ranges and the mappings: a directory
     * entry below the root whose whole span is sparse and holds no table is one sparse entry
     * (gp100_vmm_pgt_sparse on a directory, as nouveau marks whole PDEs); below, PD0 entries as
     * {@link #layOutChunk} lays them.
     */
    private void layOutSparse(long from, long to) {
        // whole PD0 entries: stripping cleared the sparse entries of every PD0 entry the range touched
        long chunk = format.pd0().entrySpan();
        layDir(root, from & ~(chunk - 1), Math.min(vaSize, (to + chunk - 1) & ~(chunk - 1)));
    }

    private void layDir(Table t, long from, long to) {
        long span = t.level.entrySpan();
        for (long at = from & ~(span - 1); at < to; at += span) {
            long eFrom = Math.max(from, at);
            long eTo = Math.min(to, at + span);
            if (!sparseOverlaps(eFrom, eTo)) {
                continue;
            }
            int i = t.level.index(at);
            if (t.level == format.pd0()) {
                layOutChunk(t, i, at);
                continue;
            }
            Table c = t.dirs[i];
            if (t.sparseDir != null && t.sparseDir[i]) {
                continue;
            }
            if (c == null && t.sparseDir != null && sparseCovers(at, at + span)) {
                t.sparseDir[i] = true;
                t.used++;
                pramin.write64(t.entry(i), format.sparsePte());
                continue;
            }
            if (c == null) {
                c = newTable(format.below(t.level));
                t.dirs[i] = c;
                t.used++;
                pramin.write64(t.entry(i), format.vramPde(c.addr()));
            }
            layDir(c, eFrom, eTo);
        }
    }

    /** Lays out the sparse entries of PD0 entry {@code i} (first VA {@code at}). */
    private void layOutChunk(Table pd0, int i, long at) {
        long end = at + format.pd0().entrySpan();
        List<long[]> in = new ArrayList<>();
        Map.Entry<Long, Long> first = sparse.floorEntry(at);
        for (Map.Entry<Long, Long> r : (first != null ? sparse.tailMap(first.getKey(), true)
                : sparse.tailMap(at, true)).entrySet()) {
            if (r.getKey() >= end) {
                break;
            }
            if (r.getValue() > at) {
                in.add(new long[] {Math.max(at, r.getKey()), Math.min(end, r.getValue())});
            }
        }
        if (in.isEmpty() || pd0.huge[i]) {
            return;
        }
        boolean whole = in.size() == 1 && in.get(0)[0] == at && in.get(0)[1] == end;
        boolean anyMapped = pd0.big[i] != null && mappedCount(pd0.big[i]) > 0
                || pd0.small[i] != null && mappedCount(pd0.small[i]) > 0;
        if (whole && !anyMapped) {
            boolean wasUsed = pd0EntryUsed(pd0, i);
            for (Table t : new Table[] {pd0.small[i], pd0.big[i]}) {
                if (t != null) {
                    unhook(t);
                }
            }
            pd0.small[i] = null;
            pd0.big[i] = null;
            pd0.sparseBig[i] = true;
            writePd0(pd0, i);
            if (!wasUsed) {
                pd0.used++;
            }
            return;
        }
        Table spt = pd0.small[i];
        if (spt == null) {
            boolean wasUsed = pd0EntryUsed(pd0, i);
            spt = newTable(format.spt());
            pd0.small[i] = spt;
            writePd0(pd0, i);
            if (!wasUsed) {
                pd0.used++;
            }
        }
        Table lpt = pd0.big[i];
        for (long[] r : in) {
            for (long p = r[0]; p < r[1]; p += KIB4) {
                int j = format.spt().index(p);
                if (spt.mapped[j] || spt.sparse[j] || lpt != null && lpt.mapped[format.lpt().index(p)]) {
                    continue;
                }
                spt.sparse[j] = true;
                spt.used++;
                pramin.write64(spt.entry(j), format.sparsePte());
            }
        }
    }

    /** After a failure: lays the sparse entries out again for the state as it is now, then tidies and invalidates. */
    private void restoreSparse(long[] ext, RuntimeException cause) {
        try {
            long[] again = stripSparse(ext[0], ext[1] - ext[0]);
            layOutSparse(Math.min(ext[0], again[0]), Math.max(ext[1], again[1]));
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        tidy(ext);
        try {
            finish();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Frees page tables left without entries under [ext[0], ext[1]), then the directories left empty. */
    private void tidy(long[] ext) {
        eachPd0Entry(root, ext[0], ext[1], (pd0, i, at) -> {
            boolean wasUsed = pd0EntryUsed(pd0, i);
            boolean changed = false;
            if (pd0.small[i] != null && pd0.small[i].used == 0) {
                unhook(pd0.small[i]);
                pd0.small[i] = null;
                changed = true;
            }
            if (pd0.big[i] != null && pd0.big[i].used == 0) {
                unhook(pd0.big[i]);
                pd0.big[i] = null;
                changed = true;
            }
            if (changed) {
                writePd0(pd0, i);
                if (wasUsed && !pd0EntryUsed(pd0, i)) {
                    pd0.used--;
                }
            }
        });
        pruneEmpty(ext[0], ext[1] - ext[0]);
    }

    /** Frees directories below the root left empty under [va, va + size). */
    private void pruneEmpty(long va, long size) {
        pruneDir(root, va, va + size);
    }

    /** Frees the empty child directories of {@code t} under [from, to), deepest first (PD0 before its parent). */
    private void pruneDir(Table t, long from, long to) {
        long span = t.level.entrySpan();
        for (long at = from & ~(span - 1); at < to; at += span) {
            int i = t.level.index(at);
            Table c = t.dirs[i];
            if (c == null) {
                continue;
            }
            if (c.dirs != null) {
                pruneDir(c, Math.max(from, at), Math.min(to, at + span));
            }
            if (c.used == 0) {
                t.dirs[i] = null;
                t.used--;
                pramin.write64(t.entry(i), 0);
                unhook(c);
            }
        }
    }

    private void unhook(Table t) {
        toFree.add(t.block);
        tables--;
    }

    /** Invalidates, then gives back the tables this operation unhooked. */
    private void finish() {
        try {
            tlb.invalidate(root.addr());
        } finally {
            for (VramBlock b : toFree) {
                vram.free(b);
            }
            toFree.clear();
        }
    }

    private void collect(Table t) {
        if (t.block != null) {
            toFree.add(t.block);
        }
        if (t.dirs != null) {
            for (Table c : t.dirs) {
                if (c != null) {
                    collect(c);
                }
            }
        }
        if (t.small != null) {
            for (int i = 0; i < t.small.length; i++) {
                if (t.small[i] != null) {
                    toFree.add(t.small[i].block);
                }
                if (t.big[i] != null) {
                    toFree.add(t.big[i].block);
                }
            }
        }
    }
}
