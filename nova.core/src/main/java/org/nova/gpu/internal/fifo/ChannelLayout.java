package org.nova.gpu.internal.fifo;

import org.nova.nvidia.fifo.HostMethods;
import org.nova.nvidia.mmu.Ramin;

/**
 * Where a channel's objects lie in its one VRAM block, and at which VAs its space sees them:
 * the instance block first (RAMFC then the page-directory words, {@link Ramin}; not mapped), the
 * USERD page (USERD, then the completion semaphore), the GPFIFO ring, then the completion slots:
 * one small pushbuffer per submission in flight (a semaphore release of its sequence number and a
 * non-stall interrupt). A submission takes at least two ring entries, so at most
 * {@code entries / 2} are in flight and a slot is never rewritten before the host fetched it.
 *
 * @param entries the ring's size in GPFIFO entries
 */
record ChannelLayout(int entries) {
    static final int PAGE = 1 << 12;
    /** The instance block, at the block's start. */
    static final long INST = 0;
    /** USERD, a page after the instance block. */
    static final long USERD = INST + Ramin.SIZE;
    /** The completion semaphore, after USERD in its page (32 bits: SEMAPHORED RELEASE_SIZE_4BYTE). */
    static final long SEMAPHORE = USERD + HostMethods.USERD_SIZE;
    /** The ring, in the page after USERD's. */
    static final long RING = USERD + PAGE;
    /** Words of one completion pushbuffer: SEMAPHOREA..D (a header and four words), NON_STALL_INTERRUPT (two). */
    static final int SLOT_WORDS = 7;
    /** Bytes of a slot (a power of two holding {@link #SLOT_WORDS} words). */
    static final int SLOT_BYTES = 32;

    /** @return the completion slots */
    int slots() {
        return entries / 2;
    }

    /** @return the offset of the first completion slot in the block */
    long slotsAt() {
        return RING + pageUp((long) entries * HostMethods.GP_ENTRY_SIZE);
    }

    /** @return the block's size */
    long blockSize() {
        return slotsAt() + pageUp((long) slots() * SLOT_BYTES);
    }

    /** @return the bytes mapped in the space: everything from USERD on */
    long mappedSize() {
        return blockSize() - USERD;
    }

    /** @return the VA of block offset {@code off} (>= USERD) when the mapping starts at {@code va} */
    static long vaOf(long va, long off) {
        return va + off - USERD;
    }

    private static long pageUp(long n) {
        return (n + PAGE - 1) & -PAGE;
    }
}
