package org.nova.gpu.vram;

import java.lang.foreign.MemorySegment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * The {@link VramManager} nova.core registers for each bound GPU: a {@link BuddyAllocator} with
 * per-owner accounting. Thread-safe (one lock, the allocator's).
 */
public final class BuddyVramManager implements VramManager {
    private final String gpu;
    private final BuddyAllocator buddy;
    private final Map<String, Set<VramBlock>> byOwner = new HashMap<>();
    private final MemorySegment aperture;
    private volatile boolean revoked;

    /**
     * @param gpu the GPU's PCI device name
     * @param buddy the allocator over the GPU's usable VRAM (e.g. the framebuffer below the
     *     firmware's reserved regions); owned by this manager from now on
     * @param aperture the CPU mapping of VRAM offsets [0, aperture size) (BAR1), or
     *     {@link MemorySegment#NULL}; owned by the GPU's binding, not by this manager
     */
    public BuddyVramManager(String gpu, BuddyAllocator buddy, MemorySegment aperture) {
        this.gpu = gpu;
        this.buddy = buddy;
        this.aperture = aperture == null ? MemorySegment.NULL : aperture;
    }

    /** A manager over {@code [base, base + size)} with 4 KiB chunks and no CPU aperture. */
    public static BuddyVramManager of(String gpu, long base, long size) {
        return of(gpu, base, size, MemorySegment.NULL);
    }

    /** A manager over {@code [base, base + size)} with 4 KiB chunks, the CPU reaching VRAM through {@code aperture}. */
    public static BuddyVramManager of(String gpu, long base, long size, MemorySegment aperture) {
        return new BuddyVramManager(gpu, new BuddyAllocator(gpu, List.of(new BuddyAllocator.Zone(base, size)),
                BuddyAllocator.MIN_CHUNK), aperture);
    }

    @Override
    public long cpuVisibleSize() {
        return aperture.byteSize();
    }

    @Override
    public MemorySegment map(VramBlock block) {
        synchronized (buddy) {
            if (block == null || block.allocator != buddy || !block.isAllocated()) {
                throw new DriverException(Errno.EINVAL, gpu + ": " + block + " is not an allocated block of this GPU");
            }
        }
        if (aperture.byteSize() == 0) {
            throw new DriverException(Errno.ENXIO, gpu + ": no CPU aperture onto VRAM (BAR1 is not mappable)");
        }
        if (block.offset() > aperture.byteSize() - block.size()) {
            throw new DriverException(Errno.ENXIO, String.format("%s: VRAM block 0x%x+0x%x lies beyond the CPU-visible "
                    + "0x%x bytes (BAR1)", gpu, block.offset(), block.size(), aperture.byteSize()));
        }
        return aperture.asSlice(block.offset(), block.size());
    }

    /** @return the allocator behind this manager */
    public BuddyAllocator allocator() {
        return buddy;
    }

    @Override
    public String gpu() {
        return gpu;
    }

    @Override
    public long total() {
        return buddy.total();
    }

    @Override
    public long available() {
        return buddy.free();
    }

    @Override
    public VramBlock allocate(long size, String owner) {
        return allocateBelow(size, owner, Long.MAX_VALUE);
    }

    @Override
    public VramBlock allocateBelow(long size, String owner, long limit) {
        if (owner == null) {
            throw new DriverException(Errno.EINVAL, gpu + ": VRAM allocation without an owner");
        }
        synchronized (buddy) {
            if (revoked) {
                throw new DriverException(Errno.ENODEV, gpu + ": VRAM manager revoked (GPU unbound)");
            }
            VramBlock b = buddy.allocateBelow(size, owner, limit);
            byOwner.computeIfAbsent(owner, k -> new LinkedHashSet<>()).add(b);
            return b;
        }
    }

    @Override
    public VramBlock allocateAt(long offset, long size, String owner) {
        if (owner == null) {
            throw new DriverException(Errno.EINVAL, gpu + ": VRAM allocation without an owner");
        }
        synchronized (buddy) {
            if (revoked) {
                throw new DriverException(Errno.ENODEV, gpu + ": VRAM manager revoked (GPU unbound)");
            }
            VramBlock b = buddy.allocateAt(offset, size, owner);
            byOwner.computeIfAbsent(owner, k -> new LinkedHashSet<>()).add(b);
            return b;
        }
    }

    @Override
    public boolean isFree(long offset, long size) {
        synchronized (buddy) {
            return !revoked && buddy.isFree(offset, size);
        }
    }

    @Override
    public void free(VramBlock block) {
        synchronized (buddy) {
            String owner = block == null ? null : block.owner;
            buddy.free(block);
            Set<VramBlock> s = byOwner.get(owner);
            if (s != null) {
                s.remove(block);
                if (s.isEmpty()) {
                    byOwner.remove(owner);
                }
            }
        }
    }

    @Override
    public long freeAll(String owner) {
        synchronized (buddy) {
            Set<VramBlock> s = byOwner.remove(owner);
            if (s == null) {
                return 0;
            }
            long n = 0;
            for (VramBlock b : new ArrayList<>(s)) {
                n += b.size();
                buddy.free(b);
            }
            return n;
        }
    }

    @Override
    public Map<String, Long> usageByOwner() {
        synchronized (buddy) {
            Map<String, Long> m = new HashMap<>();
            byOwner.forEach((o, s) -> m.put(o, s.stream().mapToLong(VramBlock::size).sum()));
            return Map.copyOf(m);
        }
    }

    @Override
    public BuddyStats stats() {
        return buddy.stats();
    }

    @Override
    public void revoke() {
        synchronized (buddy) {
            revoked = true;
        }
    }

    @Override
    public boolean isRevoked() {
        return revoked;
    }

    @Override
    public String toString() {
        return "BuddyVramManager[" + gpu + ", " + buddy.stats() + "]";
    }
}
