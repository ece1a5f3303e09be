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
     * The values pci_uevent derives from a function's ids: PCI_CLASS, PCI_ID, PCI_SUBSYS_ID and
     * MODALIAS. A device's ids never change, so a device makes these once
     * ({@link PciDeviceImpl#ueventVars()}) for every uevent it sends (ADD, BIND, UNBIND, REMOVE,
     * CHANGE) instead of formatting four strings for each. Immutable.
     *
     * @param pciClass PCI_CLASS, {@code %06X} of the class code
     * @param pciId PCI_ID, {@code %04X:%04X} of vendor and device
     * @param subsysId PCI_SUBSYS_ID, {@code %04X:%04X} of the subsystem vendor and device
     * @param modalias MODALIAS ({@link PciAlias#modalias})
     */
    public record Vars(String pciClass, String pciId, String subsysId, String modalias) {
        /** @return the values of {@code ids} */
        public static Vars of(PciIds ids) {
            StringBuilder sb = new StringBuilder(DIGITS * 2 + 1);
            String cls = UpperHex.append(sb, ids.classCode() & PciRegs.PCI_CLASS_MASK_24, DIGITS).toString();
            sb.setLength(0);
            String id = pair(sb, ids.vendor(), ids.device());
            sb.setLength(0);
            String subsys = pair(sb, ids.subsystemVendor(), ids.subsystemDevice());
            return new Vars(cls, id, subsys, PciAlias.modalias(ids));
        }
    }

    /**
     * Adds PCI_CLASS, PCI_ID, PCI_SUBSYS_ID, PCI_SLOT_NAME and MODALIAS to env.
     *
     * @param slotName the device's name, pci_name(): the address's text
     */
    public static void fill(PciIds ids, String slotName, Map<String, String> env) {
        fill(Vars.of(ids), slotName, env);
    }

    /**
     * Adds PCI_CLASS, PCI_ID, PCI_SUBSYS_ID, PCI_SLOT_NAME and MODALIAS to env, in that order,
     * from values made before.
     *
     * @param slotName the device's name, pci_name(): the address's text
     */
    public static void fill(Vars vars, String slotName, Map<String, String> env) {
        env.put("PCI_CLASS", vars.pciClass());
        env.put("PCI_ID", vars.pciId());
        env.put("PCI_SUBSYS_ID", vars.subsysId());
        env.put("PCI_SLOT_NAME", slotName);
        env.put(Uevent.MODALIAS, vars.modalias());
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
