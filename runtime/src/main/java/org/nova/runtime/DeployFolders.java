package org.nova.runtime;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folders Apache Felix FileInstall watches ({@value #DIRS_PROPERTY}, by default {@code deploy}
 * and {@code conf} in the working directory, which {@code ./nova} makes the checkout): a bundle jar
 * copied in is installed and started, replaced is updated in place, deleted is uninstalled; a
 * {@code .cfg}/{@code .config} file is a configuration. FileInstall does the work; this component
 * says what it has made of each file ({@code deploy:status}) and when its first scan is through
 * ({@link #pending()}, which {@link BatchRunner} waits for, so that {@code ./nova -c} runs its
 * commands with the folder's drivers in place). A folder that does not exist is created at start
 * (FileInstall, which starts after this bundle, watches only one that exists).
 *
 * <p>A file counts as done when FileInstall can do no more with it: a jar that is not a bundle
 * (FileInstall refuses it), one whose name and version another bundle already has (FileInstall
 * updates that one), a bundle that cannot resolve, one whose start was tried (active, or its
 * activator failed). A bundle installed but not yet tried is pending, for at most
 * {@value #PENDING_LIMIT_MS} ms after this component first saw it so.
 *
 * <p>Owns its bundle listener and the record of start attempts; FileInstall owns the bundles.
 */
@Component(service = DeployFolders.class, immediate = true, property = {
        "osgi.command.scope=" + DeployFolders.SCOPE, "osgi.command.function=status" })
public final class DeployFolders {
    private static final Logger LOG = LoggerFactory.getLogger(DeployFolders.class);
    /** The command scope. */
    static final String SCOPE = "deploy";
    /** FileInstall's property naming the folders it watches, comma separated. */
    static final String DIRS_PROPERTY = "felix.fileinstall.dir";
    /** FileInstall's property holding the file a configuration came from. */
    static final String FILENAME_PROPERTY = "felix.fileinstall.filename";
    /** How often the folders' state is looked at for the log. */
    static final long REPORT_MS = 1000;
    /** The longest a bundle installed from a folder is waited for to be started. */
    static final long PENDING_LIMIT_MS = 10_000;

    private final BundleContext context;
    private final ConfFileChecks confs;
    /** Bundles whose start FileInstall (or anyone) has tried since this component started. */
    private final Set<Long> tried = ConcurrentHashMap.newKeySet();
    /** When a file was first seen pending, by path, to bound the wait. */
    private final Map<String, Long> pendingSince = new ConcurrentHashMap<>();
    /** What was last said of each file, by path: a change is logged once. */
    private final Map<String, String> said = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nova-deploy-report");
        t.setDaemon(true);
        return t;
    });
    private final SynchronousBundleListener listener = e -> {
        if (e.getType() == BundleEvent.STARTING || e.getType() == BundleEvent.STARTED) {
            tried.add(e.getBundle().getBundleId());
        }
    };

    /**
     * A jar's headers as last read, with the file's size and time then: the folders are looked at
     * every second and, while ./nova -c waits, every few milliseconds, and a jar is opened again
     * only when it changed.
     *
     * @param error why it is no bundle, or null
     */
    private record JarHeaders(long modified, long length, String symbolicName, String version, String error) {
    }

    /** Each jar's headers, by path. */
    private final Map<String, JarHeaders> jars = new ConcurrentHashMap<>();

    private JarHeaders headers(File f) {
        long modified = f.lastModified();
        long length = f.length();
        JarHeaders h = jars.get(f.getPath());
        if (h != null && h.modified() == modified && h.length() == length) {
            return h;
        }
        try (JarFile jar = new JarFile(f)) {
            Manifest m = jar.getManifest();
            String bsn = m == null ? null : m.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            h = bsn == null
                    ? new JarHeaders(modified, length, null, null,
                            "not a bundle: no " + Constants.BUNDLE_SYMBOLICNAME + " in META-INF/MANIFEST.MF")
                    : new JarHeaders(modified, length, bsn.split(";")[0].strip(),
                            m.getMainAttributes().getValue(Constants.BUNDLE_VERSION), null);
        } catch (IOException e) {
            h = new JarHeaders(modified, length, null, null, "not a bundle: not a readable jar (" + e.getMessage() + ")");
        }
        jars.put(f.getPath(), h);
        return h;
    }

    /** What FileInstall made of one file. */
    record Entry(File file, String state, boolean pending) {
    }

    @Activate
    public DeployFolders(BundleContext context, @Reference ConfFileChecks confs) {
        this.context = context;
        this.confs = confs;
        context.addBundleListener(listener);
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.ACTIVE) {
                tried.add(b.getBundleId());
            }
        }
        List<File> folders = folders();
        LOG.info("deploy folders: {}", folders.isEmpty() ? "none (" + DIRS_PROPERTY + " is not set)" : folders);
        for (File dir : folders) {
            // FileInstall (which starts after this bundle) watches only a folder that exists
            if (!dir.isDirectory()) {
                if (dir.mkdirs()) {
                    LOG.info("{}: created (it did not exist)", dir);
                } else {
                    LOG.warn("{}: does not exist and cannot be created: nothing dropped there will be seen", dir);
                }
            }
        }
        if (!folders.isEmpty()) {
            reporter.scheduleWithFixedDelay(this::report, REPORT_MS, REPORT_MS, TimeUnit.MILLISECONDS);
        }
    }

    @Deactivate
    void deactivate() {
        reporter.shutdownNow();
        context.removeBundleListener(listener);
    }

    /**
     * Logs each bundle jar's state when it changes, one line: what a person watching the log
     * needs to see a jar copied in become a driver, or why it did not. Configuration files are
     * {@link ConfFileChecks}'s to log.
     */
    synchronized void report() {
        try {
            Set<String> seen = new HashSet<>();
            for (Entry e : entries(false)) {
                String path = e.file().getPath();
                if (!path.endsWith(".jar")) {
                    continue;
                }
                seen.add(path);
                if (!e.pending() && !e.state().equals(said.put(path, e.state()))) {
                    if (e.state().contains(": active") || e.state().startsWith("updates bundle")
                            || e.state().endsWith("(a fragment)")) {
                        LOG.info("{}: {}", path, e.state());
                    } else {
                        LOG.warn("{}: {}", path, e.state());
                    }
                }
            }
            said.keySet().removeIf(p -> {
                if (seen.contains(p)) {
                    return false;
                }
                LOG.info("{}: removed", p);
                return true;
            });
        } catch (RuntimeException e) {
            LOG.warn("deploy folders: {}", e.toString());
        }
    }

    /** @return the folders FileInstall watches (none if it is not configured), as it resolves them: against the working directory */
    List<File> folders() {
        String dirs = context.getProperty(DIRS_PROPERTY);
        if (dirs == null || dirs.isBlank()) {
            return List.of();
        }
        return Arrays.stream(dirs.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> new File(s).getAbsoluteFile()).toList();
    }

    /** @return the files FileInstall has not finished with, one line each ("deploy/x.jar: installed, not started yet") */
    List<String> pending() {
        return entries(false).stream().filter(Entry::pending).map(e -> e.file() + ": " + e.state()).toList();
    }

    /**
     * @param explain whether to ask the resolver why a bundle does not resolve (a transient start
     *     attempt, which changes nothing for a bundle that cannot resolve)
     * @return every file of every folder and what became of it
     */
    List<Entry> entries(boolean explain) {
        List<Entry> out = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (File dir : folders()) {
            File[] files = dir.listFiles(File::isFile);
            if (files == null) {
                continue;
            }
            Arrays.sort(files);
            for (File f : files) {
                present.add(f.getPath());
                out.add(entry(f, explain));
            }
        }
        pendingSince.keySet().retainAll(present); // a file deleted and copied in again is waited for anew
        jars.keySet().retainAll(present);
        return out;
    }

    private Entry entry(File f, boolean explain) {
        String name = f.getName();
        if (name.endsWith(".cfg") || name.endsWith(".config")) {
            return new Entry(f, confs.state(f), false);
        }
        if (!name.endsWith(".jar")) {
            return new Entry(f, "ignored: neither a bundle jar nor a .cfg/.config file", false);
        }
        JarHeaders h = headers(f);
        if (h.error() != null) {
            return new Entry(f, h.error(), false);
        }
        String bsn = h.symbolicName();
        Bundle b = installedFrom(f);
        if (b == null) {
            Bundle same = sameNameAndVersion(bsn, h.version());
            if (same != null) {
                return new Entry(f, "updates bundle " + same.getBundleId() + " (" + same.getSymbolicName() + " "
                        + same.getVersion() + ", installed from " + same.getLocation() + "): same name and version", false);
            }
            return waiting(f, "not installed yet");
        }
        String id = "bundle " + b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion() + ": ";
        boolean fragment = (b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
        return switch (b.getState()) {
            case Bundle.ACTIVE -> done(f, id + "active");
            case Bundle.STARTING, Bundle.STOPPING -> waiting(f, id + (b.getState() == Bundle.STARTING ? "starting" : "stopping"));
            case Bundle.RESOLVED -> fragment ? done(f, id + "resolved (a fragment)")
                    : tried.contains(b.getBundleId()) ? done(f, id + "resolved, not active: its start failed (see the log)")
                    : waiting(f, id + "resolved, not started yet");
            case Bundle.INSTALLED -> unresolved(f, b, id, explain);
            default -> done(f, id + "uninstalled");
        };
    }

    private Entry unresolved(File f, Bundle b, String id, boolean explain) {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
        if (wiring.resolveBundles(List.of(b))) {
            return waiting(f, id + "resolved, not started yet");
        }
        return done(f, id + "installed, cannot resolve" + (explain ? ": " + resolutionError(b) : ""));
    }

    /**
     * The resolver's reason, as the framework gives it to a start: an unresolvable bundle's
     * transient start fails before anything runs, and changes nothing.
     */
    private static String resolutionError(Bundle b) {
        try {
            b.start(Bundle.START_TRANSIENT);
            return "(it resolved meanwhile)";
        } catch (BundleException | IllegalStateException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            return m.replaceAll("\\s+", " ");
        }
    }

    private Entry done(File f, String state) {
        pendingSince.remove(f.getPath());
        return new Entry(f, state, false);
    }

    private Entry waiting(File f, String state) {
        long now = System.currentTimeMillis();
        long since = pendingSince.computeIfAbsent(f.getPath(), k -> now);
        if (now - since > PENDING_LIMIT_MS) {
            return new Entry(f, state + " (waited " + PENDING_LIMIT_MS / 1000 + " s: given up)", false);
        }
        return new Entry(f, state, true);
    }

    private Bundle installedFrom(File f) {
        String path = canonical(f);
        for (Bundle b : context.getBundles()) {
            String loc = b.getLocation();
            if (loc.startsWith("file:")) {
                try {
                    if (path.equals(canonical(new File(URI.create(loc))))) {
                        return b;
                    }
                } catch (IllegalArgumentException e) {
                    // a location that is not a file URI of this machine
                }
            }
        }
        return null;
    }

    private Bundle sameNameAndVersion(String bsn, String version) {
        Version v;
        try {
            v = version == null ? Version.emptyVersion : Version.parseVersion(version.strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && v.equals(b.getVersion())) {
                return b;
            }
        }
        return null;
    }

    private static String canonical(File f) {
        try {
            return f.getCanonicalPath();
        } catch (IOException e) {
            return f.getAbsolutePath();
        }
    }

    /** deploy:status — every watched folder's files and what became of each. */
    @Descriptor("what the deploy folders hold and what became of each file: bundle and state, configuration, or why not")
    public String status() {
        List<File> folders = folders();
        if (folders.isEmpty()) {
            return "no deploy folder: " + DIRS_PROPERTY + " is not set (FileInstall is not part of this runtime)";
        }
        StringBuilder sb = new StringBuilder();
        List<Entry> entries = entries(true);
        for (File dir : folders) {
            sb.append(dir).append(dir.isDirectory() ? "" : " (does not exist)").append('\n');
            for (Entry e : entries) {
                if (e.file().getParentFile().getAbsoluteFile().equals(dir)) {
                    sb.append("  ").append(e.file().getName()).append(": ").append(e.state())
                            .append(e.pending() ? " [pending]" : "").append('\n');
                }
            }
        }
        return sb.toString().stripTrailing();
    }

    /** Gogo's catch-all: deploy:status takes no arguments. */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }
}
