package org.nova.it.pci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciDriver;
import org.nova.driver.Errno;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * The configurable test PCI driver (samples, factory PID {@value #TESTDRV}) on the simulated
 * platform, configured with {@code cm:set} as a person would: a good configuration registers a
 * driver that binds what its table matches, with the driver_data of the matched entry; a probe
 * that fails at acquisition k releases the k - 1 before it, newest first, and the next matching
 * driver binds the device (dd.c __device_attach_driver); a bad configuration is refused with
 * EINVAL naming the key and registers nothing; a taken name is EBUSY.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurableTestDriverIT extends PciItSupport {
    static final String TESTDRV = "org.nova.samples.testdrv.pci";
    /** A free slot of sim0, and the subsystem that makes the test driver's entry the most specific. */
    static final String SLOT = "00:1a.0";
    static final String SUB_VENDOR = "abcd";
    static final String SUB_DEVICE = "0001";

    @Configuration
    public Option[] config() {
        return options();
    }

    /** The events the test driver of that name recorded (its class is the samples bundle's own). */
    @SuppressWarnings("unchecked")
    private List<String> events(String name) throws Exception {
        Collection<ServiceReference<PciDriver>> refs = context.getServiceReferences(PciDriver.class, null);
        for (ServiceReference<PciDriver> r : refs) {
            PciDriver<?> d = context.getService(r);
            try {
                if (d != null && d.name().equals(name)) {
                    return (List<String>) d.getClass().getMethod("events").invoke(d);
                }
            } finally {
                context.ungetService(r);
            }
        }
        throw new AssertionError("no PCI driver service named " + name);
    }

    /** cm:delete of a configuration the test stored, unless a failed cm:set left none. */
    private void deleteIfStored(String pid) throws Exception {
        if (cm.listConfigurations("(service.pid=" + pid + ")") != null) {
            shell("cm:delete " + pid);
        }
    }

    @Test
    public void aConfiguredDriverBindsWithTheMatchedEntrysDriverData() throws Exception {
        createDevice(SIM0, SLOT, MODEL_EDU, SUB_VENDOR, SUB_DEVICE);
        String dev = deviceName(SIM0, SLOT);
        await("the device binds to the edu sample", () -> EDU_SAMPLE.equals(driverOf(pciBus(), dev)), this::bindings);
        String pid = TESTDRV + "~it-ok";
        try {
            String out = shell("cm:set " + pid + " name=it_ok ids=\"1b36 5 * * 0 0 3,1234 11e8 " + SUB_VENDOR + " "
                    + SUB_DEVICE + " 0 0 7\" devres=2");
            assertTrue(out, out.contains("applied"));
            // registering does not take a bound device away: drivers_probe hands it over after an unbind
            pciBus().unbind(dev, EDU_SAMPLE);
            pciBus().probe(dev);
            settle();
            assertEquals("the subsystem entry is the most specific", "it_ok", driverOf(pciBus(), dev));
            List<String> bind = List.of("probe " + dev + " data 7", "acquire " + dev + " 1", "acquire " + dev + " 2",
                    "bound " + dev);
            List<String> expected = new ArrayList<>(bind);
            if (NovaOptions.testRemove()) {
                // test_remove: the core removes the driver and probes it again (its devres released between)
                expected.addAll(List.of("unbind " + dev, "release " + dev + " 2", "release " + dev + " 1"));
                expected.addAll(bind);
            }
            assertEquals(expected, events("it_ok"));
            assertTrue("its two actions (and the binding's driver data) are held",
                    core.devres().liveForDriver("it_ok") >= 2);
        } finally {
            deleteIfStored(pid);
        }
        settle();
        assertEquals("the device goes back to the edu sample", EDU_SAMPLE, driverOf(pciBus(), dev));
        assertEquals(0, core.devres().liveForDriver("it_ok"));
    }

    @Test
    public void aProbeFailingAtStepKReleasesTheKMinusOneAndTheNextDriverBinds() throws Exception {
        createDevice(SIM0, SLOT, MODEL_EDU, SUB_VENDOR, SUB_DEVICE);
        String dev = deviceName(SIM0, SLOT);
        await("the device binds to the edu sample", () -> EDU_SAMPLE.equals(driverOf(pciBus(), dev)), this::bindings);
        String pid = TESTDRV + "~it-fail";
        try {
            shell("cm:set " + pid + " name=it_fail ids=\"1234 11e8 " + SUB_VENDOR + " " + SUB_DEVICE
                    + "\" probe=fail devres=3 fail_step=3 errno=ENOMEM");
            pciBus().unbind(dev, EDU_SAMPLE);
            pciBus().probe(dev);
            settle();
            assertEquals(List.of("probe " + dev + " data 0", "acquire " + dev + " 1", "acquire " + dev + " 2",
                    "fail " + dev + " 3 ENOMEM", "release " + dev + " 2", "release " + dev + " 1"), events("it_fail"));
            assertEquals("the next matching driver tried", EDU_SAMPLE, driverOf(pciBus(), dev));
            assertEquals(0, core.devres().liveForDriver("it_fail"));
            String why = shell("drv:why pci " + dev);
            assertTrue(why, why.contains("it_fail is tried first"));
            assertTrue(why, why.contains("differs from the kernel on purpose"));
            // bound by hand, the failure is the probe's errno
            pciBus().unbind(dev, EDU_SAMPLE);
            shellFails(Errno.ENOMEM, "fails as configured", "drv:bind pci " + dev + " it_fail");
        } finally {
            deleteIfStored(pid);
        }
    }

    @Test
    public void badConfigurationsAreRefusedNamingTheKeyAndRegisterNothing() throws Exception {
        String pid = TESTDRV + "~it-bad";
        shellFails(Errno.EINVAL, "ids", "cm:set " + pid + " name=it_bad ids=\"1234\"");
        assertTrue(pciBus().driver("it_bad").isEmpty());
        shellFails(Errno.EINVAL, "fail_step: '5'", "cm:set " + pid + " name=it_bad ids=\"1234 11e8\" probe=fail"
                + " devres=1 fail_step=5");
        assertTrue(pciBus().driver("it_bad").isEmpty());
        shellFails(Errno.EBUSY, EDU_SAMPLE, "cm:set " + pid + " name=" + EDU_SAMPLE + " ids=\"1234 11e8\"");
        assertTrue(pciBus().driver(EDU_SAMPLE).isPresent());
    }
}
