package org.nova.hw.pci;

import org.nova.hw.HwException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI function address: domain (segment), bus, device and function, printed as the kernel
 * prints it ({@code "0000:00:03.0"}, drivers/pci/probe.c {@code pci_setup_device} → {@code dev_set_name}).
 *
 * @param domain   the PCI domain (segment group), 0..{@value #MAX_DOMAIN}
 * @param bus      the bus number, 0..{@value #MAX_BUS}
 * @param device   the device (slot) number, 0..{@value #MAX_DEVICE}
 * @param function the function number, 0..{@value #MAX_FUNCTION}
 */
public record PciAddress(int domain, int bus, int device, int function) {

    /** Highest domain number this runtime accepts (the kernel prints domains with %04x; 16 bits). */
    public static final int MAX_DOMAIN = 0xffff;
    /** Highest bus number: the bus number is 8 bits (PCI Local Bus Spec 3.0, 3.2.2.3.1). */
    public static final int MAX_BUS = 0xff;
    /** Highest device number: the device number is 5 bits (PCI Local Bus Spec 3.0, 3.2.2.3.1; PCI_SLOT). */
    public static final int MAX_DEVICE = 0x1f;
    /** Highest function number: the function number is 3 bits (PCI Local Bus Spec 3.0, 3.2.2.3.1; PCI_FUNC). */
    public static final int MAX_FUNCTION = 0x7;
    /** Bits of the function number within devfn (include/uapi/linux/pci.h PCI_DEVFN). */
    private static final int FUNCTION_BITS = 3;
    /** Bits of devfn within a routing ID: bus[15:8], devfn[7:0] (PCIe Base Spec 2.2.6.2). */
    private static final int DEVFN_BITS = 8;
    /** Mask of devfn within a routing ID. */
    private static final int DEVFN_MASK = 0xff;
    /** Highest routing ID (16 bits: bus, device, function). */
    public static final int MAX_ROUTING_ID = 0xffff;

    /** [[domain:]bus:]device.function in hex, as lspci and sysfs print it. */
    private static final Pattern SYNTAX = Pattern.compile(
            "(?:(?<domain>\\p{XDigit}{1,4}):)?(?<bus>\\p{XDigit}{1,2}):(?<device>\\p{XDigit}{1,2})\\.(?<function>\\p{XDigit})");
    /** Least digits of each field of the textual form ({@code %04x:%02x:%02x.%x}). */
    private static final int DOMAIN_DIGITS = 4;
    private static final int BUS_DIGITS = 2;
    private static final int DEVICE_DIGITS = 2;
    private static final int FUNCTION_DIGITS = 1;
    /** Length of the textual form ({@code 0000:00:00.0}): the constructor keeps every field in range. */
    private static final int TEXT_LENGTH = 12;
    /** Radix of every field of the textual form. */
    private static final int HEX = 16;

    /**
     * Validates the fields.
     *
     * @throws HwException EINVAL when a field is outside its range
     */
    public PciAddress {
        check("domain", domain, MAX_DOMAIN);
        check("bus", bus, MAX_BUS);
        check("device", device, MAX_DEVICE);
        check("function", function, MAX_FUNCTION);
    }

    private static void check(String what, int value, int max) {
        String why = outOfRange(what, value, max);
        if (why != null) {
            throw new HwException(HwException.EINVAL, "PCI " + why);
        }
    }

    /** @return why a field is out of range, in hex as lspci prints addresses; null if it is in range */
    private static String outOfRange(String what, int value, int max) {
        return value < 0 || value > max ? String.format("%s %#x is outside 0..%#x", what, value, max) : null;
    }

    /**
     * Parses {@code "0000:00:03.0"} or, with domain 0, {@code "00:03.0"}.
     *
     * @throws HwException EINVAL for anything else, naming the text
     */
    public static PciAddress parse(String text) {
        if (text == null) {
            throw new HwException(HwException.EINVAL, "PCI address is null");
        }
        Matcher m = SYNTAX.matcher(text.trim());
        if (!m.matches()) {
            throw new HwException(HwException.EINVAL, "'" + text
                    + "' is not a PCI address of the form [dddd:]bb:dd.f (hex)");
        }
        int domain = m.group("domain") == null ? 0 : Integer.parseInt(m.group("domain"), HEX);
        int bus = Integer.parseInt(m.group("bus"), HEX);
        int device = Integer.parseInt(m.group("device"), HEX);
        int function = Integer.parseInt(m.group("function"), HEX);
        // the syntax bounds domain and bus; device and function have spare digits
        String why = outOfRange("device", device, MAX_DEVICE);
        why = why != null ? why : outOfRange("function", function, MAX_FUNCTION);
        if (why != null) {
            throw new HwException(HwException.EINVAL, "'" + text + "' is not a PCI address: " + why);
        }
        return new PciAddress(domain, bus, device, function);
    }

    /** @return device and function as the 8-bit devfn (include/uapi/linux/pci.h PCI_DEVFN) */
    public int devfn() {
        return (device << FUNCTION_BITS) | function;
    }

    /** @return the 16-bit routing ID: bus[15:8], devfn[7:0] (PCIe Base Spec 2.2.6.2) */
    public int routingId() {
        return (bus << DEVFN_BITS) | devfn();
    }

    /**
     * @param domain    the domain
     * @param routingId a 16-bit routing ID
     * @return the address with that routing ID
     * @throws HwException EINVAL if the routing ID exceeds 16 bits
     */
    public static PciAddress ofRoutingId(int domain, int routingId) {
        if (routingId < 0 || routingId > MAX_ROUTING_ID) {
            throw new HwException(HwException.EINVAL,
                    "routing ID 0x" + Integer.toHexString(routingId) + " exceeds 16 bits");
        }
        int devfn = routingId & DEVFN_MASK;
        return new PciAddress(domain, routingId >>> DEVFN_BITS, devfn >>> FUNCTION_BITS,
                devfn & MAX_FUNCTION);
    }

    /** @return {@code "dddd:bb:dd.f"}, e.g. {@code "0000:00:03.0"} */
    @Override
    public String toString() {
        // "%04x:%02x:%02x.%x" without a Formatter: this is the name of every PCI device, made as
        // each is added, and the Formatter cost more than the rest of the name's uses
        StringBuilder sb = new StringBuilder(TEXT_LENGTH);
        hex(sb, domain, DOMAIN_DIGITS).append(':');
        hex(sb, bus, BUS_DIGITS).append(':');
        hex(sb, device, DEVICE_DIGITS).append('.');
        return hex(sb, function, FUNCTION_DIGITS).toString();
    }

    /** Appends {@code String.format("%0" + digits + "x", value)}. */
    private static StringBuilder hex(StringBuilder sb, int value, int digits) {
        String h = Integer.toHexString(value);
        for (int i = h.length(); i < digits; i++) {
            sb.append('0');
        }
        return sb.append(h);
    }
}
