package org.nova.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Device;
import org.nova.driver.WhyReport;
import org.nova.it.testbus.Bound;
import org.nova.it.testbus.TestDriver;
import org.nova.it.testbus.TestLog;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/**
 * Driver bundles installed, started, stopped, updated and uninstalled at runtime (insmod/rmmod):
 * each step checks binding, unbinding, devres release and reprobe.
 *
 * <p>Two devices: widget0 (id "widget": alpha matches it exactly, beta generically) and gizmo0
 * (id "gizmo": alpha only). Every test starts with both devices unbound, beta installed but
 * stopped, and alpha not installed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DriverLifecycleIT extends TestBusSupport {
    private static final String WIDGET = "widget0";
    private static final String GIZMO = "gizmo0";

    private UeventRecorder uevents;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.driverModel(), NovaOptions.testBus(),
                NovaOptions.testBundle(TestBundles.BETA) };
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return NovaOptions.probe(probe);
    }

    @Before
    public void devicesWithoutDrivers() throws Exception {
        stop("beta");
        TestLog.clear();
        uevents = UeventRecorder.open(context);
        control.add(WIDGET, "widget");
        control.add(GIZMO, "gizmo");
        settle();
        assertEquals("-", driverOf(WIDGET));
        assertEquals("-", driverOf(GIZMO));
        assertDevresMatchBindings();
    }

    @After
    public void cleanUp() throws Exception {
        try {
            uninstall("alpha");
            start("beta");
            List<String> names = bus().devices().stream().map(Device::name).toList();
            control.removeAll();
            settle();
            for (String n : names) {
                uevents.awaitLast(n, "REMOVE");
            }
            assertTrue(bus().devices().isEmpty());
            assertEquals("devres left after every device was removed", 0, core.devres().liveTotal());
            assertEveryAcquiredDevresReleasedOnce();
        } finally {
            uevents.close();
        }
    }

    /** insmod alpha: both devices bind it; rmmod alpha: they unbind while its code still runs. */
    @Test
    public void startBindsAndStopUnbindsBeforeTheDriverCodeStops() throws Exception {
        Bundle alpha = install(TestBundles.ALPHA_1);
        alpha.start();
        awaitDriver(WIDGET, "alpha");
        awaitDriver(GIZMO, "alpha");
        uevents.awaitLast(WIDGET, "BIND alpha");
        uevents.awaitLast(GIZMO, "BIND alpha");
        assertEquals(new Bound("alpha", "1.0.0", alpha.getBundleId()), bound(WIDGET));
        assertEquals(2, core.devres().liveForDevice(WIDGET));
        assertEquals(4, core.devres().liveForDriver("alpha"));
        assertEquals(4, core.devres().liveForBundle("alpha"));
        assertDevresMatchBindings();

        // a generic driver arriving later does not take a bound device
        start("beta");
        assertEquals("alpha", driverOf(WIDGET));
        assertDevresMatchBindings();

        int mark = TestLog.size();
        alpha.stop();
        // stop() has returned: the devices were unbound, alpha's devres released and widget0
        // reprobed while alpha was STOPPING, before its classes stopped being used
        assertEquals(Bundle.RESOLVED, alpha.getState());
        assertEquals(0, core.devres().liveForBundle("alpha"));
        assertEquals(0, core.devres().liveForDriver("alpha"));
        assertFalse(bus().driver("alpha").isPresent());
        for (String dev : List.of(WIDGET, GIZMO)) {
            // kernel order: the driver's remove, then devres newest first; all of it during STOPPING
            assertEquals(dev, List.of("remove@STOPPING", "release:alpha.action@STOPPING",
                    "release:alpha.buffer@STOPPING"), callbacks(mark, "alpha", dev));
            TestLog.Entry remove = TestLog.since(mark, e -> e.driver().equals("alpha") && e.device().equals(dev)
                    && e.what().equals("remove")).get(0);
            assertTrue("the device's devres are still held when remove runs",
                    remove.liveForBundle() >= 2);
        }
        assertEquals("beta", driverOf(WIDGET));
        assertEquals("-", driverOf(GIZMO));
        assertEquals(new Bound("beta", "1.0.0", bundle("beta").orElseThrow().getBundleId()), bound(WIDGET));
        // widget0's reprobe came after alpha let go of it
        List<TestLog.Entry> widgetLog = TestLog.since(mark, e -> e.device().equals(WIDGET));
        int released = indexOf(widgetLog, "alpha", "release:alpha.buffer");
        int probed = indexOf(widgetLog, "beta", "probe");
        assertTrue("beta probed widget0 after alpha released it: " + widgetLog, released >= 0 && probed > released);
        uevents.awaitLast(WIDGET, "BIND beta");
        uevents.awaitLast(GIZMO, "UNBIND alpha");
        List<String> widgetEvents = uevents.actions(WIDGET);
        assertEquals(List.of("ADD", "BIND alpha", "UNBIND alpha", "BIND beta"), widgetEvents);
        assertDevresMatchBindings();
    }

    /** A bound device stays bound when a better driver comes back; drv:why says who would win. */
    @Test
    public void restartedDriverDoesNotStealAndManualBindMovesTheDevice() throws Exception {
        Bundle alpha = install(TestBundles.ALPHA_1);
        alpha.start();
        awaitDriver(WIDGET, "alpha");
        start("beta");
        alpha.stop();
        settle();
        assertEquals("beta", driverOf(WIDGET));
        assertEquals("-", driverOf(GIZMO));
        assertDevresMatchBindings();

        alpha.start();
        awaitDriver(GIZMO, "alpha"); // the unbound device takes it
        assertEquals("beta keeps widget0 (kernel semantics: no steal)", "beta", driverOf(WIDGET));
        assertDevresMatchBindings();

        WhyReport why = bus().why(WIDGET);
        assertEquals(WIDGET, why.device());
        assertEquals("beta", why.boundTo().orElseThrow());
        assertTrue(why.override().isEmpty());
        List<WhyReport.Candidate> c = why.candidates();
        assertEquals(2, c.size());
        assertEquals("alpha", c.get(0).driver());
        assertEquals(1, c.get(0).rank());
        assertEquals(TestDriver.EXACT, c.get(0).result().specificity());
        assertEquals("beta", c.get(1).driver());
        assertEquals(2, c.get(1).rank());
        assertEquals(TestDriver.PREFIX, c.get(1).result().specificity());
        assertTrue(why.verdict(), why.verdict().startsWith("alpha is tried first"));
        assertTrue(why.verdict(), why.verdict().contains("more specific"));
        assertTrue(why.verdict(), why.verdict().contains("bound to beta"));

        // unbind: the device stays unbound (no reprobe) and beta's devres are gone
        bus().unbind(WIDGET);
        settle();
        assertEquals("-", driverOf(WIDGET));
        assertEquals(0, core.devres().liveForBundle("beta"));
        assertDevresMatchBindings();
        uevents.awaitLast(WIDGET, "UNBIND beta");

        bus().bind(WIDGET, "alpha");
        assertEquals("alpha", driverOf(WIDGET));
        assertEquals(new Bound("alpha", "1.0.0", alpha.getBundleId()), bound(WIDGET));
        assertEquals(4, core.devres().liveForBundle("alpha"));
        assertDevresMatchBindings();
        uevents.awaitLast(WIDGET, "BIND alpha");
        assertTrue(bus().why(WIDGET).verdict(), bus().why(WIDGET).verdict().endsWith("bound to alpha"));
    }

    /** Updating the driver bundle unbinds the old code and binds the new one. */
    @Test
    public void updateRebindsToTheNewCode() throws Exception {
        Bundle alpha = install(TestBundles.ALPHA_1);
        alpha.start();
        awaitDriver(WIDGET, "alpha");
        awaitDriver(GIZMO, "alpha");
        assertEquals("1.0.0", bound(WIDGET).version());
        long id = alpha.getBundleId();

        int mark = TestLog.size();
        update(alpha, TestBundles.ALPHA_2);
        assertEquals(new Version(2, 0, 0), alpha.getVersion());
        assertEquals(Bundle.ACTIVE, alpha.getState());
        awaitDriver(WIDGET, "alpha");
        awaitDriver(GIZMO, "alpha");
        for (String dev : List.of(WIDGET, GIZMO)) {
            assertEquals(new Bound("alpha", "2.0.0", id), bound(dev));
            assertEquals(3, core.devres().liveForDevice(dev));
            List<TestLog.Entry> log = TestLog.since(mark, e -> e.device().equals(dev));
            // 1.0.0 let go while STOPPING, and only then did 2.0.0 probe
            List<String> old = log.stream().filter(e -> e.version().equals("1.0.0"))
                    .map(e -> e.what() + "@" + e.state()).toList();
            assertEquals(List.of("remove@STOPPING", "release:alpha.action@STOPPING", "release:alpha.buffer@STOPPING"),
                    old);
            int lastOld = log.size() - 1;
            while (lastOld >= 0 && !log.get(lastOld).version().equals("1.0.0")) {
                lastOld--;
            }
            int firstNew = indexOf(log, "alpha", "probe");
            assertTrue(dev + ": 2.0.0 probed after 1.0.0 released: " + log, firstNew > lastOld);
            assertEquals("2.0.0", log.get(firstNew).version());
            // uevents arrive asynchronously (Event Admin): "BIND alpha" was already the latest before the
            // update, so wait for the count, not for the last action
            uevents.awaitCount(dev, 4);
            assertEquals(List.of("ADD", "BIND alpha", "UNBIND alpha", "BIND alpha"), uevents.actions(dev));
        }
        assertEquals(6, core.devres().liveForBundle("alpha"));
        assertDevresMatchBindings();
    }

    /** Uninstalling the driver bundle unbinds its devices, releases their devres and reprobes them. */
    @Test
    public void uninstallUnbindsReleasesAndReprobes() throws Exception {
        Bundle alpha = install(TestBundles.ALPHA_2);
        alpha.start();
        awaitDriver(WIDGET, "alpha");
        awaitDriver(GIZMO, "alpha");
        start("beta");
        assertEquals("alpha", driverOf(WIDGET));
        assertEquals(6, core.devres().liveForBundle("alpha"));
        assertDevresMatchBindings();

        int mark = TestLog.size();
        alpha.uninstall();
        assertEquals(Bundle.UNINSTALLED, alpha.getState());
        settle();
        assertEquals(0, core.devres().liveForBundle("alpha"));
        assertEquals(0, core.devres().liveForDriver("alpha"));
        assertFalse(bus().driver("alpha").isPresent());
        for (String dev : List.of(WIDGET, GIZMO)) {
            assertEquals(dev, List.of("remove@STOPPING", "release:alpha.v2-ring@STOPPING",
                    "release:alpha.action@STOPPING", "release:alpha.buffer@STOPPING"), callbacks(mark, "alpha", dev));
        }
        assertEquals("widget0 reprobed to the generic driver", "beta", driverOf(WIDGET));
        assertEquals("nothing else matches gizmo0", "-", driverOf(GIZMO));
        uevents.awaitLast(WIDGET, "BIND beta");
        uevents.awaitLast(GIZMO, "UNBIND alpha");
        assertDevresMatchBindings();
    }

    /**
     * devm actions run when a device is removed, whether it never bound (kernel kunit
     * "devm_test_action_unprobed") or was bound (the driver's remove first, then its devres).
     */
    @Test
    public void removingADeviceReleasesItsDevresBoundOrNot() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        Device gizmo = device(GIZMO);
        gizmo.devres().addAction("test.unprobed", () -> {
            ran.incrementAndGet();
        });
        assertEquals(1, core.devres().liveForDevice(GIZMO));
        control.remove(GIZMO);
        assertEquals("the action ran exactly once on removal", 1, ran.get());
        assertTrue(gizmo.isDead());
        assertEquals(0, core.devres().liveForDevice(GIZMO));
        uevents.awaitLast(GIZMO, "REMOVE");
        assertEquals(List.of("ADD", "REMOVE"), uevents.actions(GIZMO));

        Bundle alpha = install(TestBundles.ALPHA_1);
        alpha.start();
        awaitDriver(WIDGET, "alpha");
        int mark = TestLog.size();
        Device widget = device(WIDGET);
        control.remove(WIDGET);
        assertTrue(widget.isDead());
        assertTrue(widget.driver().isEmpty());
        assertEquals(List.of("remove@ACTIVE", "release:alpha.action@ACTIVE", "release:alpha.buffer@ACTIVE"),
                callbacks(mark, "alpha", WIDGET));
        assertEquals(0, core.devres().liveTotal());
        uevents.awaitLast(WIDGET, "REMOVE");
        assertEquals(List.of("ADD", "BIND alpha", "UNBIND alpha", "REMOVE"), uevents.actions(WIDGET));
        assertEquals(Bundle.ACTIVE, alpha.getState());
        assertTrue(bus().driver("alpha").isPresent());
    }

    private static int indexOf(List<TestLog.Entry> log, String driver, String what) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).driver().equals(driver) && log.get(i).what().equals(what)) {
                return i;
            }
        }
        return -1;
    }
}
