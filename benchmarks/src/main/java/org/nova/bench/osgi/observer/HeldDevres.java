package org.nova.bench.osgi.observer;

import java.util.function.IntSupplier;

import org.nova.devres.DevresEntry;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The devres held by the devices bound to the benchmark's driver (as {@link BoundCount}, a JDK
 * type): the benchmarks check with it, outside the timed region, that the probes really acquired
 * what they claim to.
 */
@Component(service = IntSupplier.class, property = HeldDevres.PROPERTY + "=true")
public final class HeldDevres implements IntSupplier {
    /** Service property that marks this service. */
    public static final String PROPERTY = "nova.bench.devres";
    /** The names the benchmark driver gives its devres start so (BenchDriver's); the bus adds its own. */
    static final String BENCH_PREFIX = "bench:";

    private final DriverCore core;

    /** @param core the framework's driver core */
    @Activate
    public HeldDevres(@Reference DriverCore core) {
        this.core = core;
    }

    /** @return the benchmark driver's live devres on the devices bound to the benchmark's driver, at this moment */
    @Override
    public int getAsInt() {
        int held = 0;
        for (Device d : core.requireBus(BoundCount.PCI).devices()) {
            if (d.driver().filter(BoundCount.DRIVER::equals).isPresent()) {
                for (DevresEntry e : d.devres().entries()) {
                    held += e.name().startsWith(BENCH_PREFIX) ? 1 : 0;
                }
            }
        }
        return held;
    }
}
