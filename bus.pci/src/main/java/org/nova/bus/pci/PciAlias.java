package org.nova.bus.pci;

import static org.nova.hw.pci.PciRegs.PCI_CLASS_BASE_SHIFT;
import static org.nova.hw.pci.PciRegs.PCI_CLASS_BYTE_MASK;
import static org.nova.hw.pci.PciRegs.PCI_CLASS_SUB_SHIFT;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

import org.nova.bus.pci.internal.UpperHex;
import org.nova.driver.Modalias;

/**
 * PCI's module aliases, both halves: the MODALIAS a function announces in its ADD uevent
 * (drivers/pci/pci-driver.c {@code pci_uevent}) and the alias pattern of one id-table entry, as
 * scripts/mod/file2alias.c {@code do_pci_entry} writes it into a module at build time so that
 * modprobe can find the module for a device without loading it.
 *
 * <p>The device's alias: {@code pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X} of vendor, device,
 * subsystem vendor, subsystem device, base class, subclass and prog-if. An entry's pattern has the
 * same fields, with file2alias.c's rules:
 * <ul>
 * <li>vendor, device, subvendor and subdevice: {@link PciDeviceId#PCI_ANY_ID} becomes {@code *};</li>
 * <li>the class is matched byte by byte: a byte whose class-mask byte is {@code 0xff} is written,
 * one whose mask byte is 0 becomes {@code *}; a mask byte that is neither ("Can't handle masks")
 * makes file2alias warn and write no alias for the entry at all;</li>
 * <li>a pattern always ends in {@code *} ({@code add_wildcard}), for fields added later.</li>
 * </ul>
 * An entry that matches only through driver_override (PCI_DEVICE_DRIVER_OVERRIDE) gets no
 * {@code pci:} alias either: the kernel gives those entries another prefix ({@code vfio_pci:}) so
 * that a device's {@code pci:} MODALIAS never loads them.
 *
 * <p>Matching a device's alias against a pattern is {@link Modalias#matches}, kmod's
 * {@code fnmatch(pattern, alias, 0)}.
 *
 * <p>Stateless; every method is safe from any thread.
 */
public final class PciAlias {
    /** The prefix of every PCI alias and pattern (file2alias.c do_pci_entry, pci_uevent). */
    public static final String PREFIX = "pci:";
    /** The MODALIAS format of pci_uevent (drivers/pci/pci-driver.c; also file2alias.c's field order). */
    public static final String MODALIAS_FORMAT = PREFIX + "v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X";
    /** Digits of an id field of 32 bits, as file2alias.c's ADD prints a {@code __u32} ({@code %08X}). */
    private static final int ID_DIGITS = 8;
    /** Digits of a class byte, as file2alias.c's ADD prints an {@code unsigned char} ({@code %02X}). */
    private static final int BYTE_DIGITS = 2;
    /** The length of a MODALIAS: the prefix, the field names and the digits. */
    private static final int MODALIAS_LENGTH = 53;
    /** file2alias.c's ADD for a field the entry does not match on, and add_wildcard's tail. */
    private static final String WILDCARD = "*";

    private PciAlias() {
    }

    /**
     * The MODALIAS of a function, as pci_uevent sends it.
     *
     * @param ids the function's ids
     * @return {@code pci:v...d...sv...sd...bc..sc..i..}
     */
    public static String modalias(PciIds ids) {
        // MODALIAS_FORMAT without a Formatter: one per uevent of every function
        StringBuilder sb = new StringBuilder(MODALIAS_LENGTH).append(PREFIX);
        UpperHex.append(sb.append('v'), ids.vendor(), ID_DIGITS);
        UpperHex.append(sb.append('d'), ids.device(), ID_DIGITS);
        UpperHex.append(sb.append("sv"), ids.subsystemVendor(), ID_DIGITS);
        UpperHex.append(sb.append("sd"), ids.subsystemDevice(), ID_DIGITS);
        UpperHex.append(sb.append("bc"), ids.baseClass(), BYTE_DIGITS);
        UpperHex.append(sb.append("sc"), ids.subClass(), BYTE_DIGITS);
        return UpperHex.append(sb.append('i'), ids.progIf(), BYTE_DIGITS).toString();
    }

    /**
     * The alias pattern of one id-table entry, as file2alias.c's do_pci_entry writes it.
     *
     * @param id the entry
     * @return the pattern; empty where file2alias writes none: a class-mask byte that is neither
     *     0 nor 0xff ({@link #problem} says so), or an override-only entry
     */
    public static Optional<String> pattern(PciDeviceId id) {
        if (problem(id).isPresent()) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder(PREFIX);
        add(sb, "v", id.vendor() != PciDeviceId.PCI_ANY_ID, ID_DIGITS, id.vendor());
        add(sb, "d", id.device() != PciDeviceId.PCI_ANY_ID, ID_DIGITS, id.device());
        add(sb, "sv", id.subvendor() != PciDeviceId.PCI_ANY_ID, ID_DIGITS, id.subvendor());
        add(sb, "sd", id.subdevice() != PciDeviceId.PCI_ANY_ID, ID_DIGITS, id.subdevice());
        addClassByte(sb, "bc", id, PCI_CLASS_BASE_SHIFT);
        addClassByte(sb, "sc", id, PCI_CLASS_SUB_SHIFT);
        addClassByte(sb, "i", id, 0);
        if (sb.charAt(sb.length() - 1) != '*') {
            sb.append(WILDCARD);
        }
        return Optional.of(sb.toString());
    }

    /**
     * Why an entry gets no alias pattern, if it gets none.
     *
     * @param id the entry
     * @return file2alias.c's reason ("Can't handle masks") naming the class mask, or the
     *     override-only rule; empty if the entry has a pattern
     */
    public static Optional<String> problem(PciDeviceId id) {
        if (id.overrideOnly()) {
            return Optional.of("entry " + id + " matches only through driver_override: it has no pci: alias");
        }
        for (int shift : new int[] {PCI_CLASS_BASE_SHIFT, PCI_CLASS_SUB_SHIFT, 0}) {
            int m = (id.classMask() >>> shift) & PCI_CLASS_BYTE_MASK;
            if (m != 0 && m != PCI_CLASS_BYTE_MASK) {
                return Optional.of(String.format("can't handle class mask %06X of entry %s: file2alias.c matches"
                        + " only whole bytes of the class", id.classMask(), id));
            }
        }
        return Optional.empty();
    }

    /**
     * The patterns of a whole table, in table order without repeats; entries that get none are
     * left out, and a C-style terminator ends the table as it ends do_pci_table's walk.
     *
     * @param table a driver's {@link PciDriver#idTable()}
     * @return its patterns
     */
    public static List<String> patterns(List<PciDeviceId> table) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (PciDeviceId id : table) {
            if (id.isTerminator()) {
                break;
            }
            pattern(id).ifPresent(out::add);
        }
        return new ArrayList<>(out);
    }

    /**
     * Does a pattern cover a function's alias? kmod's {@code fnmatch(pattern, alias, 0)}.
     *
     * @param pattern an entry's pattern, {@link #pattern}
     * @param modalias a function's alias, {@link #modalias}
     * @return true if modprobe would load the pattern's module for the function
     */
    public static boolean matches(String pattern, String modalias) {
        return Modalias.matches(pattern, modalias);
    }

    private static void add(StringBuilder sb, String field, boolean present, int digits, int value) {
        sb.append(field);
        if (present) {
            UpperHex.append(sb, value, digits);
        } else {
            sb.append(WILDCARD);
        }
    }

    private static void addClassByte(StringBuilder sb, String field, PciDeviceId id, int shift) {
        boolean whole = ((id.classMask() >>> shift) & PCI_CLASS_BYTE_MASK) == PCI_CLASS_BYTE_MASK;
        add(sb, field, whole, BYTE_DIGITS, (id.classCode() >>> shift) & PCI_CLASS_BYTE_MASK);
    }
}
