package org.nova.bus.pci;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A scatter-gather table mapped for one device ({@code dma_map_sgtable}; Rust's
 * {@code SGTable<Owned>}, rust/kernel/scatterlist.rs), through the device's IOMMU as
 * drivers/iommu/dma-iommu.c {@code iommu_dma_map_sg} does it: one IOVA range for the whole table,
 * and {@link #segments()} the DMA segments the device should be given, fewer than the table's
 * entries where entries meet on page boundaries and the device's max segment size and segment
 * boundary allow them to be coalesced.
 *
 * <p><b>Ownership and direction.</b> The device may use the memory only as {@link #direction()}
 * allows (the IOMMU refuses the rest), between the mapping and {@link #close()}; the CPU owns the
 * memory again after {@link #syncForCpu} and gives it back with {@link #syncForDevice}. Both
 * backends are cache-coherent for DMA (x86-64 through VFIO; the simulator), where the kernel's
 * sync calls only order memory; these calls do that, and check what the kernel checks.
 *
 * <p>A device resource of the binding: unmapped at unbind at the latest, before the pages it maps
 * are freed; {@link #close()} ({@code dma_unmap_sgtable}, with the mapping's own direction) unmaps
 * it earlier. Once unmapped, the device's accesses to its addresses fault.
 */
@ProviderType
public interface DmaSgMapping extends AutoCloseable {
    /** @return the table that was mapped */
    SgTable table();

    /** @return the direction it was mapped for */
    DmaDataDirection direction();

    /** @return the number of DMA segments ({@code dma_map_sg}'s return value, {@code sgt->nents}) */
    default int count() {
        return segments().size();
    }

    /** @return the DMA segments, in order; their lengths add up to the table's size */
    List<DmaSegment> segments();

    /**
     * {@code dma_sync_sgtable_for_cpu}: the CPU takes the memory back to read what the device
     * wrote (or to change it before the next transfer).
     *
     * @param direction the mapping's own direction; a {@link DmaDataDirection#BIDIRECTIONAL}
     *     mapping may be synced in any direction
     * @throws org.nova.driver.DriverException EINVAL for a null direction (DMA_NONE, which the
     *     kernel meets with BUG_ON), for a direction other than the mapping's (the kernel's
     *     CONFIG_DMA_API_DEBUG only warns, "device driver syncs DMA memory with different
     *     direction"; refused here), or once the mapping is unmapped (the kernel's debug warns,
     *     "device driver tries to sync DMA memory it has not allocated")
     */
    void syncForCpu(DmaDataDirection direction);

    /**
     * {@code dma_sync_sgtable_for_device}: the device gets the memory back, with what the CPU wrote.
     *
     * @throws org.nova.driver.DriverException as {@link #syncForCpu}
     */
    void syncForDevice(DmaDataDirection direction);

    /** {@code dma_unmap_sgtable}: unmaps the table and frees its IOVA range; idempotent. */
    @Override
    void close();
}
