package org.nova.bus.pci.internal.shell;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * The device filters of pciutils' lib/filter.c: {@code -s} ({@code pci_filter_parse_slot}) and
 * {@code -d} ({@code pci_filter_parse_id}), with their syntax, bounds and error messages, and the
 * match of a device against them ({@code pci_filter_match}).
 */
public final class PciFilter {
    /** Fields of -d: vendor, device, class, prog-if; at least vendor and device (lib/filter.c). */
    private static final int ID_FILTER_MIN_FIELDS = 2;
    private static final int ID_FILTER_MAX_FIELDS = 4;
    /** Index of the class and prog-if fields of -d. */
    private static final int ID_FILTER_CLASS = 2;
    private static final int ID_FILTER_PROG_IF = 3;
    /** Hex radix of every number a filter gives. */
    private static final int HEX = 16;
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

    private PciFilter() {
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
}
