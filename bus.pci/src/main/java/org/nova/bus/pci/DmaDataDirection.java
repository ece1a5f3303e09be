package org.nova.bus.pci;

/**
 * Which way the data of a DMA buffer flows, the kernel's {@code enum dma_data_direction}
 * (include/linux/dma-direction.h) without {@code DMA_NONE}, which no buffer can have. The IOMMU
 * enforces it: the device may read a {@link #TO_DEVICE} buffer and never write it, and the other
 * way round for {@link #FROM_DEVICE}.
 */
public enum DmaDataDirection {
    /** {@code DMA_BIDIRECTIONAL}: the device reads and writes the buffer. */
    BIDIRECTIONAL,
    /** {@code DMA_TO_DEVICE}: the CPU fills the buffer, the device only reads it. */
    TO_DEVICE,
    /** {@code DMA_FROM_DEVICE}: the device fills the buffer, the CPU only reads it. */
    FROM_DEVICE
}
