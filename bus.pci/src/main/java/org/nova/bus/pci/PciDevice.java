package org.nova.bus.pci;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.nova.devres.Devres;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A PCI function as its driver sees it: {@code struct pci_dev} with the operations of
 * drivers/pci and Rust's {@code pci::Device}. The core {@link Device} is {@link #device()}; its
 * {@link Device#busData(Class) busData} is this object, so code holding only the core device (an
 * auxiliary child, for example) reaches it with {@code device.busData(PciDevice.class)}.
 *
 * <p><b>Errors.</b> Every operation either succeeds or throws
 * {@link DriverException} with the kernel's errno and changes nothing: EINVAL for
 * bad arguments, ENODEV once the function has been removed, EBUSY for a resource already taken.
 *
 * <p><b>Ownership.</b> The enables, BAR mappings, interrupt vectors, handlers and DMA buffers
 * acquired here are device resources of the current binding ({@link Device#devres()}): they are
 * released, newest first, when the driver unbinds — after {@link PciDriver#unbind} — or when the
 * probe fails. The resource-acquiring methods are meant for the bound driver (from its probe on);
 * called on an unbound device they still work, and the device's removal releases them.
 */
@ProviderType
public interface PciDevice {
    /** @return the identity read from config space when the function was added */
    PciIds ids();

    /** @return the vendor ID */
    default int vendorId() {
        return ids().vendor();
    }

    /** @return the device ID */
    default int deviceId() {
        return ids().device();
    }

    /** @return the subsystem vendor ID */
    default int subsystemVendorId() {
        return ids().subsystemVendor();
    }

    /** @return the subsystem ID */
    default int subsystemDeviceId() {
        return ids().subsystemDevice();
    }

    /** @return the 24-bit class code */
    default int classCode() {
        return ids().classCode();
    }

    /** @return the revision ID */
    default int revisionId() {
        return ids().revision();
    }

    /**
     * @return the function's address (domain, bus, device, function: the kernel's
     *     {@code pci_domain_nr}, {@code bus->number} and {@code devfn}), fixed for the device's life
     */
    PciAddress address();

    /**
     * @return the slot name, "dddd:bb:dd.f" ({@code pci_name}), also the core device's name: the
     *     text of {@link #address()}
     */
    default String slot() {
        return address().toString();
    }

    /** @return the core device */
    Device device();

    /** @return false once the function has been removed (hot remove, VF disable, backend gone) */
    boolean isPresent();

    // ---- config space ------------------------------------------------------------------------

    /** @return 256 for conventional PCI, 4096 with PCI Express extended config space */
    int configSize();

    /**
     * Config space reads ({@code pci_read_config_byte/word/dword}), little-endian. The offset must
     * lie within {@link #configSize()} and be aligned to the width.
     *
     * @throws DriverException EINVAL naming offset, width and size; ENODEV after removal
     */
    int read8(int offset);

    /** @see #read8(int) */
    int read16(int offset);

    /** @see #read8(int) */
    int read32(int offset);

    /** Config space writes, checked as the reads; read-only bits keep their value. @see #read8(int) */
    void write8(int offset, int value);

    /** @see #write8(int, int) */
    void write16(int offset, int value);

    /** @see #write8(int, int) */
    void write32(int offset, int value);

    /**
     * {@code pci_find_capability}: walks the capability list (at most
     * {@link PciRegs#PCI_FIND_CAP_TTL} entries, stopping at a pointer below the standard header or
     * an ID of 0xff).
     *
     * @param id a PCI_CAP_ID_* value ({@link PciRegs#PCI_CAP_ID_MSI}...)
     * @return the config offset of the capability, 0 if absent
     */
    int findCapability(int id);

    /**
     * {@code pci_find_ext_capability}: walks the extended capability list from 0x100 (at most
     * (4096 - 256) / 8 entries).
     *
     * @param id a PCI_EXT_CAP_ID_* value ({@link PciRegs#PCI_EXT_CAP_ID_SRIOV}...)
     * @return the config offset of the capability, 0 if absent or without extended config space
     */
    int findExtCapability(int id);

    // ---- enable, bus mastering, reset --------------------------------------------------------

    /**
     * {@code pcim_enable_device}: enables I/O and memory decoding. A device resource: at unbind
     * the device is disabled again ({@code pci_disable_device}: bus mastering is cleared, as the
     * kernel does; the decode enables are left as they are). Calls nest: the device is disabled
     * when the last enable is released.
     */
    void enableDevice();

    /** {@code pci_enable_device_mem}: as {@link #enableDevice()}, memory decoding only. */
    void enableDeviceMem();

    /** {@code pci_set_master}: enables bus mastering (DMA and MSI need it). */
    void setMaster();

    /** {@code pci_clear_master}. */
    void clearMaster();

    /**
     * {@code pci_reset_function}: a function-level reset. Decoding, bus mastering and MSI/MSI-X
     * enables are cleared by the hardware; existing mappings, vectors and buffers stay allocated.
     */
    void reset();

    // ---- BARs --------------------------------------------------------------------------------

    /** @return {@code pci_resource_len}: the size of BAR {@code bar} (0..5), 0 if it does not exist */
    long resourceLen(int bar);

    /**
     * {@code pci_resource_start}: the bus address BAR {@code bar} (0..5) decodes at, as the
     * platform assigned it and the BAR register shows it (drivers/pci/probe.c __pci_read_base:
     * the flag bits masked, the upper dword of a 64-bit memory BAR included). Drivers hand it to
     * firmware that must know where the host reaches the device (nova-core's SetSystemInfo).
     *
     * @param bar the BAR index; the upper half of a 64-bit BAR has no resource of its own
     * @return the start address, 0 if the BAR does not exist (an empty resource)
     * @throws DriverException EINVAL for an index outside 0..5; ENODEV once the device is gone
     * @since 2.4
     */
    long resourceStart(int bar);

    /**
     * {@code pci_request_region} + {@code pci_iomap} (Rust's {@code iomap_region}): claims the BAR
     * for this binding and maps it.
     *
     * @param bar the BAR index, 0..5
     * @param name the claimant, shown in messages (the kernel's resource name)
     * @return the mapping, registered in the binding's devres as "pci:bar&lt;n&gt;"; closing it releases
     *     the claim earlier
     * @throws DriverException EINVAL for an index outside 0..5; ENOMEM for a BAR
     *     that does not exist (Rust's rule for a zero-length resource); EBUSY if the BAR is already
     *     claimed; ENODEV after removal
     */
    Devres<Bar> iomapRegion(int bar, String name);

    /**
     * {@code iomap_region_sized::<SIZE>}: as {@link #iomapRegion} and the BAR must be at least
     * {@code size} bytes (Rust's {@code Bar<SIZE>}), so offsets below size are known to fit.
     *
     * @throws DriverException EINVAL if the BAR is smaller than size (nothing is
     *     claimed), or as {@link #iomapRegion}
     */
    Devres<Bar> iomapRegionSized(int bar, long size, String name);

    // ---- interrupts --------------------------------------------------------------------------

    /**
     * {@code pci_alloc_irq_vectors}: enables between min and max vectors, trying MSI-X, then MSI,
     * then INTx (one vector, min must be 1), each only if allowed by {@code types}. A device
     * resource ("pci:irq-vectors").
     *
     * @throws DriverException EINVAL for min &lt; 1, an empty type set, or vectors
     *     already allocated; ERANGE for max &lt; min; ENOSPC when no allowed mechanism offers min vectors
     */
    IrqVectors allocIrqVectors(int min, int max, Set<PciIrqType> types);

    /**
     * {@code devm_request_irq}: installs a handler on an allocated vector. A device resource
     * ("pci:irq&lt;vector&gt;"), removed before the vectors are freed.
     *
     * @throws DriverException EINVAL if no vectors are allocated or the vector is
     *     outside them; EBUSY if the vector already has a handler
     */
    IrqRegistration requestIrq(int vector, String name, PciIrqHandler handler);

    // ---- DMA ---------------------------------------------------------------------------------

    /**
     * {@code dmam_alloc_coherent}: a zeroed buffer mapped in the function's IOMMU domain for both
     * directions. A device resource ("pci:dma@&lt;iova&gt;").
     *
     * @throws DriverException EINVAL for size &lt; 1; ENOMEM when memory or IOVA
     *     space is exhausted; ENODEV after removal
     */
    DmaCoherent allocCoherent(long size);

    /**
     * {@code dma_alloc_noncoherent}: a zeroed buffer mapped in the function's IOMMU domain for one
     * direction only: a device write into a {@link DmaDataDirection#TO_DEVICE} buffer, or a device
     * read of a {@link DmaDataDirection#FROM_DEVICE} one, is refused by the IOMMU. A device
     * resource ("pci:dma@&lt;iova&gt;").
     *
     * @throws org.nova.driver.DriverException EINVAL for size &lt; 1 or a null direction; ENOMEM
     *     when memory or IOVA space is exhausted; ENODEV after removal
     */
    DmaNoncoherent allocNoncoherent(long size, DmaDataDirection direction);

    // ---- streaming DMA with scatterlists (kernel/dma/mapping.c, rust/kernel/scatterlist.rs) ----

    /**
     * {@code alloc_pages}: {@code count} zeroed, contiguous pages of host memory, mapped for no
     * device, to build {@link SgTable}s from. A device resource ("pci:pages@&lt;address&gt;").
     *
     * @throws DriverException EINVAL for count &lt; 1; ENOMEM when memory is exhausted; ENODEV
     *     after removal
     * @since 2.4
     */
    DmaPages allocPages(int count);

    /**
     * {@code dma_map_sgtable}: maps the table's pages in the function's IOMMU domain for
     * {@code direction}, in one IOVA range, and coalesces its entries into DMA segments where
     * drivers/iommu/dma-iommu.c would ({@link DmaSgMapping}). A device resource
     * ("pci:sg@&lt;iova&gt;"), released before the pages it maps. Nothing stays mapped if this throws.
     *
     * @param table     the pages; they must stay allocated while mapped
     * @param direction the way the data flows; the IOMMU refuses the other
     * @throws DriverException EINVAL for a null direction (DMA_NONE: the kernel's BUG_ON), for an
     *     entry longer than {@link #dmaMaxSegmentSize()}, an entry whose pages span more than
     *     {@link #dmaSegmentBoundary()} + 1 bytes (so its segment would cross a boundary) or a page
     *     that has been freed (the kernel's CONFIG_DMA_API_DEBUG only warns of the first two,
     *     "mapping sg segment longer than device claims to support" and "mapping sg segment across
     *     boundary"); ENOMEM when the IOVA space is
     *     exhausted; ENODEV after removal
     * @since 2.4
     */
    DmaSgMapping dmaMapSg(SgTable table, DmaDataDirection direction);

    /**
     * @return {@code dma_get_max_seg_size}: the longest DMA segment the device takes, 65536 until
     *     the driver sets it (drivers/pci/probe.c sets that for every PCI device)
     * @since 2.4
     */
    long dmaMaxSegmentSize();

    /**
     * {@code dma_set_max_seg_size}: how long a DMA segment coalescing may make, for the mappings
     * made after this call.
     *
     * @param size 1..0xffffffff (an unsigned int in the kernel)
     * @throws DriverException EINVAL outside that range
     * @since 2.4
     */
    void setDmaMaxSegmentSize(long size);

    /**
     * @return {@code dma_get_seg_boundary}: the mask of the address boundary no DMA segment may
     *     cross, 0xffffffff until the driver sets it (drivers/pci/probe.c)
     * @since 2.4
     */
    long dmaSegmentBoundary();

    /**
     * {@code dma_set_seg_boundary}: the boundary mask for the mappings made after this call.
     *
     * @param mask 2^n - 1 with 2^n at least a page (dma-iommu lays segments out assuming a power of two)
     * @throws DriverException EINVAL for anything else
     * @since 2.4
     */
    void setDmaSegmentBoundary(long mask);

    // ---- SR-IOV ------------------------------------------------------------------------------

    /** @return true for an SR-IOV virtual function ({@code is_virtfn}) */
    boolean isVirtfn();

    /** @return true for a function with the SR-IOV capability ({@code is_physfn}) */
    boolean isPhysfn();

    /** @return the physical function of a VF ({@code pci_physfn}); empty for anything else */
    Optional<PciDevice> physfn();

    /**
     * {@code pci_iov_vf_id}: the index (0-based) of this virtual function among its PF's VFs, as
     * the PF's SR-IOV capability numbers them (the RFC's gfid is this + 1).
     *
     * @throws DriverException EINVAL if this is not a virtual function (the
     *     kernel's -EINVAL), ENODEV if the PF no longer lists it
     */
    int vfId();

    /** @return the VFs present now, in VF order; empty for anything but an enabled PF */
    List<PciDevice> virtfns();

    /** @return TotalVFs ({@code pci_sriov_get_totalvfs}), 0 without SR-IOV */
    int sriovTotalVfs();

    /** @return the VFs enabled now ({@code pci_num_vf}), 0 without SR-IOV */
    int numVfs();

    /**
     * {@code pci_enable_sriov}: enables n VFs; they are added to the PCI bus as devices whose
     * parent is this PF and probed like any device (if the PF's sriov_drivers_autoprobe is on).
     * For the bound PF driver, normally from {@link PciDriver#sriovConfigure}. n = 0 does nothing.
     *
     * @throws DriverException ENOSYS if this is not a PF; EINVAL if VFs are already
     *     enabled or n is outside 0..TotalVFs; the backend's error otherwise
     */
    void enableSriov(int n);

    /** {@code pci_disable_sriov}: removes the VFs (their drivers unbind first). No VFs: nothing. */
    void disableSriov();
}
