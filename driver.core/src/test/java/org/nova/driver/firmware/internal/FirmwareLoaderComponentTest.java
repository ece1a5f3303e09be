package org.nova.driver.firmware.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.config.ConfigStatus;
import org.nova.driver.firmware.FirmwareLoader;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The DS component's search path: framework property first, then the configuration, then the
 * kernel's fw_path for the running release; and its answers.
 */
class FirmwareLoaderComponentTest {
    /** The configuration SCR passes with a configuration (its PID). */
    private static final Map<String, Object> CONFIGURED = Map.of("service.pid", FirmwareLoader.PID);

    @TempDir
    Path tmp;

    /** The properties of each answer the component gave, oldest first. */
    private final List<Dictionary<String, ?>> answers = new ArrayList<>();

    @SuppressWarnings("unchecked")
    private BundleContext context(String pathProperty) {
        ServiceRegistration<?> registration = (ServiceRegistration<?>) Proxy.newProxyInstance(
                BundleContext.class.getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                    if (m.getName().equals("setProperties")) {
                        answers.add((Dictionary<String, ?>) a[0]);
                        return null;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    if (m.getName().equals("getProperty")
                            && FirmwareLoader.PATH_PROPERTY.equals(a[0])) {
                        return pathProperty;
                    }
                    if (m.getName().equals("registerService")) {
                        answers.add((Dictionary<String, ?>) a[2]);
                        return registration;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    private static FirmwareLoaderConfig config(String... path) {
        return (FirmwareLoaderConfig) Proxy.newProxyInstance(
                FirmwareLoaderConfig.class.getClassLoader(),
                new Class<?>[] {FirmwareLoaderConfig.class}, (p, m, a) -> switch (m.getName()) {
                    case "path" -> path;
                    case "annotationType" -> FirmwareLoaderConfig.class;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** The kernel's fw_path for the release this test runs on: what follows the configured directories. */
    private static List<Path> fwPath() {
        return FirmwareSearch.fwPath(FirmwareSearch.FW_ROOT, FirmwareSearch.kernelRelease());
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        List<Path> out = new ArrayList<>(a);
        b.stream().filter(p -> !out.contains(p)).forEach(out::add);
        return out;
    }

    @Test
    void propertyDirectoriesComeBeforeTheConfiguredOnes() {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        FirmwareLoaderComponent c = new FirmwareLoaderComponent(
                context(a + File.pathSeparator + b), config("/lib/firmware", "/usr/lib/firmware"), Map.of());
        assertEquals(concat(List.of(a, b, Path.of("/lib/firmware"), Path.of("/usr/lib/firmware")), fwPath()),
                c.searchPath());
        c.modified(config("/opt/firmware"), CONFIGURED);
        assertEquals(concat(List.of(a, b, Path.of("/opt/firmware")), fwPath()), c.searchPath());
    }

    @Test
    void withoutThePropertyTheDefaultsAreSearched() {
        FirmwareLoaderComponent c = new FirmwareLoaderComponent(context(null),
                config("/lib/firmware", "/usr/lib/firmware"), Map.of());
        assertEquals(concat(List.of(Path.of("/lib/firmware"), Path.of("/usr/lib/firmware")), fwPath()),
                c.searchPath());
    }

    /** Unconfigured, the loader searches what the kernel searches, for the release it runs on, and nothing else. */
    @Test
    void unconfiguredTheSearchPathIsTheKernelsFwPath() {
        FirmwareLoaderComponent c = new FirmwareLoaderComponent(context(null), config(), Map.of());
        String release = FirmwareSearch.kernelRelease();
        assertEquals(List.of(Path.of("/lib/firmware/updates", release), Path.of("/lib/firmware/updates"),
                Path.of("/lib/firmware", release), Path.of("/lib/firmware")), c.searchPath());
    }

    @Test
    void everyConfigurationIsAnsweredAndOneThatIsNoPathIsRefused() {
        FirmwareLoaderComponent c = new FirmwareLoaderComponent(context(null), config("/lib/firmware"), Map.of());
        assertEquals(1, answers.size());
        assertEquals(FirmwareLoader.PID, answers.get(0).get(ConfigStatus.PID), "without a configuration: its own PID");
        assertEquals(ConfigStatus.APPLIED, answers.get(0).get(ConfigStatus.STATE));
        c.modified(config("/opt/firmware", "/opt/bad\0path"), CONFIGURED);
        assertEquals(concat(List.of(Path.of("/lib/firmware")), fwPath()), c.searchPath(),
                "the previous search path stays");
        Dictionary<String, ?> refusal = answers.get(1);
        assertEquals(ConfigStatus.REFUSED, refusal.get(ConfigStatus.STATE));
        assertEquals("EINVAL", refusal.get(ConfigStatus.ERRNO));
        String reason = (String) refusal.get(ConfigStatus.REASON);
        assertTrue(reason.startsWith("path: '/opt/bad\0path' is not a path"), reason);
        c.modified(config("/opt/firmware"), CONFIGURED);
        assertEquals(ConfigStatus.APPLIED, answers.get(2).get(ConfigStatus.STATE));
        assertEquals(concat(List.of(Path.of("/opt/firmware")), fwPath()), c.searchPath());
    }
}
