package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.driver.testing.TestContexts;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/** The OSGi glue: the component's lifecycle and bridge references drive the bus it owns. */
class PciBusComponentTest {
    @Test
    void activationRegistersTheBusBridgesComeAndGoDeactivationUnregisters() {
        try (StandaloneDriverCore standalone = StandaloneDriverCore.start()) {
            PciBusComponent pci = new PciBusComponent(TestContexts.nullContext(), standalone.core());
            assertEquals(Errno.EBUSY, assertThrows(DriverException.class,
                    () -> new PciBusComponent(TestContexts.nullContext(), standalone.core())).errno(),
                    "one pci bus per core");
            FakeBridge bridge = new FakeBridge("fake0", 0);
            bridge.function(4, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10);
            pci.addBridge(bridge);
            assertEquals(List.of(new PciAddress(0, 0, 4, 0)),
                    pci.devices().stream().map(PciDeviceInfo::address).toList());
            assertTrue(pci.device("00:04.0").isPresent());
            assertEquals(1, bridge.listenerCount());
            pci.removeBridge(bridge);
            assertTrue(pci.devices().isEmpty());
            assertEquals(0, bridge.listenerCount());

            pci.addBridge(bridge);
            Device dev = standalone.core().requireBus(PciBus.NAME).device("0000:00:04.0").orElseThrow();
            pci.deactivate();
            assertTrue(dev.isDead(), "the bridges' devices are removed");
            assertEquals(0, bridge.listenerCount());
            assertTrue(standalone.core().bus(PciBus.NAME).isEmpty(), "the bus is unregistered");
        }
    }
}
