package org.nova.it;

import static org.ops4j.pax.tinybundles.TinyBundles.bndBuilder;
import static org.ops4j.pax.tinybundles.TinyBundles.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.nova.it.drivers.beta.BetaDriver;
import org.nova.it.testbus.Bound;
import org.nova.it.testbus.TestBusControl;
import org.nova.it.testbus.TestDevice;
import org.nova.it.testbus.TestDriver;
import org.nova.it.testbus.TestLog;
import org.nova.it.testbus.internal.TestBus;
import org.ops4j.pax.tinybundles.InnerClassStrategy;
import org.ops4j.pax.tinybundles.TinyBundle;

/**
 * Builds the test bus and the test driver bundles with TinyBundles and bnd (target/test-bundles),
 * once per JVM, before a framework starts. Runs outside the framework only (from @Configuration):
 * TinyBundles and bnd are on the test class path, not in the framework.
 *
 * <p>bnd computes Import-Package and, with {@code -dsannotations: *}, the Declarative Services
 * descriptors (OSGI-INF/*.xml) from the classes' DS annotations, as it does for the runtime's own
 * bundles.
 */
public final class TestBundleBuilder {
    private static boolean built;

    private TestBundleBuilder() {
    }

    /** Writes every test bundle unless this JVM already did. */
    public static synchronized void buildAll() {
        if (built) {
            return;
        }
        try {
            Files.createDirectories(TestBundles.dir());
            write(TestBundles.TESTBUS, ds(bundle())
                    .addClass(TestDriver.class)
                    .addClass(TestBusControl.class)
                    .addClass(TestDevice.class)
                    .addClass(Bound.class)
                    .addClass(TestLog.class, InnerClassStrategy.ALL)
                    .addClass(TestBus.class)
                    .symbolicName("testbus")
                    .setHeader("Bundle-Version", "1.0.0")
                    .setHeader("Export-Package",
                            NovaOptions.TEST_BUS_PACKAGE + ";version=" + NovaOptions.TEST_BUS_MAJOR + ".0.0")
                    .setHeader("Private-Package", "org.nova.it.testbus.internal"));
            write(TestBundles.ALPHA_1, ds(bundle())
                    .addClass(org.nova.it.drivers.alpha1.AlphaDriver.class)
                    .symbolicName("alpha")
                    .setHeader("Bundle-Version", "1.0.0"));
            write(TestBundles.ALPHA_2, ds(bundle())
                    .addClass(org.nova.it.drivers.alpha2.AlphaDriver.class)
                    .symbolicName("alpha")
                    .setHeader("Bundle-Version", "2.0.0"));
            write(TestBundles.BETA, ds(bundle())
                    .addClass(BetaDriver.class)
                    .symbolicName("beta")
                    .setHeader("Bundle-Version", "1.0.0"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test bundles to " + TestBundles.dir(), e);
        }
        built = true;
    }

    /** DS descriptors from annotations, and the manifest the runtime's bundles carry. */
    public static TinyBundle ds(TinyBundle b) {
        return b.setHeader("-dsannotations", "*")
                .setHeader("-noextraheaders", "true")
                .setHeader("-noimportjava", "true");
    }

    private static void write(String name, TinyBundle b) throws IOException {
        write(name, b, TestBundles.jar(name).toPath());
    }

    /**
     * Builds the bundle and writes it to {@code jar} without the bnd instructions TinyBundles
     * leaves in the manifest (headers starting with '-'), then checks that bnd wrote the DS
     * descriptors it names. For every suite's DS test bundles (see {@link #ds}).
     */
    public static void write(String name, TinyBundle b, Path jar) throws IOException {
        byte[] built;
        try (InputStream in = b.build(bndBuilder())) {
            built = in.readAllBytes();
        }
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(built))) {
            Manifest manifest = in.getManifest();
            manifest.getMainAttributes().keySet().removeIf(k -> k.toString().startsWith("-"));
            String components = manifest.getMainAttributes().getValue("Service-Component");
            if (components == null || components.isBlank()) {
                throw new IllegalStateException(name + ": bnd wrote no Service-Component header");
            }
            Set<String> entries = new HashSet<>();
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                    entries.add(e.getName());
                }
            }
            for (String xml : components.split(",")) {
                if (!entries.contains(xml.trim())) {
                    throw new IllegalStateException(name + ": " + xml + " is named but missing");
                }
            }
        }
    }
}
