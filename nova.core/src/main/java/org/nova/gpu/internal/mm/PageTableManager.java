package org.nova.gpu.internal.mm;

import java.util.ArrayList;
import java.util.List;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.mmu.MmuLevel;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;

/**
 * The page tables of one GPU virtual address space in the MMU's version 2 format ({@link MmuV2}):
 * an instance block naming the root page directory (PD3), directories allocated from VRAM as
 * mappings need them, and the mapping of VA ranges onto VRAM with the largest page size that fits
 * each piece (2 MiB where VA and PA are 2 MiB aligned and 2 MiB remain, else 64 KiB, else 4 KiB;
 * one PD0 entry may mix 64 KiB and 4 KiB pages through its dual halves). Follows nouveau
 * mmu/vmm.c and vmmgp100.c: each table counts its used entries, a table that becomes empty is
 * unhooked from its parent and freed; after every change the TLB is invalidated ({@link
 * TlbFlush}) and only then is freed table memory given back, so the GPU never walks memory that
 * is reused. Big page table entries not mapping a 64 KiB page hold VALID_FALSE + PRIV, which
 * sends the MMU to the small page table (gp100_vmm_lpt_invalid). Entries are written through
 * {@link Pramin}, the path that needs no page tables.
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
    private static final long KIB4 = 1L << MmuV2.PAGE_SHIFT_4K;
    /** Tables are allocated in whole 4 KiB VRAM chunks (the buddy's granule; nouveau aligns tables to 0x1000). */
    private static final long TABLE_BLOCK = KIB4;

    /** A page table or directory in VRAM and its software mirror. */
    private static final class Table {
        final MmuLevel level;
        /** The table's VRAM, or null for a root another party owns ({@link #underRoot}). */
        final VramBlock block;
        final long addr;
        /** PD3..PD1: child directories. */
        final Table[] dirs;
        /** PD0: each entry's small and big page tables, and whether it holds a 2 MiB page. */
        final Table[] small;
        final Table[] big;
        final boolean[] huge;
        /** Page tables: which entries map a page (and the page's read-only flag is in VRAM). */
        final boolean[] mapped;
        int used;

        Table(MmuLevel level, VramBlock block, long addr) {
            this.level = level;
            this.block = block;
            this.addr = addr;
            int n = level.entries();
            boolean pd0 = level == MmuV2.PD0;
            boolean pt = level == MmuV2.SPT || level == MmuV2.LPT;
            this.dirs = !pd0 && !pt ? new Table[n] : null;
            this.small = pd0 ? new Table[n] : null;
            this.big = pd0 ? new Table[n] : null;
            this.huge = pd0 ? new boolean[n] : null;
            this.mapped = pt ? new boolean[n] : null;
        }

        long addr() {
            return addr;
        }

        long entry(int i) {
            return addr() + (long) i * level.entrySize();
        }
    }

    private final String owner;
    private final VramManager vram;
    private final Pramin pramin;
    private final TlbFlush tlb;
    private final long vaSize;
    /** Null when the root is another party's (GSP-RM's BAR1 directory): it owns the instance block too. */
    private final VramBlock instBlock;
    private final Table root;
    /** Blocks unhooked by the current operation, freed after its TLB invalidate. */
    private final List<VramBlock> toFree = new ArrayList<>();
    private int tables;
    private boolean closed;

    /**
     * Creates an empty address space: allocates and writes the instance block and the root
     * directory.
     *
     * @param owner the VRAM owner name charged for the tables (e.g. "nova-core:bar1")
     * @param vram where tables come from
     * @param pramin the path to write them
     * @param tlb the invalidate run after every change
     * @param vaSize bytes of VA the space spans from 0 (the instance block's ADR_LIMIT), a multiple
     *     of 4 KiB, at most 2^49
     * @throws DriverException EINVAL for a bad size; ENOSPC (or ENODEV) from the VRAM manager,
     *     with nothing left allocated
     */
    public PageTableManager(String owner, VramManager vram, Pramin pramin, TlbFlush tlb, long vaSize) {
        if (vaSize <= 0 || vaSize % KIB4 != 0 || vaSize > 1L << MmuV2.VA_BITS) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: VA space size 0x%x is not a multiple of 4 KiB up to 2^%d", owner, vaSize, MmuV2.VA_BITS));
        }
        this.owner = owner;
        this.vram = vram;
        this.pramin = pramin;
        this.tlb = tlb;
        this.vaSize = vaSize;
        VramBlock inst = vram.allocate(Ramin.SIZE, owner);
        Table r;
        try {
            r = newTable(MmuV2.PD3);
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

    private PageTableManager(String owner, VramManager vram, Pramin pramin, TlbFlush tlb, long vaSize, long rootPd) {
        this.owner = owner;
        this.vram = vram;
        this.pramin = pramin;
        this.tlb = tlb;
        this.vaSize = vaSize;
        this.instBlock = null;
        this.root = new Table(MmuV2.PD3, null, rootPd);
    }

    /**
     * An address space under a root directory (PD3) another party owns, as nouveau's
     * r535_bar_bar1_init takes GSP-RM's BAR1 directory ({@code rm_bar1_pdb}) for the root of its
     * BAR1 VMM: this manager writes only the root entries for the directories it adds, and owns
     * everything below them. The root must be empty where this space maps (the owner reported it
     * for the driver's use); it is neither allocated, cleared as a whole nor freed here.
     *
     * @param rootPd VRAM address of the root directory, 4 KiB aligned
     * @throws DriverException EINVAL for a bad size or a root outside VRAM or misaligned
     */
    public static PageTableManager underRoot(String owner, VramManager vram, Pramin pramin, TlbFlush tlb, long vaSize,
            long rootPd) {
        if (vaSize <= 0 || vaSize % KIB4 != 0 || vaSize > 1L << MmuV2.VA_BITS) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: VA space size 0x%x is not a multiple of 4 KiB up to 2^%d", owner, vaSize, MmuV2.VA_BITS));
        }
        if (rootPd <= 0 || rootPd % KIB4 != 0 || rootPd > pramin.vramSize() - MmuV2.PD3.tableBytes()) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: root page directory at 0x%x is not a 4 KiB aligned table inside VRAM", owner, rootPd));
        }
        return new PageTableManager(owner, vram, pramin, tlb, vaSize, rootPd);
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

    /** @return the VRAM address of the root page directory (PD3) */
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
        checkOpen();
        checkRange(va, size);
        if (pa < 0 || pa % KIB4 != 0 || pa > pramin.vramSize() - size) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: map of 0x%x bytes at PA 0x%x: not 4 KiB aligned or beyond VRAM", owner, size, pa));
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
        try {
            while (done < size) {
                int shift = pageShift(va + done, pa + done, size - done);
                mapPage(va + done, pa + done, shift, readOnly);
                done += 1L << shift;
            }
        } catch (RuntimeException e) {
            // give back what this call mapped and allocated: the space is as before
            for (long off = 0; off < done;) {
                off += 1L << unmapPage(va + off);
            }
            pruneEmpty(va, size);
            finish();
            throw e;
        }
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
        for (long off = 0; off < size;) {
            off += 1L << unmapPage(va + off);
        }
        pruneEmpty(va, size);
        finish();
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
        int i = MmuV2.PD0.index(va);
        if (pd0.huge[i]) {
            return MmuV2.PAGE_SHIFT_2M;
        }
        if (pd0.big[i] != null && pd0.big[i].mapped[MmuV2.LPT.index(va)]) {
            return MmuV2.PAGE_SHIFT_64K;
        }
        if (pd0.small[i] != null && pd0.small[i].mapped[MmuV2.SPT.index(va)]) {
            return MmuV2.PAGE_SHIFT_4K;
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
                pramin.zero(root.addr(), MmuV2.PD3.tableBytes());
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

    private static int pageShift(long va, long pa, long left) {
        for (int shift : new int[] {MmuV2.PAGE_SHIFT_2M, MmuV2.PAGE_SHIFT_64K}) {
            long page = 1L << shift;
            if (((va | pa) & (page - 1)) == 0 && left >= page) {
                return shift;
            }
        }
        return MmuV2.PAGE_SHIFT_4K;
    }

    /** @return whether nothing is mapped in the page of size {@code 1 << shift} at {@code va} */
    private boolean isFree(long va, int shift) {
        Table pd0 = pd0(va, false);
        if (pd0 == null) {
            return true;
        }
        int i = MmuV2.PD0.index(va);
        if (pd0.huge[i]) {
            return false;
        }
        Table lpt = pd0.big[i];
        Table spt = pd0.small[i];
        if (shift == MmuV2.PAGE_SHIFT_2M) {
            return lpt == null && spt == null;
        }
        if (lpt != null && lpt.mapped[MmuV2.LPT.index(va)]) {
            return false;
        }
        if (spt == null) {
            return true;
        }
        int first = MmuV2.SPT.index(va);
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
        Table t = new Table(level, b, b.offset());
        try {
            if (level == MmuV2.LPT) {
                for (int j = 0; j < level.entries(); j++) {
                    pramin.write64(t.entry(j), MmuV2.lptUseSmall());
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
        for (MmuLevel next : List.of(MmuV2.PD2, MmuV2.PD1, MmuV2.PD0)) {
            int i = t.level.index(va);
            Table c = t.dirs[i];
            if (c == null) {
                if (!create) {
                    return null;
                }
                c = newTable(next);
                t.dirs[i] = c;
                t.used++;
                pramin.write64(t.entry(i), MmuV2.vramPde(c.addr()));
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
        bigWord = pd0.big[i] != null ? MmuV2.dualBigVram(pd0.big[i].addr()) : 0;
        long smallWord = pd0.small[i] != null ? MmuV2.dualSmallVram(pd0.small[i].addr()) : 0;
        // small half first: a walk between the two writes then sees at most a table it may use
        pramin.write64(pd0.entry(i) + Long.BYTES, smallWord);
        pramin.write64(pd0.entry(i), bigWord);
    }

    private static boolean pd0EntryUsed(Table pd0, int i) {
        return pd0.huge[i] || pd0.big[i] != null || pd0.small[i] != null;
    }

    private void mapPage(long va, long pa, int shift, boolean readOnly) {
        Table pd0 = pd0(va, true);
        int i = MmuV2.PD0.index(va);
        long pte = MmuV2.vramPte(pa, readOnly, false);
        boolean wasUsed = pd0EntryUsed(pd0, i);
        if (shift == MmuV2.PAGE_SHIFT_2M) {
            pd0.huge[i] = true;
            pramin.write64(pd0.entry(i) + Long.BYTES, 0);
            pramin.write64(pd0.entry(i), pte);
        } else {
            boolean big = shift == MmuV2.PAGE_SHIFT_64K;
            Table pt = big ? pd0.big[i] : pd0.small[i];
            if (pt == null) {
                pt = newTable(big ? MmuV2.LPT : MmuV2.SPT);
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
        int i = MmuV2.PD0.index(va);
        int shift;
        if (pd0.huge[i]) {
            pd0.huge[i] = false;
            pramin.write64(pd0.entry(i), 0);
            shift = MmuV2.PAGE_SHIFT_2M;
        } else {
            Table lpt = pd0.big[i];
            boolean big = lpt != null && lpt.mapped[MmuV2.LPT.index(va)];
            Table pt = big ? lpt : pd0.small[i];
            int j = pt.level.index(va);
            pt.mapped[j] = false;
            pt.used--;
            pramin.write64(pt.entry(j), big ? MmuV2.lptUseSmall() : 0);
            if (pt.used == 0) {
                if (big) {
                    pd0.big[i] = null;
                } else {
                    pd0.small[i] = null;
                }
                writePd0(pd0, i);
                unhook(pt);
            }
            shift = big ? MmuV2.PAGE_SHIFT_64K : MmuV2.PAGE_SHIFT_4K;
        }
        if (!pd0EntryUsed(pd0, i)) {
            pd0.used--;
        }
        return shift;
    }

    /** Frees directories below the root left empty under [va, va + size). */
    private void pruneEmpty(long va, long size) {
        for (long at = va & ~(MmuV2.PD1.entrySpan() - 1); at < va + size; at += MmuV2.PD1.entrySpan()) {
            int n = MmuV2.PD3.index(at);
            Table pd2 = root.dirs[n];
            if (pd2 == null) {
                continue;
            }
            int m = MmuV2.PD2.index(at);
            Table pd1 = pd2.dirs[m];
            if (pd1 != null) {
                int k = MmuV2.PD1.index(at);
                Table pd0 = pd1.dirs[k];
                if (pd0 != null && pd0.used == 0) {
                    pd1.dirs[k] = null;
                    pd1.used--;
                    pramin.write64(pd1.entry(k), 0);
                    unhook(pd0);
                }
                if (pd1.used == 0) {
                    pd2.dirs[m] = null;
                    pd2.used--;
                    pramin.write64(pd2.entry(m), 0);
                    unhook(pd1);
                }
            }
            if (pd2.used == 0) {
                root.dirs[n] = null;
                root.used--;
                pramin.write64(root.entry(n), 0);
                unhook(pd2);
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
