package org.nova.bus.auxiliary.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeType;
import org.nova.driver.testing.StandaloneDriverCore;

/** The standalone auxiliary bus as a split driver's test uses it, with the parent on a trivial bus. */
class StandaloneAuxiliaryBusTest {
    StandaloneDriverCore core;
    StandaloneAuxiliaryBus aux;
    BusRegistration platform;
    final List<String> log = new CopyOnWriteArrayList<>();

    /** A bus whose one driver registers the auxiliary device "parent.part.0" when it binds. */
    final class ParentBus implements BusType {
        @Override
        public String name() {
            return "platform";
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor driver) {
            return MatchResult.match(1, null, "always");
        }

        @Override
        public Object probe(Device device, DriverDescriptor driver, MatchResult match) {
            return aux.bus().register(device, "parent", "part", 0, "from the parent");
        }

        @Override
        public void remove(Device device, DriverDescriptor driver, Object data) {
            log.add("parent.remove");
        }
    }

    /** Binds "parent.part" devices and keeps what its probe saw. */
    final class PartDriver implements AuxiliaryDriver<String> {
        @Override
        public String name() {
            return "parent.part_driver";
        }

        @Override
        public List<String> idTable() {
            return List.of("parent.part");
        }

        @Override
        public String probe(AuxiliaryDevice dev, String matchedId) {
            String data = dev.registrationData(String.class).orElseThrow();
            log.add("part.probe " + dev.name() + " of " + dev.parent().name() + ": " + data);
            return data;
        }

        @Override
        public void remove(AuxiliaryDevice dev, String data) {
            log.add("part.remove " + dev.name());
        }
    }

    @BeforeEach
    void setUp() {
        core = StandaloneDriverCore.start();
        aux = StandaloneAuxiliaryBus.start(core.core());
        platform = core.core().registerBus(new ParentBus());
    }

    @AfterEach
    void tearDown() {
        aux.close();
        core.close();
    }

    private Device boundParent() {
        Device p = platform.addDevice("parent0", null, "parent");
        platform.registerDriver(new DriverDescriptor("parent", "parent", "t", 0, 1, ProbeType.DEFAULT_STRATEGY));
        assertEquals(Optional.of("parent"), p.driver());
        return p;
    }

    @Test
    void aRegisteredDriverBindsTheDeviceTheParentRegistersAndTheParentsUnbindRemovesIt() {
        aux.registerDriver(new PartDriver());
        Device parent = boundParent();
        Device part = core.core().requireBus(AuxiliaryBus.NAME).device("parent.part.0").orElseThrow();
        assertEquals(Optional.of("parent.part_driver"), part.driver());
        assertEquals(List.of("part.probe parent.part.0 of parent0: from the parent"), log);
        platform.unbind("parent0");
        assertEquals(List.of("part.probe parent.part.0 of parent0: from the parent", "part.remove parent.part.0",
                "parent.remove"), log);
        assertTrue(part.isDead());
        assertTrue(core.core().requireBus(AuxiliaryBus.NAME).devices().isEmpty());
        assertTrue(parent.devres().isEmpty());
    }

    @Test
    void closingTheRegistrationUnbindsAndClosingTheBusRemovesTheDevices() {
        DriverRegistration reg = aux.registerDriver(new PartDriver());
        Device parent = boundParent();
        Device part = core.core().requireBus(AuxiliaryBus.NAME).device("parent.part.0").orElseThrow();
        reg.close();
        assertEquals(Optional.empty(), part.driver());
        assertTrue(log.contains("part.remove parent.part.0"));
        aux.close();
        assertTrue(part.isDead(), "the bus took its device with it");
        assertTrue(core.core().bus(AuxiliaryBus.NAME).isEmpty());
        platform.unbind("parent0");
        assertTrue(parent.devres().isEmpty(), "the parent's entry for the device released without an error");
    }

    @Test
    void aDriverWithoutIdTableIsEinvalAndASecondBusEbusy() {
        AuxiliaryDriver<Void> none = new AuxiliaryDriver<>() {
            @Override
            public String name() {
                return "none";
            }

            @Override
            public List<String> idTable() {
                return List.of();
            }

            @Override
            public Void probe(AuxiliaryDevice dev, String matchedId) {
                return null;
            }
        };
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> aux.registerDriver(none)).errno());
        assertEquals(Errno.EBUSY, assertThrows(DriverException.class,
                () -> StandaloneAuxiliaryBus.start(core.core())).errno());
    }
}
