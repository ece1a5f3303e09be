package org.nova.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.it.testbus.Bound;
import org.nova.it.testbus.TestBusControl;
import org.nova.it.testbus.TestLog;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * What the suites on the test bus share: the injected services, bundle handling, and the devres
 * invariant — every live devres belongs to a binding that exists, in the number its driver
 * acquires, under the right device, driver and bundle labels.
 */
public abstract class TestBusSupport {
    @Inject
    protected BundleContext context;

    @Inject
    protected DriverCore core;

    @Inject
    protected TestBusControl control;

    /** @return the test bus */
    protected Bus bus() {
        return control.bus();
    }

    /** @return the device, which must exist */
    protected Device device(String name) {
        return bus().device(name).orElseThrow(() -> new AssertionError("no device " + name + " on the test bus"));
    }

    /** @return the driver a device is bound to, or "-" */
    protected String driverOf(String device) {
        return device(device).driver().orElse("-");
    }

    /** @return what the bound driver's probe returned */
    protected Bound bound(String device) {
        return device(device).driverData(Bound.class)
                .orElseThrow(() -> new AssertionError(device + " is not bound (driver " + driverOf(device) + ")"));
    }

    /** Waits until no probe is pending (wait_for_device_probe). */
    protected void settle() {
        assertTrue("probes still pending after 10 s", core.waitForDeviceProbe(Duration.ofSeconds(10)));
    }

    /** Waits until the device is bound to {@code driver} ("-" for unbound). */
    protected void awaitDriver(String device, String driver) {
        Await.until(device + " is bound to " + driver, () -> driverOf(device).equals(driver),
                () -> driverOf(device));
        settle();
    }

    /** @return the bundle with that symbolic name, if installed */
    protected Optional<Bundle> bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** Installs a test bundle (see {@link TestBundles}) without starting it. */
    protected Bundle install(String testBundle) throws BundleException {
        Bundle b = context.installBundle(TestBundles.url(testBundle));
        assertNotNull(b);
        return b;
    }

    /** Updates a bundle from the jar of another test bundle (same symbolic name). */
    protected void update(Bundle bundle, String testBundle) throws BundleException, IOException {
        try (InputStream in = new FileInputStream(TestBundles.jar(testBundle))) {
            bundle.update(in);
        }
    }

    /** Starts a bundle if it is not active. */
    protected void start(String symbolicName) throws BundleException {
        Bundle b = bundle(symbolicName).orElseThrow(() -> new AssertionError(symbolicName + " is not installed"));
        b.start();
        settle();
    }

    /** Stops a bundle if it is installed. */
    protected void stop(String symbolicName) throws BundleException {
        Optional<Bundle> b = bundle(symbolicName);
        if (b.isPresent()) {
            b.get().stop();
            settle();
        }
    }

    /** Uninstalls a bundle if it is installed. */
    protected void uninstall(String symbolicName) throws BundleException {
        Optional<Bundle> b = bundle(symbolicName);
        if (b.isPresent()) {
            b.get().uninstall();
            settle();
        }
    }

    /** How many devres each test driver's probe acquires. */
    protected static int devresOf(Bound b) {
        return switch (b.driver() + "-" + b.version()) {
            case "alpha-1.0.0" -> 2;
            case "alpha-2.0.0" -> 3;
            case "beta-1.0.0" -> 1;
            default -> throw new AssertionError("unknown test driver " + b);
        };
    }

    /**
     * The devres invariant, from the core's own counts: each device holds exactly what its bound
     * driver acquired (nothing when unbound), and the per-driver, per-bundle and total counts are
     * the sums of that — so nothing leaked and nothing was released twice.
     */
    protected void assertDevresMatchBindings() {
        Map<String, Integer> byDevice = new TreeMap<>();
        Map<String, Integer> byDriver = new TreeMap<>();
        Map<String, Integer> byBundle = new TreeMap<>();
        int total = 0;
        for (Device d : bus().devices()) {
            Optional<Bound> b = d.driverData(Bound.class);
            int n = b.map(TestBusSupport::devresOf).orElse(0);
            assertEquals(d.name() + " (bound to " + d.driver().orElse("nothing") + ") live devres", n,
                    d.devres().liveCount());
            if (n > 0) {
                byDevice.put(d.name(), n);
                byDriver.merge(b.get().driver(), n, Integer::sum);
                byBundle.merge(b.get().driver(), n, Integer::sum); // bundle symbolic name = driver name
                total += n;
            }
        }
        assertEquals("live devres per device", byDevice, core.devres().liveByDevice());
        assertEquals("live devres per driver", byDriver, core.devres().liveByDriver());
        assertEquals("live devres per bundle", byBundle, core.devres().liveByBundle());
        assertEquals("live devres in total", total, core.devres().liveTotal());
    }

    /**
     * Every devres a test driver acquired was released exactly once: call when no test driver is
     * bound any more.
     */
    protected static void assertEveryAcquiredDevresReleasedOnce() {
        Map<String, Long> acquired = TestLog.all().stream().filter(e -> e.what().startsWith("acquire:"))
                .collect(Collectors.groupingBy(e -> key(e, "acquire:"), TreeMap::new, Collectors.counting()));
        Map<String, Long> released = TestLog.all().stream().filter(e -> e.what().startsWith("release:"))
                .collect(Collectors.groupingBy(e -> key(e, "release:"), TreeMap::new, Collectors.counting()));
        assertEquals("devres released (by driver/version/device/name) vs acquired", acquired, released);
    }

    private static String key(TestLog.Entry e, String prefix) {
        return e.driver() + "-" + e.version() + "/" + e.device() + "/" + e.what().substring(prefix.length());
    }

    /** @return the log entries of one driver from {@code mark} on, for one device, as "what@STATE" */
    protected static List<String> callbacks(int mark, String driver, String device) {
        return TestLog.since(mark, e -> e.driver().equals(driver) && e.device().equals(device)).stream()
                .map(e -> e.what() + "@" + e.state()).toList();
    }
}
