package org.nova.bus.pci.internal.shell;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.hw.pci.PciRegs;

/**
 * The capability lines of {@code lspci -v}: pciutils' ls-caps.c ({@code show_caps} and the first
 * line of each capability at verbosity 1), then ls-ecaps.c's ({@link LsEcaps}) when a PCI Express
 * or PCI-X capability says extended config space exists.
 */
final class LsCaps {
    /** MSI-X table size is encoded minus one (PCI_MSIX_FLAGS_QSIZE). */
    private static final int MSIX_SIZE_BIAS = 1;
    /** Vendor-specific capability: its length byte follows the next pointer (ls-caps-vendor.c). */
    private static final int VNDR_LEN_OFFSET = 2;
    /** Red Hat's vendor ID, the vendor of virtio devices (virtio spec 4.1.2, PCI_VENDOR_ID_REDHAT_QUMRANET). */
    private static final int VIRTIO_VENDOR = 0x1af4;
    /** The device IDs of virtio devices: 0x1000..0x107f (virtio spec 4.1.2; ls-caps-vendor.c). */
    private static final int VIRTIO_FIRST_DEVICE = 0x1000;
    private static final int VIRTIO_LAST_DEVICE = 0x107f;
    /** A virtio capability's cfg_type byte (struct virtio_pci_cap, include/uapi/linux/virtio_pci.h). */
    private static final int VIRTIO_CFG_TYPE = 3;
    /** The shortest virtio capability: struct virtio_pci_cap is 16 bytes. */
    private static final int VIRTIO_CAP_MIN_LEN = 16;
    /** virtio cfg_type values (VIRTIO_PCI_CAP_COMMON_CFG, _NOTIFY_CFG, _ISR_CFG, _DEVICE_CFG, _SHARED_MEMORY_CFG). */
    private static final int VIRTIO_PCI_CAP_COMMON_CFG = 1;
    private static final int VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
    private static final int VIRTIO_PCI_CAP_ISR_CFG = 3;
    private static final int VIRTIO_PCI_CAP_DEVICE_CFG = 4;
    private static final int VIRTIO_PCI_CAP_SHARED_MEMORY_CFG = 8;

    private LsCaps() {
    }

    /** pciutils' FLAG(): '+' when the bit is set, '-' otherwise. */
    private static char flag(int value, int bit) {
        return (value & bit) != 0 ? '+' : '-';
    }

    /**
     * lib/caps.c's search of the capability list (pci_find_cap): the first capability with the ID.
     *
     * @return its offset, 0 if the list has none (or loops)
     */
    static int find(PciDeviceInfo d, int id) {
        if ((d.configWord(PciRegs.PCI_STATUS) & PciRegs.PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        boolean[] seen = new boolean[PciRegs.PCI_CFG_SPACE_SIZE];
        int where = d.configByte(PciRegs.PCI_CAPABILITY_LIST) & PciRegs.PCI_CAP_POINTER_MASK;
        while (where != 0 && !seen[where]) {
            seen[where] = true;
            int capId = d.configByte(where + PciRegs.PCI_CAP_LIST_ID);
            if (capId == PciRegs.PCI_CAP_ID_BROKEN) {
                return 0;
            }
            if (capId == id) {
                return where;
            }
            where = d.configByte(where + PciRegs.PCI_CAP_LIST_NEXT) & PciRegs.PCI_CAP_POINTER_MASK;
        }
        return 0;
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
                    case PciRegs.PCI_CAP_ID_VNDR -> vendor(sb, d, where);
                    case PciRegs.PCI_CAP_ID_HT -> sb.append("HyperTransport\n");
                    case PciRegs.PCI_CAP_ID_SLOTID -> sb.append(String.format("Slot ID: %d slots, First%c, chassis %02x\n",
                            d.configByte(where + PciRegs.PCI_SID_ESR) & PciRegs.PCI_SID_ESR_NSLOTS,
                            flag(d.configByte(where + PciRegs.PCI_SID_ESR), PciRegs.PCI_SID_ESR_FIC),
                            d.configByte(where + PciRegs.PCI_SID_CHASSIS_NR)));
                    case PciRegs.PCI_CAP_ID_SHPC -> sb.append("Hot-plug capable\n");
                    case PciRegs.PCI_CAP_ID_SATA -> {
                        int rev = d.configByte(where + PciRegs.PCI_CAP_FLAGS);
                        sb.append(String.format("SATA HBA v%d.%d\n", rev >> PciRegs.PCI_SATA_REV_MAJOR_SHIFT
                                & PciRegs.PCI_SATA_REV_MASK, rev & PciRegs.PCI_SATA_REV_MASK));
                    }
                    case PciRegs.PCI_CAP_ID_SSVID -> sb.append("Subsystem: ").append(names.subsystemName(o.numeric(),
                            d.ids().vendor(), d.ids().device(), d.configWord(where + PciRegs.PCI_SSVID_VENDOR),
                            d.configWord(where + PciRegs.PCI_SSVID_DEVICE))).append('\n');
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

    /** show_vendor_caps (ls-caps-vendor.c) at verbosity 1: virtio's structure names, else the length. */
    private static void vendor(StringBuilder sb, PciDeviceInfo d, int where) {
        sb.append("Vendor Specific Information: ");
        int len = d.configByte(where + VNDR_LEN_OFFSET);
        int device = d.configWord(PciRegs.PCI_DEVICE_ID);
        if (d.configWord(PciRegs.PCI_VENDOR_ID) == VIRTIO_VENDOR && device >= VIRTIO_FIRST_DEVICE
                && device <= VIRTIO_LAST_DEVICE && len >= VIRTIO_CAP_MIN_LEN) {
            sb.append("VirtIO: ").append(switch (d.configByte(where + VIRTIO_CFG_TYPE)) {
                case VIRTIO_PCI_CAP_COMMON_CFG -> "CommonCfg";
                case VIRTIO_PCI_CAP_NOTIFY_CFG -> "Notify";
                case VIRTIO_PCI_CAP_ISR_CFG -> "ISR";
                case VIRTIO_PCI_CAP_DEVICE_CFG -> "DeviceCfg";
                case VIRTIO_PCI_CAP_SHARED_MEMORY_CFG -> "SharedMemory";
                default -> "<unknown>";
            }).append('\n');
            return;
        }
        sb.append(String.format("Len=%02x <?>\n", len));
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
