package org.nova.gpu.vm;

import java.util.List;
import org.nova.bus.pci.DmaSegment;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One GPU virtual address space (nouveau's {@code nvif_vmm}): an instance block naming page
 * tables in VRAM in the chip's MMU format (version 2 on Turing to Ada, 3 on Hopper and Blackwell), written by nova.core; each change is followed by a TLB invalidate of the
 * space before the call returns, so the GPU never uses a stale translation. Every mapping uses
 * the largest pages its VA and PA alignment allow (2 MiB, 64 KiB, 4 KiB). Pages are VRAM
 * ({@link #map}) or system memory the GPU reaches by DMA ({@link #mapSysmem}: the PTE's system
 * memory aperture, coherent or not, with the page's DMA address).
 *
 * <p>Ownership: the space belongs to whoever {@link GpuVmManager#create created} it and is closed
 * by it; the tables and the instance block are nova.core's (charged to the creator's owner name)
 * and go back to VRAM at {@link #close}. Mapped VRAM blocks stay their owners': the space only
 * points at them, and the owner unmaps them before freeing them. The same holds for system
 * memory: the DMA buffers (a coherent allocation, a mapped scatterlist of the GPU's PciDevice)
 * stay the caller's, who unmaps them here before freeing or unmapping them from the device —
 * otherwise the GPU would reach freed memory (the simulated IOMMU refuses it). When the GPU unbinds the space is
 * force-closed (everything unmapped, tables freed); afterwards every call but {@link #close} and
 * the read-only ones fails with ENODEV. On any error a call changes nothing. Thread-safe.
 */
@ProviderType
public interface GpuVm extends AutoCloseable {
    /** @return the owner name the tables are charged to */
    String owner();

    /** @return bytes of VA the space spans from 0 */
    long vaSize();

    /**
     * @return the VRAM address of the instance block: what a channel (or a test's simulated MMU)
     *     is pointed at to translate in this space
     */
    long instBlock();

    /** @return the VRAM address of the root page directory (what the TLB invalidate names) */
    long pageDirectory();

    /**
     * Maps {@code range} bytes of {@code block} from {@code offset} at {@code va}.
     *
     * @param va 4 KiB aligned; [va, va + range) inside the space and wholly unmapped
     * @param block an allocated VRAM block (of the GPU's VRAM manager)
     * @param offset 4 KiB aligned, below the block's size
     * @param range a multiple of 4 KiB, &gt; 0, at most the block's size minus {@code offset}
     * @param writable false: GPU writes through the mapping fault
     * @throws org.nova.driver.DriverException EINVAL for misalignment, a range outside the space
     *     or the block, a block that is not allocated; EEXIST if part of [va, va + range) is
     *     mapped; ENOSPC when no VRAM is left for a page table; ENODEV once closed
     */
    void map(long va, VramBlock block, long offset, long range, boolean writable);

    /**
     * Maps system memory at {@code va}: the DMA segments one after the other (segment 0 at
     * {@code va}, segment 1 right after it, ...), each with the largest pages its VA and DMA
     * address alignment allow (segments that are contiguous in DMA space are mapped as one). The
     * PTEs carry the aperture nouveau's vmmgp100.c gives the memory: SYSTEM_COHERENT_MEMORY with
     * VOL for coherent (snooped) memory, SYSTEM_NON_COHERENT_MEMORY otherwise. Unmapped (and
     * split) by {@link #unmap} like VRAM mappings.
     *
     * @param va 4 KiB aligned; [va, va + total) inside the space and wholly unmapped
     * @param segments DMA addresses of the GPU's PciDevice (its IOMMU domain), each address and
     *     length 4 KiB aligned and &gt; 0; not empty. They stay the caller's.
     * @param coherent whether the memory is coherent (a {@code DmaCoherent}, or a scatterlist the
     *     caller keeps in sync)
     * @param writable false: GPU writes through the mapping fault
     * @throws org.nova.driver.DriverException EINVAL for misalignment, an empty list or a range
     *     outside the space; EEXIST if part of the range is mapped; ENOSPC when no VRAM is left for
     *     a page table; ENODEV once closed. Nothing is mapped on error.
     * @since 1.1
     */
    void mapSysmem(long va, List<DmaSegment> segments, boolean coherent, boolean writable);

    /**
     * Maps {@code range} bytes of a GPU system-memory buffer from {@code offset} at {@code va}:
     * {@link #mapSysmem(long, List, boolean, boolean)} of that part of the buffer's one DMA range,
     * coherent (a {@link SysmemBuffer} is a coherent allocation). The buffer stays the caller's, who
     * unmaps it before closing it.
     *
     * @param offset 4 KiB aligned, below the buffer's size
     * @param range a multiple of 4 KiB, &gt; 0, at most the buffer's size minus {@code offset}
     * @throws org.nova.driver.DriverException EINVAL for an offset or range outside the buffer,
     *     then as {@link #mapSysmem(long, List, boolean, boolean)}
     * @since 1.1
     */
    default void mapSysmem(long va, SysmemBuffer buffer, long offset, long range, boolean writable) {
        if (offset < 0 || range <= 0 || offset > buffer.size() - range) {
            throw new DriverException(Errno.EINVAL, String.format("map [0x%x, +0x%x) of %s: outside its 0x%x bytes",
                    offset, range, buffer, buffer.size()));
        }
        mapSysmem(va, List.of(new DmaSegment(buffer.dmaAddress() + offset, range)), true, writable);
    }

    /**
     * Unmaps whatever is mapped in [va, va + range): a mapping wholly inside goes, one that
     * straddles an end keeps its part outside (its pages re-laid out with the pages that fit the
     * remaining piece), VAs not mapped are skipped (DRM GPUVM's sm_unmap).
     *
     * @param va 4 KiB aligned
     * @param range a multiple of 4 KiB, &gt; 0, inside the space
     * @return the bytes that were mapped in the range
     * @throws org.nova.driver.DriverException EINVAL for misalignment or a range outside the
     *     space; ENOSPC when re-laying a remaining piece needs a table VRAM cannot hold (the
     *     space is then as before); ENODEV once closed
     */
    long unmap(long va, long range);

    /**
     * Reserves [va, va + range) as a sparse range: every page in it that maps nothing holds the
     * MMU's sparse encoding (vmmgp100.c: VALID clear + VOL in a PTE, VOL_BIG in a dual PDE for a
     * whole unmapped 2 MiB), so a GPU read there returns zero and a write is dropped, without a
     * fault; a VA outside every sparse range and unmapped still faults. Mapping inside the range
     * replaces the sparse entries; {@link #unmap} inside it restores them. Whole 256 GiB and
     * 512 MiB directory entries are single sparse entries, so the tables it costs are those around
     * its ends and around what is mapped in it.
     *
     * @throws org.nova.driver.DriverException EINVAL for misalignment or a range outside the
     *     space; EEXIST if it overlaps another sparse range; ENOSPC when VRAM cannot hold the
     *     tables (nothing changed); ENODEV once closed
     */
    void reserveSparse(long va, long range);

    /**
     * Drops the sparse range [va, va + range) exactly as reserved, unmapping whatever is mapped
     * in it: its VAs fault again.
     *
     * @throws org.nova.driver.DriverException ENOENT if no sparse range is exactly that; ENODEV once closed
     */
    void unreserveSparse(long va, long range);

    /** @return the mappings, by VA */
    List<VmMapping> mappings();

    /** @return the sparse ranges, by VA */
    List<VmRange> sparseRanges();

    /** @return the page tables (directories included) allocated now */
    int tables();

    /**
     * Translates {@code va} by reading the space's tables in VRAM, as the GPU's MMU would.
     *
     * @throws org.nova.driver.DriverException ENODEV once closed
     */
    VmWalk walk(long va);

    /** @return true once closed (by its owner or because the GPU unbound) */
    boolean isClosed();

    /**
     * Unmaps everything, invalidates, and gives the tables and the instance block back to VRAM.
     * Idempotent; never fails for the caller (a hardware error is logged by nova.core).
     */
    @Override
    void close();
}
