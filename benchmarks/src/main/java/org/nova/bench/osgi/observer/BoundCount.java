package org.nova.bench.osgi.observer;

import java.time.Duration;
import java.util.function.IntSupplier;

import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The framework benchmarks' observer (a bundle the benchmark builds from this package): how many
 * PCI devices are bound to the benchmark's driver once the probes in flight are done. Published as
 * a {@link IntSupplier}, a JDK type, so that the benchmark outside the framework, whose class path
 * has its own copies of the project's classes, can call it without sharing a class with the
 * bundles.
 */
@Component(service = IntSupplier.class, property = BoundCount.PROPERTY + "=true")
public final class BoundCount implements IntSupplier {
    /** Service property that marks this service. */
    public static final String PROPERTY = "nova.bench.bound";
    /** The PCI bus's name (org.nova.bus.pci.PciBus.NAME; the observer knows the driver core alone). */
    static final String PCI = "pci";
    /** The benchmark driver's name (org.nova.bench.osgi.driver.BenchDriver.NAME, another bundle's). */
    static final String DRIVER = "nova-bench";
    /** The longest wait for the probes in flight: a benchmark that hangs fails instead. */
    static final Duration PROBE_WAIT = Duration.ofSeconds(30);

    private final DriverCore core;

    /** @param core the framework's driver core */
    @Activate
    public BoundCount(@Reference DriverCore core) {
        this.core = core;
    }

    /**
     * @return the devices bound to the benchmark's driver once no probe is in flight
     * @throws IllegalStateException if probes are still running after {@link #PROBE_WAIT}
     */
    @Override
    public int getAsInt() {
        if (!core.waitForDeviceProbe(PROBE_WAIT)) {
            throw new IllegalStateException("probes still running after " + PROBE_WAIT);
        }
        int bound = 0;
        for (Device d : core.requireBus(PCI).devices()) {
            if (d.driver().filter(DRIVER::equals).isPresent()) {
                bound++;
            }
        }
        return bound;
    }
}
