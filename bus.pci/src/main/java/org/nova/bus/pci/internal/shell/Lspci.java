package org.nova.bus.pci.internal.shell;

import java.util.Comparator;
import java.util.List;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.internal.PciBusImpl;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * {@code lspci} of pciutils (lspci.c, ls-caps.c, ls-ecaps.c, lib/names.c, lib/filter.c) over
 * {@link PciDeviceInfo} snapshots: the same first line, -n / -nn name modes, -v detail (flags,
 * regions, expansion ROM, capability lines as pciutils 3.13 prints them at verbosity 1), -k, -D,
 * and the -s / -d filters with pciutils' syntax and error messages. The text is built once,
 * from data to string; nothing is printed.
 */
public final class Lspci {
    /** pciutils' FLAG(): '+' when the bit is set, '-' otherwise. */
    private static char flag(int value, int bit) {
        return (value & bit) != 0 ? '+' : '-';
    }

    /** Name modes of lib/names.c: names only, numbers only (-n, PCI_LOOKUP_NUMERIC), both (-nn, PCI_LOOKUP_MIXED). */
    static final int NAMES = 0;
    static final int NUMERIC = 1;
    static final int MIXED = 2;
    /** BARs of a type-1 (PCI-to-PCI bridge) header: PCI_BASE_ADDRESS_0 and _1 (pci_regs.h). */
    private static final int BRIDGE_NUM_BARS = 2;
    /** BARs of a type-2 (CardBus) header: PCI_BASE_ADDRESS_0 only (pci_regs.h). */
    private static final int CARDBUS_NUM_BARS = 1;
    /** Fields of -d: vendor, device, class, prog-if; at least vendor and device (lib/filter.c). */
    private static final int ID_FILTER_MIN_FIELDS = 2;
    private static final int ID_FILTER_MAX_FIELDS = 4;
    /** Index of the class and prog-if fields of -d. */
    private static final int ID_FILTER_CLASS = 2;
    private static final int ID_FILTER_PROG_IF = 3;
    /** Shortest option: '-' and one letter. */
    private static final int MIN_OPTION_LENGTH = 2;
    /** Hex radix of every number lspci parses and prints. */
    private static final int HEX = 16;
    /** Byte, word and dword widths in config space. */
    private static final int WORD = 2;
    /** The all-ones value a BAR register never holds as an address (lspci.c show_bases). */
    private static final int ALL_ONES = 0xffffffff;
    /** Units of show_size: bytes, K, M, G, T (lspci.c). */
    private static final String[] SIZE_SUFFIX = {"", "K", "M", "G", "T"};
    /** One unit of show_size. */
    private static final long KILO = 1024;
    /** Upper bounds of the -s fields (lib/filter.c pci_filter_parse_slot). */
    private static final int MAX_DOMAIN = 0x7fffffff;
    private static final int MAX_BUS = 0xff;
    private static final int MAX_SLOT = 0x1f;
    private static final int MAX_FUNC = 7;
    /** Upper bound of the -d id fields (lib/filter.c pci_filter_parse_id). */
    private static final int MAX_ID = 0xffff;
    /** Upper bound of the -d prog-if field. */
    private static final int MAX_PROG_IF = 0xff;
    /** "any" in a filter field. */
    private static final int ANY = -1;
    /** MSI-X table size is encoded minus one (PCI_MSIX_FLAGS_QSIZE). */
    private static final int MSIX_SIZE_BIAS = 1;
    /** Vendor-specific capability: its length byte follows the next pointer (ls-caps-vendor.c). */
    private static final int VNDR_LEN_OFFSET = 2;
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

    private Lspci() {
    }

    // ---- options -------------------------------------------------------------------------------

    /**
     * The options of one invocation.
     *
     * @param verbose 0 or 1 (-v)
     * @param numeric 0 names, 1 numbers (-n), 2 both (-nn)
     * @param kernel -k: show the driver in use
     * @param alwaysDomains -D: always show the domain
     * @param slot the -s filter
     * @param id the -d filter
     */
    public record Options(int verbose, int numeric, boolean kernel, boolean alwaysDomains, SlotFilter slot,
            IdFilter id) {
        /** Plain lspci. */
        public static final Options DEFAULT = new Options(0, NAMES, false, false, SlotFilter.ALL, IdFilter.ALL);
    }

    /** -s [[[[domain]:]bus]:][slot][.[func]]; -1 is "any" (lib/filter.c). */
    public record SlotFilter(int domain, int bus, int slot, int func) {
        /** Matches every device. */
        public static final SlotFilter ALL = new SlotFilter(ANY, ANY, ANY, ANY);

        boolean matches(PciDeviceInfo d) {
            PciAddress a = d.address();
            return (domain == ANY || domain == a.domain()) && (bus == ANY || bus == a.bus())
                    && (slot == ANY || slot == a.device()) && (func == ANY || func == a.function());
        }
    }

    /** -d [vendor]:[device][:class[:prog-if]]; -1 is "any" (lib/filter.c). */
    public record IdFilter(int vendor, int device, int cls, int progIf) {
        /** Matches every device. */
        public static final IdFilter ALL = new IdFilter(ANY, ANY, ANY, ANY);

        boolean matches(PciDeviceInfo d) {
            int cls16 = d.ids().classCode() >>> PciRegs.PCI_CLASS_SUB_SHIFT;
            return (vendor == ANY || vendor == d.ids().vendor()) && (device == ANY || device == d.ids().device())
                    && (cls == ANY || cls == cls16) && (progIf == ANY || progIf == d.ids().progIf());
        }
    }

    /**
     * Parses lspci's arguments.
     *
     * @throws DriverException EINVAL for an unknown option, a missing argument or a bad filter,
     *     with lspci's message
     */
    public static Options parse(String... args) {
        int verbose = 0;
        int numeric = 0;
        boolean kernel = false;
        boolean domains = false;
        SlotFilter slot = SlotFilter.ALL;
        IdFilter id = IdFilter.ALL;
        for (int i = 0; args != null && i < args.length; i++) {
            String a = args[i];
            if (a == null || a.length() < MIN_OPTION_LENGTH || a.charAt(0) != '-') {
                throw usage("unexpected argument '" + a + "'");
            }
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                switch (c) {
                    case 'v' -> verbose++;
                    case 'n' -> numeric++;
                    case 'k' -> kernel = true;
                    case 'D' -> domains = true;
                    case 's', 'd' -> {
                        String value;
                        if (j + 1 < a.length()) {
                            value = a.substring(j + 1);
                        } else if (i + 1 < args.length) {
                            value = args[++i];
                        } else {
                            throw usage("option requires an argument -- '" + c + "'");
                        }
                        if (c == 's') {
                            slot = parseSlot(value);
                        } else {
                            id = parseId(value);
                        }
                        j = a.length();
                    }
                    default -> throw usage("invalid option -- '" + c + "'");
                }
            }
        }
        if (verbose > 1) {
            throw usage("-vv and -vvv are not supported here; use -v");
        }
        return new Options(verbose, Math.min(numeric, MIXED), kernel, domains, slot, id);
    }

    private static DriverException usage(String msg) {
        return new DriverException(Errno.EINVAL, "lspci: " + msg
                + " (usage: lspci [-n|-nn] [-v] [-k] [-D] [-s [[[[<domain>]:]<bus>]:][<slot>][.[<func>]]]"
                + " [-d [<vendor>]:[<device>][:<class>[:<prog_if>]]])");
    }

    /** pci_filter_parse_slot. */
    static SlotFilter parseSlot(String str) {
        int domain = ANY;
        int bus = ANY;
        int slot = ANY;
        int func = ANY;
        int colon = str.lastIndexOf(':');
        String mid = str;
        if (colon >= 0) {
            String head = str.substring(0, colon);
            mid = str.substring(colon + 1);
            int colon2 = head.indexOf(':');
            String busText = head;
            if (colon2 >= 0) {
                String dom = head.substring(0, colon2);
                busText = head.substring(colon2 + 1);
                if (!dom.isEmpty() && !dom.equals("*")) {
                    domain = field(dom, MAX_DOMAIN, "Invalid domain number");
                }
            }
            if (!busText.isEmpty() && !busText.equals("*")) {
                bus = field(busText, MAX_BUS, "Invalid bus number");
            }
        }
        int dot = mid.indexOf('.');
        String slotText = dot >= 0 ? mid.substring(0, dot) : mid;
        if (!slotText.isEmpty() && !slotText.equals("*")) {
            slot = field(slotText, MAX_SLOT, "Invalid slot number");
        }
        if (dot >= 0) {
            String f = mid.substring(dot + 1);
            if (!f.isEmpty() && !f.equals("*")) {
                func = field(f, MAX_FUNC, "Invalid function number");
            }
        }
        return new SlotFilter(domain, bus, slot, func);
    }

    /** pci_filter_parse_id. */
    static IdFilter parseId(String str) {
        String[] f = str.split(":", -1);
        if (f.length < ID_FILTER_MIN_FIELDS) {
            throw new DriverException(Errno.EINVAL, "lspci: -d: At least vendor and device ID must be given");
        }
        if (f.length > ID_FILTER_MAX_FIELDS) {
            throw new DriverException(Errno.EINVAL, "lspci: -d: Too many fields");
        }
        int vendor = f[0].isEmpty() || f[0].equals("*") ? ANY : field(f[0], MAX_ID, "Invalid vendor ID");
        int device = f[1].isEmpty() || f[1].equals("*") ? ANY : field(f[1], MAX_ID, "Invalid device ID");
        int cls = any(f, ID_FILTER_CLASS) ? ANY : field(f[ID_FILTER_CLASS], MAX_ID, "Invalid class code");
        int pi = any(f, ID_FILTER_PROG_IF) ? ANY
                : field(f[ID_FILTER_PROG_IF], MAX_PROG_IF, "Invalid programming interface code");
        return new IdFilter(vendor, device, cls, pi);
    }

    /** @return true if field i of -d is absent, empty or "*" */
    private static boolean any(String[] f, int i) {
        return f.length <= i || f[i].isEmpty() || f[i].equals("*");
    }

    private static int field(String s, int max, String error) {
        long v;
        try {
            v = Long.parseLong(s, HEX);
        } catch (NumberFormatException e) {
            throw new DriverException(Errno.EINVAL, "lspci: " + error + " '" + s + "'");
        }
        if (v < 0 || v > max) {
            throw new DriverException(Errno.EINVAL, "lspci: " + error + " '" + s + "'");
        }
        return (int) v;
    }

    // ---- names (lib/names.c) -------------------------------------------------------------------

    /** format_name: one id. */
    private static String formatName(int numeric, String name, String num, String unknown) {
        if (numeric == NUMERIC) {
            return num;
        }
        if (name == null) {
            return numeric == MIXED ? unknown + " [" + num + "]" : unknown + " " + num;
        }
        return numeric == MIXED ? name + " [" + num + "]" : name;
    }

    /** format_name_pair: vendor and device. */
    private static String formatPair(int numeric, String v, String d, String num) {
        if (numeric == NUMERIC) {
            return num;
        }
        if (numeric == MIXED) {
            if (v != null && d != null) {
                return v + " " + d + " [" + num + "]";
            }
            return v == null ? "Device [" + num + "]" : v + " Device [" + num + "]";
        }
        if (v != null && d != null) {
            return v + " " + d;
        }
        // "v Device dddd": num + 5 skips "vvvv:"
        return v == null ? "Device " + num : v + " Device " + num.substring(num.indexOf(':') + 1);
    }

    /** PCI_LOOKUP_CLASS: the subclass name, else the class name with the number always shown. */
    static String className(PciNames names, int numeric, int cls16) {
        String num = String.format("%04x", cls16);
        String name = names.subClass(cls16);
        int mode = numeric;
        if (name == null) {
            name = names.baseClass(cls16 >>> Byte.SIZE);
            if (name != null && numeric != NUMERIC) {
                mode = MIXED;
            }
        }
        return formatName(mode, name, num, "Class");
    }

    /** PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE. */
    static String deviceName(PciNames names, int numeric, int vendor, int device) {
        return formatPair(numeric, names.vendor(vendor), names.device(vendor, device),
                String.format("%04x:%04x", vendor, device));
    }

    /** PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE. */
    static String subsystemName(PciNames names, int numeric, int vendor, int device, int sv, int sd) {
        return formatPair(numeric, names.vendor(sv), names.subsystem(vendor, device, sv, sd),
                String.format("%04x:%04x", sv, sd));
    }

    // ---- output --------------------------------------------------------------------------------

    /**
     * Formats the devices as lspci would list them.
     *
     * @param devices the snapshots (any order; they are sorted by address as lspci sorts them)
     * @param o the options
     * @param names the ID database ({@link PciNames#empty()} for numbers only)
     * @return the listing, one line per device (plus detail lines and a blank line per device with -v)
     */
    public static String format(List<PciDeviceInfo> devices, Options o, PciNames names) {
        boolean domains = o.alwaysDomains() || devices.stream().anyMatch(d -> d.address().domain() != 0);
        StringBuilder sb = new StringBuilder();
        devices.stream()
                .sorted(Comparator.comparing(PciDeviceInfo::address, PciBusImpl.ADDRESS_ORDER))
                .filter(d -> o.slot().matches(d) && o.id().matches(d))
                .forEach(d -> device(sb, d, o, names, domains));
        return sb.toString();
    }

    private static void device(StringBuilder sb, PciDeviceInfo d, Options o, PciNames names, boolean domains) {
        terse(sb, d, o, names, domains);
        if (o.verbose() > 0) {
            verbose(sb, d, o, names);
        }
        if ((o.kernel() || o.verbose() > 0) && d.driver().isPresent()) {
            sb.append("\tKernel driver in use: ").append(d.driver().get()).append('\n');
        }
        if (o.verbose() > 0) {
            sb.append('\n');
        }
    }

    /** show_slot_name + show_terse. */
    private static void terse(StringBuilder sb, PciDeviceInfo d, Options o, PciNames names, boolean domains) {
        PciAddress a = d.address();
        if (domains) {
            sb.append(String.format("%04x:", a.domain()));
        }
        sb.append(String.format("%02x:%02x.%d", a.bus(), a.device(), a.function()));
        int cls16 = d.ids().classCode() >>> PciRegs.PCI_CLASS_SUB_SHIFT;
        sb.append(' ').append(className(names, o.numeric(), cls16)).append(": ")
                .append(deviceName(names, o.numeric(), d.ids().vendor(), d.ids().device()));
        if (d.ids().revision() != 0) {
            sb.append(String.format(" (rev %02x)", d.ids().revision()));
        }
        if (o.verbose() > 0) {
            int pi = d.ids().progIf();
            String x = names.progIf(cls16, pi);
            if (pi != 0 || x != null) {
                sb.append(String.format(" (prog-if %02x", pi));
                if (x != null) {
                    sb.append(" [").append(x).append(']');
                }
                sb.append(')');
            }
        }
        sb.append('\n');
        if (o.verbose() > 0 || o.kernel()) {
            int sv = d.ids().subsystemVendor();
            if (sv != 0 && sv != PciRegs.PCI_WORD_MASK) {
                sb.append("\tSubsystem: ").append(subsystemName(names, o.numeric(), d.ids().vendor(),
                        d.ids().device(), sv, d.ids().subsystemDevice())).append('\n');
            }
        }
    }

    /** show_verbose at verbosity 1. */
    private static void verbose(StringBuilder sb, PciDeviceInfo d, Options o, PciNames names) {
        int status = d.configWord(PciRegs.PCI_STATUS);
        int cmd = d.configWord(PciRegs.PCI_COMMAND);
        int htype = d.configByte(PciRegs.PCI_HEADER_TYPE) & PciRegs.PCI_HEADER_TYPE_MASK;
        int bist = d.configByte(PciRegs.PCI_BIST);
        int latency = d.configByte(PciRegs.PCI_LATENCY_TIMER);
        int pin = d.configByte(PciRegs.PCI_INTERRUPT_PIN);
        int irq = pin != 0 ? d.configByte(PciRegs.PCI_INTERRUPT_LINE) : 0;
        int bars;
        switch (htype) {
            case PciRegs.PCI_HEADER_TYPE_NORMAL -> bars = PciRegs.PCI_STD_NUM_BARS;
            case PciRegs.PCI_HEADER_TYPE_BRIDGE -> {
                bars = BRIDGE_NUM_BARS;
                irq = 0;
            }
            case PciRegs.PCI_HEADER_TYPE_CARDBUS -> bars = CARDBUS_NUM_BARS;
            default -> {
                sb.append(String.format("\t!!! Unknown header type %02x\n", htype));
                return;
            }
        }
        sb.append("\tFlags: ");
        if ((cmd & PciRegs.PCI_COMMAND_MASTER) != 0) {
            sb.append("bus master, ");
        }
        if ((cmd & PciRegs.PCI_COMMAND_VGA_PALETTE) != 0) {
            sb.append("VGA palette snoop, ");
        }
        if ((cmd & PciRegs.PCI_COMMAND_WAIT) != 0) {
            sb.append("stepping, ");
        }
        if ((cmd & PciRegs.PCI_COMMAND_FAST_BACK) != 0) {
            sb.append("fast Back2Back, ");
        }
        if ((status & PciRegs.PCI_STATUS_66MHZ) != 0) {
            sb.append("66MHz, ");
        }
        if ((status & PciRegs.PCI_STATUS_UDF) != 0) {
            sb.append("user-definable features, ");
        }
        int devsel = status & PciRegs.PCI_STATUS_DEVSEL_MASK;
        sb.append(devsel == PciRegs.PCI_STATUS_DEVSEL_SLOW ? "slow"
                : devsel == PciRegs.PCI_STATUS_DEVSEL_MEDIUM ? "medium"
                : devsel == PciRegs.PCI_STATUS_DEVSEL_FAST ? "fast" : "??").append(" devsel");
        if ((cmd & PciRegs.PCI_COMMAND_MASTER) != 0) {
            sb.append(", latency ").append(latency);
        }
        if (irq != 0) {
            sb.append(", IRQ ").append(irq);
        }
        sb.append('\n');
        if ((bist & PciRegs.PCI_BIST_CAPABLE) != 0) {
            if ((bist & PciRegs.PCI_BIST_START) != 0) {
                sb.append("\tBIST is running\n");
            } else {
                sb.append(String.format("\tBIST result: %02x\n", bist & PciRegs.PCI_BIST_CODE_MASK));
            }
        }
        bases(sb, d, bars, cmd);
        if (htype == PciRegs.PCI_HEADER_TYPE_NORMAL) {
            rom(sb, d, PciRegs.PCI_ROM_ADDRESS, cmd);
        } else if (htype == PciRegs.PCI_HEADER_TYPE_BRIDGE) {
            rom(sb, d, PciRegs.PCI_ROM_ADDRESS1, cmd);
        }
        caps(sb, d, o, names);
    }

    private static PciDeviceInfo.Region region(PciDeviceInfo d, int index) {
        for (PciDeviceInfo.Region r : d.regions()) {
            if (r.index() == index) {
                return r;
            }
        }
        return null;
    }

    /** show_size. */
    private static String size(long len) {
        if (len == 0) {
            return "";
        }
        long x = len;
        int i = 0;
        while (i < SIZE_SUFFIX.length - 1 && x >= KILO) {
            x /= KILO;
            i++;
        }
        return " [size=" + Long.toUnsignedString(x) + SIZE_SUFFIX[i] + "]";
    }

    /** show_bases. */
    private static void bases(StringBuilder sb, PciDeviceInfo d, int count, int cmd) {
        for (int i = 0; i < count; i++) {
            int reg = PciRegs.PCI_BASE_ADDRESS_0 + PciRegs.PCI_BASE_ADDRESS_STRIDE * i;
            int flg = d.configDword(reg);
            if (flg == ALL_ONES) {
                flg = 0;
            }
            PciDeviceInfo.Region r = region(d, i);
            long len = r == null ? 0 : r.size();
            boolean io = (flg & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) != 0;
            long pos = Integer.toUnsignedLong(flg) & (io ? PciRegs.PCI_BASE_ADDRESS_IO_MASK : PciRegs.PCI_BASE_ADDRESS_MEM_MASK);
            int type = flg & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK;
            boolean broken = false;
            if (!io && type == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64) {
                if (i >= count - 1) {
                    broken = true;
                } else {
                    i++;
                    long upper = Integer.toUnsignedLong(d.configDword(reg + PciRegs.PCI_BASE_ADDRESS_STRIDE));
                    pos |= upper << Integer.SIZE;
                }
            }
            if (pos == 0 && flg == 0 && len == 0) {
                continue;
            }
            sb.append('\t');
            if (io) {
                sb.append("I/O ports at ");
                if (pos != 0 || (cmd & PciRegs.PCI_COMMAND_IO) != 0) {
                    sb.append(String.format("%04x", pos));
                } else {
                    sb.append("<unassigned>");
                }
                if ((cmd & PciRegs.PCI_COMMAND_IO) == 0) {
                    sb.append(" [disabled]");
                }
            } else {
                sb.append("Memory at ");
                if (broken) {
                    sb.append("<broken-64-bit-slot>");
                } else if (pos != 0) {
                    sb.append(String.format("%08x", pos));
                } else {
                    sb.append("<unassigned>");
                }
                sb.append(" (").append(type == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_32 ? "32-bit"
                        : type == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64 ? "64-bit"
                        : type == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_1M ? "low-1M" : "type 3")
                        .append(", ").append((flg & PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH) != 0 ? "" : "non-")
                        .append("prefetchable)");
                if ((cmd & PciRegs.PCI_COMMAND_MEMORY) == 0) {
                    sb.append(" [disabled]");
                }
            }
            sb.append(size(len)).append('\n');
        }
    }

    /** show_rom. */
    private static void rom(StringBuilder sb, PciDeviceInfo d, int reg, int cmd) {
        long flg = Integer.toUnsignedLong(d.configDword(reg));
        PciDeviceInfo.Region r = region(d, PciDeviceInfo.Region.ROM_INDEX);
        long len = r == null ? 0 : r.size();
        long rom = flg & PciRegs.PCI_ROM_ADDRESS_MASK;
        if (rom == 0 && flg == 0 && len == 0) {
            return;
        }
        sb.append("\tExpansion ROM at ");
        sb.append(rom != 0 ? String.format("%08x", rom) : "<unassigned>");
        if ((flg & PciRegs.PCI_ROM_ADDRESS_ENABLE) == 0) {
            sb.append(" [disabled]");
        } else if ((cmd & PciRegs.PCI_COMMAND_MEMORY) == 0) {
            sb.append(" [disabled by cmd]");
        }
        sb.append(size(len)).append('\n');
    }

    /** show_caps, then show_ext_caps when a PCI Express or PCI-X capability was seen. */
    private static void caps(StringBuilder sb, PciDeviceInfo d, Options o, PciNames names) {
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
                    case PciRegs.PCI_CAP_ID_SSVID -> sb.append("Subsystem: ").append(subsystemName(names, o.numeric(),
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
            extCaps(sb, d);
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

    /** show_ext_caps at verbosity 1. */
    private static void extCaps(StringBuilder sb, PciDeviceInfo d) {
        boolean[] seen = new boolean[PciRegs.PCI_CFG_SPACE_EXP_SIZE];
        int where = PciRegs.PCI_CFG_SPACE_SIZE;
        do {
            int header = d.configDword(where);
            if (header == 0 || header == ALL_ONES) {
                break;
            }
            int id = header & PciRegs.PCI_EXT_CAP_ID_MASK;
            sb.append(String.format("\tCapabilities: [%03x] ", where));
            if (seen[where]) {
                sb.append("<chain looped>\n");
                break;
            }
            seen[where] = true;
            sb.append(extCapName(d, where, id)).append('\n');
            where = (header >>> PciRegs.PCI_EXT_CAP_NEXT_SHIFT) & PciRegs.PCI_EXT_CAP_NEXT_MASK;
        } while (where != 0 && where < PciRegs.PCI_CFG_SPACE_EXP_SIZE);
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
