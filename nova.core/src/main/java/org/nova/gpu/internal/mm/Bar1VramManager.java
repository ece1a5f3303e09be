package org.nova.gpu.internal.mm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.BuddyStats;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VRAM service of a GPU whose BAR1 translates through page tables ({@link Bar1Space}): the
 * buddy allocator's blocks, and CPU views of them through BAR1 VAs. {@link #map} maps a block at
 * a VA the BAR1 space allocates (once; later calls return a view of the same VA) and returns the
 * aperture's bytes at that VA; the mapping lasts until the block is freed ({@link #free},
 * {@link #freeAll}), as a nouveau buffer object keeps its BAR1 VMA until it is destroyed. What a
 * block's owner reads and writes through the view is what the GPU's MMU translates, not a
 * linear window, so a block need not lie in the first BAR1-size bytes of VRAM; BAR1's VA space
 * can run out instead (ENOSPC).
 *
 * <p>Ownership: the buddy manager and the BAR1 space stay the binding's (it closes the space and
 * revokes the buddy); this class owns the VA of each mapped block. Thread-safe.
 */
public final class Bar1VramManager implements VramManager {
    private static final Logger LOG = LoggerFactory.getLogger(Bar1VramManager.class);

    private final BuddyVramManager vram;
    private final Bar1Space bar1;
    private final MemorySegment aperture;
    /** Mapped blocks and their BAR1 VA. Guarded by this. */
    private final Map<VramBlock, Long> mapped = new IdentityHashMap<>();

    /**
     * @param vram the GPU's buddy manager (tables and blocks come from it)
     * @param bar1 BAR1's VA space over {@code vram}
     * @param aperture the CPU's mapping of the whole of BAR1 (offset = BAR1 VA)
     */
    public Bar1VramManager(BuddyVramManager vram, Bar1Space bar1, MemorySegment aperture) {
        this.vram = vram;
        this.bar1 = bar1;
        this.aperture = aperture;
    }

    /** @return the BAR1 space the views come from */
    public Bar1Space bar1() {
        return bar1;
    }

    /** @return the buddy manager behind this one */
    public BuddyVramManager buddy() {
        return vram;
    }

    /** @return the BAR1 VA of a mapped block, or -1 */
    public synchronized long vaOf(VramBlock block) {
        Long va = mapped.get(block);
        return va == null ? -1 : va;
    }

    @Override
    public String gpu() {
        return vram.gpu();
    }

    @Override
    public long total() {
        return vram.total();
    }

    @Override
    public long available() {
        return vram.available();
    }

    @Override
    public VramBlock allocate(long size, String owner) {
        return vram.allocate(size, owner);
    }

    @Override
    public VramBlock allocateBelow(long size, String owner, long limit) {
        return vram.allocateBelow(size, owner, limit);
    }

    @Override
    public VramBlock allocateAt(long offset, long size, String owner) {
        return vram.allocateAt(offset, size, owner);
    }

    @Override
    public boolean isFree(long offset, long size) {
        return vram.isFree(offset, size);
    }

    @Override
    public long cpuVisibleSize() {
        return aperture.byteSize();
    }

    /**
     * @throws DriverException EINVAL for a block not allocated here; ENXIO without a BAR1
     *     mapping; ENOSPC when BAR1's VA space (or VRAM for its tables) is exhausted; ENODEV
     *     after the BAR1 space was torn down. Nothing is mapped on error.
     */
    @Override
    public synchronized MemorySegment map(VramBlock block) {
        return map(block, false);
    }

    /**
     * Maps as {@link #map} does, inside BAR1's kernel carve-out ({@link Bar1Space#mapKernel}): for
     * the buffers nova.core fills for GSP-RM (the vGPU plugin heaps).
     *
     * @throws DriverException as {@link #map}; ENOSPC also when the carve-out is full
     */
    public synchronized MemorySegment mapKernel(VramBlock block) {
        return map(block, true);
    }

    private MemorySegment map(VramBlock block, boolean kernel) {
        if (block == null || block.allocator() != vram.allocator() || !block.isAllocated()) {
            throw new DriverException(Errno.EINVAL, gpu() + ": " + block + " is not an allocated block of this GPU");
        }
        if (aperture.byteSize() == 0) {
            throw new DriverException(Errno.ENXIO, gpu() + ": no CPU mapping of BAR1");
        }
        Long va = mapped.get(block);
        if (va == null) {
            String owner = block.owner() == null ? "?" : block.owner();
            try {
                va = kernel ? bar1.mapKernel(block, owner, false) : bar1.map(block, owner, false);
            } catch (DriverException e) {
                throw new DriverException(e.errno(), String.format("%s: no BAR1 mapping for %s: %s", gpu(), block,
                        e.getMessage()), e);
            }
            mapped.put(block, va);
        }
        return aperture.asSlice(va, block.size());
    }

    @Override
    public void free(VramBlock block) {
        unmapQuietly(block);
        vram.free(block);
    }

    @Override
    public long freeAll(String owner) {
        List<VramBlock> theirs = new ArrayList<>();
        synchronized (this) {
            for (VramBlock b : mapped.keySet()) {
                if (owner.equals(b.owner())) {
                    theirs.add(b);
                }
            }
        }
        theirs.forEach(this::unmapQuietly);
        return vram.freeAll(owner);
    }

    /**
     * Drops the block's BAR1 mapping before its VRAM is reused. A GPU that no longer answers (hot
     * removal) cannot have its PTEs cleared: the VA is forgotten and the space's teardown frees
     * the tables.
     */
    private synchronized void unmapQuietly(VramBlock block) {
        Long va = mapped.remove(block);
        if (va == null) {
            return;
        }
        try {
            bar1.unmap(va);
        } catch (RuntimeException e) {
            LOG.warn("{}: unmapping {} from BAR1 0x{} failed: {}", gpu(), block, Long.toHexString(va), e.getMessage());
        }
    }

    @Override
    public Map<String, Long> usageByOwner() {
        return vram.usageByOwner();
    }

    @Override
    public BuddyStats stats() {
        return vram.stats();
    }

    @Override
    public void revoke() {
        vram.revoke();
    }

    @Override
    public boolean isRevoked() {
        return vram.isRevoked();
    }
}
