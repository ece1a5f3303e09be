package org.nova.bench.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * The framework the bundle benchmarks measure in: the project's bundles resolve and start, the
 * driver bundle built with bnd binds every function with its devres, and stopping, starting and
 * uninstalling it unbinds and rebinds them, as BundleRestartBench and HotLoadBench assume.
 */
class BenchFrameworkTest {
    private static final int DEVICES = 40;
    private static final int DEVRES = 3;

    @Test
    void driverBundleBindsRestartsAndUninstalls() throws Exception {
        try (BenchFramework f = BenchFramework.start(DEVICES)) {
            assertEquals(0, f.bound());
            Bundle driver = f.context().installBundle("bench:driver",
                    new ByteArrayInputStream(BenchFramework.driverBundle(DEVRES)));
            driver.start();
            assertEquals(DEVICES, f.bound());
            assertEquals(DEVICES * DEVRES, f.heldDevres());
            driver.stop();
            assertEquals(0, f.bound());
            assertEquals(0, f.heldDevres());
            driver.start();
            assertEquals(DEVICES, f.bound());
            driver.uninstall();
            assertEquals(0, f.bound());
        }
    }
}
