package org.nova.bus.pci.internal.shell;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.hw.pci.PciRegs;

/**
 * The extended capability lines of {@code lspci -v} and {@code -vv}: pciutils' ls-ecaps.c
 * ({@code show_ext_caps}: the first line of each extended capability, with its version at
 * verbosity 2, and the detail lines of ARI and ACS).
 */
final class LsEcaps {
    /** Extended vendor-specific capability: the VSEC header after the capability header (PCI_VNDR_HEADER). */
    private static final int VNDR_HEADER = 4;
    /** VSEC header: ID bits 15:0, revision bits 19:16, length bits 31:20 (PCI_VNDR_HEADER_*). */
    private static final int VSEC_ID_MASK = 0xffff;
    private static final int VSEC_REV_SHIFT = 16;
    private static final int VSEC_REV_MASK = 0xf;
    private static final int VSEC_LEN_SHIFT = 20;
    private static final int VSEC_LEN_MASK = 0xfff;
    /** Device Serial Number: the two dwords after the header (PCI_DSN, ls-ecaps.c cap_dsn). */
    private static final int DSN_LOW = 4;
    private static final int DSN_HIGH = 8;

    private LsEcaps() {
    }

    /** show_ext_caps: the first line of each, with the capability's version at verbosity 2. */
    static void extCaps(StringBuilder sb, PciDeviceInfo d, int verbose) {
        boolean[] seen = new boolean[PciRegs.PCI_CFG_SPACE_EXP_SIZE];
        int where = PciRegs.PCI_CFG_SPACE_SIZE;
        do {
            int header = d.configDword(where);
            if (header == 0 || header == Lspci.ALL_ONES) {
                break;
            }
            int id = header & PciRegs.PCI_EXT_CAP_ID_MASK;
            sb.append(String.format("\tCapabilities: [%03x", where));
            if (verbose > 1) {
                sb.append(" v").append(header >>> PciRegs.PCI_EXT_CAP_VER_SHIFT & PciRegs.PCI_EXT_CAP_VER_MASK);
            }
            sb.append("] ");
            if (seen[where]) {
                sb.append("<chain looped>\n");
                break;
            }
            seen[where] = true;
            sb.append(extCapName(d, where, id)).append('\n');
            if (verbose > 1) {
                detail(sb, d, where, id);
            }
            where = (header >>> PciRegs.PCI_EXT_CAP_NEXT_SHIFT) & PciRegs.PCI_EXT_CAP_NEXT_MASK;
        } while (where != 0 && where < PciRegs.PCI_CFG_SPACE_EXP_SIZE);
    }

    /**
     * The detail lines ls-ecaps.c prints at verbosity 2, for the capabilities decoded here: ARI
     * (cap_ari) and ACS (cap_acs, without the egress control vector a capability with EgressCtrl+
     * adds). The others print their first line only.
     */
    private static void detail(StringBuilder sb, PciDeviceInfo d, int where, int id) {
        switch (id) {
            case PciRegs.PCI_EXT_CAP_ID_ARI -> {
                int cap = d.configWord(where + PciRegs.PCI_ARI_CAP);
                int ctrl = d.configWord(where + PciRegs.PCI_ARI_CTRL);
                sb.append(String.format("\t\tARICap:\tMFVC%c ACS%c, Next Function: %d\n", flag(cap, PciRegs.PCI_ARI_MFVC),
                        flag(cap, PciRegs.PCI_ARI_ACS), cap >> PciRegs.PCI_ARI_CAP_NFN_SHIFT & PciRegs.PCI_ARI_CAP_NFN_MASK));
                sb.append(String.format("\t\tARICtl:\tMFVC%c ACS%c, Function Group: %d\n", flag(ctrl, PciRegs.PCI_ARI_MFVC),
                        flag(ctrl, PciRegs.PCI_ARI_ACS), ctrl >> PciRegs.PCI_ARI_CTRL_FG_SHIFT & PciRegs.PCI_ARI_CTRL_FG_MASK));
            }
            case PciRegs.PCI_EXT_CAP_ID_ACS -> {
                sb.append("\t\tACSCap:\t").append(acs(d.configWord(where + PciRegs.PCI_ACS_CAP))).append('\n');
                sb.append("\t\tACSCtl:\t").append(acs(d.configWord(where + PciRegs.PCI_ACS_CTRL))).append('\n');
            }
            default -> {
            }
        }
    }

    /** The ACS bits as cap_acs names them, for the capability and the control register alike. */
    private static String acs(int v) {
        return String.format("SrcValid%c TransBlk%c ReqRedir%c CmpltRedir%c UpstreamFwd%c EgressCtrl%c DirectTrans%c",
                flag(v, PciRegs.PCI_ACS_SV), flag(v, PciRegs.PCI_ACS_TB), flag(v, PciRegs.PCI_ACS_RR),
                flag(v, PciRegs.PCI_ACS_CR), flag(v, PciRegs.PCI_ACS_UF), flag(v, PciRegs.PCI_ACS_EC),
                flag(v, PciRegs.PCI_ACS_DT));
    }

    private static char flag(int value, int bit) {
        return Lspci.flag(value, bit);
    }

    /** The first line ls-ecaps.c prints for an extended capability. */
    private static String extCapName(PciDeviceInfo d, int where, int id) {
        return switch (id) {
            case PciRegs.PCI_EXT_CAP_ID_NULL -> "Null";
            case PciRegs.PCI_EXT_CAP_ID_ERR -> "Advanced Error Reporting";
            case PciRegs.PCI_EXT_CAP_ID_VC, PciRegs.PCI_EXT_CAP_ID_VC9 -> "Virtual Channel";
            case PciRegs.PCI_EXT_CAP_ID_DSN -> {
                long dsn = Integer.toUnsignedLong(d.configDword(where + DSN_HIGH)) << Integer.SIZE
                        | Integer.toUnsignedLong(d.configDword(where + DSN_LOW));
                StringBuilder s = new StringBuilder("Device Serial Number ");
                for (int b = Long.BYTES - 1; b >= 0; b--) {
                    s.append(String.format("%02x", (dsn >>> (b * Byte.SIZE)) & PciRegs.PCI_BYTE_MASK));
                    if (b > 0) {
                        s.append('-');
                    }
                }
                yield s.toString();
            }
            case PciRegs.PCI_EXT_CAP_ID_PWR -> "Power Budgeting <?>";
            case PciRegs.PCI_EXT_CAP_ID_VNDR -> {
                int h = d.configDword(where + VNDR_HEADER);
                yield String.format("Vendor Specific Information: ID=%04x Rev=%d Len=%03x <?>", h & VSEC_ID_MASK,
                        h >>> VSEC_REV_SHIFT & VSEC_REV_MASK, h >>> VSEC_LEN_SHIFT & VSEC_LEN_MASK);
            }
            case PciRegs.PCI_EXT_CAP_ID_ACS -> "Access Control Services";
            case PciRegs.PCI_EXT_CAP_ID_ARI -> "Alternative Routing-ID Interpretation (ARI)";
            case PciRegs.PCI_EXT_CAP_ID_ATS -> "Address Translation Service (ATS)";
            case PciRegs.PCI_EXT_CAP_ID_SRIOV -> "Single Root I/O Virtualization (SR-IOV)";
            case PciRegs.PCI_EXT_CAP_ID_MCAST -> "Multicast";
            case PciRegs.PCI_EXT_CAP_ID_PRI -> "Page Request Interface (PRI)";
            case PciRegs.PCI_EXT_CAP_ID_REBAR -> "Physical Resizable BAR";
            case PciRegs.PCI_EXT_CAP_ID_TPH -> "Transaction Processing Hints";
            case PciRegs.PCI_EXT_CAP_ID_LTR -> "Latency Tolerance Reporting";
            case PciRegs.PCI_EXT_CAP_ID_SECPCI -> "Secondary PCI Express";
            case PciRegs.PCI_EXT_CAP_ID_PASID -> "Process Address Space ID (PASID)";
            case PciRegs.PCI_EXT_CAP_ID_DPC -> "Downstream Port Containment";
            case PciRegs.PCI_EXT_CAP_ID_L1SS -> "L1 PM Substates";
            case PciRegs.PCI_EXT_CAP_ID_PTM -> "Precision Time Measurement";
            default -> "Extended Capability ID 0x" + Integer.toHexString(id);
        };
    }
}
