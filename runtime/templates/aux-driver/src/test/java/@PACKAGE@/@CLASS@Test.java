package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.testkit.PciTestBinding;
import org.nova.testkit.SimulatedPci;

/**
 * Both drivers on a simulated PCI function with the parent's IDs: the real PCI bus, auxiliary bus
 * and driver core, no framework.
 */
class @CLASS@Test {
    @Test
    void bothDriversBindAndUnbindingTheParentRemovesTheChild() {
        try (PciTestBinding b = SimulatedPci.withDevice(@CLASS@.VENDOR_ID, @CLASS@.DEVICE_ID)
                .withAuxiliaryDriver(new @AUX_CLASS@()).bind(@CLASS@::new)) {
            assertTrue(b.probed(), () -> "probe failed: " + b.probeError());
            assertTrue(b.devres().contains("pci:bar0"), () -> "devres: " + b.devres());
            List<AuxiliaryDevice> added = b.auxiliaryDevices();
            assertEquals(1, added.size(), () -> "auxiliary devices: " + added);
            AuxiliaryDevice ctl = added.getFirst();
            assertTrue(ctl.name().startsWith(@AUX_CLASS@.ID + "."), ctl.name());
            assertEquals(Optional.of(@AUX_CLASS@.NAME), ctl.device().driver(), "the auxiliary driver bound it");
            assertTrue(b.log().stream().anyMatch(l -> l.contains(ctl.name() + ": probed")), () -> "log: " + b.log());

            b.unbind();
            assertEquals(List.of(), b.auxiliaryDevices(), "unbinding the parent removed the auxiliary device");
            assertTrue(b.log().stream().anyMatch(l -> l.contains(ctl.name() + ": removed")), () -> "log: " + b.log());
            assertEquals(List.of(), b.devres(ctl), "the child's devres are released");
            assertEquals(List.of(), b.devres(), "every devres of the parent is released at unbind");
        }
    }
}
