package org.nova.hw.vfio.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;

/** The standalone bridge on a machine where the function to open does not exist. */
class StandaloneVfioBridgeTest {
    /** A function no machine has: the last function of the last device of bus 0xff of domain 0xffff. */
    private static final PciAddress NOWHERE = PciAddress.parse("ffff:ff:1f.7");

    @Test
    void openingAFunctionThatIsNotThereFailsNamingIt() {
        HwException e = assertThrows(HwException.class, () -> StandaloneVfioBridge.open("bench0", List.of(NOWHERE)));
        // without VFIO the container node is missing (ENOENT); with it, sysfs does not list the function (ENODEV)
        assertTrue(Set.of(HwException.ENOENT, HwException.ENODEV).contains(e.errno()), e.toString());
        assertTrue(e.getMessage().contains(NOWHERE.toString()), e.getMessage());
    }
}
