package org.nova.bus.pci.internal.shell;

import java.util.List;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.hw.SysfsPciDevice;
import org.nova.hw.SysfsPciDevice.Resource;
import org.nova.hw.pci.PciRegs;

/**
 * The address ranges {@code lspci -v} shows, the part of pciutils' lspci.c that decodes them:
 * {@code show_bases} (the BARs), {@code show_rom} (the expansion ROM), and {@code show_htype1}'s
 * bus numbers and windows with {@code show_range} and {@code show_size}. Where the snapshot has
 * the kernel's view (lib/sysfs.c: the resource file, PCI_FILL_IO_FLAGS and PCI_FILL_BRIDGE_BASES)
 * the addresses, sizes, types and windows are the kernel's, and a region the kernel reports but
 * the register does not hold is {@code [virtual]}; otherwise they come from the registers and
 * the backend's region sizes, as lib/generic.c fills them.
 */
final class LsRegions {
    /** Units of show_size: bytes, K, M, G, T (lspci.c). */
    private static final String[] SIZE_SUFFIX = {"", "K", "M", "G", "T"};
    /** One unit of show_size. */
    private static final long KILO = 1024;
    /** Resource lines before a bridge's windows in sysfs: 6 BARs and the ROM (lib/sysfs.c sysfs_get_resources). */
    private static final int BRIDGE_LINES_WITHOUT_IOV = 7;
    /** The same with the 6 SR-IOV VF BARs of a CONFIG_PCI_IOV kernel in between (lib/sysfs.c). */
    private static final int BRIDGE_LINES_WITH_IOV = 13;
    /** A bridge's windows in sysfs: I/O, memory, prefetchable memory and an unused line (lib/sysfs.c). */
    private static final int BRIDGE_WINDOWS = 4;
    /** Bridge window index of the I/O window (pci_dev.bridge_base_addr[0]). */
    private static final int WINDOW_IO = 0;
    /** Bridge window index of the memory window. */
    private static final int WINDOW_MEM = 1;
    /** Bridge window index of the prefetchable memory window. */
    private static final int WINDOW_PREF = 2;
    /** The I/O window's granularity: 4K, its low 12 bits implied ones in the limit (PCI-to-PCI Bridge spec 3.2.5.6). */
    private static final long IO_WINDOW_LOW = 0xfff;
    /** The memory windows' granularity: 1M, the limit's low 20 bits implied ones (PCI-to-PCI Bridge spec 3.2.5.8). */
    private static final long MEM_WINDOW_LOW = 0xfffff;
    /** The I/O base and limit bytes hold address bits 15:12: shifted by 8 (lspci.c show_htype1). */
    private static final int IO_WINDOW_SHIFT = 8;
    /** The memory base and limit words hold address bits 31:20: shifted by 16 (lspci.c show_htype1). */
    private static final int MEM_WINDOW_SHIFT = 16;
    /** Address bits of a 16-bit and a 32-bit I/O window, a 32-bit and a 64-bit memory window (show_range's width). */
    private static final int BITS_16 = 16;
    private static final int BITS_32 = 32;
    private static final int BITS_64 = 64;
    /** show_range prints as many hex digits as the window's address bits need. */
    private static final int BITS_PER_HEX_DIGIT = 4;
    /** Digits of an I/O port address (PCIADDR_PORT_FMT, lib/pci.h: "%04llx"). */
    private static final int PORT_DIGITS = 4;
    /** Digits of a memory address (PCIADDR_T_FMT, lib/pci.h: "%08llx"). */
    private static final int ADDR_DIGITS = 8;
    /** Address bits of a BAR address as pciutils masks it (PCI_ADDR_MEM_MASK, lib/pci.h: ~0xf). */
    private static final long ADDR_MEM_MASK = ~0xfL;
    /** Enhanced-allocation BAR equivalent flag pciutils adds to sysfs flags (PCI_IORESOURCE_PCI_EA_BEI, lib/header.h: 1 << 5). */
    private static final long IORESOURCE_PCI_EA_BEI = 1L << 5;

    private LsRegions() {
    }

    /** show_htype1: the bus numbers, the three windows and (verbosity 2) the secondary status. */
    static void bridge(StringBuilder sb, PciDeviceInfo d, int verbose) {
        sb.append(String.format("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n",
                d.configByte(PciRegs.PCI_PRIMARY_BUS), d.configByte(PciRegs.PCI_SECONDARY_BUS),
                d.configByte(PciRegs.PCI_SUBORDINATE_BUS), d.configByte(PciRegs.PCI_SEC_LATENCY_TIMER)));
        Resource[] windows = bridgeWindows(d);
        boolean known = windows != null;
        boolean ioDisabled = known && windows[WINDOW_IO].size() == 0;
        boolean memDisabled = known && windows[WINDOW_MEM].size() == 0;
        boolean prefDisabled = known && windows[WINDOW_PREF].size() == 0;

        int ioBaseReg = d.configByte(PciRegs.PCI_IO_BASE);
        int ioLimitReg = d.configByte(PciRegs.PCI_IO_LIMIT);
        int ioType = ioBaseReg & PciRegs.PCI_IO_RANGE_TYPE_MASK;
        if (known && !ioDisabled) {
            long base = windows[WINDOW_IO].start() & PciRegs.PCI_IO_RANGE_MASK;
            int type = (int) (windows[WINDOW_IO].start() & PciRegs.PCI_IO_RANGE_TYPE_MASK);
            range(sb, "\tI/O behind bridge", base, base + windows[WINDOW_IO].size() - 1,
                    type == PciRegs.PCI_IO_RANGE_TYPE_32 ? BITS_32 : BITS_16, false);
        } else if (ioType != (ioLimitReg & PciRegs.PCI_IO_RANGE_TYPE_MASK)
                || (ioType != PciRegs.PCI_IO_RANGE_TYPE_16 && ioType != PciRegs.PCI_IO_RANGE_TYPE_32)) {
            sb.append(String.format("\t!!! Unknown I/O range types %x/%x\n", ioBaseReg, ioLimitReg));
        } else {
            long base = (long) (ioBaseReg & PciRegs.PCI_IO_RANGE_MASK) << IO_WINDOW_SHIFT;
            long limit = (long) (ioLimitReg & PciRegs.PCI_IO_RANGE_MASK) << IO_WINDOW_SHIFT;
            if (ioType == PciRegs.PCI_IO_RANGE_TYPE_32) {
                base |= (long) d.configWord(PciRegs.PCI_IO_BASE_UPPER16) << Short.SIZE;
                limit |= (long) d.configWord(PciRegs.PCI_IO_LIMIT_UPPER16) << Short.SIZE;
            }
            if (!(base == 0 && limit == 0 && ioDisabled)) {
                range(sb, "\tI/O behind bridge", base, limit + IO_WINDOW_LOW,
                        ioType == PciRegs.PCI_IO_RANGE_TYPE_32 ? BITS_32 : BITS_16, ioDisabled);
            }
        }

        int memBaseReg = d.configWord(PciRegs.PCI_MEMORY_BASE);
        int memLimitReg = d.configWord(PciRegs.PCI_MEMORY_LIMIT);
        int memType = memBaseReg & PciRegs.PCI_MEMORY_RANGE_TYPE_MASK;
        if (known && !memDisabled) {
            long base = windows[WINDOW_MEM].start() & PciRegs.PCI_MEMORY_RANGE_MASK;
            range(sb, "\tMemory behind bridge", base, base + windows[WINDOW_MEM].size() - 1, BITS_32, false);
        } else if (memType != (memLimitReg & PciRegs.PCI_MEMORY_RANGE_TYPE_MASK) || memType != 0) {
            sb.append(String.format("\t!!! Unknown memory range types %x/%x\n", memBaseReg, memLimitReg));
        } else {
            long base = (long) (memBaseReg & PciRegs.PCI_MEMORY_RANGE_MASK) << MEM_WINDOW_SHIFT;
            long limit = (long) (memLimitReg & PciRegs.PCI_MEMORY_RANGE_MASK) << MEM_WINDOW_SHIFT;
            range(sb, "\tMemory behind bridge", base & Lspci.U32, (limit + MEM_WINDOW_LOW) & Lspci.U32, BITS_32,
                    memDisabled);
        }

        int prefBaseReg = d.configWord(PciRegs.PCI_PREF_MEMORY_BASE);
        int prefLimitReg = d.configWord(PciRegs.PCI_PREF_MEMORY_LIMIT);
        int prefType = prefBaseReg & PciRegs.PCI_PREF_RANGE_TYPE_MASK;
        if (known && !prefDisabled) {
            long base = windows[WINDOW_PREF].start() & PciRegs.PCI_MEMORY_RANGE_MASK;
            int type = (int) (windows[WINDOW_PREF].start() & PciRegs.PCI_MEMORY_RANGE_TYPE_MASK);
            range(sb, "\tPrefetchable memory behind bridge", base, base + windows[WINDOW_PREF].size() - 1,
                    type == PciRegs.PCI_PREF_RANGE_TYPE_64 ? BITS_64 : BITS_32, false);
        } else if (prefType != (prefLimitReg & PciRegs.PCI_PREF_RANGE_TYPE_MASK)
                || (prefType != PciRegs.PCI_PREF_RANGE_TYPE_32 && prefType != PciRegs.PCI_PREF_RANGE_TYPE_64)) {
            sb.append(String.format("\t!!! Unknown prefetchable memory range types %x/%x\n", prefBaseReg, prefLimitReg));
        } else {
            long base = (long) (prefBaseReg & PciRegs.PCI_PREF_RANGE_MASK) << MEM_WINDOW_SHIFT & Lspci.U32;
            long limit = (long) (prefLimitReg & PciRegs.PCI_PREF_RANGE_MASK) << MEM_WINDOW_SHIFT & Lspci.U32;
            if (prefType == PciRegs.PCI_PREF_RANGE_TYPE_64) {
                base |= Integer.toUnsignedLong(d.configDword(PciRegs.PCI_PREF_BASE_UPPER32)) << Integer.SIZE;
                limit |= Integer.toUnsignedLong(d.configDword(PciRegs.PCI_PREF_LIMIT_UPPER32)) << Integer.SIZE;
            }
            if (!(base == 0 && limit == 0 && prefDisabled)) {
                range(sb, "\tPrefetchable memory behind bridge", base, limit + MEM_WINDOW_LOW,
                        prefType == PciRegs.PCI_PREF_RANGE_TYPE_64 ? BITS_64 : BITS_32, prefDisabled);
            }
        }
        if (verbose > 1) {
            int sec = d.configWord(PciRegs.PCI_SEC_STATUS);
            sb.append(String.format("\tSecondary status: 66MHz%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c <MAbort%c"
                    + " <SERR%c <PERR%c\n", Lspci.flag(sec, PciRegs.PCI_STATUS_66MHZ),
                    Lspci.flag(sec, PciRegs.PCI_STATUS_FAST_BACK), Lspci.flag(sec, PciRegs.PCI_STATUS_PARITY),
                    Lspci.devsel(sec), Lspci.flag(sec, PciRegs.PCI_STATUS_SIG_TARGET_ABORT),
                    Lspci.flag(sec, PciRegs.PCI_STATUS_REC_TARGET_ABORT), Lspci.flag(sec, PciRegs.PCI_STATUS_REC_MASTER_ABORT),
                    Lspci.flag(sec, PciRegs.PCI_STATUS_SIG_SYSTEM_ERROR), Lspci.flag(sec, PciRegs.PCI_STATUS_DETECTED_PARITY)));
        }
    }

    /**
     * The bridge windows lib/sysfs.c takes from the resource lines after the ROM (4 lines without
     * CONFIG_PCI_IOV, 10 with it, the windows the last 4), or null when the kernel shows none.
     */
    private static Resource[] bridgeWindows(PciDeviceInfo d) {
        if (d.sysfs().isEmpty()) {
            return null;
        }
        List<Resource> lines = d.sysfs().get().resources();
        int first;
        if (lines.size() == BRIDGE_LINES_WITHOUT_IOV + BRIDGE_WINDOWS) {
            first = BRIDGE_LINES_WITHOUT_IOV;
        } else if (lines.size() >= BRIDGE_LINES_WITH_IOV + BRIDGE_WINDOWS) {
            first = BRIDGE_LINES_WITH_IOV;
        } else {
            return null;
        }
        return lines.subList(first, first + BRIDGE_WINDOWS).toArray(new Resource[0]);
    }

    /** show_range: a window, its size, [disabled] and its address width. */
    private static void range(StringBuilder sb, String prefix, long base, long limit, int bits, boolean disabled) {
        sb.append(prefix).append(':');
        boolean open = Long.compareUnsigned(base, limit) <= 0;
        int digits = (bits + BITS_PER_HEX_DIGIT - 1) / BITS_PER_HEX_DIGIT;
        if (open) {
            sb.append(' ').append(hex(base, digits)).append('-').append(hex(limit, digits));
        }
        if (!disabled && open) {
            sb.append(size(limit - base + 1));
        } else {
            sb.append(" [disabled]");
        }
        if (bits != 0) {
            sb.append(" [").append(bits).append("-bit]");
        }
        sb.append('\n');
    }

    private static String hex(long v, int digits) {
        String h = Long.toHexString(v);
        return h.length() >= digits ? h : "0".repeat(digits - h.length()) + h;
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
        while (i < SIZE_SUFFIX.length - 1 && Long.remainderUnsigned(x, KILO) == 0) {
            x = Long.divideUnsigned(x, KILO);
            i++;
        }
        return " [size=" + Integer.toUnsignedString((int) x) + SIZE_SUFFIX[i] + "]";
    }

    /** show_bases. */
    static void bases(StringBuilder sb, PciDeviceInfo d, int count, int cmd, int verbose) {
        if (d.sysfs().isPresent()) {
            kernelBases(sb, d, d.sysfs().get(), count, cmd, verbose);
            return;
        }
        for (int i = 0; i < count; i++) {
            int index = i;
            int reg = PciRegs.PCI_BASE_ADDRESS_0 + PciRegs.PCI_BASE_ADDRESS_STRIDE * i;
            int flg = d.configDword(reg);
            if (flg == Lspci.ALL_ONES) {
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
            sb.append(verbose > 1 ? "\tRegion " + index + ": " : "\t");
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

    /** pciutils' ioflg_to_pciflg: a BAR register's low bits from the kernel's resource flags. */
    private static int pciFlags(long ioflg) {
        if ((ioflg & Resource.IORESOURCE_IO) != 0) {
            return PciRegs.PCI_BASE_ADDRESS_SPACE_IO;
        }
        if ((ioflg & Resource.IORESOURCE_MEM) == 0) {
            return 0;
        }
        int flg = (ioflg & Resource.IORESOURCE_MEM_64) != 0 ? PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64
                : PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_32;
        return (ioflg & Resource.IORESOURCE_PREFETCH) != 0 ? flg | PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH : flg;
    }

    /**
     * show_bases with the kernel's resources (lib/sysfs.c fills PCI_FILL_IO_FLAGS): the address,
     * size and type the kernel assigned, {@code [virtual]} for a region the kernel reports and the
     * device's register does not hold (an SR-IOV VF's BARs, which live in the PF's VF BAR).
     */
    private static void kernelBases(StringBuilder sb, PciDeviceInfo d, SysfsPciDevice sysfs, int count, int cmd,
            int verbose) {
        for (int i = 0; i < count; i++) {
            Resource r = sysfs.resource(i);
            long pos = r.start() | (r.flags() & Resource.ADDR_FLAG_MASK);
            long len = r.size();
            long ioflg = r.flags();
            int flg = pciFlags(ioflg);
            if (pos == 0 && flg == 0 && len == 0) {
                continue;
            }
            int reg = PciRegs.PCI_BASE_ADDRESS_0 + PciRegs.PCI_BASE_ADDRESS_STRIDE * i;
            int hwLower = d.configDword(reg);
            int hwUpper = 0;
            boolean broken = false;
            boolean virtual = false;
            if ((hwLower & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) == (flg & PciRegs.PCI_BASE_ADDRESS_SPACE_IO)) {
                if ((ioflg & Resource.IORESOURCE_TYPE_BITS) == Resource.IORESOURCE_MEM
                        && (hwLower & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64) {
                    if (i >= count - 1) {
                        broken = true;
                    } else {
                        // pciutils reads the upper half one byte (not one dword) further on; kept as it is
                        hwUpper = d.configDword(reg + 1);
                    }
                }
                virtual = pos != 0 && hwLower == 0 && hwUpper == 0 && (ioflg & IORESOURCE_PCI_EA_BEI) == 0;
            }
            sb.append(verbose > 1 ? "\tRegion " + i + ": " : "\t");
            if ((flg & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) != 0) {
                long a = pos & PciRegs.PCI_BASE_ADDRESS_IO_MASK;
                sb.append("I/O ports at ");
                if (a != 0 || (cmd & PciRegs.PCI_COMMAND_IO) != 0) {
                    sb.append(hex(a, PORT_DIGITS));
                } else {
                    sb.append(hwLower != 0 ? "<ignored>" : "<unassigned>");
                }
                if (virtual) {
                    sb.append(" [virtual]");
                } else if ((cmd & PciRegs.PCI_COMMAND_IO) == 0) {
                    sb.append(" [disabled]");
                }
            } else {
                int t = flg & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK;
                long a = pos & ADDR_MEM_MASK;
                sb.append("Memory at ");
                if (broken) {
                    sb.append("<broken-64-bit-slot>");
                } else if (a != 0) {
                    sb.append(hex(a, ADDR_DIGITS));
                } else {
                    sb.append(hwLower != 0 || hwUpper != 0 ? "<ignored>" : "<unassigned>");
                }
                sb.append(" (").append(memType(t)).append(", ")
                        .append((flg & PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH) != 0 ? "" : "non-").append("prefetchable)");
                if (virtual) {
                    sb.append(" [virtual]");
                } else if ((cmd & PciRegs.PCI_COMMAND_MEMORY) == 0) {
                    sb.append(" [disabled]");
                }
            }
            if ((ioflg & IORESOURCE_PCI_EA_BEI) != 0) {
                sb.append(" [enhanced]");
            }
            sb.append(size(len)).append('\n');
        }
    }

    private static String memType(int t) {
        return t == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_32 ? "32-bit"
                : t == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64 ? "64-bit"
                : t == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_1M ? "low-1M" : "type 3";
    }

    /** show_rom with the kernel's resource line 6: {@code [virtual]} when the kernel reports a ROM the register does not hold. */
    private static void kernelRom(StringBuilder sb, Resource r, long flgReg, int cmd) {
        long rom = r.start() | (r.flags() & Resource.ADDR_FLAG_MASK);
        long len = r.size();
        long flg = flgReg;
        boolean virtual = false;
        if (rom == 0 && flg == 0 && len == 0) {
            return;
        }
        if ((rom & PciRegs.PCI_ROM_ADDRESS_MASK) != 0 && (flg & PciRegs.PCI_ROM_ADDRESS_MASK) == 0
                && (r.flags() & IORESOURCE_PCI_EA_BEI) == 0) {
            flg = rom;
            virtual = true;
        }
        sb.append("\tExpansion ROM at ");
        if ((rom & PciRegs.PCI_ROM_ADDRESS_MASK) != 0) {
            sb.append(hex(rom & PciRegs.PCI_ROM_ADDRESS_MASK, ADDR_DIGITS));
        } else {
            sb.append((flg & PciRegs.PCI_ROM_ADDRESS_MASK) != 0 ? "<ignored>" : "<unassigned>");
        }
        if (virtual) {
            sb.append(" [virtual]");
        }
        if ((flg & PciRegs.PCI_ROM_ADDRESS_ENABLE) == 0) {
            sb.append(" [disabled]");
        } else if (!virtual && (cmd & PciRegs.PCI_COMMAND_MEMORY) == 0) {
            sb.append(" [disabled by cmd]");
        }
        if ((r.flags() & IORESOURCE_PCI_EA_BEI) != 0) {
            sb.append(" [enhanced]");
        }
        sb.append(size(len)).append('\n');
    }

    /** show_rom. */
    static void rom(StringBuilder sb, PciDeviceInfo d, int reg, int cmd) {
        if (d.sysfs().isPresent()) {
            kernelRom(sb, d.sysfs().get().resource(PciDeviceInfo.Region.ROM_INDEX),
                    Integer.toUnsignedLong(d.configDword(reg)), cmd);
            return;
        }
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
