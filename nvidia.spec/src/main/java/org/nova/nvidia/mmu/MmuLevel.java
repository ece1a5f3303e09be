package org.nova.nvidia.mmu;

/**
 * One level of a GPU page-table walk: which VA bits index its table, how large its entries are,
 * and whether they are dual (a big-page and a small-page half). Immutable.
 *
 * @param name the level's name in the headers and nouveau ({@code "PD3"}, {@code "PD0"}, {@code "PT"})
 * @param shift the lowest VA bit of this level's index
 * @param bits how many VA bits index the table
 * @param entrySize bytes per entry (8, or 16 for a dual PDE)
 * @param dual whether entries are dual PDEs
 */
public record MmuLevel(String name, int shift, int bits, int entrySize, boolean dual) {
    /** @return the number of entries of one table */
    public int entries() {
        return 1 << bits;
    }

    /** @return the bytes of one table */
    public int tableBytes() {
        return entries() * entrySize;
    }

    /** @return bytes of VA one entry covers */
    public long entrySpan() {
        return 1L << shift;
    }

    /**
     * @param va a virtual address
     * @return the index of {@code va}'s entry in this level's table
     */
    public int index(long va) {
        return (int) ((va >>> shift) & ((1L << bits) - 1));
    }
}
