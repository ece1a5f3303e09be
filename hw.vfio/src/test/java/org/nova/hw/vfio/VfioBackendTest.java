package org.nova.hw.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.config.ConfigStatus;
import org.nova.hw.HwException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The VFIO backend answers every configuration: over an empty sysfs and /dev in a temporary
 * directory (no /dev/vfio/vfio), so what it refuses does not depend on the machine.
 */
class VfioBackendTest {
    @TempDir
    Path root;

    /** Every registration: the answers only, since nothing here can open a bridge. */
    private final List<Dictionary<String, ?>> registered = new ArrayList<>();
    private Dictionary<String, ?> answer;

    @SuppressWarnings("unchecked")
    private BundleContext context(Map<String, String> frameworkProps) {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> frameworkProps.get((String) a[0]);
                    case "registerService" -> {
                        answer = (Dictionary<String, ?>) a[2];
                        registered.add(answer);
                        yield Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                                (p2, m2, a2) -> {
                                    if (m2.getName().equals("unregister")) {
                                        answer = null;
                                    }
                                    return null;
                                });
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static VfioConfig config(boolean enabled, String bridge, String... devices) {
        return (VfioConfig) Proxy.newProxyInstance(VfioConfig.class.getClassLoader(), new Class<?>[] {VfioConfig.class},
                (p, m, a) -> switch (m.getName()) {
                    case "enabled" -> enabled;
                    case "devices" -> devices;
                    case "bridge" -> bridge;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private VfioBackend backend(Map<String, String> frameworkProps, VfioConfig config, boolean configured) {
        Map<String, Object> props = new HashMap<>();
        if (configured) {
            props.put("service.pid", VfioBackend.PID);
        }
        return new VfioBackend(context(frameworkProps), config, props,
                new SysfsPci(root.resolve("sys"), root.resolve("dev")));
    }

    private String refusal(String errno) {
        assertEquals(ConfigStatus.REFUSED, answer.get(ConfigStatus.STATE), answer.toString());
        assertEquals(errno, answer.get(ConfigStatus.ERRNO));
        return (String) answer.get(ConfigStatus.REASON);
    }

    @Test
    void disabledIsAConfigurationApplied() {
        VfioBackend be = backend(Map.of(), config(false, "vfio0"), true);
        assertFalse(be.enabled());
        assertEquals(ConfigStatus.APPLIED, answer.get(ConfigStatus.STATE));
        assertEquals(VfioBackend.PID, answer.get(ConfigStatus.PID));
        be.deactivate();
        assertNull(answer, "deactivating withdraws the answer");
    }

    @Test
    void aDeviceThatIsNotAnAddressIsRefusedNamingTheKey() {
        VfioBackend be = backend(Map.of(), config(true, "vfio0", "zz"), true);
        assertFalse(be.enabled());
        String reason = refusal(HwException.EINVAL);
        assertTrue(reason.startsWith("devices: 'zz' is not a PCI address"), reason);
        // the same from the framework properties, which name their own key
        backend(Map.of(VfioBackend.PROP_ENABLED, "true", VfioBackend.PROP_DEVICES, "0000:00:03.0,zz"),
                config(false, "vfio0"), false);
        reason = refusal(HwException.EINVAL);
        assertTrue(reason.startsWith(VfioBackend.PROP_DEVICES + ": 'zz'"), reason);
    }

    @Test
    void aBridgeWithoutANameIsRefused() {
        backend(Map.of(), config(true, " "), true);
        assertTrue(refusal(HwException.EINVAL).startsWith("bridge: "));
    }

    @Test
    void aMachineWithoutVfioRefusesToOpenNamingTheDevices() {
        VfioBackend be = backend(Map.of(), config(true, "vfio0", "0000:ff:1f.7"), true);
        String reason = refusal(HwException.ENOENT);
        assertTrue(reason.startsWith("enabled: bridge vfio0: "), reason);
        assertTrue(reason.contains("vfio/vfio does not exist"), reason);
        assertTrue(reason.contains("0000:ff:1f.7"), reason);
        assertNull(be.bridge(), "nothing stays open");
        assertEquals("ENOENT: " + reason, be.status().refusal());
        assertEquals(1, registered.size(), "the answer, and no bridge");
    }
}
