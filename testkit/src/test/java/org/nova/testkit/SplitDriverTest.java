package org.nova.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryRegistration;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * The test kit with a split driver, as nova-core and nova-drm are one: a PCI parent that maps
 * BAR0 and registers an auxiliary device carrying the mapping, and the auxiliary driver of that
 * device, which reaches the parent's registers through it.
 */
class SplitDriverTest {
    static final int VENDOR = 0x1234;
    static final int DEVICE = 0xabcd;
    /** The parent's module name and the auxiliary device's name within it. */
    static final String MODNAME = "split";
    static final String DEVNAME = "ctl";
    /** What the auxiliary driver matches. */
    static final String ID = MODNAME + "." + DEVNAME;
    /** A scratch register of BAR0 the parent writes and the child reads back. */
    static final int SCRATCH = 0x10;
    static final int PATTERN = 0xc0ffee;

    /** The registration data: the parent's BAR0, valid while the parent is bound. */
    record Regs(Devres<Bar> bar0) {
    }

    /** The parent: BAR0 first, then the child, so devres removes the child before unmapping. */
    static final class Parent implements PciDriver<Devres<AuxiliaryRegistration>> {
        private final AuxiliaryBus aux;

        Parent(AuxiliaryBus aux) {
            this.aux = aux;
        }

        @Override
        public String name() {
            return MODNAME;
        }

        @Override
        public List<PciDeviceId> idTable() {
            return List.of(PciDeviceId.of(VENDOR, DEVICE));
        }

        @Override
        public Devres<AuxiliaryRegistration> probe(PciDevice dev, PciDeviceId id) {
            dev.enableDeviceMem();
            Devres<Bar> bar0 = dev.iomapRegion(0, MODNAME);
            try (var bar = bar0.access()) {
                bar.get().write32(SCRATCH, PATTERN);
            }
            return aux.register(dev.device(), MODNAME, DEVNAME, 0, new Regs(bar0));
        }
    }

    /** The child: reads the parent's register through the registration data, or refuses. */
    static final class Child implements AuxiliaryDriver<Integer> {
        private final boolean refuse;

        Child(boolean refuse) {
            this.refuse = refuse;
        }

        @Override
        public String name() {
            return MODNAME + ".ctl_driver";
        }

        @Override
        public List<String> idTable() {
            return List.of(ID);
        }

        @Override
        public Integer probe(AuxiliaryDevice dev, String matchedId) {
            if (refuse) {
                throw new DriverException(Errno.EIO, "child: the control block did not answer");
            }
            dev.device().devres().addAction("child:stop", () -> { });
            Regs regs = dev.registrationData(Regs.class).orElseThrow();
            try (var bar = regs.bar0().access()) {
                return bar.get().read32(SCRATCH);
            }
        }
    }

    @Test
    void theParentsDeviceBindsTheChildWhichSeesTheParentsBarAndUnbindRemovesIt() {
        try (PciTestBinding b = SimulatedPci.withDevice(VENDOR, DEVICE).withAuxiliaryDriver(new Child(false))
                .bind(Parent::new)) {
            assertTrue(b.probed(), () -> "probe failed: " + b.probeError());
            List<String> devres = b.devres();
            assertTrue(devres.indexOf("pci:bar0") >= 0
                    && devres.indexOf("pci:bar0") < devres.indexOf("auxiliary:split.ctl.0"),
                    () -> "BAR0, then the auxiliary device (released first): " + devres);
            List<AuxiliaryDevice> aux = b.auxiliaryDevices();
            assertEquals(List.of("split.ctl.0"), aux.stream().map(AuxiliaryDevice::name).toList());
            AuxiliaryDevice ctl = aux.getFirst();
            assertEquals(b.device().device(), ctl.parent());
            assertEquals(VENDOR, ctl.parent().busData(PciDevice.class).vendorId());
            assertEquals(Optional.of("split.ctl_driver"), ctl.device().driver());
            assertEquals(Optional.of(PATTERN), ctl.device().driverData(Integer.class), "read through the parent's BAR0");
            assertEquals(List.of("auxiliary:driver-data", "child:stop"), b.devres(ctl), "the bus keeps the data, oldest");

            b.unbind();
            assertEquals(List.of(), b.auxiliaryDevices(), "the parent's unbind removed its auxiliary device");
            assertTrue(ctl.device().isDead());
            assertEquals(List.of(), b.devres(ctl));
            assertEquals(List.of(), b.devres(), "every devres of the parent is released");

            assertTrue(b.bind(), "bound again");
            assertEquals(List.of("split.ctl.0"), b.auxiliaryDevices().stream().map(AuxiliaryDevice::name).toList());
        }
    }

    @Test
    void aChildThatRefusesLeavesItsDeviceUnboundAndTheParentBound() {
        try (PciTestBinding b = SimulatedPci.withDevice(VENDOR, DEVICE).withAuxiliaryDriver(new Child(true))
                .bind(Parent::new)) {
            assertTrue(b.probed(), () -> "probe failed: " + b.probeError());
            AuxiliaryDevice ctl = b.auxiliaryDevices().getFirst();
            assertEquals(Optional.empty(), ctl.device().driver());
            assertTrue(b.log().stream().anyMatch(l -> l.contains("split.ctl.0") && l.contains("did not answer")),
                    b.log().toString());
            assertEquals(List.of(), b.devres(ctl));
        }
    }

    @Test
    void aPciDriverAloneHasAnEmptyAuxiliaryBus() {
        try (PciTestBinding b = SimulatedPci.withDevice(VENDOR, DEVICE).bind(new SimulatedPciTest.Probing(
                List.of(PciDeviceId.of(VENDOR, DEVICE))))) {
            assertTrue(b.probed());
            assertEquals(List.of(), b.auxiliaryDevices());
        }
    }
}
