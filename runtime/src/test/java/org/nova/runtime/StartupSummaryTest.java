package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeType;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.runtime.StartupSummary.BusCounts;

class StartupSummaryTest {
    @Test
    void oneLineWithBusesDevicesBoundDriversAndTheTimeToSettle() {
        assertEquals("nova: settled in 3.2 s: 2 buses (auxiliary, pci), 9/9 devices bound, 6 drivers",
                StartupSummary.format(Duration.ofMillis(3_249), List.of(
                        new BusCounts("auxiliary", 4, 4, 0, 2), new BusCounts("pci", 5, 5, 0, 4))));
        assertEquals("nova: settled in 0.9 s: 1 bus (pci), 1/3 devices bound, 1 driver, 1 deferred",
                StartupSummary.format(Duration.ofMillis(912), List.of(new BusCounts("pci", 3, 1, 1, 1))));
        assertEquals("nova: settled in 0.0 s: 0 buses, 0/0 devices bound, 0 drivers",
                StartupSummary.format(Duration.ZERO, List.of()));
    }

    /** A bus whose driver binds the devices named "ok*" and rejects the others. */
    private static final class Bus implements BusType {
        private final String name;

        Bus(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor driver) {
            return MatchResult.match(1, null, "any");
        }

        @Override
        public Object probe(Device device, DriverDescriptor driver, MatchResult match) {
            if (!device.name().startsWith("ok")) {
                throw new DriverException(Errno.ENODEV, "not mine");
            }
            return device.name();
        }

        @Override
        public void remove(Device device, DriverDescriptor driver, Object driverData) {
        }
    }

    @Test
    void countsComeFromTheDriverCore() {
        try (StandaloneDriverCore core = StandaloneDriverCore.start()) {
            assertEquals(List.of(), StartupSummary.counts(core.core()));
            BusRegistration bus = core.core().registerBus(new Bus("test"));
            bus.registerDriver(new DriverDescriptor("drv", new Object(), "test.bundle", 0, 1,
                    ProbeType.FORCE_SYNCHRONOUS));
            bus.addDevice("ok0", null, null);
            bus.addDevice("ok1", null, null);
            bus.addDevice("no0", null, null);
            assertTrue(core.core().waitForDeviceProbe(Duration.ofSeconds(10)));
            assertEquals(List.of(new BusCounts("test", 3, 2, 0, 1)), StartupSummary.counts(core.core()));
        }
    }

    @Test
    void busesAreListedByNameWhateverTheirRegistrationOrder() {
        try (StandaloneDriverCore core = StandaloneDriverCore.start()) {
            core.core().registerBus(new Bus("pci"));
            core.core().registerBus(new Bus("auxiliary"));
            assertEquals(List.of("auxiliary", "pci"),
                    StartupSummary.counts(core.core()).stream().map(BusCounts::name).toList());
        }
    }
}
