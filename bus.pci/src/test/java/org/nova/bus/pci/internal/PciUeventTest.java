package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciIds;
import org.nova.hw.pci.PciAddress;

/** pci_uevent's variables. */
class PciUeventTest {
    @Test
    void variablesInTheKernelsFormat() {
        Map<String, String> env = new HashMap<>();
        PciUevent.fill(new PciIds(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10), new PciAddress(0, 0, 4, 0), env);
        assertEquals("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00", env.get("MODALIAS"));
        assertEquals("FF00", env.get("PCI_CLASS"));
        assertEquals("1234:11E8", env.get("PCI_ID"));
        assertEquals("1AF4:1100", env.get("PCI_SUBSYS_ID"));
        assertEquals("0000:00:04.0", env.get("PCI_SLOT_NAME"));
        env.clear();
        PciUevent.fill(new PciIds(0x10de, 0x2684, 0x10de, 0x167c, 0x030000, 0xa1), new PciAddress(0, 1, 0, 0), env);
        assertEquals("30000", env.get("PCI_CLASS"));
        assertEquals("pci:v000010DEd00002684sv000010DEsd0000167Cbc03sc00i00", env.get("MODALIAS"));
    }
}
