package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.PCI_MSIX_ENTRY_CTRL_MASKBIT;
import static org.nova.hw.pci.PciRegs.PCI_MSIX_ENTRY_SIZE;
import static org.nova.hw.pci.PciRegs.PCI_MSIX_ENTRY_VECTOR_CTRL;

import java.util.Arrays;

/**
 * The MSI-X vector table and pending bit array of a function (PCI Local Bus Spec 3.0, 6.8.2):
 * 16-byte entries {address low, address high, data, vector control}, and one pending bit per
 * vector. Lives in a BAR; {@link MsixOverlay} routes BAR accesses here. Guarded by the
 * function's lock.
 */
final class MsixTable {
    /** Mask of an unsigned byte. */
    private static final int BYTE_MASK = 0xff;

    private final byte[] table;
    private final long[] pba;
    private final int size;

    /** @param size number of vectors */
    MsixTable(int size) {
        this.size = size;
        this.table = new byte[size * PCI_MSIX_ENTRY_SIZE];
        this.pba = new long[(int) (MsixCapability.pbaBytes(size) / Long.BYTES)];
        reset();
    }

    /** Power-on state: every vector masked (PCI Local Bus Spec 3.0, 6.8.2.9), nothing pending. */
    void reset() {
        Arrays.fill(table, (byte) 0);
        Arrays.fill(pba, 0);
        for (int v = 0; v < size; v++) {
            table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
        }
    }

    /** @return the number of vectors */
    int size() {
        return size;
    }

    /** @return table bytes */
    long tableBytes() {
        return table.length;
    }

    /** @return PBA bytes */
    long pbaBytes() {
        return (long) pba.length * Long.BYTES;
    }

    /** Reads size bytes of the table at offset, little-endian. */
    long readTable(long offset, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << Byte.SIZE | (table[(int) offset + i] & BYTE_MASK);
        }
        return v;
    }

    /** Writes size bytes of the table at offset, little-endian. */
    void writeTable(long offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            table[(int) offset + i] = (byte) (value >>> (i * Byte.SIZE));
        }
    }

    /** Reads size bytes of the PBA at offset. */
    long readPba(long offset, int width) {
        long word = pba[(int) (offset / Long.BYTES)];
        int shift = (int) (offset % Long.BYTES) * Byte.SIZE;
        return width == Long.BYTES ? word : (word >>> shift) & Region.allOnes(width);
    }

    /** @return whether the entry's mask bit is set */
    boolean masked(int vector) {
        return (table[vector * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT) != 0;
    }

    /** Sets or clears the entry's mask bit. */
    void setMasked(int vector, boolean masked) {
        int at = vector * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL;
        table[at] = (byte) (masked ? table[at] | PCI_MSIX_ENTRY_CTRL_MASKBIT : table[at] & ~PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }

    /** @return whether the vector is pending */
    boolean pending(int vector) {
        return (pba[vector / Long.SIZE] & (1L << (vector % Long.SIZE))) != 0;
    }

    /** Sets or clears the pending bit. */
    void setPending(int vector, boolean pending) {
        long bit = 1L << (vector % Long.SIZE);
        pba[vector / Long.SIZE] = pending ? pba[vector / Long.SIZE] | bit : pba[vector / Long.SIZE] & ~bit;
    }
}
