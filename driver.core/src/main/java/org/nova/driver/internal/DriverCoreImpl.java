package org.nova.driver.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.nova.devres.DevresTracker;
import org.nova.driver.Bus;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverCall;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRepository;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;
import org.nova.driver.SettleReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver core's root, independent of OSGi so it can be unit-tested; {@link DriverCoreComponent}
 * publishes it as the {@link DriverCore} service. It keeps the registered buses (the kernel's
 * {@code bus_kset}) and the devres accounting, and composes the parts that carry the kernel's files:
 *
 * <ul>
 * <li>{@link BusImpl} — drivers/base/bus.c (with {@link MatchIndex}, its driver/device index);</li>
 * <li>{@link Binding} — drivers/base/dd.c: attach, probe, release, manual bind;</li>
 * <li>{@link DeferredProbe} — drivers/base/dd.c: the deferred-probe lists, blocked probing;</li>
 * <li>{@link ProbeCount} — drivers/base/dd.c: probe_count, wait_for_device_probe;</li>
 * <li>{@link DriverCalls} — the probes and removes running now (what kernel/hung_task.c names);</li>
 * <li>{@link DriverMatch} — drivers/base/base.h driver_match_device, and the trial order;</li>
 * <li>{@link DeviceLinks} — drivers/base/core.c: device links;</li>
 * <li>{@link Uevents} — lib/kobject_uevent.c;</li>
 * <li>{@link Autoload} — udev's kmod builtin and modprobe: drivers found by alias.</li>
 * </ul>
 *
 * <p>Locking. {@link #lock} is the one lock of the driver core's bookkeeping: it guards the bus
 * registry here and every list and state object of the parts (each says what it keeps under it).
 * It is held only for short bookkeeping and never while a bus or driver callback runs. Each device
 * has its own lock (the kernel's device_lock), held across its probe and remove; lock order is
 * device lock before {@link #lock}, parent before child, and a device's consumers and children
 * are unbound before its own device lock is taken. Uevents are numbered in order and posted by a
 * dispatcher thread, never under {@link #lock}.
 */
public class DriverCoreImpl implements DriverCore {
    private static final Logger LOG = LoggerFactory.getLogger(DriverCoreImpl.class);

    final ReentrantLock lock = new ReentrantLock();
    final ProbeCount probes = new ProbeCount();
    final DriverCalls calls = new DriverCalls();
    /** Every unbind since the core started (written by {@link Binding}): shutdown counts its own. */
    final AtomicLong unbinds = new AtomicLong();
    final Uevents uevents;
    final DriverMatch matching;
    final DeviceLinks links;
    final DeferredProbe deferred;
    final Binding binding;
    final Autoload autoload;

    private final Map<String, BusImpl> buses = new LinkedHashMap<>();
    private final DevresTracker devres = new DevresTracker();
    private volatile boolean shutDown;

    /** A running core with no bus. */
    @SuppressWarnings("this-escape") // the parts only keep the reference; none calls back while constructed
    public DriverCoreImpl() {
        uevents = new Uevents(this);
        matching = new DriverMatch(this);
        links = new DeviceLinks(this);
        deferred = new DeferredProbe(this);
        binding = new Binding(this);
        autoload = new Autoload(this);
    }

    /**
     * Gives the core a repository of driver bundles to search by alias and the means to install
     * them ({@link Autoload}); a standalone core has neither and never loads a driver by alias.
     */
    void configureAutoload(DriverRepository repository, Autoload.Installer installer, boolean on) {
        autoload.configure(repository, installer);
        autoload.setEnabled(on);
    }

    /** Where posted uevents go (Event Admin in OSGi); called on the dispatcher thread. */
    public void setUeventSink(Consumer<UeventRecord> sink) {
        uevents.setSink(sink);
    }

    /**
     * Blocks or unblocks probing (device_block_probing / device_unblock_probing). While blocked,
     * devices are queued; unblocking attaches them in the order they came, each to its best driver.
     */
    public void setProbingBlocked(boolean blocked) {
        deferred.setProbingBlocked(blocked);
    }

    /**
     * Shuts the core down: from now on no uevent is sent and no deferred work is queued; every
     * bus is closed (devices unbound and removed, devres released), then the worker threads stop.
     */
    public void shutdown() {
        shutDown = true;
        List<BusImpl> all;
        lock.lock();
        try {
            all = List.copyOf(buses.values());
        } finally {
            lock.unlock();
        }
        for (BusImpl b : all) {
            b.close();
        }
        binding.shutdown();
        deferred.shutdown();
        autoload.shutdown();
        uevents.shutdown();
    }

    /** @return whether {@link #shutdown()} has begun. */
    boolean isShuttingDown() {
        return shutDown;
    }

    // ------------------------------------------------------------------ buses (bus_register)

    @Override
    public BusRegistration registerBus(BusType type) {
        String name = type.name();
        if (name == null || name.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "a bus needs a name");
        }
        lock.lock();
        try {
            if (buses.containsKey(name)) {
                throw new DriverException(Errno.EBUSY, "bus " + name + " is already registered");
            }
            BusImpl bus = new BusImpl(this, type);
            buses.put(name, bus);
            LOG.info("bus {} registered", name);
            return bus;
        } finally {
            lock.unlock();
        }
    }

    /** bus_unregister's last step, once the bus has removed its devices and drivers. */
    void unregisterBus(BusImpl bus) {
        lock.lock();
        try {
            buses.remove(bus.name(), bus);
        } finally {
            lock.unlock();
        }
        LOG.info("bus {} unregistered", bus.name());
    }

    @Override
    public Collection<Bus> buses() {
        lock.lock();
        try {
            return buses.values().stream().sorted(Comparator.comparing(BusImpl::name)).<Bus>map(b -> b).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Bus> bus(String name) {
        lock.lock();
        try {
            return Optional.ofNullable(buses.get(name));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Bus requireBus(String name) {
        return bus(name).orElseThrow(() -> new DriverException(Errno.ENOENT, "no bus named '" + name + "'"));
    }

    @Override
    public DevresTracker devres() {
        return devres;
    }

    // ------------------------------------------------------------------ the parts, as the service shows them

    @Override
    public void setTestDriverRemove(boolean on) {
        binding.setTestRemove(on);
        if (on) {
            LOG.info("test driver remove on: every probe is followed by a remove and a second probe");
        }
    }

    @Override
    public boolean testDriverRemove() {
        return binding.testRemove();
    }

    @Override
    public List<UeventRecord> recentUevents() {
        return uevents.recent();
    }

    @Override
    public boolean waitForDeviceProbe(Duration timeout) {
        return probes.awaitIdle(timeout);
    }

    /** Outside OSGi nothing else starts or configures: settled is wait_for_device_probe. */
    @Override
    public SettleReport settle(Duration timeout) {
        long start = System.nanoTime();
        boolean idle = probes.awaitIdle(timeout);
        return new SettleReport(idle, Duration.ofNanos(System.nanoTime() - start), idle ? List.of() : pendingProbes(),
                List.of());
    }

    /** @return the probes running now, or what else keeps wait_for_device_probe waiting */
    List<String> pendingProbes() {
        List<String> running = calls.inProgress().stream().map(Object::toString).toList();
        return running.isEmpty() ? List.of("probe work queued (deferred-probe work or devices waiting for probing)")
                : running;
    }

    @Override
    public List<DriverCall> callsInProgress() {
        return calls.inProgress();
    }

    /** @return how many devices of every bus are bound now */
    int boundDevices() {
        int n = 0;
        for (Bus b : buses()) {
            for (Device d : b.devices()) {
                if (d.isBound()) {
                    n++;
                }
            }
        }
        return n;
    }

    /** @return every unbind since the core started */
    long unbindCount() {
        return unbinds.get();
    }

    @Override
    public Optional<String> firstChoice(Device device) {
        return matching.firstChoice((DeviceImpl) device);
    }

    @Override
    public boolean autoload() {
        return autoload.enabled();
    }

    @Override
    public void setAutoload(boolean on) {
        autoload.setEnabled(on);
        LOG.info("autoload {}", on ? "on" : "off");
    }

    @Override
    public Optional<DriverRepository> driverRepository() {
        return autoload.repository();
    }

    @Override
    public Optional<String> modalias(Device device) {
        return autoload.modalias((DeviceImpl) device);
    }

    @Override
    public void triggerDeferredProbe() {
        deferred.trigger();
    }

    @Override
    public List<String> deferredDevices() {
        return deferred.devices();
    }

    @Override
    public DeviceLink addLink(Device supplier, Device consumer, Set<LinkFlag> flags) {
        return links.add((DeviceImpl) supplier, (DeviceImpl) consumer, flags);
    }

    @Override
    public List<DeviceLink> links(Device device) {
        return links.linksOf((DeviceImpl) device);
    }
}
