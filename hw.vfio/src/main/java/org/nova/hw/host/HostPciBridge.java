package org.nova.hw.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;

/**
 * The host's PCI functions of one domain, as sysfs listed them when the bridge was built, read
 * only ({@link HostFunction}). The bridge holds no file descriptor or thread; host hot-plug is
 * not followed (a removed function answers ENODEV).
 */
final class HostPciBridge implements HostBridge {
    private final String name;
    private final int domain;
    private final TreeMap<PciAddress, HostFunction> functions = new TreeMap<>(HostSysfs.ORDER);
    private final CopyOnWriteArrayList<HostBridgeListener> listeners = new CopyOnWriteArrayList<>();

    private HostPciBridge(String name, int domain) {
        this.name = name;
        this.domain = domain;
    }

    /** @return the bridge name of a domain: "host" and the domain in hex, e.g. host0000 */
    static String bridgeName(int domain) {
        return String.format("host%04x", domain);
    }

    /**
     * Builds one bridge per PCI domain sysfs lists. A function that vanishes while being read
     * is skipped.
     */
    static List<HostPciBridge> scan(HostSysfs sysfs) {
        TreeMap<Integer, HostPciBridge> byDomain = new TreeMap<>();
        for (PciAddress a : sysfs.functions()) {
            HostPciBridge b = byDomain.computeIfAbsent(a.domain(), d -> new HostPciBridge(bridgeName(d), d));
            try {
                b.functions.put(a, new HostFunction(b, sysfs, a));
            } catch (HwException e) {
                if (!HwException.ENODEV.equals(e.errno())) {
                    throw e;
                }
            }
        }
        return new ArrayList<>(byDomain.values());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backend() {
        return HostBackend.BACKEND;
    }

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public synchronized List<PciFunction> functions() {
        return List.copyOf(functions.values());
    }

    @Override
    public synchronized Optional<PciFunction> function(PciAddress address) {
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

    /** Marks every function gone (the service is already unregistered). */
    synchronized void close() {
        for (HostFunction f : functions.values()) {
            f.markGone();
        }
        functions.clear();
        listeners.clear();
    }

    @Override
    public String toString() {
        return "host bridge " + name;
    }
}
