package org.nova.hw;

import org.nova.hw.pci.PciAddress;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A PCI host bridge of a backend: one PCI domain with the functions behind it.
 *
 * <p>Backends register each bridge as an OSGi service under this interface with the service
 * properties {@value #PROP_BACKEND} (for example "sim" or "vfio") and {@value #PROP_BRIDGE} (the
 * bridge's {@link #name()}). When the service is unregistered, the consumer must treat every
 * function of the bridge as removed; the backend does not call the listeners for them.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
@ProviderType
public interface HostBridge {

    /** Service property: the backend that owns the bridge, e.g. "sim". */
    String PROP_BACKEND = "nova.backend";
    /** Service property: the bridge name, e.g. "sim0"; equals {@link #name()}. */
    String PROP_BRIDGE = "nova.bridge";
    /** Service property: the bridge's PCI domain, an Integer; equals {@link #domain()}. */
    String PROP_DOMAIN = "nova.domain";

    /** @return the bridge name, unique within its backend, e.g. "sim0" */
    String name();

    /** @return the backend name, e.g. "sim" */
    String backend();

    /** @return the PCI domain (segment) of every function behind this bridge */
    int domain();

    /**
     * @return a snapshot of the functions present now, in address order; later hot add or
     *         remove does not change the returned list
     */
    List<PciFunction> functions();

    /**
     * @param address a function address
     * @return the function present at that address, if any
     */
    Optional<PciFunction> function(PciAddress address);

    /**
     * Registers a listener for hot add and hot remove (including SR-IOV virtual functions).
     * Existing functions are not replayed: register first, then take {@link #functions()}; a
     * function added in between is then seen twice (the same object), so consumers key on the
     * function object or its address. Events are delivered in order, one at a time, on the
     * thread that changed the topology; a listener must not block waiting for another thread
     * that changes this bridge's topology.
     *
     * @param listener the listener; registering the same listener twice has no effect
     */
    void addListener(HostBridgeListener listener);

    /** @param listener a registered listener; unknown listeners are ignored */
    void removeListener(HostBridgeListener listener);
}
