package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.time.Duration;
import java.util.Hashtable;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.SettleReport;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.nova.it.lifecycle.slowstart.Slow;
import org.nova.it.lifecycle.unsatisfied.Waiting;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * {@code drv:settle} is the start condition (issue 13, item 1): it returns once the configuration
 * changes made before it have been applied and the devices they create or delete have been
 * probed or removed — not merely once no probe happens to be running. Before issue 13 it was
 * wait_for_device_probe alone: right after {@code cm:delete} of a device the device was still
 * listed as bound, and a configuration whose component takes a while to activate had no device yet.
 * What will not come up by itself (a component waiting for a service nobody provides) is reported,
 * not waited for.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SettleIT {
    /** The simulator's device factory PID (hw.sim SimDeviceComponent.PID) and its properties. */
    private static final String SIM_DEVICE_PID = "org.nova.hw.sim.device";
    /** A free slot on the default platform's bridge, and the device it becomes on the PCI bus. */
    private static final String SLOT = "00:07.0";
    private static final String ADDRESS = "0000:" + SLOT;
    /** The edu sample's driver (samples EduSample.NAME). */
    private static final String EDU_SAMPLE = "edu_sample";
    private static final Duration SETTLE = Duration.ofSeconds(60);

    @Inject
    private DriverCore core;
    @Inject
    private ConfigurationAdmin cm;
    @Inject
    private CommandProcessor gogo;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all(), NovaOptions.testBus(),
                bundle(LifecycleBundles.jar(LifecycleBundles.SLOWSTART).toUri().toString())
                        .startLevel(NovaOptions.LEVEL_BUNDLES),
                bundle(LifecycleBundles.jar(LifecycleBundles.UNSATISFIED).toUri().toString())
                        .startLevel(NovaOptions.LEVEL_BUNDLES) };
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return NovaOptions.probe(probe);
    }

    @Test
    public void aDeviceDeletedThroughConfigurationAdminIsGoneOnceSettleReturns() throws Exception {
        Gogo.run(gogo, "drv:settle");
        var c = cm.getFactoryConfiguration(SIM_DEVICE_PID, "settle-edu", "?");
        c.update(new Hashtable<>(Map.of("model", "edu", "slot", SLOT)));
        Gogo.run(gogo, "drv:settle");
        assertEquals("the configured edu is bound once drv:settle returns", Optional.of(EDU_SAMPLE),
                pci(ADDRESS).flatMap(Device::driver));

        Gogo.run(gogo, "cm:delete " + c.getPid());
        Gogo.run(gogo, "drv:settle");
        assertEquals("the deleted edu is gone once drv:settle returns", Optional.empty(), pci(ADDRESS));
    }

    @Test
    public void aSlowlyActivatedDeviceIsProbedOnceSettleReturns() throws Exception {
        core.settle(SETTLE);
        String name = "slow-settle";
        var c = cm.getFactoryConfiguration(Slow.DEVICE_PID, name, "?");
        try {
            c.update(new Hashtable<>(Map.of(Slow.PROP_DEVICE, name)));
            Gogo.run(gogo, "drv:settle");
            assertEquals("a device whose component activates in " + Slow.DELAY_DEFAULT_MS + " ms and probes as long"
                    + " is bound once drv:settle returns", Optional.of(Slow.DRIVER),
                    core.bus("testbus").flatMap(b -> b.device(name)).flatMap(Device::driver));
        } finally {
            c.delete();
        }
        assertTrue(core.settle(SETTLE).settled());
        assertEquals(Optional.empty(), core.bus("testbus").flatMap(b -> b.device(name)));
    }

    @Test
    public void whatWillNotComeUpIsReportedNotWaitedFor() {
        SettleReport r = core.settle(SETTLE);
        assertTrue(r.toString(), r.settled());
        assertEquals(r.toString(), 1, r.notSatisfied().stream()
                .filter(s -> s.startsWith("component " + Waiting.class.getName() + " (bundle "
                        + LifecycleBundles.UNSATISFIED + "): no service for reference " + Waiting.REFERENCE))
                .count());
        assertFalse("only that: " + r.notSatisfied(), r.notSatisfied().stream()
                .anyMatch(s -> !s.contains(LifecycleBundles.UNSATISFIED)));
    }

    private Optional<Device> pci(String address) {
        return core.bus("pci").flatMap(b -> b.device(address));
    }
}
