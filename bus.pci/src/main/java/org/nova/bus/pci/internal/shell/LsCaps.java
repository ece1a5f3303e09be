package org.nova.bus.pci.internal.shell;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.hw.pci.PciRegs;

/**
 * The capability lines of {@code lspci -v} and {@code -vv}: pciutils' ls-caps.c ({@code show_caps}
 * and the first line of each capability), then ls-ecaps.c's ({@link LsEcaps}) when a PCI Express
 * or PCI-X capability says extended config space exists. At verbosity 2 the detail lines of Power
 * Management, MSI, MSI-X, the VirtIO structures and SATA follow as ls-caps.c prints them; the
 * other capabilities (PCI Express, PCI-X, HyperTransport, and the extended ones but ARI and ACS)
 * still print their first line only, where pciutils decodes more.
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
    /** struct virtio_pci_cap: the BAR byte, the offset and the length dwords (include/uapi/linux/virtio_pci.h). */
    private static final int VIRTIO_BAR = 4;
    private static final int VIRTIO_OFFSET = 8;
    private static final int VIRTIO_LENGTH = 12;
    /** struct virtio_pci_notify_cap: the notify_off_multiplier dword after struct virtio_pci_cap, 20 bytes in all. */
    private static final int VIRTIO_NOTIFY_MULTIPLIER = 16;
    private static final int VIRTIO_NOTIFY_CAP_LEN = 20;
    /** Auxiliary current in mA by the PM capability's Aux_Current field (PCI PM spec 1.2 3.2.3; ls-caps.c cap_pm). */
    private static final int[] PM_AUX_CURRENT_MA = {0, 55, 100, 160, 220, 270, 320, 375};
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
                    case PciRegs.PCI_CAP_ID_PM -> pm(sb, d, where, cap, o.verbose());
                    case PciRegs.PCI_CAP_ID_VPD -> sb.append("Vital Product Data\n");
                    case PciRegs.PCI_CAP_ID_MSI -> msi(sb, d, where, cap, o.verbose());
                    case PciRegs.PCI_CAP_ID_PCIX -> {
                        int ht = d.configByte(PciRegs.PCI_HEADER_TYPE) & PciRegs.PCI_HEADER_TYPE_MASK;
                        if (ht == PciRegs.PCI_HEADER_TYPE_NORMAL) {
                            sb.append("PCI-X non-bridge device\n");
                        } else if (ht == PciRegs.PCI_HEADER_TYPE_BRIDGE) {
                            sb.append("PCI-X bridge device\n");
                        }
                        ext = true;
                    }
                    case PciRegs.PCI_CAP_ID_VNDR -> vendor(sb, d, where, o.verbose());
                    case PciRegs.PCI_CAP_ID_HT -> sb.append("HyperTransport\n");
                    case PciRegs.PCI_CAP_ID_SLOTID -> sb.append(String.format("Slot ID: %d slots, First%c, chassis %02x\n",
                            d.configByte(where + PciRegs.PCI_SID_ESR) & PciRegs.PCI_SID_ESR_NSLOTS,
                            flag(d.configByte(where + PciRegs.PCI_SID_ESR), PciRegs.PCI_SID_ESR_FIC),
                            d.configByte(where + PciRegs.PCI_SID_CHASSIS_NR)));
                    case PciRegs.PCI_CAP_ID_SHPC -> sb.append("Hot-plug capable\n");
                    case PciRegs.PCI_CAP_ID_SATA -> sata(sb, d, where, o.verbose());
                    case PciRegs.PCI_CAP_ID_SSVID -> sb.append("Subsystem: ").append(names.subsystemName(o.numeric(),
                            d.ids().vendor(), d.ids().device(), d.configWord(where + PciRegs.PCI_SSVID_VENDOR),
                            d.configWord(where + PciRegs.PCI_SSVID_DEVICE))).append('\n');
                    case PciRegs.PCI_CAP_ID_EXP -> {
                        express(sb, cap, o.verbose());
                        ext = true;
                    }
                    case PciRegs.PCI_CAP_ID_MSIX -> {
                        sb.append(String.format("MSI-X: Enable%c Count=%d Masked%c\n",
                                flag(cap, PciRegs.PCI_MSIX_FLAGS_ENABLE), (cap & PciRegs.PCI_MSIX_FLAGS_QSIZE) + MSIX_SIZE_BIAS,
                                flag(cap, PciRegs.PCI_MSIX_FLAGS_MASKALL)));
                        if (o.verbose() > 1) {
                            int table = d.configDword(where + PciRegs.PCI_MSIX_TABLE);
                            int pba = d.configDword(where + PciRegs.PCI_MSIX_PBA);
                            sb.append(String.format("\t\tVector table: BAR=%d offset=%08x\n\t\tPBA: BAR=%d offset=%08x\n",
                                    table & PciRegs.PCI_MSIX_BIR, table & PciRegs.PCI_MSIX_OFFSET,
                                    pba & PciRegs.PCI_MSIX_BIR, pba & PciRegs.PCI_MSIX_OFFSET));
                        }
                    }
                    case PciRegs.PCI_CAP_ID_AF -> sb.append("PCI Advanced Features\n");
                    default -> sb.append(String.format("#%02x [%04x]\n", id, cap));
                }
                where = next;
            }
        }
        if (ext && d.config().length > PciRegs.PCI_CFG_SPACE_SIZE) {
            LsEcaps.extCaps(sb, d, o.verbose());
        }
    }

    /** show_vendor_caps (ls-caps-vendor.c): virtio's structures (and at verbosity 2 where they are), else the length. */
    private static void vendor(StringBuilder sb, PciDeviceInfo d, int where, int verbose) {
        sb.append("Vendor Specific Information: ");
        int len = d.configByte(where + VNDR_LEN_OFFSET);
        int device = d.configWord(PciRegs.PCI_DEVICE_ID);
        if (d.configWord(PciRegs.PCI_VENDOR_ID) == VIRTIO_VENDOR && device >= VIRTIO_FIRST_DEVICE
                && device <= VIRTIO_LAST_DEVICE && len >= VIRTIO_CAP_MIN_LEN) {
            int type = d.configByte(where + VIRTIO_CFG_TYPE);
            sb.append("VirtIO: ").append(switch (type) {
                case VIRTIO_PCI_CAP_COMMON_CFG -> "CommonCfg";
                case VIRTIO_PCI_CAP_NOTIFY_CFG -> "Notify";
                case VIRTIO_PCI_CAP_ISR_CFG -> "ISR";
                case VIRTIO_PCI_CAP_DEVICE_CFG -> "DeviceCfg";
                case VIRTIO_PCI_CAP_SHARED_MEMORY_CFG -> "SharedMemory";
                default -> "<unknown>";
            }).append('\n');
            if (verbose > 1 && type != VIRTIO_PCI_CAP_SHARED_MEMORY_CFG) {
                sb.append(String.format("\t\tBAR=%d offset=%08x size=%08x", d.configByte(where + VIRTIO_BAR),
                        d.configDword(where + VIRTIO_OFFSET), d.configDword(where + VIRTIO_LENGTH)));
                if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && len >= VIRTIO_NOTIFY_CAP_LEN) {
                    sb.append(String.format(" multiplier=%08x", d.configDword(where + VIRTIO_NOTIFY_MULTIPLIER)));
                }
                sb.append('\n');
            }
            return;
        }
        sb.append(String.format("Len=%02x <?>\n", len));
    }

    /** cap_pm: the version, and at verbosity 2 the capabilities and the control/status register. */
    private static void pm(StringBuilder sb, PciDeviceInfo d, int where, int cap, int verbose) {
        sb.append("Power Management version ").append(cap & PciRegs.PCI_PM_CAP_VER_MASK).append('\n');
        if (verbose < 2) {
            return;
        }
        sb.append(String.format("\t\tFlags: PMEClk%c DSI%c D1%c D2%c AuxCurrent=%dmA PME(D0%c,D1%c,D2%c,D3hot%c,D3cold%c)\n",
                flag(cap, PciRegs.PCI_PM_CAP_PME_CLOCK), flag(cap, PciRegs.PCI_PM_CAP_DSI),
                flag(cap, PciRegs.PCI_PM_CAP_D1), flag(cap, PciRegs.PCI_PM_CAP_D2),
                PM_AUX_CURRENT_MA[(cap & PciRegs.PCI_PM_CAP_AUX_POWER) >> PciRegs.PCI_PM_CAP_AUX_POWER_SHIFT],
                flag(cap, PciRegs.PCI_PM_CAP_PME_D0), flag(cap, PciRegs.PCI_PM_CAP_PME_D1),
                flag(cap, PciRegs.PCI_PM_CAP_PME_D2), flag(cap, PciRegs.PCI_PM_CAP_PME_D3HOT),
                flag(cap, PciRegs.PCI_PM_CAP_PME_D3COLD)));
        int t = d.configWord(where + PciRegs.PCI_PM_CTRL);
        sb.append(String.format("\t\tStatus: D%d NoSoftRst%c PME-Enable%c DSel=%d DScale=%d PME%c\n",
                t & PciRegs.PCI_PM_CTRL_STATE_MASK, flag(t, PciRegs.PCI_PM_CTRL_NO_SOFT_RESET),
                flag(t, PciRegs.PCI_PM_CTRL_PME_ENABLE),
                (t & PciRegs.PCI_PM_CTRL_DATA_SEL_MASK) >> PciRegs.PCI_PM_CTRL_DATA_SEL_SHIFT,
                (t & PciRegs.PCI_PM_CTRL_DATA_SCALE_MASK) >> PciRegs.PCI_PM_CTRL_DATA_SCALE_SHIFT,
                flag(t, PciRegs.PCI_PM_CTRL_PME_STATUS)));
        if (d.configByte(where + PciRegs.PCI_PM_PPB_EXTENSIONS) != 0) {
            // pciutils tests the control/status word here, not the extensions byte; kept as it prints
            sb.append(String.format("\t\tBridge: PM%c B3%c\n", flag(t, PciRegs.PCI_PM_BPCC_ENABLE),
                    flag(~t, PciRegs.PCI_PM_PPB_B2_B3)));
        }
    }

    /** cap_msi: enable, vectors, mask and width, and at verbosity 2 the message and the mask/pending bits. */
    private static void msi(StringBuilder sb, PciDeviceInfo d, int where, int cap, int verbose) {
        sb.append(String.format("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n",
                flag(cap, PciRegs.PCI_MSI_FLAGS_ENABLE),
                1 << ((cap & PciRegs.PCI_MSI_FLAGS_QSIZE) >> PciRegs.PCI_MSI_FLAGS_QSIZE_SHIFT),
                1 << ((cap & PciRegs.PCI_MSI_FLAGS_QMASK) >> PciRegs.PCI_MSI_FLAGS_QMASK_SHIFT),
                flag(cap, PciRegs.PCI_MSI_FLAGS_MASKBIT), flag(cap, PciRegs.PCI_MSI_FLAGS_64BIT)));
        if (verbose < 2) {
            return;
        }
        boolean is64 = (cap & PciRegs.PCI_MSI_FLAGS_64BIT) != 0;
        sb.append("\t\tAddress: ");
        if (is64) {
            sb.append(String.format("%08x", d.configDword(where + PciRegs.PCI_MSI_ADDRESS_HI)));
        }
        sb.append(String.format("%08x  Data: %04x\n", d.configDword(where + PciRegs.PCI_MSI_ADDRESS_LO),
                d.configWord(where + (is64 ? PciRegs.PCI_MSI_DATA_64 : PciRegs.PCI_MSI_DATA_32))));
        if ((cap & PciRegs.PCI_MSI_FLAGS_MASKBIT) != 0) {
            sb.append(String.format("\t\tMasking: %08x  Pending: %08x\n",
                    d.configDword(where + (is64 ? PciRegs.PCI_MSI_MASK_64 : PciRegs.PCI_MSI_MASK_32)),
                    d.configDword(where + (is64 ? PciRegs.PCI_MSI_PENDING_64 : PciRegs.PCI_MSI_PENDING_32))));
        }
    }

    /** cap_sata_hba: the revision, and at verbosity 2 where the index/data pair is. */
    private static void sata(StringBuilder sb, PciDeviceInfo d, int where, int verbose) {
        int rev = d.configByte(where + PciRegs.PCI_CAP_FLAGS);
        sb.append(String.format("SATA HBA v%d.%d", rev >> PciRegs.PCI_SATA_REV_MAJOR_SHIFT & PciRegs.PCI_SATA_REV_MASK,
                rev & PciRegs.PCI_SATA_REV_MASK));
        if (verbose < 2) {
            sb.append('\n');
            return;
        }
        int bars = d.configDword(where + PciRegs.PCI_SATA_HBA_BARS);
        int bar = bars & PciRegs.PCI_SATA_BARLOC_MASK;
        if (bar >= PciRegs.PCI_SATA_BARLOC_BAR0 && bar <= PciRegs.PCI_SATA_BARLOC_BAR5) {
            sb.append(String.format(" BAR%d Offset=%08x\n", bar - PciRegs.PCI_SATA_BARLOC_BAR0,
                    bars >>> PciRegs.PCI_SATA_BAROFST_SHIFT & PciRegs.PCI_SATA_BAROFST_MASK));
        } else if (bar == PciRegs.PCI_SATA_BARLOC_CONFIG) {
            sb.append(" InCfgSpace\n");
        } else {
            sb.append(" BAR??").append(bar).append('\n');
        }
    }

    /** cap_express, the first line only (with the capability's version at verbosity 2). */
    private static void express(StringBuilder sb, int cap, int verbose) {
        int type = (cap & PciRegs.PCI_EXP_FLAGS_TYPE) >> PciRegs.PCI_EXP_FLAGS_TYPE_SHIFT;
        sb.append("Express ");
        if (verbose > 1) {
            sb.append("(v").append(cap & PciRegs.PCI_EXP_FLAGS_VERS).append(") ");
        }
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
