package org.nova.gpu.vram;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.nova.bus.pci.DmaSegment;
import org.nova.bus.pci.SgTable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.annotation.versioning.ProviderType;

/**
 * System memory the GPU reaches by DMA, allocated by {@link GpuSysmem#allocate}: a coherent DMA
 * buffer of the GPU's PciDevice ({@code dma_alloc_coherent}), which the caller maps into GPU VA
 * spaces ({@code GpuVm.mapSysmem(va, segments(), true, ...)}) and reads and writes from the CPU
 * through {@link #memory()}.
 *
 * <p>Ownership: the caller's, who {@link #close closes} it after unmapping it from every GPU VA
 * space (a GPU access after the close is refused by the IOMMU). When the GPU unbinds, nova.core
 * closes whatever is left ({@link GpuSysmem#revoke}); from then on {@link #memory()} is
 * inaccessible (an access throws IllegalStateException) and {@link #isFreed()} is true.
 */
@ProviderType
public interface SysmemBuffer extends AutoCloseable {
    /** @return the DMA address the GPU uses (4 KiB aligned), valid until freed */
    long dmaAddress();

    /** @return the size in bytes, a multiple of 4 KiB */
    long size();

    /** @return who the buffer is charged to */
    String owner();

    /** @return the CPU view, {@link #size()} bytes, zeroed at allocation */
    MemorySegment memory();

    /** @return the buffer as DMA segments (one: a coherent allocation is contiguous in DMA space) */
    default List<DmaSegment> segments() {
        return List.of(new DmaSegment(dmaAddress(), size()));
    }

    /**
     * {@code dma_get_sgtable}: the buffer's first {@code size} bytes as a scatter-gather table of
     * its pages — one coherent allocation, so they merge into entries of at most
     * {@link SgTable#DEFAULT_MAX_SEGMENT} bytes — for a device importing the memory, which maps it
     * with its own {@code PciDevice.dmaMapSg}. This is how an exported GEM object in system memory
     * is a scatterlist source (nova-drm's {@code DmaBuf.sysmem()}).
     *
     * <p>Ownership: the table owns nothing; the pages are the buffer's and stay allocated while the
     * buffer is, so an importer unmaps its mapping of the table before the buffer's owner frees it.
     *
     * @param size bytes from the start, 1 ≤ size ≤ {@link #size()}
     * @return the table
     * @throws DriverException EINVAL for a size outside the buffer; ENODEV once freed
     * @since 1.5
     */
    default SgTable sgTable(long size) {
        if (size < 1 || size > size()) {
            throw new DriverException(Errno.EINVAL, "sg table of " + size + " bytes of " + this + ": outside its "
                    + size() + " bytes");
        }
        MemorySegment mem;
        try {
            mem = memory();
            int n = (int) ((size + SgTable.PAGE_SIZE - 1) / SgTable.PAGE_SIZE);
            List<MemorySegment> pages = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                pages.add(mem.asSlice(i * SgTable.PAGE_SIZE, SgTable.PAGE_SIZE));
            }
            return SgTable.fromPages(pages, 0, size);
        } catch (IllegalStateException e) {
            throw new DriverException(Errno.ENODEV, this + " was freed");
        }
    }

    /** @return true once closed (by the owner or by the GPU's unbind) */
    boolean isFreed();

    /** Frees the buffer (unmaps it from the device's IOMMU domain); idempotent. */
    @Override
    void close();
}
