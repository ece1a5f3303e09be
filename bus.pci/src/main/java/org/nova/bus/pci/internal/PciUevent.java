package org.nova.bus.pci.internal;

import java.util.Map;

import org.nova.bus.pci.PciAlias;
import org.nova.bus.pci.PciIds;
import org.nova.driver.Uevent;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/** The PCI bus's uevent variables (drivers/pci/pci-driver.c {@code pci_uevent}); MODALIAS is {@link PciAlias}'s. */
public final class PciUevent {
    private PciUevent() {
    }

    /** Adds PCI_CLASS, PCI_ID, PCI_SUBSYS_ID, PCI_SLOT_NAME and MODALIAS to env. */
    public static void fill(PciIds ids, PciAddress address, Map<String, String> env) {
        env.put("PCI_CLASS", String.format("%04X", ids.classCode() & PciRegs.PCI_CLASS_MASK_24));
        env.put("PCI_ID", String.format("%04X:%04X", ids.vendor(), ids.device()));
        env.put("PCI_SUBSYS_ID", String.format("%04X:%04X", ids.subsystemVendor(), ids.subsystemDevice()));
        env.put("PCI_SLOT_NAME", address.toString());
        env.put(Uevent.MODALIAS, PciAlias.modalias(ids));
    }
}
