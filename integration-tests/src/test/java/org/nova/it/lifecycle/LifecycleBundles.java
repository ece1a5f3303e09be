package org.nova.it.lifecycle;

import static org.ops4j.pax.tinybundles.TinyBundles.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.nova.it.NovaOptions;
import org.nova.it.TestBundleBuilder;
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
        TestBundleBuilder.write(name, TestBundleBuilder.ds(b).setHeader("Bundle-Version", "1.0.0"),
                dir().resolve(name + ".jar"));
    }
}
