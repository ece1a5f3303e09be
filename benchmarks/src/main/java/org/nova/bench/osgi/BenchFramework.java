package org.nova.bench.osgi;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.apache.felix.framework.FrameworkFactory;
import org.nova.bench.osgi.driver.BenchDriver;
import org.nova.bench.osgi.observer.BoundCount;
import org.nova.bench.osgi.observer.HeldDevres;
import org.nova.bench.osgi.platform.BenchBridge;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;

/**
 * A real framework for the bundle benchmarks: Apache Felix with SCR, Configuration Admin, Event
 * Admin and the Gogo runtime (the services and packages driver.core wants), the project's devres,
 * config.answer, driver.core (with the xz bundle it imports), hw.api and bus.pci bundles as Maven built them (copied into the
 * benchmark jar as {@code bench-bundles/NAME.jar}), a platform bundle with one host bridge of
 * header-only functions ({@link BenchBridge}) and an observer bundle ({@link BoundCount},
 * {@link HeldDevres}). The
 * platform, observer and driver bundles are built here with bnd from the benchmark's own classes
 * (DS descriptors from the annotations, imports computed), as bnd builds the project's bundles.
 *
 * <p>The benchmark owns the instance: {@link #close} stops the framework and deletes its storage.
 * Nothing of the project is shared between the benchmark's class path and the bundles except the
 * JDK's types: the observer's services are {@link IntSupplier}s. SLF4J is the one package the system bundle
 * exports from the class path (slf4j-nop: the bundles log nowhere), so no logging back end and no
 * service-loader mediator run in the framework.
 *
 * @see BenchDriver the driver bundle's content
 */
public final class BenchFramework implements AutoCloseable {
    /**
     * Vendor of the benchmark's functions: PCI_VENDOR_ID_REDHAT (QEMU include/hw/pci/pci_ids.h),
     * the vendor of QEMU's own test devices.
     */
    static final int VENDOR = 0x1b36;
    /** Device id of the benchmark's functions, which only the benchmark's driver claims. */
    static final int DEVICE = 0x00be;
    /** The infrastructure bundles, installed and started in this order (bench-bundles/NAME.jar). */
    static final List<String> BUNDLES = List.of("org.osgi.util.function", "org.osgi.util.promise",
            "org.osgi.service.component", "org.apache.felix.scr", "org.apache.felix.configadmin", "org.apache.felix.eventadmin",
            "org.apache.felix.gogo.runtime", "devres", "config.answer", "xz", "driver.core", "hw.api", "bus.pci");
    /**
     * The SLF4J packages the system bundle exports from the benchmark's class path, at the version
     * of slf4j-api the parent pom names ({@code slf4j.version}).
     */
    static final String SLF4J_PACKAGES = "org.slf4j;version=2.0.17,org.slf4j.event;version=2.0.17,"
            + "org.slf4j.spi;version=2.0.17,org.slf4j.helpers;version=2.0.17";
    /** Framework property of driver.core (DriverCoreComponent.AUTOLOAD_PROPERTY): no driver repository lookups. */
    static final String AUTOLOAD_PROPERTY = "nova.drivers.autoload";
    /** How long stopping the framework may take. */
    static final long STOP_WAIT_MS = 30_000;

    private final Path storage;
    private final Framework framework;
    private final IntSupplier bound;
    private final IntSupplier devres;

    private BenchFramework(Path storage, Framework framework, IntSupplier bound, IntSupplier devres) {
        this.storage = storage;
        this.framework = framework;
        this.bound = bound;
        this.devres = devres;
    }

    /**
     * Starts the framework, the infrastructure, the platform with {@code functions} functions and
     * the observer; no driver yet.
     *
     * @param functions the host bridge's functions (PCI devices once added)
     * @return the running framework
     * @throws IllegalStateException if a bundle fails to install, resolve or start
     */
    public static BenchFramework start(int functions) {
        Path storage = null;
        Framework framework = null;
        try {
            storage = Files.createTempDirectory("nova-bench-felix");
            Map<String, String> props = new HashMap<>();
            props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
            props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, SLF4J_PACKAGES);
            props.put(AUTOLOAD_PROPERTY, "false");
            framework = new FrameworkFactory().newFramework(props);
            framework.start();
            BundleContext ctx = framework.getBundleContext();
            List<Bundle> started = new ArrayList<>();
            for (String name : BUNDLES) {
                try (InputStream in = BenchFramework.class.getResourceAsStream("/bench-bundles/" + name + ".jar")) {
                    if (in == null) {
                        throw new IllegalStateException("bench-bundles/" + name + ".jar is not in the benchmark jar");
                    }
                    started.add(ctx.installBundle("bench:" + name, in));
                }
            }
            started.add(ctx.installBundle("bench:platform", new ByteArrayInputStream(
                    bundle("nova.bench.platform", BenchBridge.class.getPackageName(),
                            BenchBridge.FUNCTIONS_HEADER, String.valueOf(functions),
                            BenchBridge.IDS_HEADER, ids()))));
            started.add(ctx.installBundle("bench:observer", new ByteArrayInputStream(
                    bundle("nova.bench.observer", BoundCount.class.getPackageName()))));
            for (Bundle b : started) {
                b.start();
            }
            return new BenchFramework(storage, framework, observer(ctx, BoundCount.PROPERTY),
                    observer(ctx, HeldDevres.PROPERTY));
        } catch (IOException | BundleException | InvalidSyntaxException | RuntimeException e) {
            if (framework != null) {
                try {
                    framework.stop();
                    framework.waitForStop(STOP_WAIT_MS);
                } catch (BundleException | InterruptedException again) {
                    if (again instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    e.addSuppressed(again);
                }
            }
            delete(storage);
            throw new IllegalStateException("cannot start the benchmark's framework", e);
        }
    }

    /** @return the observer's service marked with {@code property} */
    private static IntSupplier observer(BundleContext ctx, String property) throws InvalidSyntaxException {
        ServiceReference<?>[] refs = ctx.getServiceReferences(IntSupplier.class.getName(), "(" + property + "=true)");
        if (refs == null) {
            throw new IllegalStateException("the observer's " + property + " service is not registered");
        }
        return (IntSupplier) ctx.getService(refs[0]);
    }

    /** @return the value of the platform's and driver's ids header, {@code vendor:device} in hex */
    static String ids() {
        return Integer.toHexString(VENDOR) + ":" + Integer.toHexString(DEVICE);
    }

    /**
     * Builds the driver bundle: {@link BenchDriver}, claiming the platform's functions.
     *
     * @param devres the devres each probe acquires
     * @return the bundle's jar
     */
    public static byte[] driverBundle(int devres) {
        return bundle("nova.bench.driver", BenchDriver.class.getPackageName(), BenchDriver.IDS_HEADER, ids(),
                BenchDriver.DEVRES_HEADER, String.valueOf(devres));
    }

    /**
     * Builds a bundle of one package of the benchmark's classes with bnd.
     *
     * @param bsn the symbolic name
     * @param pkg the private package
     * @param headers further manifest headers, name and value in turn
     */
    static byte[] bundle(String bsn, String pkg, String... headers) {
        try (Builder b = new Builder()) {
            b.addClasspath(classPath());
            b.setProperty(Constants.BUNDLE_SYMBOLICNAME, bsn);
            b.setProperty(Constants.BUNDLE_VERSION, "1.0.0");
            b.setProperty("Private-Package", pkg);
            b.setProperty("-dsannotations", "*");
            b.setProperty("-noextraheaders", "true");
            b.setProperty("-noimportjava", "true");
            for (int i = 0; i < headers.length; i += 2) {
                b.setProperty(headers[i], headers[i + 1]);
            }
            Jar jar = b.build();
            if (!b.isOk()) {
                throw new IllegalStateException(bsn + ": bnd failed: " + b.getErrors());
            }
            if (jar.getManifest().getMainAttributes().getValue("Service-Component") == null) {
                throw new IllegalStateException(bsn + ": bnd wrote no Service-Component header");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            jar.write(out);
            return out.toByteArray();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build bundle " + bsn, e);
        }
    }

    /** @return the jar or folder the benchmark's classes come from */
    private static File classPath() {
        try {
            return new File(BenchFramework.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the framework's bundle context, for installing, starting and stopping the driver */
    public BundleContext context() {
        return framework.getBundleContext();
    }

    /**
     * @return the devices bound to the benchmark's driver, after the probes in flight are done
     * @throws IllegalStateException if probes are still running after the observer's bound
     */
    public int bound() {
        return bound.getAsInt();
    }

    /** @return the devres the devices bound to the benchmark's driver hold now */
    public int heldDevres() {
        return devres.getAsInt();
    }

    /** Stops the framework (every bundle in order) and deletes its storage. */
    @Override
    public void close() {
        try {
            framework.stop();
            framework.waitForStop(STOP_WAIT_MS);
        } catch (BundleException e) {
            throw new IllegalStateException("cannot stop the benchmark's framework", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            delete(storage);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
