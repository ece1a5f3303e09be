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
     * A function disappeared (hot remove, or SR-IOV virtual functions were disabled). When this
     * is called the function is already gone: {@link PciFunction#isPresent()} is false and every
     * access fails with ENODEV. Resources the consumer allocated (mappings, DMA buffers, IRQ sets)
     * stay the consumer's to close; closing them still works.
     *
     * @param function the removed function
     */
    void functionRemoved(PciFunction function);
}
