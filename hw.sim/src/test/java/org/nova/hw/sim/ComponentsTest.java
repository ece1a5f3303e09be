package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nova.config.ConfigStatus;
import org.nova.hw.HostBridge;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The Configuration Admin components, driven as SCR would with configuration maps. */
class ComponentsTest {

    /** A registered service of the fake framework. */
    static final class Registered {
        final Object service;
        Dictionary<String, ?> properties;
        boolean unregistered;

        Registered(Object service, Dictionary<String, ?> properties) {
            this.service = service;
            this.properties = properties;
        }
    }

    private final List<Registered> registry = new ArrayList<>();
    private final Map<String, String> frameworkProperties = new HashMap<>();
    private final List<SimBridgeComponent> bridges = new ArrayList<>();

    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> switch (method.getName()) {
                case "registerService" -> {
                    @SuppressWarnings("unchecked")
                    Registered r = new Registered(args[1], (Dictionary<String, ?>) args[2]);
                    registry.add(r);
                    yield Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                            (p, m, a) -> {
                                if (m.getName().equals("unregister")) {
                                    if (r.unregistered) {
                                        throw new IllegalStateException("already unregistered");
                                    }
                                    r.unregistered = true;
                                } else if (m.getName().equals("setProperties")) {
                                    @SuppressWarnings("unchecked")
                                    Dictionary<String, ?> updated = (Dictionary<String, ?>) a[0];
                                    r.properties = updated;
                                }
                                return null;
                            });
                }
                case "getProperty" -> frameworkProperties.get((String) args[0]);
                case "toString" -> "fake BundleContext";
                default -> throw new UnsupportedOperationException(method.getName());
            });

    private final SimPlatform platform = new SimPlatform();

    @AfterEach
    void tearDown() {
        bridges.forEach(SimBridgeComponent::deactivate);
    }

    private SimBridgeComponent bridge(String pid, Object... kv) {
        SimBridgeComponent c = new SimBridgeComponent(platform, context, config(pid, kv));
        bridges.add(c);
        return c;
    }

    private SimDeviceComponent device(String pid, Object... kv) {
        return new SimDeviceComponent(platform, context, config(pid, kv));
    }

    private static Map<String, Object> config(String pid, Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put(ConfigProps.SERVICE_PID, pid);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** @return the live HostBridge registrations (the answers are registered services too) */
    private List<Registered> live() {
        return registry.stream().filter(r -> !r.unregistered && r.service instanceof HostBridge).toList();
    }

    /** @return the live answer for a PID: its service properties, or null */
    private Dictionary<String, ?> answer(String pid) {
        return registry.stream().filter(r -> !r.unregistered && pid.equals(r.properties.get(ConfigStatus.PID)))
                .map(r -> r.properties).findFirst().orElse(null);
    }

    private void assertApplied(String pid) {
        Dictionary<String, ?> a = answer(pid);
        assertEquals(ConfigStatus.APPLIED, a == null ? null : a.get(ConfigStatus.STATE), pid + ": " + a);
    }

    /** Asserts a refusal of {@code pid} with {@code errno} whose reason starts with the key {@code key}. */
    private String assertRefused(String pid, String errno, String key) {
        Dictionary<String, ?> a = answer(pid);
        assertEquals(ConfigStatus.REFUSED, a == null ? null : a.get(ConfigStatus.STATE), pid + ": " + a);
        assertEquals(errno, a.get(ConfigStatus.ERRNO), pid + ": " + a);
        String reason = (String) a.get(ConfigStatus.REASON);
        assertTrue(reason.startsWith(key + ": "), reason);
        return reason;
    }

    @Test
    void bridgeConfigurationRegistersAHostBridgeService() {
        SimBridgeComponent c = bridge("b1", "name", "sim0", "domain", 0);
        assertEquals(1, live().size());
        Registered r = live().get(0);
        assertEquals("sim", r.properties.get(HostBridge.PROP_BACKEND));
        assertEquals("sim0", r.properties.get(HostBridge.PROP_BRIDGE));
        assertEquals(0, r.properties.get(HostBridge.PROP_DOMAIN));
        HostBridge b = (HostBridge) r.service;
        assertEquals("sim0", b.name());
        assertSame(c.bridge(), b);
        c.deactivate();
        assertTrue(live().isEmpty(), "deleting the configuration unregisters the bridge");
        assertTrue(platform.bridge("sim0").isEmpty());
    }

    @Test
    void devicesAttachToTheirBridgeInAnyOrder() {
        SimDeviceComponent early = device("d1", "bridge", "sim1", "slot", "00:03.0", "model", "edu");
        assertTrue(platform.function("d1").isEmpty(), "waits for its bridge");
        bridge("b1", "name", "sim1", "domain", "2");
        HostBridge b = (HostBridge) live().get(0).service;
        assertEquals(2, b.domain(), "string-typed configuration values are accepted");
        PciFunction edu = b.function(new PciAddress(2, 0, 3, 0)).orElseThrow();
        assertEquals("QEMU edu", edu.model());
        SimTestSupport.Events events = new SimTestSupport.Events();
        b.addListener(events);
        SimDeviceComponent late = device("d2", "bridge", "sim1", "slot", "0002:00:02.0", "model", "pci-testdev");
        assertEquals(1, events.added.size(), "hot add");
        assertEquals("0002:00:02.0", events.added.get(0).address().toString());
        early.deactivate();
        assertEquals(List.of(edu), events.removed, "deleting a device configuration hot-removes it");
        assertFalse(edu.isPresent());
        late.modified(config("d2", "bridge", "sim1", "slot", "00:05.0", "model", "edu"));
        assertEquals(2, events.removed.size());
        assertEquals("0002:00:05.0", events.added.get(1).address().toString(), "modified moves the device");
        late.deactivate();
    }

    @Test
    void badConfigurationsAreLoggedAndChangeNothingElse() {
        bridge("b1", "name", "sim0");
        HostBridge b = (HostBridge) live().get(0).service;
        device("ok", "slot", "00:03.0", "model", "edu");
        device("unknown-model", "slot", "00:04.0", "model", "gpu9000");
        device("bad-slot", "slot", "00:3", "model", "edu");
        device("dup-slot", "slot", "00:03.0", "model", "pci-testdev");
        device("other-domain", "slot", "0005:00:06.0", "model", "edu");
        assertEquals(1, b.functions().size());
        assertEquals("QEMU edu", b.functions().get(0).model());
        assertTrue(platform.function("unknown-model").isEmpty());
        assertTrue(platform.function("dup-slot").isEmpty());
        // A second bridge with the same name is refused; the first keeps working.
        SimBridgeComponent dup = bridge("b2", "name", "sim0", "domain", 1);
        assertNull(dup.bridge());
        SimBridgeComponent badDomain = bridge("b3", "name", "simX", "domain", "zero");
        assertNull(badDomain.bridge());
        assertEquals(1, live().size());
        assertTrue(b.functions().get(0).isPresent());
    }

    @Test
    void deletingTheBridgeRemovesItsFunctionsAndDevicesComeBackWithIt() {
        SimBridgeComponent c = bridge("b1", "name", "sim0");
        device("d1", "slot", "00:03.0", "model", "edu");
        PciFunction first = platform.function("d1").orElseThrow();
        c.deactivate();
        assertFalse(first.isPresent());
        assertTrue(live().isEmpty());
        bridge("b1", "name", "sim0");
        PciFunction second = platform.function("d1").orElseThrow();
        assertTrue(second.isPresent(), "the device configuration still exists: plugged into the new bridge");
    }

    @Test
    void bridgeModifiedReplacesTheBridgeOnlyWhenItChanges() {
        SimBridgeComponent c = bridge("b1", "name", "sim0", "domain", 0);
        SimulatedHostBridge first = c.bridge();
        c.modified(config("b1", "name", "sim0", "domain", 0));
        assertSame(first, c.bridge());
        c.modified(config("b1", "name", "sim7", "domain", 0));
        assertEquals("sim7", c.bridge().name());
        assertEquals(1, live().size());
        assertEquals("sim7", live().get(0).properties.get(HostBridge.PROP_BRIDGE));
    }

    @Test
    void everyDeviceConfigurationIsAnsweredWithTheKeyItConcerns() {
        bridge("b1", "name", "sim0");
        device("ok", "slot", "00:03.0", "model", "edu");
        assertApplied("ok");
        device("unknown-model", "slot", "00:04.0", "model", "gpu9000");
        assertTrue(assertRefused("unknown-model", "EINVAL", "model").contains("gpu9000"));
        device("bad-slot", "slot", "00:3", "model", "edu");
        assertTrue(assertRefused("bad-slot", "EINVAL", "slot").contains("00:3"));
        device("dup-slot", "slot", "00:03.0", "model", "pci-testdev");
        assertTrue(assertRefused("dup-slot", "EEXIST", "slot").contains("ok"), "names who has the slot");
        device("other-domain", "slot", "0005:00:06.0", "model", "edu");
        assertRefused("other-domain", "EINVAL", "slot");
        device("bad-id", "slot", "00:07.0", "model", "edu", "subsystem_vendor", "xyz");
        assertTrue(assertRefused("bad-id", "EINVAL", "subsystem_vendor").contains("xyz"));
    }

    @Test
    void aDeviceWaitingForItsBridgeIsRefusedUntilTheBridgeComesAndAgainWhenItGoes() {
        SimDeviceComponent d = device("d1", "bridge", "sim1", "slot", "00:03.0", "model", "edu");
        assertTrue(assertRefused("d1", "ENODEV", "bridge").contains("sim1"));
        assertEquals("ENODEV: " + answer("d1").get(ConfigStatus.REASON), d.status().refusal());
        SimBridgeComponent b = bridge("b1", "name", "sim1");
        assertApplied("d1");
        assertTrue(platform.function("d1").isPresent());
        b.deactivate();
        assertRefused("d1", "ENODEV", "bridge");
        d.deactivate();
        assertEquals(null, answer("d1"), "deleting the configuration withdraws the answer");
    }

    @Test
    void aRefusedChangeLeavesThePreviousDevicePluggedInAndAnEqualOneChangesNothing() {
        bridge("b1", "name", "sim0");
        SimTestSupport.Events events = new SimTestSupport.Events();
        ((HostBridge) live().get(0).service).addListener(events);
        device("other", "slot", "00:04.0", "model", "pci-testdev");
        SimDeviceComponent d = device("d1", "slot", "00:03.0", "model", "edu");
        PciFunction edu = platform.function("d1").orElseThrow();
        for (Map<String, Object> bad : List.of(config("d1", "slot", "00:03.0", "model", "gpu9000"),
                config("d1", "slot", "zz", "model", "edu"), config("d1", "slot", "00:04.0", "model", "edu"))) {
            d.modified(bad);
            assertEquals(ConfigStatus.REFUSED, d.status().state(), bad.toString());
            assertSame(edu, platform.function("d1").orElseThrow(), "the previous device stays: " + bad);
            assertTrue(edu.isPresent());
        }
        int removed = events.removed.size();
        d.modified(config("d1", "slot", "00:03.0", "model", "edu"));
        assertApplied("d1");
        assertSame(edu, platform.function("d1").orElseThrow(), "the configuration in force again: nothing replugged");
        assertEquals(removed, events.removed.size());
    }

    @Test
    void everyBridgeConfigurationIsAnswered() {
        SimBridgeComponent ok = bridge("b1", "name", "sim0");
        assertApplied("b1");
        bridge("b2", "name", "sim0", "domain", 1);
        assertTrue(assertRefused("b2", "EEXIST", "name").contains("sim0"));
        bridge("b3", "name", "simX", "domain", "zero");
        assertTrue(assertRefused("b3", "EINVAL", "domain").contains("zero"));
        bridge("b4", "name", "simY", "domain", 70000);
        assertTrue(assertRefused("b4", "EINVAL", "domain").contains("70000"));
        ok.modified(config("b1", "name", "sim0", "domain", 0));
        assertApplied("b1");
        ok.deactivate();
        assertEquals(null, answer("b1"));
    }

    @Test
    void theDefaultPlatformAnswersItsOwnConfiguration() {
        new SimDefaultPlatform(new FakeConfigAdmin().proxy(), context, Map.of());
        assertApplied(SimDefaultPlatform.PID);
    }

    /** A fake Configuration Admin that records created configurations. */
    private static final class FakeConfigAdmin {
        final Map<String, Dictionary<String, Object>> created = new HashMap<>();
        Configuration[] existing;

        ConfigurationAdmin proxy() {
            return (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ConfigurationAdmin.class}, (p, m, a) -> switch (m.getName()) {
                        case "listConfigurations" -> existing;
                        case "getFactoryConfiguration", "getConfiguration" -> {
                            String key = m.getName().equals("getConfiguration") ? (String) a[0] : a[0] + "~" + a[1];
                            yield Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Configuration.class},
                                    (p2, m2, a2) -> {
                                        if (m2.getName().equals("update")) {
                                            @SuppressWarnings("unchecked")
                                            Dictionary<String, Object> d = (Dictionary<String, Object>) a2[0];
                                            created.put(key, d);
                                        }
                                        return null;
                                    });
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    });
        }
    }

    @Test
    void defaultPlatformIsCreatedWhenNothingIsConfigured() {
        FakeConfigAdmin cm = new FakeConfigAdmin();
        new SimDefaultPlatform(cm.proxy(), context, Map.of());
        // bridge, pci-testdev, edu, the second pci-testdev, two GPUs, and the firmware loader's path
        assertEquals(7, cm.created.size());
        assertTrue(Arrays.asList((String[]) cm.created.get(SimDefaultPlatform.FIRMWARE_LOADER_PID)
                .get(SimDefaultPlatform.FIRMWARE_LOADER_PATH)).contains(
                        GpuFirmwareGenerator.defaultDir().toString()),
                "the loader finds the simulated GPUs' generated firmware");
        Dictionary<String, Object> bridge = cm.created.get(SimBridgeComponent.PID + "~" + SimDefaultPlatform.CONFIG_NAME_BRIDGE);
        assertEquals("sim0", bridge.get("name"));
        assertEquals(0, bridge.get("domain"));
        Dictionary<String, Object> testdev = cm.created.get(SimDeviceComponent.PID + "~" + SimDefaultPlatform.CONFIG_NAME_TESTDEV);
        assertEquals("pci-testdev", testdev.get("model"));
        assertEquals("00:02.0", testdev.get("slot"));
        assertEquals("sim0", testdev.get("bridge"));
        Dictionary<String, Object> edu = cm.created.get(SimDeviceComponent.PID + "~" + SimDefaultPlatform.CONFIG_NAME_EDU);
        assertEquals("edu", edu.get("model"));
        assertEquals("00:03.0", edu.get("slot"));

        // Feeding those configurations to the components gives the default platform.
        SimBridgeComponent b = bridge("default-bridge", "name", bridge.get("name"), "domain", bridge.get("domain"));
        device("default-testdev", "bridge", "sim0", "slot", testdev.get("slot"), "model", testdev.get("model"));
        device("default-edu", "bridge", "sim0", "slot", edu.get("slot"), "model", edu.get("model"));
        Dictionary<String, Object> aux = cm.created.get(SimDeviceComponent.PID + "~" + SimDefaultPlatform.CONFIG_NAME_TESTDEV_AUX);
        device("default-aux", "bridge", "sim0", "slot", aux.get("slot"), "model", aux.get("model"),
                "subsystem_vendor", aux.get("subsystem_vendor"), "subsystem_device", aux.get("subsystem_device"));
        assertEquals(List.of("0000:00:02.0", "0000:00:03.0", "0000:00:04.0"),
                b.bridge().functions().stream().map(f -> f.address().toString()).toList());
        // the second pci-testdev's board straps subsystem 1b36:0005; the first keeps QEMU's 1af4:1100
        var second = b.bridge().functions().get(2);
        assertEquals(0x1b36, second.readConfig(0x2c, 2));
        assertEquals(0x0005, second.readConfig(0x2e, 2));
        second.reset();
        assertEquals(0x0005, second.readConfig(0x2e, 2), "a strap survives reset");
        assertEquals(0x1100, b.bridge().functions().get(0).readConfig(0x2e, 2));
    }

    @Test
    void defaultPlatformStaysAwayWhenConfiguredOrDisabled() {
        FakeConfigAdmin cm = new FakeConfigAdmin();
        cm.existing = new Configuration[] {(Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Configuration.class}, (p, m, a) -> null)};
        new SimDefaultPlatform(cm.proxy(), context, Map.of());
        assertTrue(cm.created.isEmpty(), "a user configuration exists");

        FakeConfigAdmin cm2 = new FakeConfigAdmin();
        frameworkProperties.put(SimDefaultPlatform.DEFAULTS_PROPERTY, "false");
        new SimDefaultPlatform(cm2.proxy(), context, Map.of());
        assertTrue(cm2.created.isEmpty(), "nova.sim.defaults=false");
        frameworkProperties.clear();
        new SimDefaultPlatform(cm2.proxy(), context, Map.of("enabled", false));
        assertTrue(cm2.created.isEmpty(), "enabled=false");
        assertTrue(SimDefaultPlatform.enabled(null, Map.of()));
        assertTrue(SimDefaultPlatform.enabled("true", Map.of()));
        assertFalse(SimDefaultPlatform.enabled(" FALSE ", Map.of("enabled", true)));
    }

    @Test
    void aGenericDeviceTakesItsIdentityFromItsConfiguration() {
        bridge("b1", "name", "sim0");
        device("gen", "slot", "00:08.0", "model", "pci-generic", "vendor", "0x1b36", "device", "00fe", "class", "0c0330",
                "revision", "2a", "subsystem_vendor", "abcd", "subsystem_device", "1234", "bars", "0:mem32:64K,2:mem64-pref:1G,4:io:32");
        assertApplied("gen");
        PciFunction f = platform.function("gen").orElseThrow();
        assertEquals("generic PCI device", f.model());
        assertEquals(0x00fe1b36, f.readConfig(0x00, 4), "device, vendor");
        assertEquals(0x0c03302a, f.readConfig(0x08, 4), "class, revision");
        assertEquals(0x1234abcd, f.readConfig(0x2c, 4), "subsystem, subsystem vendor");
        assertEquals(64 << 10, f.region(0).orElseThrow().size());
        assertEquals(1L << 30, f.region(2).orElseThrow().size());
        assertEquals(32, f.region(4).orElseThrow().size());
        assertTrue(f.region(1).isEmpty());
        device("no-vendor", "slot", "00:09.0", "model", "pci-generic", "device", "1");
        assertTrue(assertRefused("no-vendor", "EINVAL", "model").contains("vendor"));
        device("bad-class", "slot", "00:09.0", "model", "pci-generic", "vendor", "1", "device", "1", "class", "1000000");
        assertTrue(assertRefused("bad-class", "EINVAL", "model").contains("class"));
        device("bad-bars", "slot", "00:09.0", "model", "pci-generic", "vendor", "1", "device", "1", "bars", "0:mem64:4K,1:mem32:4K");
        assertTrue(assertRefused("bad-bars", "EINVAL", "model").contains("overlaps"));
        device("absent", "slot", "00:09.0", "model", "pci-generic", "vendor", "ffff", "device", "1");
        assertRefused("absent", "EINVAL", "model");
    }

    @Test
    void aDeviceWhoseBarFitsNoWindowIsRefusedWithEnospcAndNothingOfItStays() {
        bridge("b1", "name", "sim0");
        HostBridge b = (HostBridge) live().get(0).service;
        device("big", "slot", "00:08.0", "model", "pci-generic", "vendor", "1b36", "device", "00fe",
                "bars", "0:mem32:4K,2:mem32:2G");
        Dictionary<String, ?> a = answer("big");
        assertEquals(ConfigStatus.REFUSED, a.get(ConfigStatus.STATE), String.valueOf(a));
        assertEquals("ENOSPC", a.get(ConfigStatus.ERRNO));
        String reason = (String) a.get(ConfigStatus.REASON);
        assertTrue(reason.contains("BAR2") && reason.contains("2147483648 bytes"), reason);
        assertTrue(platform.function("big").isEmpty());
        assertTrue(b.functions().isEmpty());
        device("small", "slot", "00:08.0", "model", "pci-generic", "vendor", "1b36", "device", "00fe",
                "bars", "0:mem32:512M");
        assertApplied("small");
    }

    @Test
    void deletingADeviceConfigurationRemovesItOrderlyOrAsTheSurpriseItAsksFor() {
        bridge("b1", "name", "sim0");
        HostBridge b = (HostBridge) live().get(0).service;
        SimTestSupport.Events events = new SimTestSupport.Events();
        b.addListener(events);
        SimDeviceComponent orderly = device("o", "slot", "00:08.0", "model", "edu");
        SimDeviceComponent pulled = device("s", "slot", "00:09.0", "model", "edu", "removal", "surprise");
        assertApplied("s");
        orderly.deactivate();
        assertEquals(List.of("0000:00:08.0 present"), events.removing);
        pulled.deactivate();
        assertEquals(1, events.removing.size(), "the surprise removal was not announced");
        assertEquals(2, events.removed.size());
        device("bad", "slot", "00:0a.0", "model", "edu", "removal", "yank");
        assertTrue(assertRefused("bad", "EINVAL", "removal").contains("yank"));
    }
}
