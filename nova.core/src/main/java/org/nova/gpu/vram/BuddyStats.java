package org.nova.gpu.vram;

import java.util.Arrays;

/**
 * A snapshot of a {@link BuddyAllocator}'s state, as {@code drm_buddy_print} shows it.
 *
 * @param chunkSize the minimum block size in bytes
 * @param total the managed size in bytes (the zones' sizes rounded down to the chunk size)
 * @param free the free bytes
 * @param allocated the allocated bytes (always {@code total - free})
 * @param allocatedBlocks how many blocks are allocated
 * @param largestFree the largest free block in bytes, 0 if none
 * @param freeBlocksPerOrder the number of free blocks of each order (index = order)
 */
public record BuddyStats(long chunkSize, long total, long free, long allocated, long allocatedBlocks,
        long largestFree, long[] freeBlocksPerOrder) {

    public BuddyStats {
        freeBlocksPerOrder = freeBlocksPerOrder.clone();
    }

    @Override
    public long[] freeBlocksPerOrder() {
        return freeBlocksPerOrder.clone();
    }

    /**
     * @return the external fragmentation, 1 − largest free block / free bytes (0 when all the free
     *     memory is one block or nothing is free)
     */
    public double fragmentation() {
        return free == 0 ? 0.0 : 1.0 - (double) largestFree / free;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BuddyStats s && s.chunkSize == chunkSize && s.total == total && s.free == free
                && s.allocated == allocated && s.allocatedBlocks == allocatedBlocks && s.largestFree == largestFree
                && Arrays.equals(s.freeBlocksPerOrder, freeBlocksPerOrder);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(total) * 31 + Long.hashCode(free) * 17 + Arrays.hashCode(freeBlocksPerOrder);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(
                "total %#x free %#x allocated %#x (%d blocks) largest free %#x fragmentation %.3f; free per order:",
                total, free, allocated, allocatedBlocks, largestFree, fragmentation()));
        for (int o = 0; o < freeBlocksPerOrder.length; o++) {
            if (freeBlocksPerOrder[o] != 0) {
                sb.append(' ').append(o).append(':').append(freeBlocksPerOrder[o]);
            }
        }
        return sb.toString();
    }
}
