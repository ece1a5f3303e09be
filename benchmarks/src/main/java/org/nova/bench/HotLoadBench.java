package org.nova.bench;

import java.io.ByteArrayInputStream;
import java.util.concurrent.TimeUnit;

import org.nova.bench.osgi.BenchFramework;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Issue 16: hot-loading a driver bundle into a running framework ({@link BenchFramework}) whose
 * PCI bus already has {@link #devices} unbound devices: one operation is
 * {@code installBundle} (from the jar's bytes, built once per trial) and {@code start()} until
 * every device is bound to the new driver, each probe acquiring {@link #devres} device
 * resources: resolving the bundle, its class loader, SCR's component, the driver's registration
 * and every match and probe. The uninstall (every device unbound again) runs after each
 * operation, outside the timed region.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotLoadBench {
    /** PCI devices waiting for the driver. */
    @Param({"100", "1000", "10000"})
    public int devices;

    /** Device resources each probe acquires. */
    @Param({"10"})
    public int devres;

    private BenchFramework framework;
    private byte[] jar;
    private Bundle driver;

    @Setup(Level.Trial)
    public void setUp() {
        framework = BenchFramework.start(devices);
        jar = BenchFramework.driverBundle(devres);
        if (framework.bound() != 0) {
            throw new IllegalStateException("devices bound before the driver is installed");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        framework.close();
    }

    /** Uninstalls the driver the operation loaded: every device unbinds, outside the timed region. */
    @TearDown(Level.Invocation)
    public void uninstall() throws BundleException {
        if (driver != null) {
            driver.uninstall();
            driver = null;
            int left = framework.bound();
            if (left != 0) {
                throw new IllegalStateException(left + " devices still bound after the uninstall");
            }
        }
    }

    /** Install and start of the driver bundle; returns when every device is bound. */
    @Benchmark
    public int installStart() throws BundleException {
        driver = framework.context().installBundle("bench:driver", new ByteArrayInputStream(jar));
        driver.start();
        int bound = framework.bound();
        if (bound != devices) {
            throw new IllegalStateException(bound + " of " + devices + " devices bound after the start");
        }
        return bound;
    }

    /** Checks, outside the timed region, that every probe acquired its devres. */
    @TearDown(Level.Iteration)
    public void checkDevres() throws BundleException {
        driver = framework.context().installBundle("bench:driver", new ByteArrayInputStream(jar));
        driver.start();
        int held = framework.heldDevres();
        uninstall();
        if (held != devices * devres) {
            throw new IllegalStateException(held + " devres held, not " + devices * devres);
        }
    }
}
