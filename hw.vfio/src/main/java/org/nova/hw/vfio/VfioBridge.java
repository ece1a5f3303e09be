package org.nova.hw.vfio;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host bridge whose functions are real PCI functions bound to vfio-pci. It owns the VFIO
 * groups (each with its container), the functions' device fds, one interrupt poller thread and
 * one hot-plug thread (which turns the kernel's request interrupt into a hot unplug: listeners'
 * functionRemoved first, then every fd of the function closed).
 *
 * <p>Ownership: the backend component owns the bridge; {@link #close()} (after the service is
 * unregistered) releases every function, group, eventfd and thread. Thread safety: topology
 * changes are serialized by one lock; events are delivered under it, in order.
 *
 * <p>Public only for {@link org.nova.hw.vfio.testing.StandaloneVfioBridge}, which owns one outside
 * a framework; the package is not exported.
 */
public final class VfioBridge implements HostBridge, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VfioBridge.class);

    private final String name;
    private final SysfsPci sysfs;
    /** The configured addresses, or empty for every function bound to vfio-pci. */
    private final List<PciAddress> wanted;
    private final ReentrantLock topology = new ReentrantLock();
    private final TreeMap<PciAddress, VfioFunction> functions = new TreeMap<>(SysfsPci.ORDER);
    private final Map<Integer, VfioGroup> groups = new LinkedHashMap<>();
    private final CopyOnWriteArrayList<HostBridgeListener> listeners = new CopyOnWriteArrayList<>();
    private final IrqPoller poller;
    private final ExecutorService hotplug;
    private final int domain;
    private volatile boolean closed;

    private VfioBridge(String name, SysfsPci sysfs, List<PciAddress> wanted, int domain) {
        this.name = name;
        this.sysfs = sysfs;
        this.wanted = List.copyOf(wanted);
        this.domain = domain;
        this.poller = new IrqPoller(name);
        this.hotplug = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("vfio-hotplug-" + name).unstarted(r));
    }

    /**
     * Opens every wanted function. On any failure everything opened so far is closed and the
     * failure is rethrown, naming the function and the reason.
     *
     * @param wanted the addresses to open; empty: every function bound to vfio-pci
     */
    static VfioBridge open(String name, SysfsPci sysfs, List<PciAddress> wanted) {
        List<PciAddress> targets = wanted.isEmpty() ? sysfs.boundToVfio() : wanted;
        int domain = targets.isEmpty() ? 0 : targets.get(0).domain();
        for (PciAddress a : targets) {
            if (a.domain() != domain) {
                throw new HwException(HwException.EINVAL, "bridge " + name + ": functions of PCI domains "
                        + domain + " and " + a.domain() + " cannot share one bridge; configure one bridge per domain");
            }
        }
        if (!Files.exists(sysfs.containerNode())) {
            throw new HwException(HwException.ENOENT, "bridge " + name + ": " + sysfs.containerNode()
                    + " does not exist (load the vfio and vfio-pci modules)"
                    + (targets.isEmpty() ? "" : "; cannot open " + targets));
        }
        VfioBridge b = new VfioBridge(name, sysfs, wanted, domain);
        try {
            for (PciAddress a : targets) {
                b.openFunction(a);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        if (targets.isEmpty()) {
            LOG.warn("bridge {}: no PCI function is bound to vfio-pci; the bridge is empty", name);
        }
        return b;
    }

    /**
     * Opens functions bound to vfio-pci in this machine's kernel (/sys, /dev), as
     * {@link #open(String, SysfsPci, List)} does.
     */
    public static VfioBridge open(String name, List<PciAddress> wanted) {
        return open(name, SysfsPci.system(), wanted);
    }

    /**
     * Maps a region of a function through pread/pwrite on its device fd, even where it could be
     * mmap'd.
     *
     * @throws HwException ENODEV if the bridge has no such function, else as {@link PciFunction#map}
     */
    public Mmio mapThroughDeviceFd(PciAddress a, int index) {
        VfioFunction f;
        topology.lock();
        try {
            f = functions.get(a);
        } finally {
            topology.unlock();
        }
        if (f == null) {
            throw new HwException(HwException.ENODEV, "bridge " + name + " has no function " + a);
        }
        return f.mapWithoutMmap(index);
    }

    /** Opens one function (and its group if needed); the caller holds no lock or the topology lock. */
    private VfioFunction openFunction(PciAddress a) {
        SysfsPci.Candidate c = sysfs.describe(a);
        VfioGroup g;
        boolean newGroup = false;
        topology.lock();
        try {
            g = groups.get(c.group());
            if (g == null) {
                g = VfioGroup.open(c, sysfs.containerNode().toString());
                groups.put(c.group(), g);
                newGroup = true;
            }
            VfioFunction f;
            try {
                f = VfioFunction.open(this, g, c);
                g.attach(f);
                f.armRequest(() -> requestRemoval(f));
            } catch (RuntimeException | Error e) {
                if (newGroup) {
                    groups.remove(c.group());
                    g.close();
                }
                throw e;
            }
            functions.put(a, f);
            LOG.info("bridge {}: {} [{}] opened (device fd {}, IOMMU group {}, {})", name, a,
                    String.format("%04x:%04x", c.vendor(), c.device()), f.deviceFd(), c.group(), g.mode.label);
            return f;
        } finally {
            topology.unlock();
        }
    }

    IrqPoller poller() {
        return poller;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backend() {
        return VfioBackend.BACKEND;
    }

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public List<PciFunction> functions() {
        topology.lock();
        try {
            return List.copyOf(functions.values());
        } finally {
            topology.unlock();
        }
    }

    List<VfioFunction> vfioFunctions() {
        topology.lock();
        try {
            return List.copyOf(functions.values());
        } finally {
            topology.unlock();
        }
    }

    List<VfioGroup> groups() {
        topology.lock();
        try {
            return List.copyOf(groups.values());
        } finally {
            topology.unlock();
        }
    }

    @Override
    public Optional<PciFunction> function(PciAddress address) {
        topology.lock();
        try {
            return Optional.ofNullable(functions.get(address));
        } finally {
            topology.unlock();
        }
    }

    @Override
    public void addListener(HostBridgeListener listener) {
        listeners.addIfAbsent(listener);
    }

    @Override
    public void removeListener(HostBridgeListener listener) {
        listeners.remove(listener);
    }

    /** The request interrupt fired: hot-unplug on the hot-plug thread (never on the poller). */
    private void requestRemoval(VfioFunction f) {
        if (closed) {
            return;
        }
        try {
            hotplug.execute(() -> remove(f.address(), "the kernel requested the device (VFIO request interrupt)"));
        } catch (RejectedExecutionException e) {
            LOG.debug("bridge {} closing; request for {} ignored", name, f.address());
        }
    }

    /**
     * Hot-unplugs a function: listeners' functionRemoved (the consumer unbinds its driver), then
     * every fd and mapping of the function closed, then its group if it was the last.
     *
     * @return whether the function was present
     */
    boolean remove(PciAddress a, String why) {
        topology.lock();
        try {
            VfioFunction f = functions.remove(a);
            if (f == null) {
                return false;
            }
            LOG.info("bridge {}: removing {}: {}", name, a, why);
            f.markGone();
            for (HostBridgeListener l : listeners) {
                try {
                    l.functionRemoved(f);
                } catch (RuntimeException | StackOverflowError | LinkageError e) {
                    LOG.error("bridge {}: listener {} failed on removal of {}", name, l, a, e);
                }
            }
            releaseFunction(f);
            return true;
        } finally {
            topology.unlock();
        }
    }

    private void releaseFunction(VfioFunction f) {
        f.release();
        VfioGroup g = f.group();
        if (g.detach(f)) {
            groups.remove(g.number);
            g.close();
        }
    }

    /**
     * Opens functions that are bound to vfio-pci (and wanted) but not open yet, announcing each
     * with functionAdded.
     *
     * @return the functions added; failures are logged and skipped
     */
    List<PciFunction> rescan() {
        List<PciFunction> added = new ArrayList<>();
        topology.lock();
        try {
            List<PciAddress> targets = wanted.isEmpty() ? sysfs.boundToVfio() : wanted;
            for (PciAddress a : targets) {
                if (functions.containsKey(a) || a.domain() != domain) {
                    continue;
                }
                if (!SysfsPci.VFIO_PCI.equals(SysfsPci.linkName(sysfs.deviceDir(a).resolve("driver")))) {
                    continue;
                }
                try {
                    VfioFunction f = openFunction(awaitGroupNode(a));
                    added.add(f);
                    for (HostBridgeListener l : listeners) {
                        try {
                            l.functionAdded(f);
                        } catch (RuntimeException | StackOverflowError | LinkageError e) {
                            LOG.error("bridge {}: listener {} failed on addition of {}", name, l, a, e);
                        }
                    }
                } catch (RuntimeException e) {
                    LOG.error("bridge {}: cannot open {}: {}", name, a, e.getMessage());
                }
            }
        } finally {
            topology.unlock();
        }
        return added;
    }

    /** How long a rescan waits for devtmpfs to create the group node of a newly bound function. */
    private static final long GROUP_NODE_WAIT_MS = 10_000;

    /**
     * Waits until the function's group node exists: vfio-pci's probe registers the group device
     * synchronously with the sysfs bind, but devtmpfs creates /dev/vfio/N from its own thread
     * (devtmpfsd), so right after drivers_probe the node may not be there yet.
     *
     * @return the address
     */
    private PciAddress awaitGroupNode(PciAddress a) {
        long deadline = System.nanoTime() + GROUP_NODE_WAIT_MS * 1_000_000L;
        while (true) {
            try {
                sysfs.describe(a);
                return a;
            } catch (HwException e) {
                if (!HwException.ENOENT.equals(e.errno()) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HwException(HwException.EIO, a + ": interrupted while waiting for its VFIO group node");
            }
        }
    }

    /**
     * Releases everything: each function (no listener calls: the service is already gone), each
     * group, the hot-plug and poller threads. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        hotplug.shutdown();
        try {
            if (!hotplug.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("bridge {}: a hot unplug is still running after 10 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        topology.lock();
        try {
            List<VfioFunction> all = new ArrayList<>(functions.values());
            all.sort(Comparator.comparing(VfioFunction::address, SysfsPci.ORDER).reversed());
            functions.clear();
            for (VfioFunction f : all) {
                f.markGone();
                releaseFunction(f);
            }
            for (VfioGroup g : groups.values()) {
                g.close();
            }
            groups.clear();
        } finally {
            topology.unlock();
        }
        poller.close();
        LOG.info("bridge {} closed", name);
    }

    @Override
    public String toString() {
        return "vfio bridge " + name;
    }
}
