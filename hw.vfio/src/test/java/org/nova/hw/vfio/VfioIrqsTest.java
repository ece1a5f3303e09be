package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The VFIO_DEVICE_SET_IRQS arguments the backend hands the kernel: struct vfio_irq_set
 * { u32 argsz, flags, index, start, count; u8 data[]; } (include/uapi/linux/vfio.h), with argsz
 * covering the data as vfio_set_irqs_validate_and_prepare requires (argsz - minsz &gt;= count * size).
 */
class VfioIrqsTest {
    /** offsetofend(struct vfio_irq_set, count). */
    private static final int HEADER = 20;

    private static int field(MemorySegment s, String name) {
        return VfioUapi.getInt(s, VfioUapi.IRQ_SET, name);
    }

    @Test
    void enablingMsixVectorsPassesOneEventfdPerVector() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIrqs.triggerArg(a, VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX, 0, new int[] {10, 11, 12});
            assertEquals(HEADER + 3 * Integer.BYTES, s.byteSize());
            assertEquals(HEADER + 3 * Integer.BYTES, field(s, VfioUapi.ARGSZ));
            assertEquals(0x24, field(s, "flags"), "VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER");
            assertEquals(2, field(s, "index"), "VFIO_PCI_MSIX_IRQ_INDEX");
            assertEquals(0, field(s, "start"));
            assertEquals(3, field(s, "count"));
            for (int i = 0; i < 3; i++) {
                assertEquals(10 + i, s.get(JAVA_INT, HEADER + (long) Integer.BYTES * i));
            }
        }
    }

    /** Masking vector 3: its eventfd alone is de-assigned, the others stay as they are. */
    @Test
    void maskingOneVectorDeassignsItsEventfdOnly() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIrqs.triggerArg(a, VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX, 3,
                    new int[] {VfioUapi.VFIO_IRQ_SET_NO_EVENTFD});
            assertEquals(HEADER + Integer.BYTES, field(s, VfioUapi.ARGSZ));
            assertEquals(3, field(s, "start"));
            assertEquals(1, field(s, "count"));
            assertEquals(-1, s.get(JAVA_INT, HEADER));
        }
    }

    /** Disabling: DATA_NONE | ACTION_TRIGGER with count 0 (vfio_pci_set_msi_trigger → vfio_msi_disable). */
    @Test
    void disablingIsDataNoneTriggerWithCountZero() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIrqs.actionArg(a, VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX, VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0);
            assertEquals(HEADER, s.byteSize());
            assertEquals(HEADER, field(s, VfioUapi.ARGSZ));
            assertEquals(0x21, field(s, "flags"), "VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER");
            assertEquals(0, field(s, "count"));
            assertEquals(VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER,
                    field(s, "flags") & VfioUapi.VFIO_IRQ_SET_ACTION_TYPE_MASK);
        }
    }
}
