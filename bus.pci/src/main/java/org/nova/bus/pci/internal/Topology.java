package org.nova.bus.pci.internal;

import java.util.Optional;

import org.nova.hw.PciFunction;

/** What a {@link PciDeviceImpl} needs of the bus that owns it: the PCI devices of other functions. */
interface Topology {
    /** @return the PCI device of a function, if the bus has added it */
    Optional<PciDeviceImpl> lookup(PciFunction function);

    /** Removes the PCI device of a function from the bus now (its driver unbinds first). */
    void removeFunction(PciFunction function);
}
