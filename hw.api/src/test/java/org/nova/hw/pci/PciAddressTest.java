package org.nova.hw.pci;

import org.nova.hw.HwException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PciAddressTest {

    private static void einval(Runnable r) {
        HwException e = assertThrows(HwException.class, r::run);
        assertEquals(HwException.EINVAL, e.errno(), e.getMessage());
    }

    @Test
    void parsesAndPrintsLikeTheKernel() {
        assertEquals(new PciAddress(0, 0, 3, 0), PciAddress.parse("0000:00:03.0"));
        assertEquals(new PciAddress(0, 0, 3, 0), PciAddress.parse("00:03.0"));
        assertEquals(new PciAddress(0x10, 0xab, 0x1f, 7), PciAddress.parse("0010:AB:1f.7"));
        assertEquals("0000:00:03.0", PciAddress.parse("00:03.0").toString());
        assertEquals("0010:ab:1f.7", new PciAddress(0x10, 0xab, 0x1f, 7).toString());
        assertEquals(0x18, PciAddress.parse("00:03.0").devfn());
        assertEquals(0xab_ff, new PciAddress(0, 0xab, 0x1f, 7).routingId());
        assertEquals(new PciAddress(2, 1, 0, 4), PciAddress.ofRoutingId(2, 0x104));
    }

    @Test
    void rejectsBadAddresses() {
        einval(() -> PciAddress.parse("00:20.0"));
        einval(() -> PciAddress.parse("00:03.8"));
        einval(() -> PciAddress.parse("100:03.0"));
        einval(() -> PciAddress.parse("00:03"));
        einval(() -> PciAddress.parse("0:0:0:03.0"));
        einval(() -> PciAddress.parse(""));
        einval(() -> PciAddress.parse(null));
        einval(() -> new PciAddress(0, 256, 0, 0));
        einval(() -> new PciAddress(0, 0, 32, 0));
        einval(() -> new PciAddress(0, 0, 0, 8));
        einval(() -> new PciAddress(-1, 0, 0, 0));
        einval(() -> PciAddress.ofRoutingId(0, 0x10000));
        HwException e = assertThrows(HwException.class, () -> PciAddress.parse("00:20.0"));
        assertEquals(true, e.getMessage().contains("00:20.0"), e.getMessage());
    }

    @Test
    void theReasonIsOneLevelDeepWithFieldsInHex() {
        HwException e = assertThrows(HwException.class, () -> PciAddress.parse("0000:00:99.0"));
        assertEquals("EINVAL: '0000:00:99.0' is not a PCI address: device 0x99 is outside 0..0x1f", e.getMessage());
        assertEquals("'0000:00:99.0' is not a PCI address: device 0x99 is outside 0..0x1f", e.reason());
        assertEquals(e.getMessage(), e.toString(), "a shell prints toString(): the errno name first, no class name");
        e = assertThrows(HwException.class, () -> new PciAddress(0, 0, 0, 8));
        assertEquals("EINVAL: PCI function 0x8 is outside 0..0x7", e.getMessage());
    }

    @Test
    void printedByteForByteAsTheFormatterPrintedIt() {
        for (int domain : new int[] {0, 1, 0xa, 0x10, 0xabc, PciAddress.MAX_DOMAIN}) {
            for (int bus : new int[] {0, 1, 0xf, 0x10, PciAddress.MAX_BUS}) {
                for (int device = 0; device <= PciAddress.MAX_DEVICE; device++) {
                    for (int function = 0; function <= PciAddress.MAX_FUNCTION; function++) {
                        assertEquals(String.format("%04x:%02x:%02x.%x", domain, bus, device, function),
                                new PciAddress(domain, bus, device, function).toString());
                    }
                }
            }
        }
    }
}
