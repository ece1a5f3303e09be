package org.nova.hw.sim.gpu;

import java.util.HashMap;
import java.util.Map;
import org.nova.nvidia.mmu.MmuV2;

/**
 * The GPU MMU's TLB: translations the walker found, kept per page directory and page until the
 * driver invalidates them ({@code NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE}, {@link SimMmuRegs}).
 * A change to the page tables is therefore not seen by an address already translated until the
 * invalidate sequence runs — a driver that forgets it reads stale memory here as on hardware.
 * Faults are not cached (the next access walks again). When full, the TLB empties itself: an
 * eviction can only make it less stale, never show a mapping that was not there.
 *
 * <p>Called with the function's lock held.
 */
final class SimTlb {
    /** Entries kept before the TLB empties itself (a hub TLB holds far fewer; the number only bounds memory). */
    static final int CAPACITY = 1 << 16;

    /** A cached translation: the page's physical base and the PTE that mapped it. */
    record Entry(long pageBase, int pageShift, long pte) {
    }

    private record Key(long pdb, long vaPage, int shift) {
    }

    private final Map<Key, Entry> entries = new HashMap<>();
    private long invalidates;

    /** @return the cached translation of {@code va} in the space of page directory {@code pdb}, or null */
    Entry lookup(long pdb, long va) {
        if (entries.isEmpty()) {
            return null;
        }
        for (int shift : new int[] {MmuV2.PAGE_SHIFT_4K, MmuV2.PAGE_SHIFT_64K, MmuV2.PAGE_SHIFT_2M}) {
            Entry e = entries.get(new Key(pdb, va >>> shift, shift));
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    void fill(long pdb, long va, Entry e) {
        if (entries.size() >= CAPACITY) {
            entries.clear();
        }
        entries.put(new Key(pdb, va >>> e.pageShift(), e.pageShift()), e);
    }

    /** Drops every translation of page directory {@code pdb}. */
    void invalidate(long pdb) {
        entries.keySet().removeIf(k -> k.pdb() == pdb);
        invalidates++;
    }

    /** Drops everything. */
    void invalidateAll() {
        entries.clear();
        invalidates++;
    }

    /** @return the cached translations */
    int size() {
        return entries.size();
    }

    /** @return invalidates performed */
    long invalidates() {
        return invalidates;
    }
}
