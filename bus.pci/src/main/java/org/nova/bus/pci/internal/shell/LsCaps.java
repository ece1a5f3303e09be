package org.nova.bus.pci.internal.shell;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.hw.pci.PciRegs;

/**
 * The capability lines of {@code lspci -v}: pciutils' ls-caps.c ({@code show_caps} and the first
 * line of each capability at verbosity 1), then ls-ecaps.c's ({@link LsEcaps}) when a PCI Express
 * or PCI-X capability says extended config space exists.
 */
final class LsCaps {
    /** A word of config space. */
    private static final int WORD = 2;
    /** MSI-X table size is encoded minus one (PCI_MSIX_FLAGS_QSIZE). */
    private static final int MSIX_SIZE_BIAS = 1;
    /** Vendor-specific capability: its length byte follows the next pointer (ls-caps-vendor.c). */
    private static final int VNDR_LEN_OFFSET = 2;

    private LsCaps() {
    }

    /** pciutils' FLAG(): '+' when the bit is set, '-' otherwise. */
    private static char flag(int value, int bit) {
        return (value & bit) != 0 ? '+' : '-';
    }

    /** show_caps, then show_ext_caps when a PCI Express or PCI-X capability was seen. */
    static void caps(StringBuilder sb, PciDeviceInfo d, Lspci.Options o, PciNames names) {
        boolean ext = false;
        if ((d.configWord(PciRegs.PCI_STATUS) & PciRegs.PCI_STATUS_CAP_LIST) != 0) {
            boolean[] seen = new boolean[PciRegs.PCI_CFG_SPACE_SIZE];
            int where = d.configByte(PciRegs.PCI_CAPABILITY_LIST) & PciRegs.PCI_CAP_POINTER_MASK;
            while (where != 0) {
                sb.append("\tCapabilities: ");
                int id = d.configByte(where + PciRegs.PCI_CAP_LIST_ID);
                int next = d.configByte(where + PciRegs.PCI_CAP_LIST_NEXT) & PciRegs.PCI_CAP_POINTER_MASK;
                int cap = d.configWord(where + PciRegs.PCI_CAP_FLAGS);
                sb.append(String.format("[%02x] ", where));
                if (seen[where]) {
                    sb.append("<chain looped>\n");
                    break;
                }
                seen[where] = true;
                if (id == PciRegs.PCI_CAP_ID_BROKEN) {
                    sb.append("<chain broken>\n");
                    break;
                }
                switch (id) {
                    case PciRegs.PCI_CAP_ID_PM -> sb.append("Power Management version ")
                            .append(cap & PciRegs.PCI_PM_CAP_VER_MASK).append('\n');
                    case PciRegs.PCI_CAP_ID_VPD -> sb.append("Vital Product Data\n");
                    case PciRegs.PCI_CAP_ID_MSI -> sb.append(String.format("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n",
                            flag(cap, PciRegs.PCI_MSI_FLAGS_ENABLE),
                            1 << ((cap & PciRegs.PCI_MSI_FLAGS_QSIZE) >> PciRegs.PCI_MSI_FLAGS_QSIZE_SHIFT),
                            1 << ((cap & PciRegs.PCI_MSI_FLAGS_QMASK) >> PciRegs.PCI_MSI_FLAGS_QMASK_SHIFT),
                            flag(cap, PciRegs.PCI_MSI_FLAGS_MASKBIT), flag(cap, PciRegs.PCI_MSI_FLAGS_64BIT)));
                    case PciRegs.PCI_CAP_ID_PCIX -> {
                        int ht = d.configByte(PciRegs.PCI_HEADER_TYPE) & PciRegs.PCI_HEADER_TYPE_MASK;
                        if (ht == PciRegs.PCI_HEADER_TYPE_NORMAL) {
                            sb.append("PCI-X non-bridge device\n");
                        } else if (ht == PciRegs.PCI_HEADER_TYPE_BRIDGE) {
                            sb.append("PCI-X bridge device\n");
                        }
                        ext = true;
                    }
                    case PciRegs.PCI_CAP_ID_VNDR -> sb.append(String.format("Vendor Specific Information: Len=%02x <?>\n",
                            d.configByte(where + VNDR_LEN_OFFSET)));
                    case PciRegs.PCI_CAP_ID_HT -> sb.append("HyperTransport\n");
                    case PciRegs.PCI_CAP_ID_SSVID -> sb.append("Subsystem: ").append(names.subsystemName(o.numeric(),
                            d.ids().vendor(), d.ids().device(), d.configWord(where + PciRegs.PCI_BASE_ADDRESS_STRIDE),
                            d.configWord(where + PciRegs.PCI_BASE_ADDRESS_STRIDE + WORD))).append('\n');
                    case PciRegs.PCI_CAP_ID_EXP -> {
                        express(sb, cap);
                        ext = true;
                    }
                    case PciRegs.PCI_CAP_ID_MSIX -> sb.append(String.format("MSI-X: Enable%c Count=%d Masked%c\n",
                            flag(cap, PciRegs.PCI_MSIX_FLAGS_ENABLE), (cap & PciRegs.PCI_MSIX_FLAGS_QSIZE) + MSIX_SIZE_BIAS,
                            flag(cap, PciRegs.PCI_MSIX_FLAGS_MASKALL)));
                    case PciRegs.PCI_CAP_ID_AF -> sb.append("PCI Advanced Features\n");
                    default -> sb.append(String.format("#%02x [%04x]\n", id, cap));
                }
                where = next;
            }
        }
        if (ext && d.config().length > PciRegs.PCI_CFG_SPACE_SIZE) {
            LsEcaps.extCaps(sb, d);
        }
    }

    /** cap_express, the first line only (verbosity 1). */
    private static void express(StringBuilder sb, int cap) {
        int type = (cap & PciRegs.PCI_EXP_FLAGS_TYPE) >> PciRegs.PCI_EXP_FLAGS_TYPE_SHIFT;
        sb.append("Express ");
        switch (type) {
            case PciRegs.PCI_EXP_TYPE_ENDPOINT -> sb.append("Endpoint");
            case PciRegs.PCI_EXP_TYPE_LEG_END -> sb.append("Legacy Endpoint");
            case PciRegs.PCI_EXP_TYPE_ROOT_PORT -> sb.append("Root Port (Slot").append(flag(cap, PciRegs.PCI_EXP_FLAGS_SLOT))
                    .append(')');
            case PciRegs.PCI_EXP_TYPE_UPSTREAM -> sb.append("Upstream Port");
            case PciRegs.PCI_EXP_TYPE_DOWNSTREAM -> sb.append("Downstream Port (Slot")
                    .append(flag(cap, PciRegs.PCI_EXP_FLAGS_SLOT)).append(')');
            case PciRegs.PCI_EXP_TYPE_PCI_BRIDGE -> sb.append("PCI-Express to PCI/PCI-X Bridge");
            case PciRegs.PCI_EXP_TYPE_PCIE_BRIDGE -> sb.append("PCI/PCI-X to PCI-Express Bridge");
            case PciRegs.PCI_EXP_TYPE_RC_END -> sb.append("Root Complex Integrated Endpoint");
            case PciRegs.PCI_EXP_TYPE_RC_EC -> sb.append("Root Complex Event Collector");
            default -> sb.append("Unknown type ").append(type);
        }
        sb.append(", IntMsgNum ").append((cap & PciRegs.PCI_EXP_FLAGS_IRQ) >> PciRegs.PCI_EXP_FLAGS_IRQ_SHIFT).append('\n');
    }
}
