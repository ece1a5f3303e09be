package org.nova.bus.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The ids' text: what the format strings it replaces printed, digit for digit. */
class IdTextTest {
    @Test
    void pciIdsPrintAsPercentZeroNx() {
        assertEquals("1234:11e8 (subsystem 1af4:1100, class 00ff00, rev 10)",
                new PciIds(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10).toString());
        assertEquals("0000:0001 (subsystem 0000:0000, class 000000, rev 00)",
                new PciIds(0, 1, 0, 0, 0, 0).toString());
        for (int v : new int[] {0, 0xa, 0xffff, 0x10000, -1}) {
            PciIds ids = new PciIds(v, v, v, v, v, v);
            assertEquals(String.format("%04x:%04x (subsystem %04x:%04x, class %06x, rev %02x)", v, v, v, v, v, v),
                    ids.toString());
        }
    }

    @Test
    void pciDeviceIdsPrintWildcardsAndData() {
        assertEquals("10de:* sub *:* class 030000/ff0000 data 2a override-only",
                new PciDeviceId(0x10de, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID,
                        0x030000, 0xff0000, 0x2a, true).toString());
        assertEquals("0001:0002 sub 0003:0004 class 000000/000000 data ffffffffffffffff",
                new PciDeviceId(1, 2, 3, 4, 0, 0, -1L, false).toString());
        assertEquals("12345:* sub *:* class 1000000/000000 data 0",
                new PciDeviceId(0x12345, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID,
                        0x1000000, 0, 0, false).toString(), "wider values print whole, as %x does");
    }
}
