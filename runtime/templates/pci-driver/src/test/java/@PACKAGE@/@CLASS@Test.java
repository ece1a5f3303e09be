package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.testkit.PciTestBinding;
import org.nova.testkit.SimulatedPci;

/** The driver on a simulated PCI function with its IDs: the real PCI bus and driver core, no framework. */
class @CLASS@Test {
    @Test
    void probeMapsBar0AsDevresAndUnbindReleasesIt() {
        try (PciTestBinding b = SimulatedPci.withDevice(@CLASS@.VENDOR_ID, @CLASS@.DEVICE_ID).bind(new @CLASS@())) {
            assertTrue(b.probed(), () -> "probe failed: " + b.probeError());
            assertTrue(b.devres().contains("pci:bar0"), () -> "devres: " + b.devres());
            assertTrue(b.log().stream().anyMatch(l -> l.contains("BAR0 mapped")), () -> "log: " + b.log());
            b.unbind();
            assertEquals(List.of(), b.devres(), "every devres is released at unbind");
        }
    }
}
