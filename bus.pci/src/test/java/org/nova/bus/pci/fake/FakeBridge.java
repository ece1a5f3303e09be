package org.nova.bus.pci.fake;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;

/** A test-only host bridge. */
public final class FakeBridge implements HostBridge {
    private final String name;
    private final int domain;
    private final List<FakeFunction> functions = new CopyOnWriteArrayList<>();
    private final List<HostBridgeListener> listeners = new CopyOnWriteArrayList<>();

    public FakeBridge(String name, int domain) {
        this.name = name;
        this.domain = domain;
    }

    /** A new function at bus 0, the given device and function, before any listener knows it. */
    public FakeFunction function(int dev, int fn, int configSize) {
        FakeFunction f = new FakeFunction(this, new PciAddress(domain, 0, dev, fn), configSize);
        functions.add(f);
        return f;
    }

    /** Hot add. */
    public void add(FakeFunction f) {
        if (!functions.contains(f)) {
            functions.add(f);
        }
        listeners.forEach(l -> l.functionAdded(f));
    }

    /** Hot remove: the function is gone, then listeners hear of it. */
    public void remove(FakeFunction f) {
        functions.remove(f);
        f.kill();
        listeners.forEach(l -> l.functionRemoved(f));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backend() {
        return "fake";
    }

    @Override
    public int domain() {
        return domain;
    }

    @Override
    public List<PciFunction> functions() {
        return new ArrayList<>(functions);
    }

    @Override
    public Optional<PciFunction> function(PciAddress address) {
        return functions.stream().filter(f -> f.address().equals(address)).map(f -> (PciFunction) f).findFirst();
    }

    @Override
    public void addListener(HostBridgeListener listener) {
        if (!listeners.contains(listener)) {
            listeners.add(listener);
        }
    }

    @Override
    public void removeListener(HostBridgeListener listener) {
        listeners.remove(listener);
    }

    public int listenerCount() {
        return listeners.size();
    }
}
