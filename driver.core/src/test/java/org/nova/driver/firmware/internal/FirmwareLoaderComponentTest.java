package org.nova.driver.firmware.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.firmware.FirmwareLoader;
import org.osgi.framework.BundleContext;

/** The DS component's search path: framework property first, then the configuration. */
class FirmwareLoaderComponentTest {
    @TempDir
    Path tmp;

    private static BundleContext context(String pathProperty) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    if (m.getName().equals("getProperty")
                            && FirmwareLoader.PATH_PROPERTY.equals(a[0])) {
                        return pathProperty;
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

    @Test
    void propertyDirectoriesComeBeforeTheConfiguredOnes() {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        FirmwareLoaderComponent c = new FirmwareLoaderComponent(
                context(a + File.pathSeparator + b), config("/lib/firmware", "/usr/lib/firmware"));
        assertEquals(List.of(a, b, Path.of("/lib/firmware"), Path.of("/usr/lib/firmware")),
                c.searchPath());
        c.modified(config("/opt/firmware"));
        assertEquals(List.of(a, b, Path.of("/opt/firmware")), c.searchPath());
    }

    @Test
    void withoutThePropertyTheDefaultsAreSearched() {
        FirmwareLoaderComponent c = new FirmwareLoaderComponent(context(null),
                config("/lib/firmware", "/usr/lib/firmware"));
        assertEquals(List.of(Path.of("/lib/firmware"), Path.of("/usr/lib/firmware")),
                c.searchPath());
    }
}
