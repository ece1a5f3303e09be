package org.nova.bus.pci;

/**
 * One DMA segment of a mapped scatterlist ({@code sg_dma_address}, {@code sg_dma_len} of
 * include/linux/scatterlist.h): where the
 * device finds a run of the table's bytes. Coalescing through the IOMMU may make one segment of
 * several table entries.
 *
 * @param address the bus (I/O virtual) address the device uses
 * @param length  bytes, at least 1, at most the device's max segment size
 */
public record DmaSegment(long address, long length) {
    @Override
    public String toString() {
        return "0x" + Long.toHexString(address) + "+" + length;
    }
}
