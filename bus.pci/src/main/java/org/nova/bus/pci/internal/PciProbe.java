package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.nova.bus.pci.PciIds;
import org.nova.driver.BusRegistration;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciRegs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The functions of the PCI bus: drivers/pci/probe.c (a host bridge's functions become PCI devices,
 * {@code pci_scan_root_bus_bridge}, {@code pci_setup_device}, {@code pci_device_add}; hot add)
 * and drivers/pci/remove.c ({@code pci_stop_and_remove_bus_device}, {@code pci_remove_root_bus};
 * hot remove). A VF's PF is added before it, and removed after it. An orderly removal reaches
 * here while the function still works ({@link HostBridgeListener#functionRemoving}), a surprise
 * removal only once it is gone.
 *
 * <p>Locks: {@link #lock} guards the function and listener maps only and is never held while
 * calling the core, a driver or a backend.
 */
final class PciProbe implements Topology {
    private static final Logger LOG = LoggerFactory.getLogger(PciProbe.class);

    /** One added function. */
    private static final class Entry {
        final PciDeviceImpl pdev;
        volatile Device device;
        /** The VFs of a PF that are on the bus now. Guarded by the bus's lock. */
        final List<PciFunction> vfs = new ArrayList<>();

        Entry(PciDeviceImpl pdev) {
            this.pdev = pdev;
        }
    }

    private final BusRegistration bus;
    private final Object lock = new Object();
    /** Added functions, keyed by the backend's function object. Guarded by lock. */
    private final Map<PciFunction, Entry> entries = new IdentityHashMap<>();
    /** Listeners registered on bridges. Guarded by lock. */
    private final Map<HostBridge, HostBridgeListener> listeners = new IdentityHashMap<>();
    private volatile boolean closed;

    /** @param bus the PCI bus's registration with the core, where devices are added */
    PciProbe(BusRegistration bus) {
        this.bus = bus;
    }

    // ---- host bridges --------------------------------------------------------------------------

    /** A backend's bridge arrived: its functions become devices, PFs before their VFs. Ignored once closed. */
    void addBridge(HostBridge bridge) {
        if (closed) {
            return;
        }
        HostBridgeListener l = new HostBridgeListener() {
            @Override
            public void functionAdded(PciFunction function) {
                addFunction(function);
            }

            @Override
            public void functionRemoving(PciFunction function) {
                // an orderly removal: drivers unbind now, while the function still works
                removeFunction(function);
            }

            @Override
            public void functionRemoved(PciFunction function) {
                removeFunction(function);
            }
        };
        synchronized (lock) {
            if (listeners.containsKey(bridge)) {
                return;
            }
            listeners.put(bridge, l);
        }
        bridge.addListener(l);
        List<PciFunction> functions = new ArrayList<>(bridge.functions());
        functions.sort(Comparator.comparing((PciFunction f) -> f.physfn().isPresent()));
        LOG.info("pci: host bridge {} ({}) with {} functions", bridge.name(), bridge.backend(), functions.size());
        for (PciFunction f : functions) {
            addFunction(f);
        }
    }

    /** pci_remove_root_bus: a bridge went away; its devices are removed, VFs first, newest first. */
    void removeBridge(HostBridge bridge) {
        HostBridgeListener l;
        List<PciFunction> gone = new ArrayList<>();
        synchronized (lock) {
            l = listeners.remove(bridge);
            for (PciFunction f : entries.keySet()) {
                if (f.bridge() == bridge) {
                    gone.add(f);
                }
            }
        }
        if (l != null) {
            try {
                bridge.removeListener(l);
            } catch (RuntimeException e) {
                LOG.debug("pci: removing the listener of bridge {} failed: {}", bridge.name(), e.toString());
            }
        }
        gone.sort(Comparator.comparing((PciFunction f) -> f.physfn().isEmpty())
                .thenComparing(PciFunction::address, PciBusImpl.ADDRESS_ORDER.reversed()));
        for (PciFunction f : gone) {
            removeFunction(f);
        }
        LOG.info("pci: host bridge {} gone, {} devices removed", bridge.name(), gone.size());
    }

    /** Stops taking functions and removes every bridge's devices. */
    void close() {
        closed = true;
        List<HostBridge> bridges;
        synchronized (lock) {
            bridges = new ArrayList<>(listeners.keySet());
        }
        for (HostBridge b : bridges) {
            removeBridge(b);
        }
    }

    // ---- functions -----------------------------------------------------------------------------

    /** pci_device_add: a function becomes a device (its PF first, for a VF); a function already added is ignored. */
    void addFunction(PciFunction f) {
        if (closed) {
            return;
        }
        Device parent = null;
        Optional<PciFunction> pf = f.physfn();
        if (pf.isPresent()) {
            addFunction(pf.get());
            Entry pe;
            synchronized (lock) {
                pe = entries.get(pf.get());
            }
            parent = pe == null ? null : pe.device;
        }
        PciDeviceImpl pdev;
        try {
            pdev = new PciDeviceImpl(f, setupDevice(f), this);
        } catch (DriverException e) {
            LOG.warn("pci: function {} not added: {}", f.address(), e.getMessage());
            return;
        }
        Entry entry = new Entry(pdev);
        synchronized (lock) {
            if (entries.containsKey(f)) {
                return;
            }
            entries.put(f, entry);
            pf.map(entries::get).ifPresent(pe -> pe.vfs.add(f));
        }
        try {
            // the device's name is pci_name(): the address's text
            Device d = bus.addDevice(pdev.address().toString(), parent, pdev);
            pdev.attach(d);
            entry.device = d;
            LOG.debug("pci {}: added {}", pdev.address(), pdev.ids());
        } catch (RuntimeException e) {
            synchronized (lock) {
                if (entries.remove(f, entry)) {
                    pf.map(entries::get).ifPresent(pe -> pe.vfs.remove(f));
                }
            }
            LOG.warn("pci: function {} not added: {}", f.address(), e.getMessage());
        }
    }

    /**
     * pci_setup_device: the identity of a new function, from its config space (a VF's vendor and
     * device as {@link PciIov#virtfnIds} gives them).
     *
     * @throws DriverException with the backend's errno if config space cannot be read
     */
    static PciIds setupDevice(PciFunction f) {
        try {
            int vendor = f.readConfig(PciRegs.PCI_VENDOR_ID, PciDeviceImpl.WORD);
            int device = f.readConfig(PciRegs.PCI_DEVICE_ID, PciDeviceImpl.WORD);
            int classRev = f.readConfig(PciRegs.PCI_REVISION_ID, PciDeviceImpl.DWORD);
            int type = f.readConfig(PciRegs.PCI_HEADER_TYPE, PciDeviceImpl.BYTE) & PciRegs.PCI_HEADER_TYPE_MASK;
            int subVendor = 0;
            int subDevice = 0;
            // the subsystem ids sit where the header type puts them
            if (type == PciRegs.PCI_HEADER_TYPE_NORMAL) {
                subVendor = f.readConfig(PciRegs.PCI_SUBSYSTEM_VENDOR_ID, PciDeviceImpl.WORD);
                subDevice = f.readConfig(PciRegs.PCI_SUBSYSTEM_ID, PciDeviceImpl.WORD);
            } else if (type == PciRegs.PCI_HEADER_TYPE_CARDBUS) {
                subVendor = f.readConfig(PciRegs.PCI_CB_SUBSYSTEM_VENDOR_ID, PciDeviceImpl.WORD);
                subDevice = f.readConfig(PciRegs.PCI_CB_SUBSYSTEM_ID, PciDeviceImpl.WORD);
            }
            PciIds ids = new PciIds(vendor, device, subVendor, subDevice, classRev >>> Byte.SIZE,
                    classRev & PciRegs.PCI_BYTE_MASK);
            Optional<PciFunction> pf = f.physfn();
            return pf.isPresent() ? PciIov.virtfnIds(pf.get(), ids) : ids;
        } catch (HwException e) {
            throw Hw.translate(e, "reading the identity of " + f.address());
        }
    }

    /** pci_stop_and_remove_bus_device: its VFs first (newest first), then the device (drivers unbind). */
    @Override
    public void removeFunction(PciFunction f) {
        Entry e;
        List<PciFunction> children;
        synchronized (lock) {
            e = entries.remove(f);
            if (e == null) {
                return;
            }
            f.physfn().map(entries::get).ifPresent(pe -> pe.vfs.remove(f));
            children = new ArrayList<>(e.vfs);
        }
        children.sort(Comparator.comparing(PciFunction::address, PciBusImpl.ADDRESS_ORDER.reversed()));
        for (PciFunction c : children) {
            removeFunction(c);
        }
        Device d = e.device;
        if (d != null) {
            bus.removeDevice(d);
            LOG.debug("pci {}: removed", e.pdev.address());
        }
    }

    @Override
    public Optional<PciDeviceImpl> lookup(PciFunction function) {
        synchronized (lock) {
            Entry e = entries.get(function);
            return e == null ? Optional.empty() : Optional.of(e.pdev);
        }
    }
}
