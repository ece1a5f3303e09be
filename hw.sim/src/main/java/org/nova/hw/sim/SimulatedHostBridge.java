package org.nova.hw.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated PCI host bridge: one domain, hot add and hot remove of simulated functions,
 * firmware BAR assignment, and the interrupt-delivery thread that calls every
 * {@link org.nova.hw.IrqHandler} of its functions.
 *
 * <p>Ownership: whoever creates the bridge closes it; {@link #close()} removes every function
 * (listeners still registered are told) and stops the delivery thread.
 */
public final class SimulatedHostBridge implements HostBridge, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedHostBridge.class);

    /** The backend name of the simulated platform ({@value HostBridge#PROP_BACKEND} service property). */
    public static final String BACKEND = "sim";
    /** How long close waits for a handler that is running. */
    private static final long DELIVERY_DRAIN_MS = 1000;

    private final String name;
    private final int domain;
    private final ReentrantLock topology = new ReentrantLock();
    private final ConcurrentSkipListMap<PciAddress, SimulatedFunction> functions =
            new ConcurrentSkipListMap<>(Comparator.comparingInt(PciAddress::routingId));
    private final CopyOnWriteArrayList<HostBridgeListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService delivery;
    private final Firmware firmware = new Firmware();
    private volatile boolean closed;

    /**
     * @param name   the bridge name, e.g. "sim0"
     * @param domain the PCI domain, 0..{@value PciAddress#MAX_DOMAIN}
     * @throws HwException EINVAL for an empty name or a bad domain
     */
    public SimulatedHostBridge(String name, int domain) {
        if (name == null || name.isBlank()) {
            throw new HwException(HwException.EINVAL, "a host bridge needs a name");
        }
        if (domain < 0 || domain > PciAddress.MAX_DOMAIN) {
            throw new HwException(HwException.EINVAL, "bridge " + name + ": domain " + domain + " is outside 0.."
                    + PciAddress.MAX_DOMAIN);
        }
        this.name = name;
        this.domain = domain;
        this.delivery = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("nova-" + name + "-irq").factory());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backend() {
        return BACKEND;
    }

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public List<PciFunction> functions() {
        return List.copyOf(functions.values());
    }

    @Override
    public Optional<PciFunction> function(PciAddress address) {
        return Optional.ofNullable(functions.get(address));
    }

    @Override
    public void addListener(HostBridgeListener listener) {
        listeners.addIfAbsent(listener);
    }

    @Override
    public void removeListener(HostBridgeListener listener) {
        listeners.remove(listener);
    }

    ReentrantLock topologyLock() {
        return topology;
    }

    /**
     * Hot add: plugs a device model in at address; firmware assigns its BARs and interrupt line,
     * the model starts, listeners are told.
     *
     * @return the new function
     * @throws HwException EINVAL if the address is in another domain, EEXIST if it is taken,
     *                     ENOSPC (naming the BAR and its size) if a window has no room for a BAR,
     *                     ENODEV if the bridge is closed; nothing stays assigned or plugged in
     */
    PciFunction plug(PciAddress address, DeviceModel model) {
        topology.lock();
        try {
            if (closed) {
                throw new HwException(HwException.ENODEV, "bridge " + name + " is closed");
            }
            if (address.domain() != domain) {
                throw new HwException(HwException.EINVAL, "bridge " + name + " is domain " + domain + ", not "
                        + address.domain() + " (" + address + ")");
            }
            SimulatedFunction existing = functions.get(address);
            if (existing != null) {
                throw new HwException(HwException.EEXIST, "bridge " + name + ": " + address + " is taken by "
                        + existing.model());
            }
            SimulatedFunction f = new SimulatedFunction(this, address, model, null, -1);
            try {
                firmware.assign(f);
            } catch (HwException e) {
                f.releaseRegions();
                throw e;
            }
            try {
                attach(f);
            } catch (RuntimeException e) {
                firmware.release(f);
                f.releaseRegions();
                throw e;
            }
            LOG.info("{}: hot add {} {}", name, address, model.description());
            return f;
        } finally {
            topology.unlock();
        }
    }

    /**
     * Hot add of a device model named as a configuration of {@value SimDeviceComponent#PID} names
     * it ({@code model} and the model's options, e.g. {@code pci-generic} with {@code vendor} and
     * {@code device}): the one way in for code outside this bundle that owns a bridge itself, such
     * as a driver's unit test on a framework-less PCI bus (nova-testkit). The function stays
     * until the bridge is closed.
     *
     * @param address where the function goes, in this bridge's domain
     * @param model a model name (edu, pci-testdev, nvidia-gpu, pci-generic)
     * @param options the model's options, as a configuration gives them
     * @return the new function
     * @throws HwException EINVAL for an unknown model or a bad option (naming it), and as
     *     {@link #plug(PciAddress, DeviceModel)}; nothing stays plugged in
     */
    public PciFunction plug(PciAddress address, String model, Map<String, String> options) {
        return plug(address, SimModels.create(model, options));
    }

    /** Orderly hot remove: {@link #unplug(PciAddress, boolean)} without surprise. */
    void unplug(PciAddress address) {
        unplug(address, false);
    }

    /**
     * Hot remove of a physical function and its VFs. Orderly, as pciehp does on the attention
     * button (pciehp_unconfigure_device with the card present): listeners are told
     * {@link HostBridgeListener#functionRemoving} first, while the function still works, so its
     * drivers unbind against live hardware (pci_stop_and_remove_bus_device); then the function is
     * taken down, its windows freed, and listeners told {@link HostBridgeListener#functionRemoved}.
     * A surprise removal (the card pulled: pci_dev_set_disconnected before anyone is told) skips
     * the first step: the function is gone when listeners hear of it.
     *
     * @param surprise whether the function vanishes under its consumers
     * @throws HwException ENOENT if nothing is at address, EINVAL for a VF (disable SR-IOV instead)
     */
    void unplug(PciAddress address, boolean surprise) {
        SimulatedFunction f;
        topology.lock();
        try {
            f = functions.get(address);
            if (f == null) {
                throw new HwException(HwException.ENOENT, "bridge " + name + ": no function at " + address);
            }
            if (f.physfn().isPresent()) {
                throw new HwException(HwException.EINVAL, "bridge " + name + ": " + address
                        + " is a virtual function; disable SR-IOV on its PF instead");
            }
        } finally {
            topology.unlock();
        }
        if (!surprise) {
            // Without the topology lock: a driver's remove may disable SR-IOV, which takes it.
            for (HostBridgeListener l : listeners) {
                try {
                    l.functionRemoving(f);
                } catch (RuntimeException e) {
                    LOG.error("{}: listener {} failed on functionRemoving({})", name, l, address, e);
                }
            }
        }
        topology.lock();
        try {
            if (functions.get(address) != f) {
                return;
            }
            LOG.info("{}: {} remove {} {}", name, surprise ? "surprise" : "hot", address, f.model());
            removeTree(f);
        } finally {
            topology.unlock();
        }
    }

    private void removeTree(SimulatedFunction f) {
        if (f.sriovState() != null) {
            f.sriovState().removeVfs();
        }
        detach(f);
        firmware.release(f);
    }

    /** @return the firmware that assigns this bridge's windows (for tests and leak checks) */
    Firmware firmware() {
        return firmware;
    }

    /** Adds a function and announces it. Topology lock held. */
    void attach(SimulatedFunction f) {
        f.plug();
        functions.put(f.address(), f);
        for (HostBridgeListener l : listeners) {
            try {
                l.functionAdded(f);
            } catch (RuntimeException e) {
                LOG.error("{}: listener {} failed on functionAdded({})", name, l, f.address(), e);
            }
        }
    }

    /** Removes a function and announces it. Topology lock held. */
    void detach(SimulatedFunction f) {
        functions.remove(f.address());
        f.unplug();
        for (HostBridgeListener l : listeners) {
            try {
                l.functionRemoved(f);
            } catch (RuntimeException e) {
                LOG.error("{}: listener {} failed on functionRemoved({})", name, l, f.address(), e);
            }
        }
    }

    /** Queues an interrupt for the delivery thread. */
    void deliver(Runnable interrupt) {
        if (closed) {
            return;
        }
        try {
            delivery.execute(interrupt);
        } catch (RejectedExecutionException e) {
            LOG.debug("{}: interrupt dropped, delivery has stopped", name);
        }
    }

    /** Removes every function, then stops interrupt delivery. Idempotent. */
    @Override
    public void close() {
        topology.lock();
        try {
            if (closed) {
                return;
            }
            List<SimulatedFunction> physical = new ArrayList<>();
            for (SimulatedFunction f : functions.values()) {
                if (f.physfn().isEmpty()) {
                    physical.add(f);
                }
            }
            for (int i = physical.size() - 1; i >= 0; i--) {
                removeTree(physical.get(i));
            }
            closed = true;
        } finally {
            topology.unlock();
        }
        delivery.shutdown();
        try {
            if (!delivery.awaitTermination(DELIVERY_DRAIN_MS, TimeUnit.MILLISECONDS)) {
                delivery.shutdownNow();
            }
        } catch (InterruptedException e) {
            delivery.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("{}: closed", name);
    }

    @Override
    public String toString() {
        return "SimulatedHostBridge[" + name + ", domain " + domain + "]";
    }
}
