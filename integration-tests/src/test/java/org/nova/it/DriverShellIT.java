package org.nova.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.it.testbus.TestLog;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * The drv commands through a Gogo session, as a user types them: their output, and the kernel's
 * error names for bad input with the state left as it was.
 *
 * <p>widget0 is bound to alpha (exact id) with beta (generic) also matching; spare0 matches
 * nothing and stays unbound.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DriverShellIT extends TestBusSupport {
    private static final String WIDGET = "widget0";
    private static final String SPARE = "spare0";

    @Inject
    private CommandProcessor processor;

    private CommandSession session;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.driverModel(), NovaOptions.testBus(),
                NovaOptions.testBundle(TestBundles.ALPHA_1), NovaOptions.testBundle(TestBundles.BETA) };
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return NovaOptions.probe(probe);
    }

    @Before
    public void devices() {
        TestLog.clear();
        control.add(WIDGET, "widget");
        control.add(SPARE, "spare");
        awaitDriver(WIDGET, "alpha");
        assertEquals("-", driverOf(SPARE));
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @After
    public void removeDevices() {
        session.close();
        control.removeAll();
        settle();
        assertEquals(0, core.devres().liveTotal());
        assertEveryAcquiredDevresReleasedOnce();
    }

    @Test
    public void theCommandsAreGogoServicesOfScopeDrv() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=drv)");
        assertNotNull("no service with osgi.command.scope=drv", refs);
        // the driver model's commands, autoload's and fault injection's, all of driver.core
        assertEquals(3, refs.length);
        List<String> functions = new ArrayList<>();
        for (ServiceReference<?> r : refs) {
            assertEquals("driver.core", r.getBundle().getSymbolicName());
            Object f = r.getProperty("osgi.command.function"); // String[], or a String for a single function
            functions.addAll(f instanceof String[] a ? Arrays.asList(a) : List.of((String) f));
        }
        assertTrue(functions.toString(), functions.containsAll(List.of("buses", "devices", "drivers", "bind",
                "unbind", "override", "why", "devres", "monitor", "failnth", "modalias", "autoload")));
    }

    @Test
    public void busesListsTheTestBus() throws Exception {
        List<String> lines = lines(run("drv:buses"));
        assertEquals(List.of("BUS", "DEVICES", "BOUND", "DRIVERS", "AUTOPROBE"), words(lines.get(0)));
        assertEquals(List.of("testbus", "2", "1", "2", "on"), row(lines, 0, "testbus"));
    }

    @Test
    public void devicesAndDriversShowTheBindings() throws Exception {
        List<String> devices = lines(run("drv:devices testbus"));
        assertEquals(List.of("BUS", "DEVICE", "DRIVER", "STATE", "PARENT", "DEVRES"), words(devices.get(0)));
        assertEquals(List.of("testbus", WIDGET, "alpha", "bound", "-", "2"), row(devices, 1, WIDGET));
        assertEquals(List.of("testbus", SPARE, "-", "unbound", "-", "0"), row(devices, 1, SPARE));
        assertEquals("every bus's devices, here only the test bus", devices, lines(run("drv:devices")));

        List<String> drivers = lines(run("drv:drivers"));
        List<String> alpha = row(drivers, 1, "alpha");
        assertEquals(List.of("testbus", "alpha", "alpha"), alpha.subList(0, 3));
        assertEquals(WIDGET, alpha.get(alpha.size() - 1));
        List<String> beta = row(drivers, 1, "beta");
        assertEquals("-", beta.get(beta.size() - 1));

        String devres = run("drv:devres " + WIDGET);
        assertTrue(devres, devres.startsWith("testbus " + WIDGET + ": 2 live"));
        assertTrue(devres, devres.contains("alpha.buffer") && devres.contains("alpha.action"));
        String counts = run("drv:devres");
        assertTrue(counts, counts.startsWith("total 2\n"));
    }

    @Test
    public void whyExplainsTheChoice() throws Exception {
        String why = run("drv:why " + WIDGET);
        assertTrue(why, why.startsWith("testbus " + WIDGET + ": bound to alpha\n"));
        List<String> lines = lines(why);
        assertEquals("1", row(lines, 1, "alpha").get(0));
        assertEquals("2", row(lines, 1, "beta").get(0));
        assertTrue(why, why.contains("alpha is tried first: its match is more specific (2 > 1); bound to alpha"));
        assertEquals(why, run("drv:why testbus " + WIDGET));

        String spare = run("drv:why " + SPARE);
        assertTrue(spare, spare.contains("no driver on bus testbus matches " + SPARE));
    }

    @Test
    public void unbindAndBindMoveTheDevice() throws Exception {
        assertEquals(WIDGET + " unbound from alpha\n", run("drv:unbind testbus " + WIDGET));
        settle();
        assertEquals("manual unbind does not reprobe", "-", driverOf(WIDGET));
        assertDevresMatchBindings();
        assertEquals(WIDGET + " bound to beta\n", run("drv:bind testbus " + WIDGET + " beta"));
        assertEquals("beta", driverOf(WIDGET));
        assertDevresMatchBindings();
        run("drv:unbind testbus " + WIDGET);
        run("drv:bind testbus " + WIDGET + " alpha");
        assertEquals("alpha", driverOf(WIDGET));
        assertDevresMatchBindings();
    }

    @Test
    public void badInputGetsTheKernelsErrorAndChangesNothing() throws Exception {
        fails(Errno.ENOENT, "no bus named 'nosuchbus'", "drv:devices nosuchbus");
        fails(Errno.ENOENT, "no bus named 'nosuchbus'", "drv:bind nosuchbus " + WIDGET + " alpha");
        fails(Errno.ENOENT, "no bus named 'nosuchbus'", "drv:unbind nosuchbus " + WIDGET);
        fails(Errno.ENOENT, "no driver 'gamma' on bus testbus", "drv:bind testbus " + SPARE + " gamma");
        fails(Errno.ENODEV, "no device 'nosuchdev' on bus testbus", "drv:bind testbus nosuchdev alpha");
        fails(Errno.ENODEV, "no device 'nosuchdev' on bus testbus", "drv:unbind testbus nosuchdev");
        fails(Errno.ENODEV, "no device 'nosuchdev' on any bus", "drv:why nosuchdev");
        fails(Errno.ENODEV, "no device 'nosuchdev' on any bus", "drv:devres nosuchdev");
        fails(Errno.ENODEV, "no device 'nosuchdev' on bus testbus", "drv:override testbus nosuchdev alpha");
        // binding a bound device, to another driver or to its own
        fails(Errno.EBUSY, WIDGET + " is already bound to alpha", "drv:bind testbus " + WIDGET + " beta");
        fails(Errno.EBUSY, WIDGET + " is already bound to alpha", "drv:bind testbus " + WIDGET + " alpha");
        // a driver that does not match
        fails(Errno.ENODEV, "driver alpha does not match " + SPARE, "drv:bind testbus " + SPARE + " alpha");
        // unbinding an unbound device
        fails(Errno.ENODEV, SPARE + " is not bound to a driver", "drv:unbind testbus " + SPARE);
        // the kernel's driver_override limit: PAGE_SIZE - 1 = 4095 bytes and more are refused
        fails(Errno.EINVAL, "driver_override of 4095 bytes is too long", "drv:override testbus " + WIDGET
                + " " + "x".repeat(4095));
        fails(Errno.EINVAL, "driver_override of 5000 bytes is too long", "drv:override testbus " + SPARE
                + " " + "x".repeat(5000));
        // drivers_autoprobe_store reads any value ("maybe" is on), so the bad input is the bus
        fails(Errno.ENOENT, "no bus named 'nosuch'", "drv:autoprobe nosuch 0");
    }

    @Test
    public void overrideAtTheLimitIsAcceptedAndCleared() throws Exception {
        String name = "y".repeat(4094);
        assertEquals(SPARE + " driver_override " + name + "\n", run("drv:override testbus " + SPARE + " " + name));
        assertEquals(Optional.of(name), device(SPARE).driverOverride());
        assertEquals(name + "\n", run("drv:override testbus " + SPARE));
        assertEquals(SPARE + " driver_override (cleared)\n", run("drv:override testbus " + SPARE + " \"\""));
        assertEquals(Optional.empty(), device(SPARE).driverOverride());
        assertEquals("(null)\n", run("drv:override testbus " + SPARE));
    }

    @Test
    public void overrideAdmitsOnlyTheDriverItNames() throws Exception {
        assertEquals(WIDGET + " driver_override beta\n", run("drv:override testbus " + WIDGET + " beta"));
        settle();
        assertEquals("setting an override does not reprobe", "alpha", driverOf(WIDGET));
        String why = run("drv:why " + WIDGET);
        assertTrue(why, why.startsWith("testbus " + WIDGET + ": bound to alpha, driver_override beta\n"));
        assertTrue(why, why.contains("beta is tried first: the only driver that matches"));

        run("drv:unbind testbus " + WIDGET);
        fails(Errno.ENODEV, "driver alpha does not match " + WIDGET + " (driver_override names beta)",
                "drv:bind testbus " + WIDGET + " alpha");
        assertEquals(WIDGET + ": bound to beta\n", run("drv:probe testbus " + WIDGET));
        assertEquals("beta", driverOf(WIDGET));
        assertDevresMatchBindings();

        run("drv:override testbus " + WIDGET + " \"\"");
        assertEquals(Optional.empty(), device(WIDGET).driverOverride());
        assertEquals("beta", driverOf(WIDGET));
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a command line and returns what it returned, as text. */
    private String run(String commandLine) throws Exception {
        Object result = session.execute(commandLine);
        return result == null ? "" : result.toString();
    }

    /**
     * Runs a command that must fail with {@code errno}, and checks that the bus looks exactly as
     * before: bindings, overrides, devres, drivers.
     */
    private void fails(Errno errno, String message, String commandLine) {
        Map<String, String> before = state();
        try {
            Object result = session.execute(commandLine);
            fail(shorten(commandLine) + " should fail with " + errno + " but returned " + result);
        } catch (Exception e) {
            DriverException d = driverException(e);
            assertNotNull(shorten(commandLine) + " failed with " + e + ", not a DriverException", d);
            assertEquals(shorten(commandLine) + ": " + d.getMessage(), errno, d.errno());
            assertTrue(shorten(commandLine) + ": " + d.getMessage(),
                    d.getMessage().startsWith(errno.name() + ": " + message));
        }
        settle();
        assertEquals(shorten(commandLine) + " changed the state", before, state());
    }

    private static DriverException driverException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof DriverException d) {
                return d;
            }
        }
        return null;
    }

    /** What a failed command must not change. */
    private Map<String, String> state() {
        Map<String, String> s = new LinkedHashMap<>();
        for (Device d : bus().devices()) {
            s.put(d.name(), d.driver().orElse("-") + " override=" + d.driverOverride().orElse("-") + " devres="
                    + d.devres().liveCount() + " deferred=" + d.isProbeDeferred());
        }
        s.put("drivers", bus().drivers().toString());
        s.put("autoprobe", Boolean.toString(bus().autoprobe()));
        s.put("devres", core.devres().liveByBundle() + " total " + core.devres().liveTotal());
        s.put("deferred", core.deferredDevices().toString());
        return s;
    }

    private static String shorten(String commandLine) {
        return commandLine.length() > 80 ? commandLine.substring(0, 77) + "..." : commandLine;
    }

    private static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }

    private static List<String> words(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }

    /** The words of the first line whose word number {@code column} is {@code key}. */
    private static List<String> row(List<String> lines, int column, String key) {
        for (String l : lines) {
            List<String> w = words(l);
            if (w.size() > column && w.get(column).equals(key)) {
                return w;
            }
        }
        throw new AssertionError("no line with " + key + " in column " + column + " of " + lines);
    }
}
