package org.nova.hw;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Hot-plug events of a {@link HostBridge}. Implemented by consumers (the PCI bus).
 */
@ConsumerType
public interface HostBridgeListener {

    /**
     * A function appeared (hot add, or an SR-IOV virtual function was enabled).
     *
     * @param function the new function, already present
     */
    void functionAdded(PciFunction function);

    /**
     * An orderly removal of a function begins (a hot-plug slot's attention button, a bridge
     * taken away on purpose): the function is still present and works, so the consumer stops
     * and removes what it built on it now, as the kernel's pci_stop_and_remove_bus_device
     * (drivers/pci/remove.c) unbinds drivers while the hardware can still be reached. When this
     * returns the backend takes the function (and a PF's virtual functions) down and calls
     * {@link #functionRemoved}. Not called for a surprise removal, where the function is gone
     * before anyone is told.
     *
     * @param function the function about to be removed, still present
     */
    default void functionRemoving(PciFunction function) {
    }

    /**
     * A function disappeared (hot remove, after {@link #functionRemoving} unless it was a surprise
     * removal; or SR-IOV virtual functions were disabled). When this is called the function is
     * already gone: {@link PciFunction#isPresent()} is false and every
     * access fails with ENODEV. Resources the consumer allocated (mappings, DMA buffers, IRQ sets)
     * stay the consumer's to close; closing them still works.
     *
     * @param function the removed function
     */
    void functionRemoved(PciFunction function);
}
