package org.nova.driver.internal;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;

import org.nova.driver.DriverRepository;
import org.nova.driver.MatchResult;
import org.nova.driver.Uevent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drivers found by alias: what udev's rule {@code ENV{MODALIAS}=="?*", RUN{builtin}+="kmod load
 * $env{MODALIAS}"} (rules.d/80-drivers.rules) and modprobe do for a device that appears. When a
 * device's first attach finds no registered driver that matches it, its MODALIAS (the bus's
 * uevent variable) is looked up in the {@link DriverRepository}; every bundle the alias resolves
 * to that is not installed yet is installed and started, as modprobe loads every module an alias
 * resolves to (kmod's {@code kmod_module_new_from_lookup} returns them all, modprobe inserts each);
 * its driver then registers and binds the device through the normal path. A bundle already
 * installed, in whatever state, is not touched (modprobe leaves a loaded module alone).
 *
 * <p>A bundle that fails to install, resolve or start gives one ERROR line naming the jar and
 * why, and is uninstalled again ({@link Installer#install}); the device stays unbound. The lookup
 * runs on its own ordered thread and counts as a probe in flight ({@link ProbeCount}), so
 * {@code wait_for_device_probe} and the settle condition wait for it.
 *
 * <p>Each device is looked up once, at its first attach while autoload is on ({@code udevadm
 * trigger}'s counterpart is {@code drv:probe}, which attaches again); a device attached while
 * autoload was off is looked up at its next attach with autoload on. A device added with no
 * attach (its bus's drivers_autoprobe off) is looked up when it is added, as udev loads the
 * module for the ADD uevent whatever drivers_autoprobe says; the device then waits for a probe.
 *
 * <p>State: {@link #enabled}, {@link #repository} and {@link #installer} are volatile and set by
 * the core's owner; {@link #lookedUp} is guarded by its own monitor.
 */
final class Autoload {
    private static final Logger LOG = LoggerFactory.getLogger(Autoload.class);

    /** Installs and starts a repository bundle: the OSGi side, the framework's. */
    interface Installer {
        /**
         * @param symbolicName a Bundle-SymbolicName
         * @return whether a bundle of that name is installed, in any state
         */
        boolean installed(String symbolicName);

        /**
         * Installs and starts the bundle of a jar. On any failure nothing stays installed.
         *
         * @param jar the jar
         * @return how the installed bundle is named in the log ("name 1.0.0 [id]")
         * @throws Exception why it could not be installed, resolved or started
         */
        String install(Path jar) throws Exception;
    }

    private final DriverCoreImpl core;
    private final ExecutorService work = Workqueues.ordered("nova-autoload");
    /** The devices whose alias has been looked up; weak, so a removed device is forgotten. */
    private final Set<DeviceImpl> lookedUp = Collections.newSetFromMap(new WeakHashMap<>());
    private volatile boolean enabled = true;
    private volatile DriverRepository repository;
    private volatile Installer installer;

    Autoload(DriverCoreImpl core) {
        this.core = core;
    }

    /** Sets the repository and the installer; either null turns autoload into a no-op. */
    void configure(DriverRepository repository, Installer installer) {
        this.repository = repository;
        this.installer = installer;
    }

    boolean enabled() {
        return enabled;
    }

    void setEnabled(boolean on) {
        enabled = on;
    }

    Optional<DriverRepository> repository() {
        return Optional.ofNullable(repository);
    }

    /** The device's MODALIAS as its bus's uevent callback gives it; empty if the bus gives none. */
    Optional<String> modalias(DeviceImpl dev) {
        Map<String, String> env = new HashMap<>();
        try {
            dev.bus.type.uevent(dev, env);
        } catch (RuntimeException e) {
            LOG.warn("bus {} failed to give the MODALIAS of {}: {}", dev.bus.name(), dev.name(), e.toString());
            return Optional.empty();
        }
        return Optional.ofNullable(env.get(Uevent.MODALIAS));
    }

    /**
     * A device added without an attach (its bus's autoprobe off, or the bus forbids autoprobing
     * it): looked up as after an attach if no registered driver matches it.
     */
    void lookUpIfUnmatched(DeviceImpl dev) {
        if (!enabled || repository == null || installer == null) {
            return;
        }
        noDriverIfUnmatched(dev, core.matching.rank(dev, false));
    }

    /** An attach ranked {@code ranked} for the device: if no driver matches it, {@link #noDriver}. */
    void noDriverIfUnmatched(DeviceImpl dev, List<DriverMatch.Candidate> ranked) {
        if (ranked.isEmpty() || ranked.get(0).result().kind() == MatchResult.Kind.NO_MATCH) {
            noDriver(dev);
        }
    }

    /**
     * The attach of a device found no matching driver: queues the lookup, once per device, if
     * autoload is on and has a repository.
     */
    void noDriver(DeviceImpl dev) {
        DriverRepository repo = repository;
        Installer inst = installer;
        if (!enabled || repo == null || inst == null || core.isShuttingDown()) {
            return;
        }
        synchronized (lookedUp) {
            if (!lookedUp.add(dev)) {
                return;
            }
        }
        core.probes.begin();
        if (!Workqueues.submit(work, () -> {
            try {
                load(dev, repo, inst);
            } finally {
                core.probes.done();
            }
        })) {
            core.probes.done();
        }
    }

    private void load(DeviceImpl dev, DriverRepository repo, Installer inst) {
        if (dev.isDead() || dev.isBound() || core.isShuttingDown()) {
            return;
        }
        Optional<String> alias = modalias(dev);
        if (alias.isEmpty()) {
            LOG.debug("autoload: {} {} has no MODALIAS", dev.bus.name(), dev.name());
            return;
        }
        List<DriverRepository.Match> matches = repo.lookup(alias.get());
        if (matches.isEmpty()) {
            LOG.info("autoload: no bundle of {} matches {} {} (MODALIAS {})", repo.dir(), dev.bus.name(), dev.name(),
                    alias.get());
            return;
        }
        for (DriverRepository.Match m : matches) {
            DriverRepository.Candidate c = m.candidate();
            if (inst.installed(c.symbolicName())) {
                LOG.info("autoload: {} matches {} {} and is installed already: not touched", c.symbolicName(),
                        dev.bus.name(), dev.name());
                continue;
            }
            try {
                String b = inst.install(c.jar());
                LOG.info("autoload: {} installed and started from {} for {} {} (alias {})", b, c.jar(),
                        dev.bus.name(), dev.name(), m.alias().pattern());
            } catch (Exception e) {
                LOG.error("autoload: {} not loaded for {} {}: {}", c.jar(), dev.bus.name(), dev.name(), reason(e));
            }
        }
    }

    /** An exception and its causes' messages, as one line. */
    static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(": ").append(c);
        }
        return sb.toString().replace('\n', ' ');
    }

    /**
     * For {@code drv:why} on a device no registered driver matches: why autoload did not give it one.
     *
     * @return a clause, or empty when there is no repository (a core without autoload)
     */
    Optional<String> explain(DeviceImpl dev) {
        DriverRepository repo = repository;
        Installer inst = installer;
        if (repo == null || inst == null) {
            return Optional.empty();
        }
        if (!enabled) {
            return Optional.of("autoload is off (drv:autoload on, then drv:probe), the repository " + repo.dir()
                    + " is not searched");
        }
        Optional<String> alias = modalias(dev);
        if (alias.isEmpty()) {
            return Optional.of("its bus gives no MODALIAS, so autoload cannot search the repository");
        }
        List<DriverRepository.Match> matches = repo.lookup(alias.get());
        if (matches.isEmpty()) {
            return Optional.of("no bundle of the repository " + repo.dir() + " matches its MODALIAS " + alias.get());
        }
        StringBuilder sb = new StringBuilder("repository bundles matching its MODALIAS ").append(alias.get())
                .append(": ");
        for (int i = 0; i < matches.size(); i++) {
            DriverRepository.Candidate c = matches.get(i).candidate();
            sb.append(i == 0 ? "" : ", ").append(c.symbolicName())
                    .append(inst.installed(c.symbolicName()) ? " (installed)" : " (not installed)");
        }
        return Optional.of(sb.append("; none registered a driver that matches it (the log's autoload lines say why)")
                .toString());
    }

    /** Waits for the queued lookups (bounded), then stops the thread. */
    void shutdown() {
        Workqueues.stop(work);
    }
}
