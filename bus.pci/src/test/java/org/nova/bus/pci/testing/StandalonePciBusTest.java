package org.nova.bus.pci.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.bus.pci.fake.FakeFunction;
import org.nova.devres.Devres;
import org.nova.devres.RevokedException;
import org.nova.driver.Bus;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.RegionFlag;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/** A real driver on the real PCI bus, on a standalone core, over a test's own host bridge. */
class StandalonePciBusTest {
    static final PciAddress TESTDEV = new PciAddress(0, 0, 3, 0);

    /** pci-testdev's driver in miniature: enable, map BAR0, write a register. */
    static final class Testdev implements PciDriver<Void> {
        final List<Devres<Bar>> bars = new ArrayList<>();
        final List<String> log = new ArrayList<>();

        @Override
        public String name() {
            return "testdev";
        }

        @Override
        public List<PciDeviceId> idTable() {
            return List.of(PciDeviceId.of(0x1b36, 0x0005));
        }

        @Override
        public Void probe(PciDevice dev, PciDeviceId id) {
            dev.enableDeviceMem();
            Devres<Bar> bar = dev.iomapRegionSized(0, 0x100, name());
            try (var g = bar.access()) {
                g.get().write32(0x10, 0x5eed);
            }
            bars.add(bar);
            log.add("probe " + dev.address());
            return null;
        }

        @Override
        public void unbind(PciDevice dev, Void data) {
            log.add("unbind " + dev.address());
        }
    }

    static FakeBridge bridge() {
        FakeBridge bridge = new FakeBridge("own0", 0);
        bridge.function(TESTDEV.device(), TESTDEV.function(), PciRegs.PCI_CFG_SPACE_SIZE)
                .ids(0x1b36, 0x0005, 0x1af4, 0x1100, 0x00ff00, 0).region(0, 0x1000, true, RegionFlag.MEMORY);
        return bridge;
    }

    @Test
    void aDriverBindsMapsAndLetsGoWhenItsRegistrationCloses() {
        FakeBridge bridge = bridge();
        FakeFunction fn = (FakeFunction) bridge.functions().get(0);
        try (StandaloneDriverCore core = StandaloneDriverCore.start();
                StandalonePciBus pci = StandalonePciBus.start(core.core())) {
            pci.addBridge(bridge);
            Testdev drv = new Testdev();
            DriverRegistration reg = pci.registerDriver(drv);
            Bus bus = core.core().requireBus(PciBus.NAME);
            assertEquals(Optional.of("testdev"), bus.device(TESTDEV.toString()).orElseThrow().driver());
            assertEquals(List.of("probe " + TESTDEV), drv.log);
            PciDevice dev = pci.bus().device(TESTDEV).orElseThrow();
            assertEquals(PciRegs.PCI_COMMAND_MEMORY, dev.read16(PciRegs.PCI_COMMAND) & PciRegs.PCI_COMMAND_MEMORY);
            try (var g = drv.bars.get(0).access()) {
                assertEquals(0x5eed, g.get().read32(0x10), "the function's BAR, through the bus's mapping");
            }
            assertEquals(1, fn.liveMaps.get());

            reg.close();
            assertEquals(List.of("probe " + TESTDEV, "unbind " + TESTDEV), drv.log);
            assertThrows(RevokedException.class, () -> drv.bars.get(0).access());
            assertEquals(0, fn.liveMaps.get(), "the BAR was unmapped with the binding");
            assertTrue(dev.device().devres().isEmpty());
        }
    }

    @Test
    void closingTheBusRemovesTheDevicesAndUnregistersIt() {
        FakeBridge bridge = bridge();
        try (StandaloneDriverCore core = StandaloneDriverCore.start()) {
            Testdev drv = new Testdev();
            StandalonePciBus pci = StandalonePciBus.start(core.core());
            assertEquals(Errno.EBUSY, assertThrows(DriverException.class,
                    () -> StandalonePciBus.start(core.core())).errno(), "one pci bus per core");
            pci.registerDriver(drv);
            assertEquals(Errno.EBUSY, assertThrows(DriverException.class, () -> pci.registerDriver(new Testdev()))
                    .errno(), "one driver per name");
            pci.addBridge(bridge);
            assertEquals(1, bridge.listenerCount(), "hot add and remove are followed");
            pci.close();
            assertEquals(List.of("probe " + TESTDEV, "unbind " + TESTDEV), drv.log);
            assertEquals(0, bridge.listenerCount());
            assertTrue(core.core().bus(PciBus.NAME).isEmpty());
            try (StandalonePciBus again = StandalonePciBus.start(core.core())) {
                again.addBridge(bridge);
                assertTrue(again.bus().device(TESTDEV).isPresent(), "a new bus on the same core");
            }
        }
    }
}
