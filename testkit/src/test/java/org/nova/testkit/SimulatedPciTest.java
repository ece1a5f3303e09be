package org.nova.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The test kit as a driver's unit test uses it: bind, look, unbind, and the failures it reports. */
class SimulatedPciTest {
    static final int VENDOR = 0x1234;
    static final int DEVICE = 0xabcd;
    /** A register the driver writes and reads back through BAR0's scratch registers. */
    static final int SCRATCH = 0x10;
    static final int PATTERN = 0x5eed;

    /** The generated driver's probe in miniature: enable, map BAR0 as devres, touch it, log. */
    static final class Probing implements PciDriver<Devres<Bar>> {
        private static final Logger LOG = LoggerFactory.getLogger(Probing.class);
        final List<PciDeviceId> table;
        volatile int readBack;

        Probing(List<PciDeviceId> table) {
            this.table = table;
        }

        @Override
        public String name() {
            return "probing";
        }

        @Override
        public List<PciDeviceId> idTable() {
            return table;
        }

        @Override
        public Devres<Bar> probe(PciDevice dev, PciDeviceId id) {
            dev.enableDeviceMem();
            Devres<Bar> bar0 = dev.iomapRegion(0, name());
            try (var bar = bar0.access()) {
                bar.get().write32(SCRATCH, PATTERN);
                readBack = bar.get().read32(SCRATCH);
            }
            LOG.info("{}: BAR0 mapped", dev.slot());
            return bar0;
        }
    }

    /** A driver whose probe fails after it acquired something: the core must release it. */
    static final class Failing implements PciDriver<Void> {
        @Override
        public String name() {
            return "failing";
        }

        @Override
        public List<PciDeviceId> idTable() {
            return List.of(PciDeviceId.of(VENDOR, DEVICE));
        }

        @Override
        public Void probe(PciDevice dev, PciDeviceId id) {
            dev.iomapRegion(0, name());
            throw new DriverException(Errno.EIO, "failing: the device did not answer");
        }
    }

    @Test
    void aDriverBindsHoldsItsBarAsDevresLogsAndReleasesItAtUnbind() {
        Probing driver = new Probing(List.of(PciDeviceId.of(VENDOR, DEVICE)));
        try (PciTestBinding b = SimulatedPci.withDevice(VENDOR, DEVICE).bind(driver)) {
            assertTrue(b.probed(), () -> "probe failed: " + b.probeError());
            assertTrue(b.probeError().isEmpty());
            assertEquals(PATTERN, driver.readBack, "BAR0's scratch register reads back what was written");
            assertEquals(VENDOR, b.device().vendorId());
            assertTrue(b.devres().contains("pci:bar0"), b.devres().toString());
            assertTrue(b.log().stream().anyMatch(l -> l.startsWith("INFO ") && l.endsWith(SimulatedPci.SLOT + ": BAR0 mapped")),
                    b.log().toString());
            b.unbind();
            assertFalse(b.probed());
            assertEquals(List.of(), b.devres(), "every devres is released at unbind");
            assertTrue(b.bind(), "bound again");
            assertTrue(b.devres().contains("pci:bar0"));
        }
    }

    @Test
    void aFailedProbeSaysWhyAndKeepsNothing() {
        try (PciTestBinding b = SimulatedPci.withDevice(VENDOR, DEVICE).bind(new Failing())) {
            assertFalse(b.probed());
            assertTrue(causes(b.probeError().orElseThrow()).contains("failing: the device did not answer"),
                    b.probeError().toString());
            assertEquals(List.of(), b.devres(), "what the failed probe acquired is released");
        }
    }

    /** @return the messages of an exception and its causes, one per line */
    static String causes(Throwable t) {
        StringBuilder out = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            out.append(c.getMessage()).append('\n');
        }
        return out.toString();
    }

    @Test
    void anIdTableThatDoesNotMatchTheDeviceIsEnodev() {
        try (PciTestBinding b = SimulatedPci.withDevice(VENDOR, DEVICE + 1)
                .bind(new Probing(List.of(PciDeviceId.of(VENDOR, DEVICE))))) {
            assertFalse(b.probed());
            assertEquals(Errno.ENODEV, ((DriverException) b.probeError().orElseThrow()).errno());
            assertThrows(DriverException.class, b::unbind, "nothing to unbind");
        }
    }

    @Test
    void idsAndOptionsTheModelRefusesAreEinvalNamingTheOption() {
        HwException e = assertThrows(HwException.class, () -> SimulatedPci.withDevice(0xffff, DEVICE)
                .bind(new Failing()));
        assertEquals(HwException.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("vendor"), e.getMessage());
        assertThrows(HwException.class, () -> SimulatedPci.withDevice(VENDOR, DEVICE).option("bars", "0:mem32:3K")
                .bind(new Failing()));
    }
}
