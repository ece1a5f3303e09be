package org.nova.it;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.TestProbeBuilder;

/**
 * The Pax Exam configuration every integration suite shares: Felix with the platform of
 * runtime/nova.bndrun at its start levels, and the Nova bundles, each provisioned by file: URL from
 * target/bundles (the pom copies the reactor's and the platform's jars there, versions stripped;
 * the directory comes in as the system property {@value #BUNDLES_PROPERTY}).
 *
 * <p>Compose the pieces a suite needs: {@link #driverModel()} (devres and driver.core),
 * {@link #all()} (every Nova bundle), plus {@link #testBus()} and {@link #testBundle} for the
 * bundles built by {@link TestBundleBuilder}; pass the test class's probe through {@link #probe}.
 *
 * <p>The native container runs Felix inside failsafe's JVM: system properties are shared, and
 * FFM's {@code --enable-native-access=ALL-UNNAMED} comes from failsafe's argLine (a vmOption
 * would be ignored, and Pax Exam warns about it).
 */
public final class NovaOptions {
    /** System property: the directory of the provisioned jars (target/bundles). */
    public static final String BUNDLES_PROPERTY = "nova.bundles";
    /** System property: the logback configuration of the suite (src/test/resources/logback-test.xml). */
    public static final String LOG_PROPERTY = "nova.testsuite.log";
    /** System and framework property: the kernel's CONFIG_DEBUG_TEST_DRIVER_REMOVE for the whole run. */
    public static final String TEST_REMOVE_PROPERTY = "nova.driver.test_remove";

    /** SPI Fly and ASM: the ServiceLoader mediator must weave slf4j-api before anything logs. */
    public static final int LEVEL_SPI = 1;
    /**
     * slf4j-api and logback: the provider must be registered before any bundle calls
     * LoggerFactory. nova.bndrun gives them level 2; here Pax Exam's own bundles (which log as they
     * start) sit at level 2, so the logging bundles join SPI Fly at level 1, installed after it.
     */
    public static final int LEVEL_LOGGING = 1;
    /** Everything else, platform and Nova alike, as in nova.bndrun. */
    public static final int LEVEL_BUNDLES = 10;
    /** The package the testbus bundle exports to the drivers and the tests. */
    public static final String TEST_BUS_PACKAGE = "org.nova.it.testbus";
    /** The major version the testbus bundle exports {@link #TEST_BUS_PACKAGE} at: 2 since TestDriver is generic. */
    public static final int TEST_BUS_MAJOR = 2;
    /** The framework's final start level. */
    public static final int LEVEL_FRAMEWORK = 15;

    /** Every Nova bundle, in dependency order (DESIGN §8). */
    public static final List<String> NOVA_BUNDLES = List.of("devres", "config.answer", "driver.core", "nvidia.spec",
            "hw.api", "hw.sim", "hw.vfio", "bus.pci", "bus.auxiliary", "nova.core", "nova.drm", "vgpu.vfio", "samples",
            "runtime");

    private NovaOptions() {
    }

    /** @return the module's target directory (the parent of target/bundles) */
    public static Path target() {
        String dir = System.getProperty(BUNDLES_PROPERTY);
        if (dir == null) {
            throw new IllegalStateException("system property " + BUNDLES_PROPERTY + " is not set: run the suite "
                    + "with `mvn verify -pl integration-tests`, which copies the bundles and sets it");
        }
        return Path.of(dir).toAbsolutePath().getParent();
    }

    /**
     * Felix with SPI Fly, SLF4J through logback, SCR, ConfigAdmin, Metatype (with the OSGi Log
     * API it imports), Event Admin, the Gogo runtime (with JLine, a library the runtime bundle's
     * completion imports; no shell starts), XZ for Java (driver.core's firmware loader reads .xz
     * files with it) and the JUnit bundles Pax Exam runs tests
     * with; test_remove passed through; logback configured from the suite's logback-test.xml.
     */
    public static Option platform() {
        List<Option> o = new ArrayList<>();
        o.add(cleanCaches(true));
        o.add(frameworkStartLevel(LEVEL_FRAMEWORK));
        // BUILD-NOTES pitfall 4: the mediator and the provider first.
        for (String b : List.of("org.apache.aries.spifly.dynamic.bundle", "asm", "asm-commons", "asm-tree",
                "asm-analysis", "asm-util")) {
            o.add(jar(b, LEVEL_SPI));
        }
        for (String b : List.of("slf4j-api", "logback-core", "logback-classic")) {
            o.add(jar(b, LEVEL_LOGGING));
        }
        for (String b : List.of("org.osgi.util.function", "org.osgi.util.promise", "org.osgi.service.component",
                "org.apache.felix.scr", "org.apache.felix.configadmin", "org.osgi.service.log",
                "org.apache.felix.metatype", "org.apache.felix.eventadmin", "org.apache.felix.gogo.runtime", "jline",
                "xz")) {
            o.add(jar(b, LEVEL_BUNDLES));
        }
        String log = System.getProperty(LOG_PROPERTY);
        if (log != null) {
            o.add(systemProperty("logback.configurationFile").value(log));
        }
        // The core reads the switch from its bundle context: a framework property.
        o.add(frameworkProperty(TEST_REMOVE_PROPERTY).value(Boolean.toString(testRemove())));
        // Unresolved bundles fail the run at once, with the resolver's reason.
        o.add(systemProperty("pax.exam.osgi.unresolved.fail").value("true"));
        o.add(junitBundles());
        return composite(o.toArray(Option[]::new));
    }

    /** @return the platform with devres, config.answer and driver.core: the driver model alone */
    public static Option driverModel() {
        return composite(platform(), nova("devres", "config.answer", "driver.core"));
    }

    /** @return the platform with every Nova bundle */
    public static Option all() {
        return composite(platform(), nova(NOVA_BUNDLES.toArray(String[]::new)));
    }

    /** @return the named Nova bundles (artifactIds), at the bundles' start level */
    public static Option nova(String... names) {
        List<Option> o = new ArrayList<>();
        for (String n : names) {
            o.add(jar(n, LEVEL_BUNDLES));
        }
        return composite(o.toArray(Option[]::new));
    }

    /** @return the test bus bundle, built first if needed */
    public static Option testBus() {
        return testBundle(TestBundles.TESTBUS);
    }

    /** @return a bundle built for the tests (see {@link TestBundles}), installed and started */
    public static Option testBundle(String name) {
        TestBundleBuilder.buildAll();
        return bundle(TestBundles.url(name)).startLevel(LEVEL_BUNDLES);
    }

    /**
     * Makes the probe use the test bus classes of the testbus bundle. Pax Exam 4 copies all of
     * target/test-classes into the probe ({@code ignorePackageOf} only writes an informational
     * Ignore-Package header), and a bundle's own classes win over its DynamicImport-Package, so
     * the probe would see private copies (a TestBusControl service would not match the probe's
     * TestBusControl class). An Import-Package wins over the bundle's own classes; it is optional
     * so that suites without the test bus resolve too.
     */
    public static TestProbeBuilder probe(TestProbeBuilder probe) {
        return probe.setHeader("Import-Package", TEST_BUS_PACKAGE + ";version=\"[" + TEST_BUS_MAJOR + ".0,"
                + (TEST_BUS_MAJOR + 1) + ")\";resolution:=optional");
    }

    /** @return whether this run has test_remove on (-Dnova.driver.test_remove=true) */
    public static boolean testRemove() {
        return Boolean.getBoolean(TEST_REMOVE_PROPERTY);
    }

    private static Option jar(String artifactId, int level) {
        File f = target().resolve("bundles").resolve(artifactId + ".jar").toFile();
        if (!f.isFile()) {
            throw new IllegalStateException(f + " is missing: the pom's copy-dependencies should have put "
                    + artifactId + " there");
        }
        return bundle(f.toURI().toString()).startLevel(level);
    }
}
