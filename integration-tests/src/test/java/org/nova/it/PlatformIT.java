package org.nova.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.DriverCore;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.slf4j.LoggerFactory;

/** The whole runtime on Felix: every bundle starts, logging reaches logback, the switches arrive. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformIT {
    @Inject
    private BundleContext context;

    @Inject
    private DriverCore core;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    @Test
    public void everyBundleIsActive() {
        List<String> notActive = new ArrayList<>();
        List<String> nova = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && b.getState() != Bundle.ACTIVE) {
                notActive.add(b.getSymbolicName() + " " + b.getVersion() + " state " + b.getState());
            }
            if (NovaOptions.NOVA_BUNDLES.contains(b.getSymbolicName())) {
                nova.add(b.getSymbolicName());
            }
        }
        assertEquals("bundles not active", List.of(), notActive);
        assertTrue(nova.toString(), nova.containsAll(NovaOptions.NOVA_BUNDLES));
    }

    @Test
    public void slf4jLogsThroughLogback() {
        // BUILD-NOTES pitfall 4: a LoggerFactory call before SPI Fly and logback binds NOP for good
        String factory = LoggerFactory.getILoggerFactory().getClass().getName();
        assertTrue(factory, factory.startsWith("ch.qos.logback."));
    }

    @Test
    public void testDriverRemoveFollowsTheBuildSwitch() {
        assertEquals("-D" + NovaOptions.TEST_REMOVE_PROPERTY + " reaches the core", NovaOptions.testRemove(),
                core.testDriverRemove());
    }

    @Test
    public void theCoreSettles() {
        assertTrue(core.waitForDeviceProbe(java.time.Duration.ofSeconds(30)));
        assertNotNull(core.devres());
    }
}
