package org.nova.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.SettleReport;
import org.nova.driver.shell.Usage;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code update ID [URL]}: replaces a bundle in place, the runtime's rmmod + insmod. The bundle
 * stops (its drivers unregister, their devices unbind and release their devres), its new revision
 * is installed, the framework refreshes it and what wires to it, and the command returns once the
 * runtime has settled again (the devices probed against the new code), or fails.
 *
 * <p>Why not Gogo's own {@code felix:update}: the exported launcher installs the project's bundles
 * from inside its jar under locations such as {@code jar/nova.drm-0.1.0-SNAPSHOT.jar}, which are
 * no URL; Bundle.update() without a stream then fails with MalformedURLException, which Gogo
 * prints as a stack trace and then reports success, and it leaves the old revision wired until a
 * refresh. Here, a bundle whose location is no URL is updated from the build output of its module,
 * {@code NOVA_HOME/BSN/target/FILE} (the folder name is the Bundle-SymbolicName, FILE the
 * location's file name), which is what a developer who has just run {@code mvn install} in that
 * module wants. {@value #HOME} is set by ./nova.
 *
 * <p>Scope {@value ExitCommand#SCOPE}: the runtime's profile searches it first, so a plain
 * {@code update} finds this one; {@code felix:update} is still there by its full name.
 *
 * <p>Errors (non-zero exit under {@code ./nova -c}): ENOENT for no such bundle or no build output,
 * EINVAL for the system bundle or a bad URL, EBUSY for a bundle the runtime bundle itself depends
 * on (rmmod's "in use"; nothing is changed), EIO for a jar the framework refuses (the old revision
 * stays in force), ETIMEDOUT if the refresh or the settle does not finish.
 */
@Component(service = UpdateCommand.class, property = {
        "osgi.command.scope=" + ExitCommand.SCOPE,
        "osgi.command.function=update" })
public final class UpdateCommand {
    /** Framework property: the project's root, whose modules' target folders hold the bundles' builds. */
    public static final String HOME = "nova.home";
    /** How long the refresh and the settle after it may take. */
    static final Duration LIMIT = Duration.ofSeconds(60);

    private final BundleContext context;
    private final DriverCore core;

    @Activate
    public UpdateCommand(BundleContext context, @Reference DriverCore core) {
        this.context = context;
        this.core = core;
    }

    /** update ID — from the bundle's location, or from its module's build output. */
    @Descriptor("replace a bundle with its new build: its drivers unbind, the new code is refreshed in, its devices probe again")
    public String update(@Descriptor("ID: the bundle id, as lb lists it") long id) throws IOException {
        Bundle b = bundle(id);
        String location = b.getLocation();
        if (isUrl(location)) {
            return replace(b, URI.create(location).toURL(), location);
        }
        Path built = buildOutput(b);
        return replace(b, built.toUri().toURL(), built.toString());
    }

    /** update ID URL — from a URL (file:, http:, ...). */
    @Descriptor("replace a bundle with the jar at a URL: its drivers unbind, the new code is refreshed in, its devices probe again")
    public String update(@Descriptor("ID: the bundle id, as lb lists it") long id,
            @Descriptor("URL: where the new jar is, e.g. file:/path/to/bundle.jar") String url) throws IOException {
        Bundle b = bundle(id);
        if (!isUrl(url)) {
            throw new DriverException(Errno.EINVAL, "'" + url + "' is not a URL (file:/path/to/bundle.jar)");
        }
        return replace(b, URI.create(url).toURL(), url);
    }

    /** Gogo's catch-all: update with arguments none of its forms takes gets the usage line. */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), ExitCommand.SCOPE, argv));
    }

    private Bundle bundle(long id) {
        if (id == Constants.SYSTEM_BUNDLE_ID) {
            throw new DriverException(Errno.EINVAL, "bundle 0 is the framework: restart the runtime instead");
        }
        Bundle b = context.getBundle(id);
        if (b == null) {
            throw new DriverException(Errno.ENOENT, "no bundle " + id + " (lb lists them)");
        }
        return b;
    }

    /** @return the module's freshly built jar for a bundle the launcher installed from inside its own jar */
    Path buildOutput(Bundle b) {
        String home = context.getProperty(HOME);
        String location = b.getLocation();
        String file = location.substring(location.lastIndexOf('/') + 1);
        if (home == null) {
            throw new DriverException(Errno.ENOENT, "bundle " + b.getBundleId() + " (" + b.getSymbolicName()
                    + ") was installed from '" + location + "', which is no URL, and " + HOME
                    + " is not set to find its build: give a URL (update ID file:/path/to/bundle.jar)");
        }
        Path built = Path.of(home, b.getSymbolicName(), "target", file);
        if (!Files.isRegularFile(built)) {
            throw new DriverException(Errno.ENOENT, "no build of " + b.getSymbolicName() + " at " + built
                    + ": build it (mvn install -pl " + b.getSymbolicName() + ") or give a URL");
        }
        return built;
    }

    /** Checks, then updates from {@code jar} (named {@code from} in messages), refreshes and settles. */
    private String replace(Bundle b, URL jar, String from) throws IOException {
        String name = b.getSymbolicName();
        refuseInUse(b);
        try (InputStream in = jar.openStream()) {
            b.update(in);
        } catch (BundleException | IllegalStateException e) {
            throw new DriverException(Errno.EIO, "bundle " + b.getBundleId() + " (" + name + ") refused " + from
                    + ": " + e.getMessage() + "; the old revision stays in force");
        }
        refresh(b);
        SettleReport settled = core.settle(LIMIT);
        if (!settled.settled()) {
            throw new DriverException(Errno.ETIMEDOUT, "updated " + name + " from " + from + ", but the runtime did not"
                    + " settle within " + LIMIT.toSeconds() + " s: " + String.join("; ", settled.pending()));
        }
        return "updated " + name + " (bundle " + b.getBundleId() + ") from " + from + "\n";
    }

    /**
     * Like rmmod's EBUSY for a module in use: a bundle whose refresh would restart the runtime
     * bundle cannot be replaced from a command the runtime bundle is running (the command would
     * lose its own code half way, and a restarted batch runner would run the command line again).
     * Checked before anything changes.
     */
    private void refuseInUse(Bundle b) {
        Bundle self = context.getBundle();
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
        if (b.equals(self) || wiring.getDependencyClosure(List.of(b)).contains(self)) {
            throw new DriverException(Errno.EBUSY, b.getSymbolicName() + " is in use by " + self.getSymbolicName()
                    + ", which runs this command (the shell's names and commands import its packages): restart"
                    + " ./nova to run its new build");
        }
    }

    /**
     * Refreshes the bundle and its dependents when something is still wired to its old revision
     * (the framework keeps an updated bundle's old revision while another bundle uses its packages).
     * A bundle nobody imports from is already running its new revision after the update; refreshing
     * it anyway would stop and start it, and unbind and rebind its devices, a second time.
     */
    private void refresh(Bundle b) {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
        if (!wiring.getRemovalPendingBundles().contains(b)) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        try {
            if (!done.await(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new DriverException(Errno.ETIMEDOUT, "the refresh after updating " + b.getSymbolicName()
                        + " did not finish within " + LIMIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException(Errno.ETIMEDOUT, "interrupted while refreshing " + b.getSymbolicName());
        }
    }

    /** @return whether {@code s} is an absolute URL with a protocol the JVM knows */
    static boolean isUrl(String s) {
        try {
            URL u = URI.create(s).toURL();
            return u.getProtocol() != null;
        } catch (IllegalArgumentException | MalformedURLException e) {
            return false;
        }
    }
}
