package org.nova.hw.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.nova.hw.DmaDirection;

/**
 * The ioctl numbers, flags and struct layouts against include/uapi/linux/vfio.h (torvalds/linux):
 * {@code #define VFIO_TYPE (';')}, {@code #define VFIO_BASE 100}, every ioctl
 * {@code _IO(VFIO_TYPE, VFIO_BASE + n)}, and the structs as declared there (x86-64 sizes).
 */
class VfioUapiTest {

    @Test
    void ioctlNumbersAreIoOfSemicolonBase100() {
        assertEquals(0x3B64, VfioUapi.VFIO_GET_API_VERSION);      // VFIO_BASE + 0
        assertEquals(0x3B65, VfioUapi.VFIO_CHECK_EXTENSION);      // + 1
        assertEquals(0x3B66, VfioUapi.VFIO_SET_IOMMU);            // + 2
        assertEquals(0x3B67, VfioUapi.VFIO_GROUP_GET_STATUS);     // + 3
        assertEquals(0x3B68, VfioUapi.VFIO_GROUP_SET_CONTAINER);  // + 4
        assertEquals(0x3B69, VfioUapi.VFIO_GROUP_UNSET_CONTAINER);// + 5
        assertEquals(0x3B6A, VfioUapi.VFIO_GROUP_GET_DEVICE_FD);  // + 6
        assertEquals(0x3B6B, VfioUapi.VFIO_DEVICE_GET_INFO);      // + 7
        assertEquals(0x3B6C, VfioUapi.VFIO_DEVICE_GET_REGION_INFO); // + 8
        assertEquals(0x3B6D, VfioUapi.VFIO_DEVICE_GET_IRQ_INFO);  // + 9
        assertEquals(0x3B6E, VfioUapi.VFIO_DEVICE_SET_IRQS);      // + 10
        assertEquals(0x3B6F, VfioUapi.VFIO_DEVICE_RESET);         // + 11
        assertEquals(0x3B70, VfioUapi.VFIO_IOMMU_GET_INFO);       // + 12
        assertEquals(0x3B71, VfioUapi.VFIO_IOMMU_MAP_DMA);        // + 13
        assertEquals(0x3B72, VfioUapi.VFIO_IOMMU_UNMAP_DMA);      // + 14
    }

    @Test
    void extensionsAndFlags() {
        assertEquals(0, VfioUapi.VFIO_API_VERSION);
        assertEquals(1, VfioUapi.VFIO_TYPE1_IOMMU);
        assertEquals(3, VfioUapi.VFIO_TYPE1v2_IOMMU);
        assertEquals(8, VfioUapi.VFIO_NOIOMMU_IOMMU);
        assertEquals(1, VfioUapi.VFIO_GROUP_FLAGS_VIABLE);
        assertEquals(2, VfioUapi.VFIO_GROUP_FLAGS_CONTAINER_SET);
        assertEquals(1, VfioUapi.VFIO_DEVICE_FLAGS_RESET);
        assertEquals(2, VfioUapi.VFIO_DEVICE_FLAGS_PCI);
        assertEquals(1, VfioUapi.VFIO_REGION_INFO_FLAG_READ);
        assertEquals(2, VfioUapi.VFIO_REGION_INFO_FLAG_WRITE);
        assertEquals(4, VfioUapi.VFIO_REGION_INFO_FLAG_MMAP);
        assertEquals(8, VfioUapi.VFIO_REGION_INFO_FLAG_CAPS);
        assertEquals(1, VfioUapi.VFIO_IRQ_SET_DATA_NONE);
        assertEquals(2, VfioUapi.VFIO_IRQ_SET_DATA_BOOL);
        assertEquals(4, VfioUapi.VFIO_IRQ_SET_DATA_EVENTFD);
        assertEquals(8, VfioUapi.VFIO_IRQ_SET_ACTION_MASK);
        assertEquals(16, VfioUapi.VFIO_IRQ_SET_ACTION_UNMASK);
        assertEquals(32, VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER);
        assertEquals(1, VfioUapi.VFIO_DMA_MAP_FLAG_READ);
        assertEquals(2, VfioUapi.VFIO_DMA_MAP_FLAG_WRITE);
    }

    @Test
    void vfioPciFixedIndexes() {
        assertEquals(0, VfioUapi.VFIO_PCI_BAR0_REGION_INDEX);
        assertEquals(6, VfioUapi.VFIO_PCI_ROM_REGION_INDEX);
        assertEquals(7, VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX);
        assertEquals(8, VfioUapi.VFIO_PCI_VGA_REGION_INDEX);
        assertEquals(9, VfioUapi.VFIO_PCI_NUM_REGIONS);
        assertEquals(0, VfioUapi.VFIO_PCI_INTX_IRQ_INDEX);
        assertEquals(1, VfioUapi.VFIO_PCI_MSI_IRQ_INDEX);
        assertEquals(2, VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX);
        assertEquals(3, VfioUapi.VFIO_PCI_ERR_IRQ_INDEX);
        assertEquals(4, VfioUapi.VFIO_PCI_REQ_IRQ_INDEX);
        assertEquals(5, VfioUapi.VFIO_PCI_NUM_IRQS);
    }

    private static void layout(StructLayout l, long size, String... fieldsAndOffsets) {
        assertEquals(size, l.byteSize(), l.toString());
        for (int i = 0; i < fieldsAndOffsets.length; i += 2) {
            assertEquals(Long.parseLong(fieldsAndOffsets[i + 1]), VfioUapi.offsetOf(l, fieldsAndOffsets[i]),
                    l + "." + fieldsAndOffsets[i]);
        }
    }

    @Test
    void structLayouts() {
        layout(VfioUapi.GROUP_STATUS, 8, "argsz", "0", "flags", "4");
        layout(VfioUapi.DEVICE_INFO, 24, "flags", "4", "num_regions", "8", "num_irqs", "12", "cap_offset", "16", "pad", "20");
        layout(VfioUapi.REGION_INFO, 32, "flags", "4", "index", "8", "cap_offset", "12", "size", "16", "offset", "24");
        layout(VfioUapi.IRQ_INFO, 16, "flags", "4", "index", "8", "count", "12");
        layout(VfioUapi.IRQ_SET, 20, "flags", "4", "index", "8", "start", "12", "count", "16");
        layout(VfioUapi.IOMMU_TYPE1_INFO, 24, "flags", "4", "iova_pgsizes", "8", "cap_offset", "16", "pad", "20");
        layout(VfioUapi.DMA_MAP, 32, "flags", "4", "vaddr", "8", "iova", "16", "size", "24");
        layout(VfioUapi.DMA_UNMAP, 24, "flags", "4", "iova", "8", "size", "16");
    }

    @Test
    void anArgumentCarriesItsWholeSizeInArgsz() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = VfioUapi.allocate(a, VfioUapi.REGION_INFO, 0);
            assertEquals(32, VfioUapi.getInt(info, VfioUapi.REGION_INFO, VfioUapi.ARGSZ));
            // vfio_irq_set with three eventfds in data[]: the header and the data
            MemorySegment set = VfioUapi.allocate(a, VfioUapi.IRQ_SET, 3 * Integer.BYTES);
            assertEquals(32, set.byteSize());
            assertEquals(32, VfioUapi.getInt(set, VfioUapi.IRQ_SET, VfioUapi.ARGSZ));
            VfioUapi.setInt(set, VfioUapi.IRQ_SET, "count", 3);
            assertEquals(3, set.get(ValueLayout.JAVA_INT, 16));
        }
    }

    @Test
    void dmaDirectionsBecomeTheIommuPermissionsTheDeviceGets() {
        assertEquals(VfioUapi.VFIO_DMA_MAP_FLAG_READ, VfioDmaBuffer.mapFlags(EnumSet.of(DmaDirection.TO_DEVICE)));
        assertEquals(VfioUapi.VFIO_DMA_MAP_FLAG_WRITE, VfioDmaBuffer.mapFlags(EnumSet.of(DmaDirection.FROM_DEVICE)));
        assertEquals(VfioUapi.VFIO_DMA_MAP_FLAG_READ | VfioUapi.VFIO_DMA_MAP_FLAG_WRITE,
                VfioDmaBuffer.mapFlags(EnumSet.allOf(DmaDirection.class)));
    }
}
