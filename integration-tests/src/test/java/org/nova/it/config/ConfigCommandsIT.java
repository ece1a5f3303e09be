package org.nova.it.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.hw.HostBridge;
import org.nova.hw.pci.PciAddress;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * {@code cm:set} and {@code cm:delete} answer: a value Metatype rejects is refused before anything
 * is stored (the key named), a value the owning component refuses (unknown model, taken slot,
 * malformed slot, unknown bridge; a VFIO backend that cannot open its devices) fails the command
 * with the component's reason and leaves the previous configuration in force, and a command that
 * returns has had its change applied: the device it added is there, the device it deleted is gone.
 *
 * <p>The runtime: every Nova bundle on the default simulated platform (bridge sim0, pci-testdev at
 * 00:02.0, edu at 00:03.0 bound to edu_sample, ...). The tests use slots 00:10.0 to 00:17.0.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigCommandsIT {
    /** Factory PIDs of the simulator (hw.sim SimDeviceComponent.PID, SimBridgeComponent.PID). */
    private static final String DEVICE = "org.nova.hw.sim.device";
    private static final String BRIDGE = "org.nova.hw.sim.bridge";
    /** PIDs of the VFIO and host backends (hw.vfio VfioBackend.PID, HostBackend.PID). */
    private static final String VFIO = "org.nova.hw.vfio";
    private static final String HOST = "org.nova.hw.host";
    /** The default platform's bridge, its edu and the sample driver bound to it. */
    private static final String SIM0 = "sim0";
    private static final String EDU = "0000:00:03.0";
    private static final String EDU_SLOT = "00:03.0";
    private static final String EDU_CONFIG = DEVICE + "~default-edu";
    private static final String EDU_SAMPLE = "edu_sample";
    /** Free slots of sim0 for these tests. */
    private static final String FREE = "00:10.0";
    private static final String FREE2 = "00:11.0";
    /** A PCI address no machine of these tests has bound to vfio-pci. */
    private static final String NO_VFIO_FUNCTION = "0000:ff:1f.7";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Inject
    private BundleContext context;

    @Inject
    private DriverCore core;

    @Inject
    private PciBus pci;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private CommandProcessor processor;

    @Inject
    private FirmwareLoader firmware;

    /** PIDs the test may have created: deleted after it. */
    private final List<String> touched = new ArrayList<>();

    @Configuration
    public Option[] config() {
        return new Option[] {NovaOptions.all()};
    }

    @Before
    public void eduIsBound() {
        Await.until("edu is bound to " + EDU_SAMPLE, TIMEOUT, () -> EDU_SAMPLE.equals(driverOf(EDU)), () -> driverOf(EDU));
    }

    @After
    public void deleteWhatTheTestMade() throws Exception {
        for (String pid : touched) {
            Optional<org.osgi.service.cm.Configuration> c = find(pid);
            if (c.isPresent()) {
                c.get().delete();
            }
        }
        for (String slot : List.of(FREE, FREE2)) {
            Await.until(slot + " is free again", TIMEOUT, () -> !present(slot), () -> slot);
        }
        assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
    }

    // ---------------------------------------------------------------- the owner's refusals

    @Test
    public void aTakenSlotIsRefusedAndNothingIsStored() {
        String pid = touch(DEVICE + "~it-taken");
        String msg = fails(Errno.EEXIST, "cm:set " + pid + " model=pci-testdev slot=" + EDU_SLOT);
        assertMentions(msg, pid, "slot", EDU_SLOT, EDU_CONFIG);
        assertNoConfiguration(pid);
        assertEquals("edu keeps its slot and its driver", EDU_SAMPLE, driverOf(EDU));
    }

    @Test
    public void aMalformedSlotIsRefused() {
        String pid = touch(DEVICE + "~it-malformed");
        String msg = fails(Errno.EINVAL, "cm:set " + pid + " model=edu slot=zz:99");
        assertMentions(msg, pid, "slot", "zz:99");
        assertNoConfiguration(pid);
    }

    @Test
    public void anUnknownBridgeIsRefused() {
        String pid = touch(DEVICE + "~it-nobridge");
        String msg = fails(Errno.ENODEV, "cm:set " + pid + " model=edu slot=" + FREE + " bridge=nosuch");
        assertMentions(msg, pid, "bridge", "nosuch");
        assertNoConfiguration(pid);
    }

    @Test
    public void aRefusedChangeLeavesThePreviousConfigurationInForce() throws Exception {
        String pid = touch(DEVICE + "~it-move");
        shell("cm:set " + pid + " model=edu slot=" + FREE);
        assertTrue(present(FREE));
        String msg = fails(Errno.EEXIST, "cm:set " + pid + " model=edu slot=" + EDU_SLOT);
        assertMentions(msg, pid, EDU_SLOT);
        Dictionary<String, Object> now = find(pid).orElseThrow().getProperties();
        assertEquals("the previous configuration is back", FREE, now.get("slot"));
        assertTrue("the device of the previous configuration is plugged in", present(FREE));
        assertEquals(EDU_SAMPLE, driverOf(EDU));
        // the same with a change only the owner can judge: a bridge that does not exist
        fails(Errno.ENODEV, "cm:set " + pid + " model=edu slot=" + FREE + " bridge=nosuch");
        assertEquals(SIM0 + " (the default) again", null, find(pid).orElseThrow().getProperties().get("bridge"));
        assertTrue(present(FREE));
    }

    @Test
    public void aVfioBackendThatCannotOpenItsDevicesIsRefused() {
        touch(VFIO);
        assertNoConfiguration(VFIO);
        String msg = fails(null, "cm:set " + VFIO + " enabled=true devices=" + NO_VFIO_FUNCTION);
        assertMentions(msg, VFIO);
        assertNoConfiguration(VFIO);
        assertFalse("no VFIO bridge", bridgeOfBackend("vfio"));
        String bad = fails(Errno.EINVAL, "cm:set " + VFIO + " enabled=true devices=zz");
        assertMentions(bad, VFIO, "devices", "zz");
        assertNoConfiguration(VFIO);
    }

    @Test
    public void aRefusedChangeOfABackendPutsItsPreviousConfigurationBackAndDeleteAnswersToo() throws Exception {
        touch(VFIO);
        assertMentions(shell("cm:set " + VFIO + " enabled=false bridge=vfio7"), VFIO, "applied by VfioBackend");
        assertMentions(fails(Errno.EINVAL, "cm:set " + VFIO + " enabled=true devices=zz"), "previous configuration is back");
        Dictionary<String, Object> now = find(VFIO).orElseThrow().getProperties();
        assertEquals(Boolean.FALSE, now.get("enabled"));
        assertEquals("vfio7", now.get("bridge"));
        assertNull(now.get("devices"));
        assertMentions(shell("cm:get " + VFIO), "answer: applied (VfioBackend)");
        assertMentions(shell("cm:delete " + VFIO), VFIO + " deleted");
        assertNoConfiguration(VFIO);
        assertMentions(fails(Errno.ENOENT, "cm:delete " + VFIO), "no such configuration");
    }

    // ---------------------------------------------------------------- Metatype

    @Test
    public void aValueNotAmongTheOptionsIsRefusedBeforeItIsStored() {
        String pid = touch(DEVICE + "~it-model");
        String msg = fails(Errno.EINVAL, "cm:set " + pid + " model=nosuch slot=" + FREE);
        assertMentions(msg, pid, "model", "nosuch", "edu", "pci-testdev", "nvidia-gpu");
        assertNoConfiguration(pid);
    }

    @Test
    public void anUnknownKeyIsRefusedBeforeItIsStored() {
        String pid = touch(DEVICE + "~it-key");
        String msg = fails(Errno.EINVAL, "cm:set " + pid + " modle=edu slot=" + FREE);
        assertMentions(msg, pid, "modle", "model");
        assertNoConfiguration(pid);
    }

    @Test
    public void aWrongTypeOrARangeIsRefusedBeforeItIsStored() {
        String pid = touch(BRIDGE + "~it-bridge");
        assertMentions(fails(Errno.EINVAL, "cm:set " + pid + " name=simT domain=abc"), pid, "domain", "abc");
        assertMentions(fails(Errno.EINVAL, "cm:set " + pid + " name=simT domain=70000"), pid, "domain", "70000");
        assertNoConfiguration(pid);
        assertMentions(fails(Errno.EINVAL, "cm:set " + HOST + " enabled=maybe"), HOST, "enabled", "maybe");
        assertNoConfiguration(HOST);
    }

    @Test
    public void anUnknownPidOfTheProjectIsRefused() {
        String pid = touch("org.nova.hw.sim.devcie~it-typo");
        assertMentions(fails(Errno.ENOENT, "cm:set " + pid + " model=edu"), "org.nova.hw.sim.devcie");
        assertNoConfiguration(pid);
    }

    @Test
    public void theOtherCommandsNameWhatIsWrongToo() {
        // Gogo reads (...) as a sub-command: filters and such PIDs are quoted
        assertMentions(fails(Errno.EINVAL, "cm:list \"(nope\""), "cm:list (nope", "not an LDAP filter");
        assertMentions(fails(Errno.ENOENT, "cm:get org.nova.nosuch"), "cm:get org.nova.nosuch", "no such configuration");
        assertMentions(fails(Errno.EINVAL, "cm:delete \"(x)\""), "cm:delete (x)", "is not a PID");
        assertMentions(fails(Errno.EINVAL, "cm:set " + DEVICE + " model=edu"), DEVICE, "is a factory PID",
                DEVICE + "~NAME");
        assertMentions(fails(Errno.EINVAL, "cm:set " + VFIO + "~x enabled=false"), VFIO, "is not a factory PID");
        assertMentions(fails(Errno.EINVAL, "cm:set " + DEVICE + "~x model"), "'model' is not KEY=VALUE");
        assertNoConfiguration(VFIO + "~x");
    }

    @Test
    public void aBridgeNameThatIsTakenIsRefused() {
        String pid = touch(BRIDGE + "~it-dup");
        assertMentions(fails(Errno.EEXIST, "cm:set " + pid + " name=" + SIM0 + " domain=7"), pid, SIM0);
        assertNoConfiguration(pid);
    }

    // ---------------------------------------------------------------- the answer is the change applied

    @Test
    public void setReturnsWhenTheDeviceIsThereAndDeleteWhenItIsGone() throws Exception {
        String pid = touch(DEVICE + "~it-live");
        for (int i = 0; i < 5; i++) {
            String out = shell("cm:set " + pid + " model=edu slot=" + FREE2);
            assertTrue(out, out.contains(pid));
            assertTrue("round " + i + ": the device is on the bridge when cm:set returns", present(FREE2));
            assertTrue("round " + i + ": and on the PCI bus", pci.device(FREE2).isPresent());
            shell("cm:delete " + pid);
            assertFalse("round " + i + ": the device is gone when cm:delete returns", present(FREE2));
            assertFalse("round " + i + ": from the PCI bus too", pci.device(FREE2).isPresent());
        }
    }

    @Test
    public void theFirmwareSearchPathIsInForceWhenSetReturns() throws Exception {
        touch(FirmwareLoader.PID);
        org.osgi.service.cm.Configuration c = find(FirmwareLoader.PID).orElseThrow();
        Dictionary<String, Object> before = c.getProperties();
        try {
            shell("cm:set " + FirmwareLoader.PID + " path=/nonexistent/a,/nonexistent/b");
            List<String> path = firmware.searchPath().stream().map(Object::toString).toList();
            assertTrue(path.toString(), path.containsAll(List.of("/nonexistent/a", "/nonexistent/b")));
        } finally {
            touched.remove(FirmwareLoader.PID);
            find(FirmwareLoader.PID).orElseThrow().update(before);
        }
    }

    @Test
    public void settleWaitsForChangesMadeBehindTheShellsBack() throws Exception {
        String pid = touch(DEVICE + "~it-settle");
        for (int i = 0; i < 3; i++) {
            org.osgi.service.cm.Configuration c = cm.getFactoryConfiguration(DEVICE, "it-settle", "?");
            c.update(new Hashtable<>(Map.of("model", "edu", "slot", FREE)));
            shell("cm:settle");
            assertTrue("round " + i + ": the device is there once cm:settle returns", present(FREE));
            c.delete();
            shell("cm:settle");
            assertFalse("round " + i + ": and gone once it returns after the deletion", present(FREE));
        }
        // a refusal is an answer too: settled, and cm:list says why
        cm.getFactoryConfiguration(DEVICE, "it-settle", "?").update(new Hashtable<>(Map.of("model", "edu", "slot",
                FREE, "bridge", "nosuch")));
        shell("cm:settle");
        String line = shell("cm:list").lines().filter(l -> l.startsWith(pid + " ")).findFirst().orElseThrow();
        assertMentions(line, "refused", "ENODEV", "nosuch", "SimDeviceComponent");
        assertMentions(shell("cm:get " + pid), "answer: refused: ENODEV");
    }

    // ---------------------------------------------------------------- helpers

    private String touch(String pid) {
        touched.add(pid);
        return pid;
    }

    private String shell(String line) throws Exception {
        return Gogo.run(processor, line);
    }

    /**
     * Runs a command that must fail; with an errno, the message must start with it.
     *
     * @return the message
     */
    private String fails(Errno errno, String line) {
        Object out;
        try {
            out = shell(line);
        } catch (Exception e) {
            DriverException d = null;
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof DriverException x) {
                    d = x;
                    break;
                }
            }
            assertNotNull(line + " failed without a DriverException: " + e, d);
            if (errno != null) {
                assertEquals(line + ": " + d.getMessage(), errno, d.errno());
                assertTrue(line + ": " + d.getMessage(), d.getMessage().startsWith(errno.name() + ": "));
            }
            assertFalse("one errno, not nested: " + d.getMessage(), d.getMessage().substring(1).matches(".*: E[A-Z]+: .*"));
            return d.getMessage();
        }
        fail(line + " should fail but returned " + out);
        return null;
    }

    private static void assertMentions(String message, String... words) {
        for (String w : words) {
            assertTrue("'" + message + "' should mention '" + w + "'", message.contains(w));
        }
    }

    private Optional<org.osgi.service.cm.Configuration> find(String pid) {
        try {
            org.osgi.service.cm.Configuration[] c = cm.listConfigurations("(service.pid=" + pid + ")");
            return c == null ? Optional.empty() : Optional.of(c[0]);
        } catch (IOException | InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private void assertNoConfiguration(String pid) {
        assertNull(pid + " should not be stored", find(pid).map(c -> c.getProperties()).orElse(null));
    }

    /** @return whether sim0 has a function at the slot */
    private boolean present(String slot) {
        try {
            for (ServiceReference<HostBridge> r : context.getServiceReferences(HostBridge.class,
                    "(" + HostBridge.PROP_BRIDGE + "=" + SIM0 + ")")) {
                HostBridge b = context.getService(r);
                try {
                    return b.function(PciAddress.parse(slot)).isPresent();
                } finally {
                    context.ungetService(r);
                }
            }
            return false;
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private boolean bridgeOfBackend(String backend) {
        try {
            return !context.getServiceReferences(HostBridge.class, "(" + HostBridge.PROP_BACKEND + "=" + backend + ")")
                    .isEmpty();
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private String driverOf(String device) {
        return pci.device(device).map(d -> d.device()).flatMap(Device::driver).orElse("-");
    }
}
