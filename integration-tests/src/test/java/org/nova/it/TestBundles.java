package org.nova.it;

import java.io.File;
import java.nio.file.Path;

/**
 * Where the bundles built for the tests live (target/test-bundles), by name. Safe to use inside
 * the framework: it knows paths only; {@link TestBundleBuilder} writes the jars before the
 * framework starts.
 */
public final class TestBundles {
    /** The test bus: bus "testbus", its whiteboard and {@code TestBusControl} (package org.nova.it.testbus). */
    public static final String TESTBUS = "testbus";
    /** alpha 1.0.0 (symbolic name "alpha"): exact match on "widget" and "gizmo", two devres. */
    public static final String ALPHA_1 = "alpha-1.0.0";
    /** alpha 2.0.0 (same symbolic name): new code, three devres. */
    public static final String ALPHA_2 = "alpha-2.0.0";
    /** beta (symbolic name "beta"): generic "widget*" driver, one devres. */
    public static final String BETA = "beta";

    private TestBundles() {
    }

    /** @return target/test-bundles */
    public static Path dir() {
        return NovaOptions.target().resolve("test-bundles");
    }

    /** @return the jar of a test bundle */
    public static File jar(String name) {
        return dir().resolve(name + ".jar").toFile();
    }

    /** @return the file: URL of a test bundle, for installBundle or a provisioning option */
    public static String url(String name) {
        return jar(name).toURI().toString();
    }
}
