package org.nova.hw;

/**
 * Which way the device may move data through a DMA mapping (enum dma_data_direction in
 * include/linux/dma-direction.h; VFIO_DMA_MAP_FLAG_READ / _WRITE in include/uapi/linux/vfio.h).
 */
public enum DmaDirection {
    /** The device reads host memory (DMA_TO_DEVICE; IOMMU read permission). */
    TO_DEVICE,
    /** The device writes host memory (DMA_FROM_DEVICE; IOMMU write permission). */
    FROM_DEVICE
}
