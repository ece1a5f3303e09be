package org.nova.samples.testdrv;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.ProbeType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PCI driver whose name, id table and probe come from a {@link TestPciDriverConfig}, as the
 * kernel's test modules (lib/test_*.c) exist to drive the core's paths on purpose. Its probe
 * sleeps {@code delay_ms}, then acquires {@code devres} device-managed actions one by one — with
 * {@code probe=fail} the acquisition {@code fail_step} fails instead, so the {@code fail_step - 1}
 * before it are released by the core (really_probe's devres_release_all) — and then binds, defers
 * or rejects the device as configured.
 *
 * <p>What it saw is kept in {@link #events()} and logged: each probe with the matched entry (its
 * driver_data), each acquisition, each release and each unbind. The driver owns nothing outside
 * its devres; its data is the matched entry.
 */
public final class TestPciDriver implements PciDriver<PciDeviceId> {
    private static final Logger LOG = LoggerFactory.getLogger(TestPciDriver.class);

    private final TestPciDriverConfig config;
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** @param config the checked configuration; the driver's behaviour for its whole life */
    public TestPciDriver(TestPciDriverConfig config) {
        this.config = config;
    }

    /** @return the configuration the driver runs */
    public TestPciDriverConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public List<PciDeviceId> idTable() {
        return config.ids();
    }

    @Override
    public ProbeType probeType() {
        return config.probeType();
    }

    /**
     * @return what happened, oldest first: "probe DEV data N", "acquire DEV K", "release DEV K",
     *     "fail DEV K ERRNO", "defer DEV", "enodev DEV", "bound DEV", "unbind DEV"
     */
    public List<String> events() {
        return List.copyOf(events);
    }

    @Override
    public PciDeviceId probe(PciDevice dev, PciDeviceId id) throws InterruptedException {
        String slot = dev.slot();
        record(slot, "probe " + slot + " data " + Long.toHexString(id.driverData()));
        if (config.delayMs() > 0) {
            Thread.sleep(config.delayMs());
        }
        DevresScope devres = dev.device().devres();
        for (int k = 1; k <= config.devres() + 1; k++) {
            if (config.probe() == TestPciDriverConfig.Outcome.FAIL && k == config.failStep()) {
                record(slot, "fail " + slot + " " + k + " " + config.errno());
                throw new DriverException(config.errno(), name() + ": acquisition " + k + " of " + slot
                        + " fails as configured (fail_step " + k + ")");
            }
            if (k > config.devres()) {
                break;
            }
            int step = k;
            devres.addAction("testdrv:" + name() + ":" + step, () -> record(slot, "release " + slot + " " + step));
            record(slot, "acquire " + slot + " " + step);
        }
        switch (config.probe()) {
            case DEFER -> {
                record(slot, "defer " + slot);
                throw new ProbeDeferException(name() + " defers " + slot + " as configured");
            }
            case ENODEV -> {
                record(slot, "enodev " + slot);
                throw new DriverException(Errno.ENODEV, name() + " rejects " + slot + " as configured");
            }
            default -> {
            }
        }
        record(slot, "bound " + slot);
        return id;
    }

    @Override
    public void unbind(PciDevice dev, PciDeviceId data) {
        record(dev.slot(), "unbind " + dev.slot());
    }

    private void record(String slot, String event) {
        events.add(event);
        LOG.info("testdrv {}: {}", name(), event);
    }
}
