package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.nova.config.ConfigStatus;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/** Who owns a PID and whether it can answer, from a fake SCR's descriptions and configurations. */
class ConfigOwnersTest {
    private final List<ComponentDescriptionDTO> descriptions = new ArrayList<>();
    private final Map<String, List<ComponentConfigurationDTO>> configurations = new HashMap<>();
    private final Set<String> disabled = new HashSet<>();
    private final Map<Long, Integer> bundleStates = new HashMap<>();
    /** The interfaces a service is registered under. */
    private final Set<String> registered = new HashSet<>();

    private final ServiceComponentRuntime scr = (ServiceComponentRuntime) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {ServiceComponentRuntime.class}, (p, m, a) -> switch (m.getName()) {
                case "getComponentDescriptionDTOs" -> descriptions;
                case "isComponentEnabled" -> !disabled.contains(((ComponentDescriptionDTO) a[0]).name);
                case "getComponentConfigurationDTOs" -> configurations.getOrDefault(((ComponentDescriptionDTO) a[0]).name,
                        List.of());
                default -> throw new UnsupportedOperationException(m.getName());
            });

    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                if (m.getName().equals("getAllServiceReferences")) {
                    return registered.contains((String) a[0]) ? new ServiceReference<?>[] {
                        (ServiceReference<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                                new Class<?>[] {ServiceReference.class}, (p2, m2, a2) -> null)} : null;
                }
                if (!m.getName().equals("getBundle") || a == null) {
                    throw new UnsupportedOperationException(m.getName());
                }
                long id = (Long) a[0];
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Bundle.class},
                        (p2, m2, a2) -> m2.getName().equals("getState") ? bundleStates.getOrDefault(id, Bundle.ACTIVE) : null);
            });

    private final ConfigOwners owners = new ConfigOwners(context, scr);

    private ComponentDescriptionDTO component(String name, long bundle, String policy, boolean answers, String... pids) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = name;
        d.bundle = new BundleDTO();
        d.bundle.id = bundle;
        d.configurationPolicy = policy;
        d.configurationPid = pids;
        d.properties = answers ? Map.of(ConfigStatus.ANSWERS, true) : Map.of();
        d.references = new ReferenceDTO[] {reference("gpus", "org.nova.gpu.NovaGpus"),
            reference("commands", "org.nova.gpu.GspCommands"), reference("platform", "org.nova.hw.sim.SimPlatform")};
        descriptions.add(d);
        return d;
    }

    private static ReferenceDTO reference(String name, String interfaceName) {
        ReferenceDTO r = new ReferenceDTO();
        r.name = name;
        r.interfaceName = interfaceName;
        return r;
    }

    private void configuration(String component, int state, Map<String, Object> props, String... missing) {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.state = state;
        c.properties = props;
        List<UnsatisfiedReferenceDTO> refs = new ArrayList<>();
        for (String r : missing) {
            UnsatisfiedReferenceDTO u = new UnsatisfiedReferenceDTO();
            u.name = r;
            refs.add(u);
        }
        c.unsatisfiedReferences = refs.toArray(UnsatisfiedReferenceDTO[]::new);
        c.failure = state == ComponentConfigurationDTO.FAILED_ACTIVATION
                ? "java.lang.IllegalStateException: boom\n\tat org.nova.X.<init>(X.java:1)" : null;
        configurations.computeIfAbsent(component, k -> new ArrayList<>()).add(c);
    }

    @Test
    void theOwnerIsTheAnsweringComponentConfiguredByThePidOrItsFactory() {
        component("org.nova.hw.sim.SimDeviceComponent", 7, "require", true, "org.nova.hw.sim.device");
        component("org.nova.Other", 7, "optional", false, "org.nova.other");
        ConfigOwners.Owner o = owners.owner("org.nova.hw.sim.device~x", "org.nova.hw.sim.device").orElseThrow();
        assertEquals("SimDeviceComponent", o.name());
        assertFalse(o.optional());
        assertTrue(owners.owner("org.nova.other", null).isEmpty(), "it does not answer");
        assertTrue(owners.claimed("org.nova.other"), "but it is configured by the PID");
        assertFalse(owners.claimed("org.nova.typo"));
    }

    @Test
    void aDisabledOwnerOrOneOfAStoppedBundleIsNone() {
        component("org.nova.A", 3, "optional", true, "org.nova.a");
        component("org.nova.B", 4, "optional", true, "org.nova.b");
        disabled.add("org.nova.A");
        bundleStates.put(4L, Bundle.RESOLVED);
        assertEquals(Optional.empty(), owners.owner("org.nova.a", null));
        assertEquals(Optional.empty(), owners.owner("org.nova.b", null));
        assertTrue(owners.answering().isEmpty());
    }

    @Test
    void anOwnerLackingAReferenceCannotAnswerAndOneWhoseActivationFailedSaysWhy() {
        component("org.nova.vgpu.VgpuVfioDriver", 5, "optional", true, "org.nova.vgpu");
        configuration("org.nova.vgpu.VgpuVfioDriver", ComponentConfigurationDTO.UNSATISFIED_REFERENCE, Map.of(), "gpus",
                "commands");
        ConfigOwners.Owner o = owners.owner("org.nova.vgpu", null).orElseThrow();
        assertTrue(o.optional());
        assertEquals(Optional.of("VgpuVfioDriver is not active: it lacks its references gpus, commands"),
                owners.unable(o, "org.nova.vgpu"), "without a configuration: the component's own PID");
        registered.add("org.nova.gpu.GspCommands");
        assertEquals(Optional.of("VgpuVfioDriver is not active: it lacks its reference gpus"),
                owners.unable(o, "org.nova.vgpu"), "a reference a registered service matches is not missing");
        registered.add("org.nova.gpu.NovaGpus");
        assertEquals(Optional.empty(), owners.unable(o, "org.nova.vgpu"),
                "SCR has not bound what is there yet: it is setting the component up, not lacking anything");
        assertEquals(Optional.empty(), owners.failed(o, "org.nova.vgpu"));

        component("org.nova.hw.sim.SimDeviceComponent", 7, "require", true, "org.nova.hw.sim.device");
        configuration("org.nova.hw.sim.SimDeviceComponent", ComponentConfigurationDTO.FAILED_ACTIVATION,
                Map.of("service.pid", "org.nova.hw.sim.device~x"));
        ConfigOwners.Owner d = owners.owner("org.nova.hw.sim.device~x", "org.nova.hw.sim.device").orElseThrow();
        assertEquals(Optional.of("SimDeviceComponent failed to activate: java.lang.IllegalStateException: boom"),
                owners.failed(d, "org.nova.hw.sim.device~x"));
        assertEquals(Optional.empty(), owners.unable(d, "org.nova.hw.sim.device~x"));
        assertEquals(Optional.empty(), owners.failed(d, "org.nova.hw.sim.device~y"), "another configuration of it");
    }

    @Test
    void aConfigurationSetUpWithNoReferenceNamedIsNotUnable() {
        component("org.nova.hw.sim.SimDeviceComponent", 7, "require", true, "org.nova.hw.sim.device");
        configuration("org.nova.hw.sim.SimDeviceComponent", ComponentConfigurationDTO.UNSATISFIED_REFERENCE,
                Map.of("service.pid", "org.nova.hw.sim.device~x"));
        ConfigOwners.Owner d = owners.owner("org.nova.hw.sim.device~x", "org.nova.hw.sim.device").orElseThrow();
        assertEquals(Optional.empty(), owners.unable(d, "org.nova.hw.sim.device~x"),
                "SCR shows a configuration it is still setting up as unsatisfied");
    }
}
