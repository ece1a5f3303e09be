package org.nova.it.autoload;

import static org.ops4j.pax.tinybundles.TinyBundles.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;

import org.nova.driver.Modalias;
import org.nova.it.NovaOptions;
import org.nova.it.TestBundleBuilder;
import org.nova.it.autoload.drivers.alpha.AlphaAuto;
import org.nova.it.autoload.drivers.broken.BrokenAuto;
import org.nova.it.autoload.drivers.drift.DriftAuto;
import org.nova.it.autoload.drivers.klass.ClassAuto;
import org.nova.it.autoload.drivers.twina.TwinA;
import org.nova.it.autoload.drivers.twinb.TwinB;
import org.nova.it.autoload.drivers.wild.WildAuto;
import org.ops4j.pax.tinybundles.TinyBundle;

/**
 * The driver bundles of the autoload tests, built with TinyBundles and bnd into
 * target/test-bundles/autoload once per JVM, outside any framework. Each declares its id table
 * with {@code @PciDriverAlias}; bnd reads the annotation's class from the bus.pci jar (given as
 * its {@code -classpath}) and writes the {@value Modalias#NAMESPACE} capability, which the build
 * checks here. Inside the framework only {@link #jar} is used (a path).
 */
public final class AutoloadBundles {
    /** Exact vendor:device (abc1:0001). */
    public static final String ALPHA = "autoload-alpha";
    /** Class 1180xx under mask 0xffff00, any vendor. */
    public static final String CLASS = "autoload-class";
    /** Vendor abc3, any device. */
    public static final String WILD = "autoload-wild";
    /** abc4:0001, first of two bundles with the same alias. */
    public static final String TWIN_A = "autoload-twin-a";
    /** abc4:0001, second of two bundles with the same alias. */
    public static final String TWIN_B = "autoload-twin-b";
    /** abc5:0001, imports a package nobody exports: never resolves. */
    public static final String BROKEN = "autoload-broken";
    /** abc6:0001 in its table, abc6:0002 in its manifest: its registration logs the drift. */
    public static final String DRIFT = "autoload-drift";
    /** The package {@link #BROKEN} imports and nobody exports. */
    static final String MISSING_PACKAGE = "org.nova.it.autoload.nowhere";
    private static boolean built;

    private AutoloadBundles() {
    }

    /** @return target/test-bundles/autoload */
    static Path dir() {
        return NovaOptions.target().resolve("test-bundles").resolve("autoload");
    }

    /** @return the jar of a bundle of these tests (built by {@link #buildAll}) */
    static Path jar(String name) {
        return dir().resolve(name + ".jar");
    }

    /** Writes every bundle of the autoload tests unless this JVM already did. */
    static synchronized void buildAll() {
        if (built) {
            return;
        }
        try {
            Files.createDirectories(dir());
            write(ALPHA, bundle().addClass(AlphaAuto.class));
            write(CLASS, bundle().addClass(ClassAuto.class));
            write(WILD, bundle().addClass(WildAuto.class));
            write(TWIN_A, bundle().addClass(TwinA.class));
            write(TWIN_B, bundle().addClass(TwinB.class));
            write(BROKEN, bundle().addClass(BrokenAuto.class).setHeader("Import-Package", MISSING_PACKAGE + ",*"));
            write(DRIFT, bundle().addClass(DriftAuto.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the autoload test bundles to " + dir(), e);
        }
        built = true;
    }

    private static void write(String name, TinyBundle b) throws IOException {
        Path jar = jar(name);
        TestBundleBuilder.write(name, TestBundleBuilder.ds(b).symbolicName(name).setHeader("Bundle-Version", "1.0.0")
                .setHeader("-classpath", NovaOptions.target().resolve("bundles").resolve("bus.pci.jar").toString()),
                jar);
        try (JarFile f = new JarFile(jar.toFile())) {
            String caps = f.getManifest().getMainAttributes().getValue("Provide-Capability");
            if (Modalias.declared(caps).isEmpty()) {
                throw new IllegalStateException(name + ": bnd wrote no " + Modalias.NAMESPACE + " capability: " + caps);
            }
        }
    }
}
