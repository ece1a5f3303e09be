package org.nova.gpu.internal.mm;

import java.util.List;
import org.nova.bus.pci.Bar;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;
import org.nova.nvidia.regs.Bar1Block;

/**
 * BAR1 as a GPU virtual address space: a {@link PageTableManager} spanning the BAR1 aperture, a
 * {@link VaAllocator} handing out its VAs (with an optional kernel carve-out at the top, held in
 * its own range), and the bind of its instance block into the BAR1 block register as nouveau's
 * bar/tu102.c does it (write the block pointer with MODE_VIRTUAL and TARGET_VID_MEM, wait up to
 * {@link #BIND_TIMEOUT_MS} for the bind status to clear; on teardown, MODE_PHYSICAL). Once bound,
 * every CPU access through BAR1 is translated by the GPU: only VAs {@link #map mapped} here reach
 * VRAM. Version 2 page tables only (Turing, Ampere, Ada).
 *
 * <p>Two ways to own BAR1. {@link #bind}: the driver owns everything (nouveau's tu102 BAR1
 * without GSP-RM), for tests and the benchmark. {@link #underGspRm}: what nova-core does at probe,
 * as nouveau's r535_bar_bar1_init does — GSP-RM has bound BAR1 to its own instance block and
 * reports the root directory ({@code GspStaticConfigInfo.bar1PdeBase}); the driver builds its
 * directories and page tables beneath that root and neither writes the BAR1 block register nor
 * frees the root (r535_bar_bar1_init/_fini/_wait do not touch the register). UPDATE_BAR_PDE is
 * BAR2's RPC (r535_bar_bar2_update_pde), not BAR1's.
 *
 * <p>Ownership: the space owns its tables from creation until {@link #close()}, and after
 * {@link #bind} also its instance block and the BAR1 block register (under GSP-RM both, and the
 * root directory, stay GSP-RM's); mapped VRAM blocks stay their owners', who unmap them before
 * freeing them. Thread-safe.
 */
public final class Bar1Space implements AutoCloseable {
    /** How long nouveau's tu102_bar_bar1_wait waits for the bind, in milliseconds. */
    public static final int BIND_TIMEOUT_MS = 2000;
    /** The owner name of the carve-out range. */
    public static final String KERNEL = "kernel";
    private static final long K4 = 1L << MmuV2.PAGE_SHIFT_4K;
    private static final long LARGEST_PAGE = 1L << MmuV2.PAGE_SHIFT_2M;

    private final String gpu;
    private final Bar bar0;
    private final PageTableManager tables;
    private final VaAllocator vas;
    private final Walker walker;
    private final long carveOut;
    /** The VAs of the carve-out, for the kernel's own mappings ({@link #mapKernel}); null without one. */
    private final VaAllocator kernelVas;
    private boolean closed;

    private Bar1Space(String gpu, Bar bar0, PageTableManager tables, VaAllocator vas, Walker walker, long carveOut) {
        this.gpu = gpu;
        this.bar0 = bar0;
        this.tables = tables;
        this.vas = vas;
        this.walker = walker;
        this.carveOut = carveOut;
        this.kernelVas = carveOut == 0 ? null
                : new VaAllocator(gpu + " BAR1 " + KERNEL, tables.vaSize() - carveOut, tables.vaSize(), K4);
    }

    /**
     * BAR1's VA space under GSP-RM's root directory: GSP-RM has bound BAR1 (VIRTUAL, its instance
     * block) and reported the root; the driver's tables go beneath it (nouveau r535_bar_bar1_init).
     *
     * @param rootPd GSP-RM's BAR1 root directory ({@code bar1PdeBase}), in VRAM
     * @param carveOut bytes at the top of the space reserved for the kernel (0 for none)
     * @throws DriverException EINVAL for bad
     *     sizes or a root of 0 (GSP-RM reported none) or outside VRAM; EIO when BAR1 is not bound
     *     virtual to an instance block whose root is {@code rootPd}. Nothing is allocated on error.
     */
    public static Bar1Space underGspRm(String gpu, Bar bar0, MmuHal hal, VramManager vram, Pramin pramin, TlbFlush tlb,
            long bar1Size, long carveOut, long rootPd) {
        check(gpu, hal, bar1Size, carveOut);
        int block = bar0.read32(Bar1Block.FUNC_BAR1_BLOCK.address());
        long inst = Integer.toUnsignedLong(Bar1Block.FUNC_BAR1_BLOCK_PTR.get(block)) << Bar1Block.PTR_SHIFT;
        if (Bar1Block.FUNC_BAR1_BLOCK_MODE.get(block) != Bar1Block.MODE_VIRTUAL
                || Bar1Block.FUNC_BAR1_BLOCK_TARGET.get(block) != Bar1Block.TARGET_VID_MEM) {
            throw new DriverException(Errno.EIO, String.format(
                    "%s: GSP-RM reported BAR1's root at 0x%x but BAR1 is not bound virtual in VRAM (%s)", gpu, rootPd,
                    Bar1Block.FUNC_BAR1_BLOCK.describe(block)));
        }
        PageTableManager t = PageTableManager.underRoot(gpu + ":bar1", hal.format(), vram, pramin, tlb, bar1Size,
                rootPd);
        long bound = Ramin.pageDir(pramin.read64(inst + Ramin.PAGE_DIR_BASE_OFFSET));
        if (bound != rootPd) {
            throw new DriverException(Errno.EIO, String.format(
                    "%s: BAR1's instance block 0x%x names root 0x%x, GSP-RM reported 0x%x", gpu, inst, bound, rootPd));
        }
        VaAllocator v = new VaAllocator(gpu + " BAR1", 0, bar1Size, K4);
        if (carveOut > 0) {
            v.reserve(bar1Size - carveOut, carveOut, KERNEL);
        }
        return new Bar1Space(gpu, bar0, t, v, new Walker(pramin, hal.format()), carveOut);
    }

    private static void check(String gpu, MmuHal hal, long bar1Size, long carveOut) {
        if (carveOut < 0 || carveOut % K4 != 0 || carveOut >= bar1Size) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: BAR1 carve-out 0x%x does not fit a 0x%x-byte BAR1 in 4 KiB units", gpu, carveOut, bar1Size));
        }
    }

    /**
     * Builds BAR1's page tables and binds them.
     *
     * @param gpu the GPU's name, for messages and VRAM owners
     * @param bar0 the GPU's BAR0
     * @param hal the chip's MMU HAL
     * @param vram where tables come from
     * @param pramin the path tables are written through
     * @param tlb the invalidate after each change
     * @param bar1Size the BAR1 aperture in bytes: the VA space's size
     * @param carveOut bytes at the top of the space reserved for the kernel (0 for none)
     * @return the bound space
     * @throws DriverException EINVAL for
     *     bad sizes; ENOSPC from VRAM; ETIMEDOUT if the bind does not complete. Nothing stays
     *     allocated or bound on error.
     */
    public static Bar1Space bind(String gpu, Bar bar0, MmuHal hal, VramManager vram, Pramin pramin, TlbFlush tlb,
            long bar1Size, long carveOut) {
        check(gpu, hal, bar1Size, carveOut);
        PageTableManager t = new PageTableManager(gpu + ":bar1", hal.format(), vram, pramin, tlb, bar1Size);
        try {
            VaAllocator v = new VaAllocator(gpu + " BAR1", 0, bar1Size, K4);
            if (carveOut > 0) {
                v.reserve(bar1Size - carveOut, carveOut, KERNEL);
            }
            Bar1Space s = new Bar1Space(gpu, bar0, t, v, new Walker(pramin, hal.format()), carveOut);
            s.writeBlock(t.instBlock(), Bar1Block.MODE_VIRTUAL);
            return s;
        } catch (RuntimeException e) {
            try {
                t.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    private void writeBlock(long inst, int mode) {
        int v = Bar1Block.FUNC_BAR1_BLOCK_PTR.of(inst >>> Bar1Block.PTR_SHIFT);
        v = Bar1Block.FUNC_BAR1_BLOCK_TARGET.set(v, Bar1Block.TARGET_VID_MEM);
        v = Bar1Block.FUNC_BAR1_BLOCK_MODE.set(v, mode);
        bar0.write32(Bar1Block.FUNC_BAR1_BLOCK.address(), v);
        long deadline = System.nanoTime() + BIND_TIMEOUT_MS * 1_000_000L;
        int busy = Bar1Block.BIND_STATUS_BAR1_PENDING.mask() | Bar1Block.BIND_STATUS_BAR1_OUTSTANDING.mask();
        while ((bar0.read32(Bar1Block.FUNC_BIND_STATUS.address()) & busy) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new DriverException(Errno.ETIMEDOUT, gpu + ": BAR1 bind not done after " + BIND_TIMEOUT_MS + " ms");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Maps a VRAM block into BAR1 at a VA chosen by the allocator, aligned so the largest pages
     * that fit the block can be used.
     *
     * @param block an allocated VRAM block, owned by the caller, who keeps it until {@link #unmap}
     * @param owner who holds the VA range
     * @param readOnly whether CPU writes through BAR1 fault
     * @return the BAR1 offset (VA) of the block's first byte
     * @throws DriverException ENOSPC when no VA range fits or no VRAM is left for tables; ENODEV
     *     after {@link #close()}. Nothing is mapped or allocated on error.
     */
    public synchronized long map(VramBlock block, String owner, boolean readOnly) {
        checkOpen();
        return mapIn(vas, block, owner, readOnly);
    }

    /**
     * Maps a VRAM block as {@link #map} does, at a VA inside the kernel carve-out: for the
     * driver's own buffers (those it fills for GSP-RM), kept apart from client mappings so that
     * clients exhausting BAR1 cannot starve the kernel, nor the other way round.
     *
     * @return the BAR1 offset (VA) of the block's first byte, inside the carve-out
     * @throws DriverException ENOSPC when the space has no carve-out or no VA range of it fits, or
     *     no VRAM is left for tables; ENODEV after {@link #close()}. Nothing is mapped on error.
     */
    public synchronized long mapKernel(VramBlock block, String owner, boolean readOnly) {
        checkOpen();
        if (kernelVas == null) {
            throw new DriverException(Errno.ENOSPC, gpu + ": BAR1 has no kernel carve-out");
        }
        return mapIn(kernelVas, block, owner, readOnly);
    }

    private long mapIn(VaAllocator vas, VramBlock block, String owner, boolean readOnly) {
        long align = Math.min(Long.highestOneBit(block.size()), LARGEST_PAGE);
        long va = vas.allocate(block.size(), Math.max(align, K4), owner);
        try {
            tables.map(va, block.offset(), block.size(), readOnly);
        } catch (RuntimeException e) {
            vas.free(va);
            throw e;
        }
        return va;
    }

    /**
     * Unmaps the range {@link #map} returned at {@code va}.
     *
     * @throws DriverException EINVAL if no mapping starts there (the carve-out included); ENODEV
     *     after {@link #close()}
     */
    public synchronized void unmap(long va) {
        checkOpen();
        if (kernelVas != null && va >= tables.vaSize() - carveOut) {
            VaAllocator.Range k = kernelVas.find(va);
            if (k != null && k.va() == va) {
                tables.unmap(va, k.size());
                kernelVas.free(va);
                return;
            }
        }
        VaAllocator.Range r = vas.find(va);
        if (r == null || r.va() != va || KERNEL.equals(r.owner())) {
            throw new DriverException(Errno.EINVAL, String.format("%s: no BAR1 mapping starts at 0x%x", gpu, va));
        }
        tables.unmap(va, r.size());
        vas.free(va);
    }

    /** @return the VA ranges held now (mappings, the carve-out and the kernel's mappings in it), lowest first */
    public synchronized List<VaAllocator.Range> ranges() {
        List<VaAllocator.Range> all = new java.util.ArrayList<>(vas.ranges());
        if (kernelVas != null) {
            all.addAll(kernelVas.ranges());
        }
        all.sort(java.util.Comparator.comparingLong(VaAllocator.Range::va).thenComparing(r -> !KERNEL.equals(r.owner())));
        return all;
    }

    /**
     * @return the walk of BAR1 offset {@code va} from the instance block the BAR1 block register
     *     names (GSP-RM's, under {@link #underGspRm}) through the tables, explained level by level
     */
    public synchronized Walker.Walk walk(long va) {
        checkOpen();
        return walker.walk(instBlock(), va);
    }

    /** @return the VRAM address of the instance block bound to BAR1, as the BAR1 block register names it */
    public long instBlock() {
        if (!tables.foreignRoot()) {
            return tables.instBlock();
        }
        int block = bar0.read32(Bar1Block.FUNC_BAR1_BLOCK.address());
        return Integer.toUnsignedLong(Bar1Block.FUNC_BAR1_BLOCK_PTR.get(block)) << Bar1Block.PTR_SHIFT;
    }

    /** @return whether GSP-RM owns BAR1's block and root ({@link #underGspRm}) */
    public boolean underGspRm() {
        return tables.foreignRoot();
    }

    /** @return the bytes reserved for the kernel at the top of the space */
    public long carveOut() {
        return carveOut;
    }

    /**
     * @return the bytes of BAR1 VA that {@link #map} can still hand out: not held by any range,
     *     the kernel carve-out not counted (its VAs are never free for {@link #map}, however much of
     *     it the kernel uses)
     */
    public synchronized long freeBytes() {
        return vas.freeBytes();
    }

    /** @return the bytes of the kernel carve-out {@link #mapKernel} can still hand out (0 without one) */
    public synchronized long kernelFreeBytes() {
        return kernelVas == null ? 0 : kernelVas.freeBytes();
    }

    /** @return the page tables (for listings) */
    public PageTableManager tables() {
        return tables;
    }

    /**
     * Sets BAR1 back to PHYSICAL (linear; not under GSP-RM, whose root only loses the entries this
     * space wrote) and frees the tables and the instance block. The VRAM is
     * given back even if the GPU no longer answers (hot removal): the first error is rethrown
     * after. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        if (!tables.foreignRoot()) {
            // GSP-RM's binding is GSP-RM's: r535_bar_bar1_fini leaves the register alone
            try {
                writeBlock(0, Bar1Block.MODE_PHYSICAL);
            } catch (RuntimeException e) {
                first = e;
            }
        }
        try {
            tables.close();
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new DriverException(Errno.ENODEV, gpu + ": BAR1's address space was torn down");
        }
    }
}
