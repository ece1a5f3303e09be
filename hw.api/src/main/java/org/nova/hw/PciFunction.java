package org.nova.hw;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.nova.hw.pci.PciAddress;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One PCI function behind a {@link HostBridge}: its config space, regions, interrupts, DMA,
 * reset and SR-IOV, with the semantics of the hardware and of Linux VFIO.
 *
 * <p>Lifetime: a function is present from its functionAdded until its functionRemoved (hot
 * remove, SR-IOV disable, bridge going away). After removal every operation except the
 * identity queries ({@link #address()}, {@link #bridge()}, {@link #isPresent()}, {@link #model()},
 * {@link #configSize()}, {@link #physfn()}, {@link #iommuFaults()}) throws ENODEV, and existing
 * mappings and IRQ sets are dead.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
@ProviderType
public interface PciFunction {

    /** @return the function's address */
    PciAddress address();

    /** @return the bridge the function is behind */
    HostBridge bridge();

    /** @return false once the function was removed */
    boolean isPresent();

    /** @return a short description of the device, e.g. "QEMU edu" */
    String model();

    // ---- config space ------------------------------------------------------------------------

    /** @return 256 (conventional PCI) or 4096 (PCI Express extended config space) */
    int configSize();

    /**
     * Reads config space, little-endian.
     *
     * @param offset byte offset, naturally aligned to width
     * @param width  1, 2 or 4
     * @return the value, zero-extended
     * @throws HwException EINVAL for a bad width or a misaligned offset, ERANGE beyond
     *                     {@link #configSize()}, ENODEV after removal
     */
    int readConfig(int offset, int width);

    /**
     * Reads a block of config space at once, as the kernel's sysfs {@code config} attribute and
     * vfio-pci's config region read any length in one call (drivers/pci/pci-sysfs.c
     * pci_read_config, drivers/vfio/pci/vfio_pci_config.c). The default reads dword by dword
     * through {@link #readConfig}; a backend whose kernel interface takes the whole block in one
     * read overrides it. Bytes the kernel does not let this process read (an unprivileged reader of
     * sysfs sees 64 bytes) read as zero, as {@link #readConfig} does.
     *
     * @param offset byte offset, dword aligned
     * @param length bytes, a multiple of 4
     * @return a new array of {@code length} bytes, owned by the caller
     * @throws HwException EINVAL for a misaligned offset or length, ERANGE beyond
     *                     {@link #configSize()}, ENODEV after removal
     */
    default byte[] readConfigBlock(int offset, int length) {
        if (offset % Integer.BYTES != 0 || length % Integer.BYTES != 0 || length < 0) {
            throw new HwException(HwException.EINVAL, address() + ": config block at 0x" + Integer.toHexString(offset)
                    + " of " + length + " bytes is not dword aligned");
        }
        if (offset < 0 || offset + length > configSize()) {
            throw new HwException(HwException.ERANGE, address() + ": config block at 0x" + Integer.toHexString(offset)
                    + " of " + length + " bytes beyond " + configSize() + " bytes");
        }
        byte[] out = new byte[length];
        for (int off = 0; off < length; off += Integer.BYTES) {
            int v = readConfig(offset + off, Integer.BYTES);
            for (int b = 0; b < Integer.BYTES; b++) {
                out[off + b] = (byte) (v >>> (b * Byte.SIZE));
            }
        }
        return out;
    }

    /**
     * Writes config space through the register write masks: read-only bits keep their value,
     * write-1-to-clear bits clear where value has a one, BAR registers keep their size
     * alignment (writing all ones reads back the size mask).
     *
     * @param offset byte offset, naturally aligned to width
     * @param width  1, 2 or 4
     * @param value  the value; bits above width are ignored
     * @throws HwException EINVAL for a bad width or a misaligned offset, ERANGE beyond
     *                     {@link #configSize()}, ENODEV after removal
     */
    void writeConfig(int offset, int width, int value);

    // ---- regions -----------------------------------------------------------------------------

    /**
     * @param index 0..5 for BARs, {@link RegionInfo#ROM_INDEX} for the expansion ROM
     * @return the region, or empty if the function does not implement it (the upper half of a
     *         64-bit BAR is empty)
     * @throws HwException EINVAL for an index outside 0..6, ENODEV after removal
     */
    Optional<RegionInfo> region(int index);

    /**
     * Maps a region. The caller owns the mapping.
     *
     * @param index the region index, as for {@link #region(int)}
     * @throws HwException ENXIO if the region does not exist, EINVAL for a bad index, ENODEV
     *                     after removal
     */
    Mmio map(int index);

    // ---- interrupts --------------------------------------------------------------------------

    /**
     * @return INTX: 1 if the interrupt pin is set, else 0; MSI: the vectors the capability can
     *         request (Multiple Message Capable); MSIX: the table size; 0 without the capability
     */
    int irqCount(IrqType type);

    /**
     * Enables interrupts of one type and programs config space as the kernel would: for INTx
     * clears PCI_COMMAND_INTX_DISABLE; for MSI sets PCI_COMMAND_INTX_DISABLE, writes the message
     * address and data, Multiple Message Enable for count and MSI Enable; for MSI-X sets
     * PCI_COMMAND_INTX_DISABLE, programs and unmasks the first count table entries and sets
     * MSI-X Enable. A device interrupt reaches the handler only while config space allows it (the
     * consumer may change config space afterwards): INTx while not disabled by
     * PCI_COMMAND_INTX_DISABLE (level-triggered: the handler is called when the line rises);
     * MSI/MSI-X while enabled, unmasked, with the vector in range and bus mastering enabled
     * (PCI_COMMAND_MASTER: a message is a memory write).
     *
     * @param type    the type
     * @param count   vectors, 1..{@link #irqCount(IrqType)}
     * @param handler called on the backend's delivery thread
     * @return the enabled set; the caller owns it and closes it
     * @throws HwException EBUSY if a set is already enabled (of any type), EINVAL if count is
     *                     outside 1..irqCount or handler is null, ENODEV after removal
     */
    IrqSet enableIrqs(IrqType type, int count, IrqHandler handler);

    // ---- DMA ---------------------------------------------------------------------------------

    /**
     * Allocates zeroed host memory and maps it in this function's IOMMU domain. The device must
     * also have bus mastering enabled (PCI_COMMAND_MASTER) to reach it.
     *
     * @param size       bytes, at least 1; the mapping is rounded up to whole pages
     * @param directions the directions the device may use, not empty
     * @return the buffer; the caller owns it and closes it
     * @throws HwException EINVAL for a bad size or no direction, ENOMEM when the IOVA space
     *                     or memory is exhausted, ENODEV after removal
     */
    DmaBuffer allocateDma(long size, Set<DmaDirection> directions);

    /**
     * Maps host memory the caller owns at one newly allocated IOVA range of this function's IOMMU
     * domain (the IOMMU half of dma_map_sg, drivers/iommu/dma-iommu.c iommu_dma_map_sg): each chunk
     * at its offset of the range; the parts of the range no chunk covers stay unmapped, so a device
     * access there faults. Either every chunk is mapped or none is (a failure half-way unmaps what
     * was mapped and frees the IOVA). The device must also have bus mastering enabled.
     *
     * @param chunks     the memory, in IOVA order, not overlapping, inside the range; at least one
     * @param length     the range's length, a whole number of pages
     * @param alignment  the range's IOVA alignment, a power of two, at least a page
     * @param directions the directions the device may use, not empty
     * @return the mapping; the caller owns it and closes it before freeing the memory
     * @throws HwException EINVAL for a chunk that is not native, page-aligned, whole pages or inside
     *                     the range, a bad length or alignment or no direction; ENOMEM when the IOVA
     *                     space is exhausted; ENODEV after removal; the IOMMU's error otherwise
     * @since 3.3
     */
    DmaMapping mapDma(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions);

    /** @return the DMA accesses refused so far (oldest first, bounded), a snapshot */
    List<IommuFault> iommuFaults();

    // ---- reset -------------------------------------------------------------------------------

    /**
     * Function-level reset: the device returns to its power-on state and config space to its
     * defaults, except that the BAR (and VF BAR) address assignments and the interrupt line,
     * which firmware assigned, are kept. (PCIe Base Spec 6.6.2 resets BARs too; Linux's
     * pci_reset_function saves and restores them around the FLR, so its callers see them kept;
     * the rest of the saved state is the consumer's to restore.) Memory decoding, bus mastering,
     * MSI and MSI-X enables are cleared, SR-IOV virtual functions are removed. Mappings, IRQ sets
     * and DMA buffers stay valid.
     *
     * @throws HwException ENODEV after removal
     */
    void reset();

    // ---- SR-IOV ------------------------------------------------------------------------------

    /** @return the SR-IOV control of a physical function with the SR-IOV capability, else empty */
    Optional<SriovControl> sriov();

    /** @return the physical function of a virtual function; empty for anything else */
    Optional<PciFunction> physfn();

    // ---- the kernel's view -------------------------------------------------------------------

    /**
     * What the running kernel's sysfs shows of this function, read now (one read of each
     * attribute): only a backend listing the kernel's own functions has it.
     *
     * @return the facts, or empty for a function the kernel does not list as its own (simulated,
     *         or driven through VFIO)
     * @throws HwException ENODEV after removal
     */
    default Optional<SysfsPciDevice> sysfs() {
        return Optional.empty();
    }

    // ---- diagnostics ---------------------------------------------------------------------------

    /**
     * What the device reports about state no register shows, for diagnostics and tests: a
     * simulated model's internals (a simulated GPU's firmware-side vGPUs, its GSP). Keys and values
     * are the model's; a snapshot, owned by the caller.
     *
     * @return the state; empty for real devices and models that report none
     */
    default Map<String, String> deviceState() {
        return Map.of();
    }
}
