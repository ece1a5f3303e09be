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
 * {@code lspci} of pciutils over {@link PciDeviceInfo} snapshots: lspci.c's options, first line,
 * -n / -nn name modes, -v detail (flags, regions, expansion ROM) as pciutils 3.13 prints them at
 * verbosity 1, -k and -D. Its parts live where pciutils keeps them: the capability lines in
 * {@link LsCaps} (ls-caps.c) and {@link LsEcaps} (ls-ecaps.c), the -s / -d filters in
 * {@link PciFilter} (lib/filter.c), the names in {@link PciNames} (lib/names.c). The text is built
 * once, from data to string; nothing is printed.
 */
public final class Lspci {
    /** BARs of a type-1 (PCI-to-PCI bridge) header: PCI_BASE_ADDRESS_0 and _1 (pci_regs.h). */
    private static final int BRIDGE_NUM_BARS = 2;
    /** BARs of a type-2 (CardBus) header: PCI_BASE_ADDRESS_0 only (pci_regs.h). */
    private static final int CARDBUS_NUM_BARS = 1;
    /** Shortest option: '-' and one letter. */
    private static final int MIN_OPTION_LENGTH = 2;
    /** The all-ones value a register reads when nothing answers (lspci.c show_bases, ls-ecaps.c). */
    static final int ALL_ONES = 0xffffffff;
    /** Units of show_size: bytes, K, M, G, T (lspci.c). */
    private static final String[] SIZE_SUFFIX = {"", "K", "M", "G", "T"};
    /** One unit of show_size. */
    private static final long KILO = 1024;

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
    public record Options(int verbose, int numeric, boolean kernel, boolean alwaysDomains, PciFilter.SlotFilter slot,
            PciFilter.IdFilter id) {
        /** Plain lspci. */
        public static final Options DEFAULT = new Options(0, PciNames.NAMES, false, false, PciFilter.SlotFilter.ALL,
                PciFilter.IdFilter.ALL);
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
        PciFilter.SlotFilter slot = PciFilter.SlotFilter.ALL;
        PciFilter.IdFilter id = PciFilter.IdFilter.ALL;
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
                            slot = PciFilter.parseSlot(value);
                        } else {
                            id = PciFilter.parseId(value);
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
        return new Options(verbose, Math.min(numeric, PciNames.MIXED), kernel, domains, slot, id);
    }

    private static DriverException usage(String msg) {
        return new DriverException(Errno.EINVAL, "lspci: " + msg
                + " (usage: lspci [-n|-nn] [-v] [-k] [-D] [-s [[[[<domain>]:]<bus>]:][<slot>][.[<func>]]]"
                + " [-d [<vendor>]:[<device>][:<class>[:<prog_if>]]])");
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
        sb.append(' ').append(names.className(o.numeric(), cls16)).append(": ")
                .append(names.deviceName(o.numeric(), d.ids().vendor(), d.ids().device()));
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
                sb.append("\tSubsystem: ").append(names.subsystemName(o.numeric(), d.ids().vendor(),
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
        LsCaps.caps(sb, d, o, names);
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
}
