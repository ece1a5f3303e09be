package org.nova.bus.pci.internal.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PCI ID database (the pci.ids file pciutils reads, Debian package {@code pci.ids}): names of
 * vendors, devices, subsystems, classes, subclasses and programming interfaces, and the text
 * lspci makes of them in each name mode (pciutils lib/names.c {@code pci_lookup_name}). Parsed
 * once; {@link #system()} loads the system's file lazily, or is empty when there is none.
 *
 * <p>File format (pciutils lib/names-parse.c): '#' comments and blank lines are ignored; a vendor
 * line is "vvvv  name", its devices follow as "\tdddd  name", their subsystems as
 * "\t\tssvv ssdd  name"; a class line is "C cc  name", its subclasses "\tss  name", their
 * programming interfaces "\t\tpp  name".
 */
public final class PciNames {
    private static final Logger LOG = LoggerFactory.getLogger(PciNames.class);

    /** Where Debian's pci.ids (and hwdata's) put the file, in pciutils' order of preference. */
    static final List<Path> SYSTEM_PATHS = List.of(Path.of("/usr/share/misc/pci.ids"),
            Path.of("/usr/share/hwdata/pci.ids"), Path.of("/usr/share/pci.ids"));

    /** Name modes of lib/names.c: names only, numbers only (-n, PCI_LOOKUP_NUMERIC), both (-nn, PCI_LOOKUP_MIXED). */
    static final int NAMES = 0;
    static final int NUMERIC = 1;
    static final int MIXED = 2;
    /** Radix of every id in the file. */
    private static final int HEX = 16;
    /** Bits of one 16-bit id when ids are packed into a key. */
    private static final int ID_BITS = 16;
    /** Bits of one 8-bit class field when packed into a key. */
    private static final int CLASS_BITS = 8;
    /** Class lines start with this. */
    private static final String CLASS_PREFIX = "C ";

    private static final PciNames EMPTY = new PciNames();

    private final Map<Integer, String> vendors = new HashMap<>();
    private final Map<Long, String> devices = new HashMap<>();
    private final Map<Long, String> subsystems = new HashMap<>();
    private final Map<Integer, String> classes = new HashMap<>();
    private final Map<Integer, String> subclasses = new HashMap<>();
    private final Map<Integer, String> progIfs = new HashMap<>();

    private PciNames() {
    }

    /** @return a database without any name: lookups all miss */
    public static PciNames empty() {
        return EMPTY;
    }

    /** The system's database, parsed on first use. */
    private static final class Holder {
        static final PciNames SYSTEM = loadSystem();
    }

    /** @return the system's database, or {@link #empty()} if no pci.ids file exists or it cannot be read */
    public static PciNames system() {
        return Holder.SYSTEM;
    }

    private static PciNames loadSystem() {
        for (Path p : SYSTEM_PATHS) {
            if (Files.isReadable(p)) {
                try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                    PciNames n = parse(r);
                    LOG.debug("pci.ids: {} vendors from {}", n.vendors.size(), p);
                    return n;
                } catch (IOException | RuntimeException e) {
                    LOG.warn("pci.ids: {} not usable: {}", p, e.toString());
                }
            }
        }
        return EMPTY;
    }

    /**
     * Parses a pci.ids text. Malformed lines are skipped, as pciutils skips what it cannot parse
     * in a lenient way.
     *
     * @throws IOException from the reader
     */
    public static PciNames parse(Reader in) throws IOException {
        PciNames n = new PciNames();
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        int vendor = -1;
        int device = -1;
        int cls = -1;
        int sub = -1;
        boolean inClasses = false;
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tabs = 0;
            while (tabs < line.length() && line.charAt(tabs) == '\t') {
                tabs++;
            }
            String body = line.substring(tabs);
            if (tabs == 0) {
                device = -1;
                sub = -1;
                if (body.startsWith(CLASS_PREFIX)) {
                    inClasses = true;
                    vendor = -1;
                    String[] kv = split(body.substring(CLASS_PREFIX.length()));
                    cls = kv == null ? -1 : hex(kv[0]);
                    if (cls >= 0) {
                        n.classes.put(cls, kv[1]);
                    }
                } else if (body.length() > 1 && body.charAt(1) == ' ' && !isHex(body.charAt(0))) {
                    // another section ("X ..."), unknown to us
                    inClasses = false;
                    vendor = -1;
                    cls = -1;
                } else {
                    inClasses = false;
                    cls = -1;
                    String[] kv = split(body);
                    vendor = kv == null ? -1 : hex(kv[0]);
                    if (vendor >= 0) {
                        n.vendors.put(vendor, kv[1]);
                    }
                }
            } else if (tabs == 1) {
                sub = -1;
                String[] kv = split(body);
                int id = kv == null ? -1 : hex(kv[0]);
                if (id < 0) {
                    continue;
                }
                if (inClasses && cls >= 0) {
                    sub = id;
                    n.subclasses.put(cls << CLASS_BITS | id, kv[1]);
                } else if (!inClasses && vendor >= 0) {
                    device = id;
                    n.devices.put(key(vendor, device), kv[1]);
                }
            } else if (tabs == 2) {
                if (inClasses && cls >= 0 && sub >= 0) {
                    String[] kv = split(body);
                    int pi = kv == null ? -1 : hex(kv[0]);
                    if (pi >= 0) {
                        n.progIfs.put((cls << CLASS_BITS | sub) << CLASS_BITS | pi, kv[1]);
                    }
                } else if (!inClasses && vendor >= 0 && device >= 0) {
                    String[] t = body.strip().split("\\s+", 3);
                    if (t.length == 3) {
                        int sv = hex(t[0]);
                        int sd = hex(t[1]);
                        if (sv >= 0 && sd >= 0) {
                            n.subsystems.put(key(vendor, device, sv, sd), t[2].strip());
                        }
                    }
                }
            }
        }
        return n;
    }

    /** Splits "id  name" (or "id name") at the first run of spaces; null if there is no name. */
    private static String[] split(String s) {
        int sp = s.indexOf(' ');
        if (sp <= 0) {
            return null;
        }
        String name = s.substring(sp).strip();
        return name.isEmpty() ? null : new String[] {s.substring(0, sp), name};
    }

    private static boolean isHex(char c) {
        return Character.digit(c, HEX) >= 0;
    }

    private static int hex(String s) {
        try {
            return Integer.parseInt(s, HEX);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long key(int vendor, int device) {
        return (long) vendor << ID_BITS | device;
    }

    private static long key(int vendor, int device, int sv, int sd) {
        return ((((long) vendor << ID_BITS | device) << ID_BITS | sv) << ID_BITS) | sd;
    }

    /** @return the vendor's name, or null */
    public String vendor(int vendor) {
        return vendors.get(vendor);
    }

    /** @return the device's name, or null */
    public String device(int vendor, int device) {
        return devices.get(key(vendor, device));
    }

    /**
     * {@code id_lookup_subsys} without the generic table: the per-device subsystem name, else the
     * device's own name when the subsystem ids equal the device ids.
     *
     * @return the name, or null
     */
    public String subsystem(int vendor, int device, int subVendor, int subDevice) {
        String s = subsystems.get(key(vendor, device, subVendor, subDevice));
        if (s == null && vendor == subVendor && device == subDevice) {
            s = device(vendor, device);
        }
        return s;
    }

    /** @return the base class's name, or null */
    public String baseClass(int base) {
        return classes.get(base);
    }

    /** @return the subclass's name, or null; {@code cls} is base &lt;&lt; 8 | sub */
    public String subClass(int cls) {
        return subclasses.get(cls);
    }

    /** @return the programming interface's name, or null; {@code cls} is base &lt;&lt; 8 | sub */
    public String progIf(int cls, int progIf) {
        return progIfs.get(cls << CLASS_BITS | progIf);
    }

    /** @return true if the database has no entry at all */
    public boolean isEmpty() {
        return vendors.isEmpty() && classes.isEmpty();
    }

    // ---- the names lspci prints (lib/names.c pci_lookup_name) ------------------------------------

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
    String className(int numeric, int cls16) {
        String num = String.format("%04x", cls16);
        String name = subClass(cls16);
        int mode = numeric;
        if (name == null) {
            name = baseClass(cls16 >>> Byte.SIZE);
            if (name != null && numeric != NUMERIC) {
                mode = MIXED;
            }
        }
        return formatName(mode, name, num, "Class");
    }

    /** PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE. */
    String deviceName(int numeric, int vendor, int device) {
        return formatPair(numeric, vendor(vendor), device(vendor, device),
                String.format("%04x:%04x", vendor, device));
    }

    /** PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE. */
    String subsystemName(int numeric, int vendor, int device, int sv, int sd) {
        return formatPair(numeric, vendor(sv), subsystem(vendor, device, sv, sd),
                String.format("%04x:%04x", sv, sd));
    }
}
