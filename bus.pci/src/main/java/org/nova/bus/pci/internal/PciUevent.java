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

    /** Digits of pci_uevent's {@code %04X} fields (PCI_CLASS, PCI_ID, PCI_SUBSYS_ID). */
    private static final int DIGITS = 4;

    /**
     * Adds PCI_CLASS, PCI_ID, PCI_SUBSYS_ID, PCI_SLOT_NAME and MODALIAS to env.
     *
     * @param slotName the device's name, pci_name(): the address's text
     */
    public static void fill(PciIds ids, String slotName, Map<String, String> env) {
        StringBuilder sb = new StringBuilder(DIGITS * 2 + 1);
        env.put("PCI_CLASS", UpperHex.append(sb, ids.classCode() & PciRegs.PCI_CLASS_MASK_24, DIGITS).toString());
        sb.setLength(0);
        env.put("PCI_ID", pair(sb, ids.vendor(), ids.device()));
        sb.setLength(0);
        env.put("PCI_SUBSYS_ID", pair(sb, ids.subsystemVendor(), ids.subsystemDevice()));
        env.put("PCI_SLOT_NAME", slotName);
        env.put(Uevent.MODALIAS, PciAlias.modalias(ids));
    }

    /** {@link #fill(PciIds, String, Map)} with the slot name of {@code address}. */
    public static void fill(PciIds ids, PciAddress address, Map<String, String> env) {
        fill(ids, address.toString(), env);
    }

    /** @return {@code %04X:%04X} of the two */
    private static String pair(StringBuilder sb, int first, int second) {
        UpperHex.append(sb, first, DIGITS).append(':');
        return UpperHex.append(sb, second, DIGITS).toString();
    }
}
