package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The user-space ABI of Linux VFIO: ioctl numbers, flags and struct layouts, each as
 * include/uapi/linux/vfio.h defines it (checked by VfioUapiTest against that header's facts).
 *
 * <p>VFIO encodes every ioctl with {@code _IO(VFIO_TYPE, VFIO_BASE + n)}: direction and size
 * are zero, so the number is {@code (';' << 8) | (100 + n)}; the size travels in each struct's
 * {@code argsz} instead.
 */
final class VfioUapi {
    private VfioUapi() {
    }

    /** VFIO_TYPE: the ioctl type character ';'. */
    static final int VFIO_TYPE = ';';
    /** VFIO_BASE: the first ioctl number. */
    static final int VFIO_BASE = 100;
    /** _IOC_TYPESHIFT of include/uapi/asm-generic/ioctl.h. */
    private static final int IOC_TYPESHIFT = 8;

    /** @return {@code _IO(VFIO_TYPE, VFIO_BASE + n)} */
    static long vfioIo(int n) {
        return ((long) VFIO_TYPE << IOC_TYPESHIFT) | (VFIO_BASE + n);
    }

    // ---- container (/dev/vfio/vfio) ----
    /** VFIO_GET_API_VERSION: returns VFIO_API_VERSION. */
    static final long VFIO_GET_API_VERSION = vfioIo(0);
    /** VFIO_CHECK_EXTENSION(u32 extension): &gt; 0 if supported. */
    static final long VFIO_CHECK_EXTENSION = vfioIo(1);
    /** VFIO_SET_IOMMU(s32 type): needs a group attached. */
    static final long VFIO_SET_IOMMU = vfioIo(2);
    // ---- group (/dev/vfio/$GROUP) ----
    /** VFIO_GROUP_GET_STATUS(struct vfio_group_status). */
    static final long VFIO_GROUP_GET_STATUS = vfioIo(3);
    /** VFIO_GROUP_SET_CONTAINER(s32 *container fd). */
    static final long VFIO_GROUP_SET_CONTAINER = vfioIo(4);
    /** VFIO_GROUP_UNSET_CONTAINER. */
    static final long VFIO_GROUP_UNSET_CONTAINER = vfioIo(5);
    /** VFIO_GROUP_GET_DEVICE_FD(char *name): returns the device fd. */
    static final long VFIO_GROUP_GET_DEVICE_FD = vfioIo(6);
    // ---- device ----
    /** VFIO_DEVICE_GET_INFO(struct vfio_device_info). */
    static final long VFIO_DEVICE_GET_INFO = vfioIo(7);
    /** VFIO_DEVICE_GET_REGION_INFO(struct vfio_region_info). */
    static final long VFIO_DEVICE_GET_REGION_INFO = vfioIo(8);
    /** VFIO_DEVICE_GET_IRQ_INFO(struct vfio_irq_info). */
    static final long VFIO_DEVICE_GET_IRQ_INFO = vfioIo(9);
    /** VFIO_DEVICE_SET_IRQS(struct vfio_irq_set). */
    static final long VFIO_DEVICE_SET_IRQS = vfioIo(10);
    /** VFIO_DEVICE_RESET. */
    static final long VFIO_DEVICE_RESET = vfioIo(11);
    // ---- type-1 IOMMU (on the container) ----
    /** VFIO_IOMMU_GET_INFO(struct vfio_iommu_type1_info). */
    static final long VFIO_IOMMU_GET_INFO = vfioIo(12);
    /** VFIO_IOMMU_MAP_DMA(struct vfio_iommu_type1_dma_map). */
    static final long VFIO_IOMMU_MAP_DMA = vfioIo(13);
    /** VFIO_IOMMU_UNMAP_DMA(struct vfio_iommu_type1_dma_unmap). */
    static final long VFIO_IOMMU_UNMAP_DMA = vfioIo(14);

    /** VFIO_API_VERSION. */
    static final int VFIO_API_VERSION = 0;
    /** Extension/IOMMU type VFIO_TYPE1_IOMMU. */
    static final int VFIO_TYPE1_IOMMU = 1;
    /** Extension/IOMMU type VFIO_TYPE1v2_IOMMU. */
    static final int VFIO_TYPE1v2_IOMMU = 3;
    /** Extension/IOMMU type VFIO_NOIOMMU_IOMMU (no translation, no isolation; taints the kernel). */
    static final int VFIO_NOIOMMU_IOMMU = 8;

    /** vfio_group_status.flags: every device of the group is bound to vfio or unbound. */
    static final int VFIO_GROUP_FLAGS_VIABLE = 1 << 0;
    /** vfio_group_status.flags: the group is attached to a container. */
    static final int VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1;

    /** vfio_device_info.flags: the device supports VFIO_DEVICE_RESET. */
    static final int VFIO_DEVICE_FLAGS_RESET = 1 << 0;
    /** vfio_device_info.flags: a vfio-pci device. */
    static final int VFIO_DEVICE_FLAGS_PCI = 1 << 1;

    /** vfio_region_info.flags: the region supports read. */
    static final int VFIO_REGION_INFO_FLAG_READ = 1 << 0;
    /** vfio_region_info.flags: the region supports write. */
    static final int VFIO_REGION_INFO_FLAG_WRITE = 1 << 1;
    /** vfio_region_info.flags: the region supports mmap. */
    static final int VFIO_REGION_INFO_FLAG_MMAP = 1 << 2;
    /** vfio_region_info.flags: the info has a capability chain. */
    static final int VFIO_REGION_INFO_FLAG_CAPS = 1 << 3;

    /** vfio_irq_info.flags: the index signals through eventfds. */
    static final int VFIO_IRQ_INFO_EVENTFD = 1 << 0;
    /** vfio_irq_info.flags: the index can be masked. */
    static final int VFIO_IRQ_INFO_MASKABLE = 1 << 1;
    /** vfio_irq_info.flags: the kernel masks the interrupt when it fires (INTx): unmask after. */
    static final int VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;
    /**
     * vfio_irq_info.flags: the set of vectors cannot grow while enabled: enabling more vectors
     * means disabling the index first (vfio-pci sets it for MSI and MSI-X).
     */
    static final int VFIO_IRQ_INFO_NORESIZE = 1 << 3;

    /** vfio_irq_set.flags: no data. */
    static final int VFIO_IRQ_SET_DATA_NONE = 1 << 0;
    /** vfio_irq_set.flags: data is u8 bools. */
    static final int VFIO_IRQ_SET_DATA_BOOL = 1 << 1;
    /** vfio_irq_set.flags: data is s32 eventfds (-1 de-assigns). */
    static final int VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2;
    /** vfio_irq_set.flags: mask. */
    static final int VFIO_IRQ_SET_ACTION_MASK = 1 << 3;
    /** vfio_irq_set.flags: unmask. */
    static final int VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4;
    /** vfio_irq_set.flags: trigger (kernel to user signalling). */
    static final int VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5;

    /** The mask of the ACTION bits of vfio_irq_set.flags (VFIO_IRQ_SET_ACTION_TYPE_MASK). */
    static final int VFIO_IRQ_SET_ACTION_TYPE_MASK = VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK
            | VFIO_IRQ_SET_ACTION_TRIGGER;
    /** An eventfd slot of vfio_irq_set's DATA_EVENTFD data that de-assigns the vector's eventfd. */
    static final int VFIO_IRQ_SET_NO_EVENTFD = -1;

    // ---- capability chains (struct vfio_info_cap_header) ----
    /**
     * vfio_region_info cap id: the region may be mmap'd only in the listed areas
     * (struct vfio_region_info_cap_sparse_mmap); the rest is pread/pwrite only.
     */
    static final int VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1;
    /** vfio_region_info cap id: a device-specific region's type and subtype (struct vfio_region_info_cap_type). */
    static final int VFIO_REGION_INFO_CAP_TYPE = 2;
    /**
     * vfio_region_info cap id: the MSI-X table and PBA inside this BAR may be mmap'd with the rest
     * of it (a header without payload; vfio-pci adds it to the MSI-X BAR since Linux 4.16, where
     * it used to send a sparse map that left the table out).
     */
    static final int VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3;

    /** vfio-pci region index of BAR0 (BARn is n). */
    static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
    /** vfio-pci region index of the expansion ROM. */
    static final int VFIO_PCI_ROM_REGION_INDEX = 6;
    /** vfio-pci region index of config space. */
    static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
    /** vfio-pci region index of the VGA ranges. */
    static final int VFIO_PCI_VGA_REGION_INDEX = 8;
    /** vfio-pci fixed region count. */
    static final int VFIO_PCI_NUM_REGIONS = 9;

    /** vfio-pci irq index: INTx. */
    static final int VFIO_PCI_INTX_IRQ_INDEX = 0;
    /** vfio-pci irq index: MSI. */
    static final int VFIO_PCI_MSI_IRQ_INDEX = 1;
    /** vfio-pci irq index: MSI-X. */
    static final int VFIO_PCI_MSIX_IRQ_INDEX = 2;
    /** vfio-pci irq index: AER error notification. */
    static final int VFIO_PCI_ERR_IRQ_INDEX = 3;
    /** vfio-pci irq index: the device request (the kernel wants the device back). */
    static final int VFIO_PCI_REQ_IRQ_INDEX = 4;
    /** vfio-pci irq index count. */
    static final int VFIO_PCI_NUM_IRQS = 5;

    /** vfio_iommu_type1_info.flags: iova_pgsizes is valid. */
    static final int VFIO_IOMMU_INFO_PGSIZES = 1 << 0;
    /** vfio_iommu_type1_dma_map.flags: the device may read. */
    static final int VFIO_DMA_MAP_FLAG_READ = 1 << 0;
    /** vfio_iommu_type1_dma_map.flags: the device may write. */
    static final int VFIO_DMA_MAP_FLAG_WRITE = 1 << 1;

    // ---- struct layouts ----
    /** The field every VFIO ioctl argument starts with: the size of the argument, trailing data included. */
    static final String ARGSZ = "argsz";

    /** struct vfio_group_status { u32 argsz, flags; }. */
    static final StructLayout GROUP_STATUS = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"));
    /** struct vfio_device_info { u32 argsz, flags, num_regions, num_irqs, cap_offset, pad; }. */
    static final StructLayout DEVICE_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_INT.withName("num_regions"),
            JAVA_INT.withName("num_irqs"), JAVA_INT.withName("cap_offset"), JAVA_INT.withName("pad"));
    /** struct vfio_region_info { u32 argsz, flags, index, cap_offset; aligned_u64 size, offset; }. */
    static final StructLayout REGION_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_INT.withName("index"),
            JAVA_INT.withName("cap_offset"), JAVA_LONG.withName("size"), JAVA_LONG.withName("offset"));
    /** struct vfio_irq_info { u32 argsz, flags, index, count; }. */
    static final StructLayout IRQ_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_INT.withName("index"),
            JAVA_INT.withName("count"));
    /** struct vfio_irq_set { u32 argsz, flags, index, start, count; u8 data[]; } (header only). */
    static final StructLayout IRQ_SET = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_INT.withName("index"),
            JAVA_INT.withName("start"), JAVA_INT.withName("count"));
    /** struct vfio_iommu_type1_info { u32 argsz, flags; aligned_u64 iova_pgsizes; u32 cap_offset, pad; }. */
    static final StructLayout IOMMU_TYPE1_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_LONG.withName("iova_pgsizes"),
            JAVA_INT.withName("cap_offset"), JAVA_INT.withName("pad"));
    /** struct vfio_iommu_type1_dma_map { u32 argsz, flags; u64 vaddr, iova, size; }. */
    static final StructLayout DMA_MAP = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_LONG.withName("vaddr"),
            JAVA_LONG.withName("iova"), JAVA_LONG.withName("size"));
    /** struct vfio_iommu_type1_dma_unmap { u32 argsz, flags; u64 iova, size; u8 data[]; } (header only). */
    static final StructLayout DMA_UNMAP = MemoryLayout.structLayout(
            JAVA_INT.withName(ARGSZ), JAVA_INT.withName("flags"), JAVA_LONG.withName("iova"),
            JAVA_LONG.withName("size"));

    /** struct vfio_info_cap_header { u16 id, version; u32 next; }: next is the offset of the next header from the start of the info (0 ends the chain). */
    static final StructLayout INFO_CAP_HEADER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("id"), JAVA_SHORT.withName("version"), JAVA_INT.withName("next"));
    /** struct vfio_region_info_cap_sparse_mmap { header; u32 nr_areas, reserved; areas[]; } (without the areas). */
    static final StructLayout CAP_SPARSE_MMAP = MemoryLayout.structLayout(
            INFO_CAP_HEADER.withName("header"), JAVA_INT.withName("nr_areas"), JAVA_INT.withName("reserved"));
    /** struct vfio_region_sparse_mmap_area { u64 offset, size; }: offset from the start of the region. */
    static final StructLayout SPARSE_MMAP_AREA = MemoryLayout.structLayout(
            JAVA_LONG.withName("offset"), JAVA_LONG.withName("size"));

    /** @return the byte offset of a field */
    static long offsetOf(StructLayout layout, String name) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    /**
     * Allocates a zeroed ioctl argument of the struct with {@code trailing} bytes of variable data
     * after it (vfio_irq_set's data[]), and sets its {@value #ARGSZ} to the whole size.
     */
    static MemorySegment allocate(Arena arena, StructLayout layout, long trailing) {
        MemorySegment s = arena.allocate(layout.byteSize() + trailing, layout.byteAlignment());
        s.set(JAVA_INT, offsetOf(layout, ARGSZ), (int) s.byteSize());
        return s;
    }

    /** @return a u32 field of the struct */
    static int getInt(MemorySegment s, StructLayout layout, String field) {
        return s.get(JAVA_INT, offsetOf(layout, field));
    }

    /** Sets a u32 field of the struct. */
    static void setInt(MemorySegment s, StructLayout layout, String field, int value) {
        s.set(JAVA_INT, offsetOf(layout, field), value);
    }

    /** @return a u64 field of the struct */
    static long getLong(MemorySegment s, StructLayout layout, String field) {
        return s.get(JAVA_LONG, offsetOf(layout, field));
    }

    /** Sets a u64 field of the struct. */
    static void setLong(MemorySegment s, StructLayout layout, String field, long value) {
        s.set(JAVA_LONG, offsetOf(layout, field), value);
    }

    /**
     * The region's offset in the device fd: vfio-pci places region i at {@code i << 40}
     * (drivers/vfio/pci/vfio_pci_core.c VFIO_PCI_OFFSET_SHIFT); the backend uses the offset
     * the kernel reports in vfio_region_info, this is for tests and diagnostics.
     */
    static final int VFIO_PCI_OFFSET_SHIFT = 40;
}
