package org.nova.it.pci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDriver;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HostBridge;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * What the PCI suites share: the whole runtime on Felix with the default simulated platform
 * (bridge sim0: pci-testdev at 00:02.0, edu at 00:03.0, a pci-testdev strapped 1b36:0005 at
 * 00:04.0, and simulated NVIDIA GPUs further on, which these suites leave alone: assertions
 * name the sample devices or compare whole states before and after), the injected services, bounded waits, simulated devices and bridges made through
 * Configuration Admin (deleted again after each test), test drivers registered as services
 * (unregistered after each test), Gogo commands, and the devres bookkeeping of the samples.
 */
public abstract class PciItSupport {
    /** How long anything asynchronous of these tests may take; running out is a hang, not slowness. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** The default platform's bridge and devices (hw.sim SimDefaultPlatform). */
    protected static final String SIM0 = "sim0";
    static final String TESTDEV = "0000:00:02.0";
    static final String EDU = "0000:00:03.0";
    static final String TESTDEV_AUX = "0000:00:04.0";
    static final String AUX0 = "rust_driver_auxiliary.auxiliary.0";
    static final String AUX1 = "rust_driver_auxiliary.auxiliary.1";

    /** The sample drivers (samples bundle) and the buses they are on. */
    static final String RUST_DRIVER_PCI = "rust_driver_pci";
    static final String EDU_SAMPLE = "edu_sample";
    static final String AUX_PARENT = "rust_driver_auxiliary";
    static final String AUX_DRIVER = "rust_driver_auxiliary.aux_driver";
    static final String SAMPLES_BUNDLE = "samples";
    static final String AUXILIARY = "auxiliary";

    /** Every sample binding of the default platform: bus:device → driver. */
    static final Map<String, String> SAMPLE_BINDINGS = sampleBindings();

    /** Factory PIDs of the simulator (hw.sim SimBridgeComponent.PID, SimDeviceComponent.PID). */
    static final String BRIDGE_PID = "org.nova.hw.sim.bridge";
    protected static final String DEVICE_PID = "org.nova.hw.sim.device";
    /** Configuration Admin's property naming a factory configuration's factory PID. */
    static final String FACTORY_PID = "service.factoryPid";
    /** Model names of SimDeviceComponent. */
    static final String MODEL_TESTDEV = "pci-testdev";
    static final String MODEL_EDU = "edu";

    /** PCI ids of the QEMU models (include/linux/pci_ids.h, QEMU's hw/misc/edu.c). */
    static final int VENDOR_REDHAT = 0x1b36;
    static final int DEVICE_REDHAT_TEST = 0x0005;
    static final int VENDOR_EDU = 0x1234;
    static final int DEVICE_EDU = 0x11e8;

    @Inject
    protected BundleContext context;

    @Inject
    protected DriverCore core;

    @Inject
    protected PciBus pci;

    @Inject
    protected ConfigurationAdmin cm;

    @Inject
    protected CommandProcessor processor;

    /** Configurations this test created: deleted after it. */
    private final List<org.osgi.service.cm.Configuration> created = new ArrayList<>();
    /** What must be gone once they are deleted: PCI device names and bridge names. */
    private final List<String> createdDevices = new ArrayList<>();
    private final List<String> createdBridges = new ArrayList<>();
    /** The domain of each bridge name the tests use. */
    private final Map<String, Integer> domains = new java.util.HashMap<>(Map.of(SIM0, 0));
    /** Services this test registered: unregistered after it. */
    private final List<ServiceRegistration<?>> registered = new ArrayList<>();

    /** @return the configuration of every PCI suite: the whole runtime, default platform included */
    protected static Option[] options() {
        return new Option[] { NovaOptions.all() };
    }

    private static Map<String, String> sampleBindings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pci:" + TESTDEV, RUST_DRIVER_PCI);
        m.put("pci:" + EDU, EDU_SAMPLE);
        m.put("pci:" + TESTDEV_AUX, AUX_PARENT);
        m.put(AUXILIARY + ":" + AUX0, AUX_DRIVER);
        m.put(AUXILIARY + ":" + AUX1, AUX_DRIVER);
        return Map.copyOf(m);
    }

    /** Undoes what the test created, newest first, and waits until the platform is quiet again. */
    @After
    public void undo() throws IOException {
        // the devices first, so that no sample driver picks them up when the test drivers go
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                created.get(i).delete();
            } catch (IllegalStateException alreadyDeleted) {
                // the test deleted it itself
            }
        }
        created.clear();
        // deletion is asynchronous (Configuration Admin's event thread, then SCR)
        await("the test's devices and bridges are gone", () -> createdDevices.stream()
                .noneMatch(d -> pciBus().device(d).isPresent()) && createdBridges.stream().noneMatch(this::bridgePresent),
                this::bindings);
        createdDevices.clear();
        createdBridges.clear();
        settle();
        for (int i = registered.size() - 1; i >= 0; i--) {
            try {
                registered.get(i).unregister();
            } catch (IllegalStateException alreadyGone) {
                // the test unregistered it itself
            }
        }
        registered.clear();
        settle();
    }

    // ---------------------------------------------------------------- waiting

    /** Waits until {@code condition} holds; fails naming {@code what} and the state it saw. */
    static void await(String what, BooleanSupplier condition, Supplier<?> state) {
        Await.until(what, TIMEOUT, condition, state);
    }

    /** wait_for_device_probe: no probe running or queued. */
    protected void settle() {
        assertTrue("probes still pending after " + TIMEOUT.toSeconds() + " s", core.waitForDeviceProbe(TIMEOUT));
    }

    // ---------------------------------------------------------------- the driver model

    protected Bus pciBus() {
        return core.requireBus(PciBus.NAME);
    }

    protected Bus auxBus() {
        return core.requireBus(AUXILIARY);
    }

    /** @return "bus:device" → driver ("-" when unbound) for every device of the PCI and auxiliary buses */
    protected Map<String, String> bindings() {
        Map<String, String> m = new TreeMap<>();
        for (Bus b : List.of(pciBus(), auxBus())) {
            for (Device d : b.devices()) {
                m.put(b.name() + ":" + stable(d.name()), d.driver().orElse("-"));
            }
        }
        return m;
    }

    /**
     * A device name that survives a rebind: nova-core numbers its nova-drm auxiliary devices from
     * a counter that only grows (drivers/gpu/nova-core/driver.rs), so "NovaCore.nova-drm.3" after a
     * rebind is the device that was "NovaCore.nova-drm.1" before.
     */
    protected static String stable(String device) {
        return device.replaceFirst("^(NovaCore\\.nova-drm)\\.\\d+$", "$1.N");
    }

    /** @return the live devres per device, keyed by {@link #stable} names */
    protected Map<String, Integer> devresByDevice() {
        Map<String, Integer> m = new TreeMap<>();
        core.devres().liveByDevice().forEach((k, v) -> m.merge(stable(k), v, Integer::sum));
        return m;
    }

    /** @return the driver of a device ("-" when unbound, "absent" when there is no such device) */
    protected static String driverOf(Bus bus, String device) {
        return bus.device(device).map(d -> d.driver().orElse("-")).orElse("absent");
    }

    /** Waits until every given "bus:device" is bound to its driver, then until probing is over. */
    protected void awaitBindings(Map<String, String> expected) {
        await("bound " + expected, () -> {
            Map<String, String> now = bindings();
            return expected.entrySet().stream().allMatch(e -> e.getValue().equals(now.get(e.getKey())));
        }, this::bindings);
        settle();
    }

    /** Waits until the default platform's sample bindings are all in place. */
    protected void awaitSamplesBound() {
        awaitBindings(SAMPLE_BINDINGS);
    }

    /** Asserts that a device, its driver label and its bundle label hold no devres. */
    protected void assertNoDevres(String device, String driver, String bundle) {
        assertEquals("live devres of " + device + " " + core.devres().liveByDevice(), 0,
                core.devres().liveForDevice(device));
        if (driver != null) {
            assertEquals("live devres of driver " + driver + " " + core.devres().liveByDriver(), 0,
                    core.devres().liveForDriver(driver));
        }
        if (bundle != null) {
            assertEquals("live devres of bundle " + bundle + " " + core.devres().liveByBundle(), 0,
                    core.devres().liveForBundle(bundle));
        }
    }

    // ---------------------------------------------------------------- the simulator

    /** @return the simulated host bridge of that name */
    protected HostBridge bridge(String name) {
        try {
            Collection<ServiceReference<HostBridge>> refs = context.getServiceReferences(HostBridge.class,
                    "(" + HostBridge.PROP_BRIDGE + "=" + name + ")");
            assertEquals("HostBridge services named " + name, 1, refs.size());
            return context.getService(refs.iterator().next());
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** @return whether a HostBridge service of that name is registered */
    protected boolean bridgePresent(String name) {
        try {
            return !context.getServiceReferences(HostBridge.class, "(" + HostBridge.PROP_BRIDGE + "=" + name + ")")
                    .isEmpty();
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the backend's function at a slot of a bridge */
    protected PciFunction function(String bridge, String slot) {
        return bridge(bridge).function(PciAddress.parse(slot))
                .orElseThrow(() -> new AssertionError("no function " + slot + " behind " + bridge));
    }

    /**
     * Creates a factory configuration (location "?": any bundle may receive it, here the
     * simulator's), deleted after the test unless the test deletes it first.
     */
    protected org.osgi.service.cm.Configuration createConfig(String factoryPid, Map<String, Object> properties)
            throws IOException {
        org.osgi.service.cm.Configuration c = cm.createFactoryConfiguration(factoryPid, "?");
        created.add(c);
        c.update(new Hashtable<>(properties));
        return c;
    }

    /** A simulated bridge configuration. */
    protected org.osgi.service.cm.Configuration createBridge(String name, int domain) throws IOException {
        domains.put(name, domain);
        createdBridges.add(name);
        return createConfig(BRIDGE_PID, Map.of("name", name, "domain", domain));
    }

    /** A simulated device configuration; subsystem ids in hex, or null for the model's own. */
    protected org.osgi.service.cm.Configuration createDevice(String bridge, String slot, String model,
            String subsystemVendor, String subsystemDevice) throws IOException {
        createdDevices.add(deviceName(bridge, slot));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bridge", bridge);
        p.put("slot", slot);
        p.put("model", model);
        if (subsystemVendor != null) {
            p.put("subsystem_vendor", subsystemVendor);
            p.put("subsystem_device", subsystemDevice);
        }
        return createConfig(DEVICE_PID, p);
    }

    /** @return the PCI device name of a slot ("bb:dd.f" or "dddd:bb:dd.f") behind a bridge the tests know */
    protected String deviceName(String bridge, String slot) {
        PciAddress a = PciAddress.parse(slot);
        if (slot.chars().filter(c -> c == ':').count() == 2) {
            return a.toString();
        }
        Integer domain = domains.get(bridge);
        if (domain == null) {
            throw new AssertionError("unknown bridge " + bridge + ": give the slot with its domain");
        }
        return new PciAddress(domain, a.bus(), a.device(), a.function()).toString();
    }

    /** @return the configurations of a factory PID whose property {@code key} is {@code value} */
    protected org.osgi.service.cm.Configuration[] configs(String factoryPid, String key, String value)
            throws IOException, InvalidSyntaxException {
        org.osgi.service.cm.Configuration[] c = cm.listConfigurations(
                "(&(" + FACTORY_PID + "=" + factoryPid + ")(" + key + "=" + value + "))");
        return c == null ? new org.osgi.service.cm.Configuration[0] : c;
    }

    // ---------------------------------------------------------------- drivers and bundles

    /** Registers a PCI driver service from the test; unregistered after the test. */
    protected ServiceRegistration<?> registerDriver(PciDriver<?> driver) {
        ServiceRegistration<?> r = context.registerService(PciDriver.class.getName(), driver, null);
        registered.add(r);
        await("driver " + driver.name() + " is registered on the PCI bus",
                () -> pciBus().driver(driver.name()).isPresent(), () -> pciBus().drivers());
        return r;
    }

    /** @return the symbolic name of the test's own bundle (the devres bundle label of its drivers) */
    protected String probeBundle() {
        return context.getBundle().getSymbolicName();
    }

    /** @return the installed bundle with that symbolic name */
    protected Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    // ---------------------------------------------------------------- the shell

    /** Runs one Gogo command line in a fresh session; returns what the command returned, as text. */
    protected String shell(String commandLine) throws Exception {
        return Gogo.run(processor, commandLine);
    }

    /**
     * Runs a command line that must fail with {@code errno}; its message must name the errno and
     * contain {@code detail}.
     *
     * @return the exception's message
     */
    protected String shellFails(Errno errno, String detail, String commandLine) {
        Object result;
        try {
            result = shell(commandLine);
        } catch (Exception e) {
            DriverException d = driverException(e);
            assertNotNull(commandLine + " failed without a DriverException: " + e, d);
            assertEquals(commandLine + ": " + d.getMessage(), errno, d.errno());
            assertTrue(commandLine + ": " + d.getMessage(), d.getMessage().startsWith(errno.name() + ": "));
            assertTrue(commandLine + ": '" + d.getMessage() + "' should mention '" + detail + "'",
                    d.getMessage().contains(detail));
            return d.getMessage();
        }
        fail(commandLine + " should fail with " + errno + " but returned " + result);
        return null;
    }

    /** Runs code that must throw a {@link DriverException} with {@code errno}; returns its message. */
    static String fails(Errno errno, String what, Runnable code) {
        try {
            code.run();
        } catch (DriverException d) {
            assertEquals(what + ": " + d.getMessage(), errno, d.errno());
            assertTrue(what + ": " + d.getMessage(), d.getMessage().startsWith(errno.name() + ": "));
            return d.getMessage();
        }
        fail(what + " should fail with " + errno);
        return null;
    }

    static DriverException driverException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof DriverException d) {
                return d;
            }
        }
        return null;
    }

    /** @return the non-blank lines of a text */
    static List<String> lines(String text) {
        return text.lines().filter(l -> !l.isBlank()).toList();
    }
}
