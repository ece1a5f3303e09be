package org.nova.it.pci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.Bar;
import org.nova.devres.Devres;
import org.nova.hw.HostBridge;
import org.nova.it.Uevents;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Simulated host bridges coming and going at runtime, through their Configuration Admin
 * configurations: a bridge that goes takes its devices with it (drivers unbind, auxiliary
 * children first, every devres released), a bridge that comes brings its devices (drivers
 * probe), and the devres counts prove that nothing leaked.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BridgeSwapIT extends PciItSupport {
    private static final String SIM1 = "sim1";
    private static final String SIM1_TESTDEV = "0001:00:02.0";
    private static final String SIM1_EDU = "0001:00:03.0";

    @Configuration
    public Option[] config() {
        return options();
    }

    @Before
    public void samplesBound() {
        awaitSamplesBound();
    }

    @Test
    public void swappingBridgesMovesDevicesAndLeaksNothing() throws Exception {
        // sim0's devices (the samples' and whatever else the default platform has) and their children
        List<String> sim0Devices = devicesOfDomain0();
        assertTrue(sim0Devices.toString(), sim0Devices.containsAll(List.of(TESTDEV, EDU, TESTDEV_AUX, AUX0, AUX1)));
        Map<String, String> initialBindings = bindings();
        Map<String, Integer> initial = devresByDevice();
        Map<String, Integer> initialByBundle = core.devres().liveByBundle();
        int initialTotal = core.devres().liveTotal();
        for (String d : List.of(TESTDEV, EDU, TESTDEV_AUX, AUX0, AUX1)) {
            assertTrue(d + " holds devres: " + initial, initial.getOrDefault(d, 0) > 0);
        }

        Dictionary<String, Object> sim0Properties = copy(configs(BRIDGE_PID, "name", SIM0)[0].getProperties());
        try (Uevents uevents = new Uevents(context)) {
            // ---- a second bridge, in domain 1, with an edu and a pci-testdev: the samples bind them
            org.osgi.service.cm.Configuration sim1 = createBridge(SIM1, 1);
            org.osgi.service.cm.Configuration sim1Edu = createDevice(SIM1, "00:03.0", MODEL_EDU, null, null);
            org.osgi.service.cm.Configuration sim1Testdev = createDevice(SIM1, "00:02.0", MODEL_TESTDEV, null, null);
            awaitBindings(Map.of("pci:" + SIM1_TESTDEV, RUST_DRIVER_PCI, "pci:" + SIM1_EDU, EDU_SAMPLE));
            assertEquals(Integer.valueOf(1), bridgeProperty(SIM1, HostBridge.PROP_DOMAIN));
            assertEquals("sim", bridgeProperty(SIM1, HostBridge.PROP_BACKEND));
            assertEquals("the same drivers hold the same resources on either bridge",
                    core.devres().liveForDevice(TESTDEV), core.devres().liveForDevice(SIM1_TESTDEV));
            assertEquals(core.devres().liveForDevice(EDU), core.devres().liveForDevice(SIM1_EDU));
            String selftest = shell("samples:edu " + SIM1_EDU);
            assertFalse(selftest, selftest.contains("FAIL"));
            String status = shell("samples:status");
            assertTrue(status, status.contains(RUST_DRIVER_PCI + " " + SIM1_TESTDEV + ": test 0 offset 0x800 data 0xfa "
                    + "data-match count 1"));
            Map<String, Integer> withSim1 = devresByDevice();
            int sim1Devres = core.devres().liveForDevice(SIM1_TESTDEV) + core.devres().liveForDevice(SIM1_EDU);
            assertEquals(initialTotal + sim1Devres, core.devres().liveTotal());

            // ---- the first bridge's configuration goes: its devices go, their drivers unbind
            org.osgi.service.cm.Configuration[] sim0 = configs(BRIDGE_PID, "name", SIM0);
            assertEquals(1, sim0.length);
            sim0[0].delete();
            await("sim0 and its devices are gone", () -> !bridgePresent(SIM0)
                    && sim0Devices.stream().noneMatch(d -> present(d)), this::bindings);
            settle();
            uevents.awaitTail(TESTDEV, List.of("UNBIND " + RUST_DRIVER_PCI, "REMOVE"));
            uevents.awaitTail(EDU, List.of("UNBIND " + EDU_SAMPLE, "REMOVE"));
            uevents.awaitTail(TESTDEV_AUX, List.of("UNBIND " + AUX_PARENT, "REMOVE"));
            uevents.awaitTail(AUX0, List.of("UNBIND " + AUX_DRIVER, "REMOVE"));
            uevents.awaitTail(AUX1, List.of("UNBIND " + AUX_DRIVER, "REMOVE"));
            long parentUnbind = uevents.last(TESTDEV_AUX, "UNBIND").seqnum();
            for (String aux : List.of(AUX0, AUX1)) {
                assertTrue(aux + " is removed before its parent finishes unbinding: " + uevents.all(),
                        uevents.last(aux, "REMOVE").seqnum() < parentUnbind);
            }
            for (String d : sim0Devices) {
                assertEquals(d + " devres after its bridge went", 0, core.devres().liveForDevice(d));
            }
            // sim1 did not notice
            assertEquals(Map.of(SIM1_TESTDEV, withSim1.get(SIM1_TESTDEV), SIM1_EDU, withSim1.get(SIM1_EDU)),
                    devresByDevice());
            assertEquals(sim1Devres, core.devres().liveTotal());
            uevents.awaitTail(SIM1_TESTDEV, List.of("ADD", "BIND " + RUST_DRIVER_PCI));
            assertEquals(Map.of("pci:" + SIM1_TESTDEV, RUST_DRIVER_PCI, "pci:" + SIM1_EDU, EDU_SAMPLE), bindings());
            // the samples keep no state of the gone devices
            status = shell("samples:status");
            assertFalse(status, status.contains(TESTDEV) || status.contains(EDU) || status.contains(AUX0));

            // ---- it comes back: the device configurations, which waited, plug in again and probe
            recreate(sim0Properties);
            // the bridge plugs its functions in one by one: wait for all of them, then for their probes
            await("sim0's devices are back", () -> sim0Devices.stream().allMatch(this::present), this::bindings);
            awaitSamplesBound();
            // the GPUs boot their GSP while the samples are long bound: wait for every probe
            settle();
            uevents.awaitTail(TESTDEV, List.of("ADD", "BIND " + RUST_DRIVER_PCI));
            uevents.awaitTail(EDU, List.of("ADD", "BIND " + EDU_SAMPLE));
            uevents.awaitTail(TESTDEV_AUX, List.of("ADD", "BIND " + AUX_PARENT));
            assertEquals("every device holds what it held before", withSim1, devresByDevice());
            assertEquals(initialTotal + sim1Devres, core.devres().liveTotal());

            // ---- the second bridge goes with its devices: back to the start, exactly
            sim1Testdev.delete();
            sim1Edu.delete();
            sim1.delete();
            await("sim1 and its devices are gone", () -> !bridgePresent(SIM1) && !present(SIM1_TESTDEV)
                    && !present(SIM1_EDU), this::bindings);
            settle();
            uevents.awaitTail(SIM1_EDU, List.of("UNBIND " + EDU_SAMPLE, "REMOVE"));
            assertEquals(initial, devresByDevice());
            assertEquals(initialByBundle, core.devres().liveByBundle());
            assertEquals(initialTotal, core.devres().liveTotal());
            assertEquals(initialBindings, bindings());
        } finally {
            if (configs(BRIDGE_PID, "name", SIM0).length == 0) {
                recreate(sim0Properties); // for the other tests of the class
            }
        }
    }

    /** Creates the bridge configuration again from the properties of the deleted one. */
    private void recreate(Dictionary<String, Object> properties) throws java.io.IOException {
        Dictionary<String, Object> p = copy(properties);
        p.remove("service.pid");
        p.remove(FACTORY_PID);
        cm.createFactoryConfiguration(BRIDGE_PID, "?").update(p);
    }

    @Test
    public void aDeviceWaitsForItsBridge() throws Exception {
        String slot = "0002:00:03.0";
        createDevice("sim2", "0002:00:03.0", MODEL_EDU, null, null);
        settle();
        assertFalse(slot + " appeared without its bridge", present(slot));
        createBridge("sim2", 2);
        awaitBindings(Map.of("pci:" + slot, EDU_SAMPLE));
        assertEquals(core.devres().liveForDevice(EDU), core.devres().liveForDevice(slot));
    }

    @Test
    public void aBridgeThatGoesRevokesTheBarsDriversHold() throws Exception {
        String slot = "0003:00:05.0";
        HoldingDriver<HoldingDriver.Bound> driver = new HoldingDriver<>(HoldingDriver.Bound::new);
        registerDriver(driver);
        org.osgi.service.cm.Configuration bridge = createBridge("sim3", 3);
        createDevice("sim3", "00:05.0", MODEL_TESTDEV, HoldingDriver.SUBSYSTEM_VENDOR, HoldingDriver.SUBSYSTEM_DEVICE);
        awaitBindings(Map.of("pci:" + slot, HoldingDriver.NAME));
        Devres<Bar> bar = driver.bar(slot);
        assertFalse(bar.isRevoked());
        assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForDevice(slot));

        bridge.delete();
        await(slot + " is gone with its bridge", () -> !present(slot), this::bindings);
        settle();
        assertTrue(bar.isRevoked());
        assertTrue(bar.tryAccess().isEmpty());
        assertNoDevres(slot, HoldingDriver.NAME, probeBundle());
        awaitSamplesBound();
    }

    /**
     * The simulated backend as a whole (the hw.sim bundle) goes away and comes back: every
     * PCI device and its auxiliary children go, every devres is released; then the same devices
     * come back from their configurations and the same drivers bind them again.
     */
    @Test
    public void theBackendBundleGoingAndComingBack() throws Exception {
        List<String> sim0Devices = devicesOfDomain0();
        Map<String, String> bindings = bindings();
        Map<String, Integer> devres = devresByDevice();
        org.osgi.framework.Bundle backend = bundle("hw.sim");
        try {
            backend.stop();
            await("every simulated device is gone", () -> pciBus().devices().isEmpty() && auxBus().devices().isEmpty(),
                    this::bindings);
            settle();
            assertFalse(bridgePresent(SIM0));
            assertEquals(devresByDevice().toString(), 0, core.devres().liveTotal());
            assertEquals(0, core.devres().liveForBundle(SAMPLES_BUNDLE));
        } finally {
            backend.start();
        }
        await("sim0's devices are back", () -> sim0Devices.stream().allMatch(this::present), this::bindings);
        awaitSamplesBound();
        assertEquals(bindings, bindings());
        assertEquals(devres, devresByDevice());
        String selftest = shell("samples:edu " + EDU);
        assertFalse(selftest, selftest.contains("FAIL"));
    }

    // ---------------------------------------------------------------- helpers

    /** @return the PCI devices of domain 0 and every auxiliary device (all children of sim0's devices here) */
    private List<String> devicesOfDomain0() {
        List<String> out = new java.util.ArrayList<>();
        pciBus().devices().stream().map(d -> d.name()).filter(n -> n.startsWith("0000:")).forEach(out::add);
        auxBus().devices().stream().map(d -> stable(d.name())).forEach(out::add);
        return out;
    }

    /** @return whether a PCI or auxiliary device of that name exists */
    private boolean present(String device) {
        return pciBus().device(device).isPresent() || auxBus().devices().stream().anyMatch(d -> stable(d.name()).equals(device));
    }

    private Object bridgeProperty(String bridge, String key) throws Exception {
        return context.getServiceReferences(HostBridge.class, "(" + HostBridge.PROP_BRIDGE + "=" + bridge + ")")
                .iterator().next().getProperty(key);
    }

    private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        Map<String, Object> m = new HashMap<>();
        for (Enumeration<String> e = d.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            m.put(k, d.get(k));
        }
        return new Hashtable<>(m);
    }
}
