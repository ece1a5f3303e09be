package org.nova.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.osgi.framework.wiring.BundleCapability;

/** The registration-time comparison of a driver's id table with its bundle's declared aliases. */
class DriverTrackerAliasTest {
    private static BundleCapability cap(String bus, String driver, String alias) {
        Map<String, Object> attrs = Map.of(Modalias.BUS_ATTR, bus, Modalias.DRIVER_ATTR, driver,
                Modalias.ALIAS_ATTR, alias);
        return (BundleCapability) Proxy.newProxyInstance(DriverTrackerAliasTest.class.getClassLoader(),
                new Class<?>[] {BundleCapability.class}, (p, m, a) -> switch (m.getName()) {
                    case "getAttributes" -> attrs;
                    case "getNamespace" -> Modalias.NAMESPACE;
                    case "toString" -> attrs.toString();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void aBundleThatDeclaresTheTableIsQuiet() {
        List<BundleCapability> caps = List.of(cap("pci", "edu", "pci:v00001234d000011E8sv*sd*bc*sc*i*"),
                cap("pci", "other", "pci:v*d*sv*sd*bc03sc00i*"));
        assertEquals(Optional.empty(),
                DriverTracker.drift(caps, "pci", "edu", List.of("pci:v00001234d000011E8sv*sd*bc*sc*i*")));
    }

    @Test
    void driftNamesTheDriverAndWhatDiffers() {
        List<BundleCapability> caps = List.of(cap("pci", "edu", "pci:v00001234d000011E9sv*sd*bc*sc*i*"));
        String m = DriverTracker.drift(caps, "pci", "edu", List.of("pci:v00001234d000011E8sv*sd*bc*sc*i*"))
                .orElseThrow();
        assertTrue(m.contains("pci driver edu"), m);
        assertTrue(m.contains("not declared: pci:v00001234d000011E8sv*sd*bc*sc*i*"), m);
        assertTrue(m.contains("declared but not in the table: pci:v00001234d000011E9sv*sd*bc*sc*i*"), m);
    }

    @Test
    void aDriverItsBundleDeclaresNothingForIsNotCompared() {
        List<BundleCapability> caps = List.of(cap("pci", "other", "pci:v*d*sv*sd*bc03sc00i*"),
                cap("auxiliary", "edu", "auxiliary:edu.x"));
        assertEquals(Optional.empty(), DriverTracker.drift(caps, "pci", "edu", List.of("pci:v1*")));
    }
}
