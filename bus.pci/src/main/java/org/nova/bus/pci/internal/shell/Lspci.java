package org.nova.bus.pci.internal.shell;

import java.util.Comparator;
import java.util.List;

import java.util.Optional;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.internal.PciBusImpl;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.SysfsPciDevice;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * {@code lspci} of pciutils over {@link PciDeviceInfo} snapshots: lspci.c's options, first line,
 * -n / -nn name modes, -v detail (flags, regions, expansion ROM) as pciutils 3.13 prints them at
 * verbosity 1, -k and -D. Its parts live where pciutils keeps them: the capability lines in
 * {@link LsCaps} (ls-caps.c) and {@link LsEcaps} (ls-ecaps.c), the -s / -d filters in
 * {@link PciFilter} (lib/filter.c), the names in {@link PciNames} (lib/names.c), the kernel driver
 * and modules in {@link LsKernel} (ls-kernel.c). Where the snapshot carries the kernel's sysfs view
 * (the host backend), the IRQ, regions, bridge windows, NUMA node, IOMMU group and physical slot
 * are the kernel's, as lib/sysfs.c fills them; otherwise they come from config space and the
 * backend's region sizes, as lib/generic.c fills them. The text is built once, from data to
 * string; nothing is printed.
 */
public final class Lspci {
    /** BARs of a type-1 (PCI-to-PCI bridge) header: PCI_BASE_ADDRESS_0 and _1 (pci_regs.h). */
    private static final int BRIDGE_NUM_BARS = 2;
    /** BARs of a type-2 (CardBus) header: PCI_BASE_ADDRESS_0 only (pci_regs.h). */
    private static final int CARDBUS_NUM_BARS = 1;
    /** Min_Gnt and Max_Lat count in units of 250 ns (PCI Local Bus spec 6.2.4; lspci.c show_verbose). */
    private static final int LATENCY_UNIT_NS = 250;
    /** The highest verbosity this lspci decodes: -vv. */
    private static final int MAX_VERBOSE = 2;
    /** Shortest option: '-' and one letter. */
    private static final int MIN_OPTION_LENGTH = 2;
    /** The all-ones value a register reads when nothing answers (lspci.c show_bases, ls-ecaps.c). */
    static final int ALL_ONES = 0xffffffff;
    /** The low 32 bits of a long: pciutils' u32 arithmetic. */
    static final long U32 = 0xffffffffL;

    private Lspci() {
    }

    // ---- options -------------------------------------------------------------------------------

    /**
     * The options of one invocation.
     *
     * @param verbose 0, 1 (-v) or 2 (-vv)
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
        if (verbose > MAX_VERBOSE) {
            throw usage("-vvv is not supported here; use -vv");
        }
        return new Options(verbose, Math.min(numeric, PciNames.MIXED), kernel, domains, slot, id);
    }

    private static DriverException usage(String msg) {
        return new DriverException(Errno.EINVAL, "lspci: " + msg
                + " (usage: lspci [-n|-nn] [-v|-vv] [-k] [-D] [-s [[[[<domain>]:]<bus>]:][<slot>][.[<func>]]]"
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
        return format(devices, o, names, LsKernel.system());
    }

    /**
     * Formats the devices as lspci would list them, looking kernel modules up in the given aliases.
     *
     * @param kernel the kernel's module aliases ({@link LsKernel#system()} reads this machine's)
     */
    static String format(List<PciDeviceInfo> devices, Options o, PciNames names, LsKernel kernel) {
        boolean domains = o.alwaysDomains() || devices.stream().anyMatch(d -> d.address().domain() != 0);
        StringBuilder sb = new StringBuilder();
        devices.stream()
                .sorted(Comparator.comparing(PciDeviceInfo::address, PciBusImpl.ADDRESS_ORDER))
                .filter(d -> o.slot().matches(d) && o.id().matches(d))
                .forEach(d -> device(sb, d, o, names, domains, kernel));
        return sb.toString();
    }

    private static void device(StringBuilder sb, PciDeviceInfo d, Options o, PciNames names, boolean domains,
            LsKernel kernel) {
        terse(sb, d, o, names, domains);
        if (o.verbose() > 0) {
            verbose(sb, d, o, names);
        }
        if (o.kernel() || o.verbose() > 0) {
            kernel.show(sb, d);
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
            int sd = d.ids().subsystemDevice();
            if ((d.configByte(PciRegs.PCI_HEADER_TYPE) & PciRegs.PCI_HEADER_TYPE_MASK) == PciRegs.PCI_HEADER_TYPE_BRIDGE) {
                // lib/generic.c fills a bridge's subsystem from its SSVID capability
                int cap = LsCaps.find(d, PciRegs.PCI_CAP_ID_SSVID);
                sv = cap == 0 ? 0 : d.configWord(cap + PciRegs.PCI_SSVID_VENDOR);
                sd = cap == 0 ? 0 : d.configWord(cap + PciRegs.PCI_SSVID_DEVICE);
            }
            if (sv != 0 && sv != PciRegs.PCI_WORD_MASK) {
                sb.append("\tSubsystem: ").append(names.subsystemName(o.numeric(), d.ids().vendor(),
                        d.ids().device(), sv, sd)).append('\n');
            }
        }
    }

    /** show_verbose: the header's decoding at verbosity 1 (Flags) or 2 (Control, Status, Latency, Interrupt). */
    private static void verbose(StringBuilder sb, PciDeviceInfo d, Options o, PciNames names) {
        int status = d.configWord(PciRegs.PCI_STATUS);
        int cmd = d.configWord(PciRegs.PCI_COMMAND);
        int htype = d.configByte(PciRegs.PCI_HEADER_TYPE) & PciRegs.PCI_HEADER_TYPE_MASK;
        int bist = d.configByte(PciRegs.PCI_BIST);
        int latency = d.configByte(PciRegs.PCI_LATENCY_TIMER);
        Optional<SysfsPciDevice> sysfs = d.sysfs();
        int irq = sysfs.map(SysfsPciDevice::irq).orElseGet(() -> configIrq(d));
        int bars;
        int minGnt = 0;
        int maxLat = 0;
        switch (htype) {
            case PciRegs.PCI_HEADER_TYPE_NORMAL -> {
                bars = PciRegs.PCI_STD_NUM_BARS;
                minGnt = d.configByte(PciRegs.PCI_MIN_GNT);
                maxLat = d.configByte(PciRegs.PCI_MAX_LAT);
            }
            case PciRegs.PCI_HEADER_TYPE_BRIDGE -> bars = BRIDGE_NUM_BARS;
            case PciRegs.PCI_HEADER_TYPE_CARDBUS -> bars = CARDBUS_NUM_BARS;
            default -> {
                sb.append(String.format("\t!!! Unknown header type %02x\n", htype));
                return;
            }
        }
        sysfs.flatMap(SysfsPciDevice::physicalSlot).ifPresent(s -> sb.append("\tPhysical Slot: ").append(s).append('\n'));
        int numa = sysfs.map(SysfsPciDevice::numaNode).orElse(SysfsPciDevice.NO_NUMA_NODE);
        Optional<String> group = sysfs.flatMap(SysfsPciDevice::iommuGroup);
        if (o.verbose() > 1) {
            controlAndStatus(sb, cmd, status);
            if ((cmd & PciRegs.PCI_COMMAND_MASTER) != 0) {
                sb.append("\tLatency: ").append(latency);
                if (minGnt != 0 || maxLat != 0) {
                    sb.append(" (");
                    if (minGnt != 0) {
                        sb.append(minGnt * LATENCY_UNIT_NS).append("ns min");
                    }
                    if (minGnt != 0 && maxLat != 0) {
                        sb.append(", ");
                    }
                    if (maxLat != 0) {
                        sb.append(maxLat * LATENCY_UNIT_NS).append("ns max");
                    }
                    sb.append(')');
                }
                int cacheLine = d.configByte(PciRegs.PCI_CACHE_LINE_SIZE);
                if (cacheLine != 0) {
                    sb.append(", Cache Line Size: ").append(cacheLine * Integer.BYTES).append(" bytes");
                }
                sb.append('\n');
            }
            int pin = d.configByte(PciRegs.PCI_INTERRUPT_PIN);
            if (pin != 0 || irq != 0) {
                sb.append("\tInterrupt: pin ").append(pin != 0 ? (char) ('A' + pin - 1) : '?').append(" routed to IRQ ")
                        .append(irq).append('\n');
            }
            if (numa != SysfsPciDevice.NO_NUMA_NODE) {
                sb.append("\tNUMA node: ").append(numa).append('\n');
            }
            group.ifPresent(g -> sb.append("\tIOMMU group: ").append(g).append('\n'));
        } else {
            flags(sb, cmd, status, latency, irq, numa, group);
        }
        if ((bist & PciRegs.PCI_BIST_CAPABLE) != 0) {
            if ((bist & PciRegs.PCI_BIST_START) != 0) {
                sb.append("\tBIST is running\n");
            } else {
                sb.append(String.format("\tBIST result: %02x\n", bist & PciRegs.PCI_BIST_CODE_MASK));
            }
        }
        LsRegions.bases(sb, d, bars, cmd, o.verbose());
        if (htype == PciRegs.PCI_HEADER_TYPE_NORMAL) {
            LsRegions.rom(sb, d, PciRegs.PCI_ROM_ADDRESS, cmd);
        } else if (htype == PciRegs.PCI_HEADER_TYPE_BRIDGE) {
            LsRegions.bridge(sb, d, o.verbose());
            LsRegions.rom(sb, d, PciRegs.PCI_ROM_ADDRESS1, cmd);
            if (o.verbose() > 1) {
                bridgeControl(sb, d.configWord(PciRegs.PCI_BRIDGE_CONTROL));
            }
        }
        LsCaps.caps(sb, d, o, names);
    }

    /** The Flags line of verbosity 1. */
    private static void flags(StringBuilder sb, int cmd, int status, int latency, int irq, int numa, Optional<String> group) {
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
        sb.append(devsel(status)).append(" devsel");
        if ((cmd & PciRegs.PCI_COMMAND_MASTER) != 0) {
            sb.append(", latency ").append(latency);
        }
        if (irq != 0) {
            sb.append(", IRQ ").append(irq);
        }
        if (numa != SysfsPciDevice.NO_NUMA_NODE) {
            sb.append(", NUMA node ").append(numa);
        }
        group.ifPresent(g -> sb.append(", IOMMU group ").append(g));
        sb.append('\n');
    }

    /** The DEVSEL timing of a status register, as lspci names it. */
    static String devsel(int status) {
        int devsel = status & PciRegs.PCI_STATUS_DEVSEL_MASK;
        return devsel == PciRegs.PCI_STATUS_DEVSEL_SLOW ? "slow"
                : devsel == PciRegs.PCI_STATUS_DEVSEL_MEDIUM ? "medium"
                : devsel == PciRegs.PCI_STATUS_DEVSEL_FAST ? "fast" : "??";
    }

    /** pciutils' FLAG(): '+' when the bit is set, '-' otherwise. */
    static char flag(int value, int bit) {
        return (value & bit) != 0 ? '+' : '-';
    }

    /** The Control and Status lines of verbosity 2. */
    private static void controlAndStatus(StringBuilder sb, int cmd, int status) {
        sb.append(String.format("\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c Stepping%c"
                + " SERR%c FastB2B%c DisINTx%c\n",
                flag(cmd, PciRegs.PCI_COMMAND_IO), flag(cmd, PciRegs.PCI_COMMAND_MEMORY),
                flag(cmd, PciRegs.PCI_COMMAND_MASTER), flag(cmd, PciRegs.PCI_COMMAND_SPECIAL),
                flag(cmd, PciRegs.PCI_COMMAND_INVALIDATE), flag(cmd, PciRegs.PCI_COMMAND_VGA_PALETTE),
                flag(cmd, PciRegs.PCI_COMMAND_PARITY), flag(cmd, PciRegs.PCI_COMMAND_WAIT),
                flag(cmd, PciRegs.PCI_COMMAND_SERR), flag(cmd, PciRegs.PCI_COMMAND_FAST_BACK),
                flag(cmd, PciRegs.PCI_COMMAND_INTX_DISABLE)));
        sb.append(String.format("\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c"
                + " <MAbort%c >SERR%c <PERR%c INTx%c\n",
                flag(status, PciRegs.PCI_STATUS_CAP_LIST), flag(status, PciRegs.PCI_STATUS_66MHZ),
                flag(status, PciRegs.PCI_STATUS_UDF), flag(status, PciRegs.PCI_STATUS_FAST_BACK),
                flag(status, PciRegs.PCI_STATUS_PARITY), devsel(status),
                flag(status, PciRegs.PCI_STATUS_SIG_TARGET_ABORT), flag(status, PciRegs.PCI_STATUS_REC_TARGET_ABORT),
                flag(status, PciRegs.PCI_STATUS_REC_MASTER_ABORT), flag(status, PciRegs.PCI_STATUS_SIG_SYSTEM_ERROR),
                flag(status, PciRegs.PCI_STATUS_DETECTED_PARITY), flag(status, PciRegs.PCI_STATUS_INTERRUPT)));
    }

    /** show_htype1's BridgeCtl lines (verbosity 2). */
    private static void bridgeControl(StringBuilder sb, int brc) {
        sb.append(String.format("\tBridgeCtl: Parity%c SERR%c NoISA%c VGA%c VGA16%c MAbort%c >Reset%c FastB2B%c\n",
                flag(brc, PciRegs.PCI_BRIDGE_CTL_PARITY), flag(brc, PciRegs.PCI_BRIDGE_CTL_SERR),
                flag(brc, PciRegs.PCI_BRIDGE_CTL_NO_ISA), flag(brc, PciRegs.PCI_BRIDGE_CTL_VGA),
                flag(brc, PciRegs.PCI_BRIDGE_CTL_VGA_16BIT), flag(brc, PciRegs.PCI_BRIDGE_CTL_MASTER_ABORT),
                flag(brc, PciRegs.PCI_BRIDGE_CTL_BUS_RESET), flag(brc, PciRegs.PCI_BRIDGE_CTL_FAST_BACK)));
        sb.append(String.format("\t\tPriDiscTmr%c SecDiscTmr%c DiscTmrStat%c DiscTmrSERREn%c\n",
                flag(brc, PciRegs.PCI_BRIDGE_CTL_PRI_DISCARD_TIMER), flag(brc, PciRegs.PCI_BRIDGE_CTL_SEC_DISCARD_TIMER),
                flag(brc, PciRegs.PCI_BRIDGE_CTL_DISCARD_TIMER_STATUS),
                flag(brc, PciRegs.PCI_BRIDGE_CTL_DISCARD_TIMER_SERR_EN)));
    }

    /**
     * The IRQ lib/generic.c fills from config space when no kernel view exists: the Interrupt
     * Line register of a function with an interrupt pin.
     */
    private static int configIrq(PciDeviceInfo d) {
        return d.configByte(PciRegs.PCI_INTERRUPT_PIN) != 0 ? d.configByte(PciRegs.PCI_INTERRUPT_LINE) : 0;
    }

}
