package org.nova.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.DriverCore;
import org.nova.it.testbus.TestBusControl;
import org.nova.it.testbus.TestLog;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The driver core itself goes away and comes back (driver.core stopped and started, then the bus
 * bundle): every binding ends cleanly — remove, devres released — while the drivers' code still
 * runs, and the rebuilt bus binds again.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class CoreRestartIT extends TestBusSupport {
    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.driverModel(), NovaOptions.testBus(),
                NovaOptions.testBundle(TestBundles.ALPHA_1), NovaOptions.testBundle(TestBundles.BETA) };
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return NovaOptions.probe(probe);
    }

    @Test
    public void stoppingTheCoreUnbindsEverythingAndARestartRebinds() throws Exception {
        TestLog.clear();
        control.add("widget0", "widget");
        control.add("widget1", "widget-mini");
        awaitDriver("widget0", "alpha");
        awaitDriver("widget1", "beta");
        assertDevresMatchBindings();

        Bundle driverCore = bundle("driver.core").orElseThrow();
        driverCore.stop();
        // the bus bundle's component went with the core: devices removed, drivers unbound first
        for (String dev : List.of("widget0", "widget1")) {
            String driver = dev.equals("widget0") ? "alpha" : "beta";
            List<String> calls = callbacks(0, driver, dev);
            List<String> tail = calls.subList(calls.lastIndexOf("remove@ACTIVE"), calls.size());
            assertEquals(dev, driver.equals("alpha")
                    ? List.of("remove@ACTIVE", "release:alpha.action@ACTIVE", "release:alpha.buffer@ACTIVE")
                    : List.of("remove@ACTIVE", "release:beta.buffer@ACTIVE"), tail);
        }
        assertEveryAcquiredDevresReleasedOnce();
        assertEquals(0, core.devres().liveTotal());
        assertTrue("the old core has no buses left", core.buses().isEmpty());

        driverCore.start();
        ServiceTracker<DriverCore, DriverCore> cores = new ServiceTracker<>(context, DriverCore.class, null);
        ServiceTracker<TestBusControl, TestBusControl> controls = new ServiceTracker<>(context,
                TestBusControl.class, null);
        cores.open();
        controls.open();
        try {
            DriverCore newCore = cores.waitForService(Await.TIMEOUT.toMillis());
            TestBusControl newControl = controls.waitForService(Await.TIMEOUT.toMillis());
            assertTrue("a new core", newCore != null && newCore != core);
            assertTrue("a new test bus", newControl != null && newControl != control);
            newControl.add("widget0", "widget");
            Await.until("widget0 binds alpha on the new core",
                    () -> newControl.bus().device("widget0").flatMap(d -> d.driver()).orElse("-").equals("alpha"));
            assertTrue(newCore.waitForDeviceProbe(Duration.ofSeconds(10)));
            assertEquals(2, newCore.devres().liveForBundle("alpha"));
            newControl.removeAll();
            assertEquals(0, newCore.devres().liveTotal());
        } finally {
            controls.close();
            cores.close();
        }
        assertEveryAcquiredDevresReleasedOnce();
    }
}
