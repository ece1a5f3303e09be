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
 * Issue 16: restarting a driver bundle in a real framework ({@link BenchFramework}: Felix, SCR and
 * the project's driver.core, devres and bus.pci bundles) while it is bound to {@link #devices}
 * PCI devices, each binding holding {@link #devres} device resources. One operation is
 * {@code Bundle.stop()} (SCR deactivates the driver component, the PCI bus's tracker unregisters
 * the driver, every device unbinds and releases its devres) then {@code Bundle.start()} (the
 * component comes back, the driver is registered, every device is matched and probed again) until
 * every device is bound again, as the observer reports once no probe is in flight. Goal: under
 * 100 ms at 1,000 devices with 10 devres each. The framework, the platform and the first start
 * are set up once per trial, outside the timed region.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BundleRestartBench {
    /** PCI devices the driver is bound to. */
    @Param({"100", "1000", "10000"})
    public int devices;

    /** Device resources each probe acquires. */
    @Param({"10"})
    public int devres;

    private BenchFramework framework;
    private Bundle driver;

    @Setup(Level.Trial)
    public void setUp() throws BundleException {
        framework = BenchFramework.start(devices);
        driver = framework.context().installBundle("bench:driver",
                new ByteArrayInputStream(BenchFramework.driverBundle(devres)));
        driver.start();
        check(framework.bound(), "after the first start");
        if (framework.heldDevres() != devices * devres) {
            throw new IllegalStateException(framework.heldDevres() + " devres held, not " + devices * devres);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        framework.close();
    }

    /** Stop and start of the driver bundle; returns when every device is bound again. */
    @Benchmark
    public int stopStart() throws BundleException {
        driver.stop();
        driver.start();
        return check(framework.bound(), "after the restart");
    }

    private int check(int bound, String when) {
        if (bound != devices) {
            throw new IllegalStateException(bound + " of " + devices + " devices bound " + when);
        }
        return bound;
    }
}
