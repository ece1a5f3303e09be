package org.nova.it.lifecycle;

import static org.ops4j.pax.tinybundles.TinyBundles.bndBuilder;
import static org.ops4j.pax.tinybundles.TinyBundles.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.nova.it.NovaOptions;
import org.nova.it.lifecycle.hang.HangOnRemove;
import org.nova.it.lifecycle.slowstart.CheckCommand;
import org.nova.it.lifecycle.slowstart.Probed;
import org.nova.it.lifecycle.slowstart.Slow;
import org.nova.it.lifecycle.slowstart.SlowDevice;
import org.nova.it.lifecycle.slowstart.SlowDriver;
import org.nova.it.lifecycle.slowstart.SlowPlatform;
import org.nova.it.lifecycle.unsatisfied.Missing;
import org.nova.it.lifecycle.unsatisfied.Waiting;
import org.ops4j.pax.tinybundles.TinyBundle;

/**
 * The bundles of the start and shutdown tests, built with TinyBundles and bnd (DS descriptors from
 * the annotations) into target/test-bundles, once per JVM, outside any framework:
 * {@value #SLOWSTART} (a slow configuration-made device, a slow driver, a command that exists only
 * after its probe; see {@link Slow}), {@value #HANG} (a PCI driver whose remove never returns) and
 * {@value #UNSATISFIED} (a component waiting for a service nobody provides).
 */
public final class LifecycleBundles {
    /** The slow start bundle (needs the test bus). */
    public static final String SLOWSTART = "lifecycle-slowstart";
    /** The hung-remove PCI driver bundle. */
    public static final String HANG = "lifecycle-hang";
    /** A component whose mandatory reference never has a target. */
    public static final String UNSATISFIED = "lifecycle-unsatisfied";
    private static boolean built;

    private LifecycleBundles() {
    }

    /** @return the jar of a bundle of this package, built first if needed */
    public static synchronized Path jar(String name) {
        if (!built) {
            try {
                write(SLOWSTART, bundle()
                        .addClass(Slow.class)
                        .addClass(Probed.class)
                        .addClass(SlowPlatform.class)
                        .addClass(SlowDevice.class)
                        .addClass(SlowDriver.class)
                        .addClass(CheckCommand.class)
                        .symbolicName(SLOWSTART));
                write(HANG, bundle().addClass(HangOnRemove.class).symbolicName(HANG));
                write(UNSATISFIED, bundle().addClass(Missing.class).addClass(Waiting.class).symbolicName(UNSATISFIED));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the lifecycle test bundles", e);
            }
            built = true;
        }
        return dir().resolve(name + ".jar");
    }

    private static Path dir() {
        return NovaOptions.target().resolve("test-bundles");
    }

    private static void write(String name, TinyBundle b) throws IOException {
        Files.createDirectories(dir());
        b.setHeader("Bundle-Version", "1.0.0")
                .setHeader("-dsannotations", "*")
                .setHeader("-noextraheaders", "true")
                .setHeader("-noimportjava", "true");
        byte[] built;
        try (InputStream in = b.build(bndBuilder())) {
            built = in.readAllBytes();
        }
        // the bnd instructions TinyBundles leaves in the manifest (headers starting with '-') go
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(built))) {
            Manifest manifest = in.getManifest();
            manifest.getMainAttributes().keySet().removeIf(k -> k.toString().startsWith("-"));
            if (manifest.getMainAttributes().getValue("Service-Component") == null) {
                throw new IllegalStateException(name + ": bnd wrote no Service-Component header");
            }
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(dir().resolve(name + ".jar")),
                    manifest)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null;) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
    }
}
