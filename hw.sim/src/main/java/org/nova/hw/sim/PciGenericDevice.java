package org.nova.hw.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nova.hw.HwException;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciRegs;

/**
 * A generic PCI function whose identity comes from its configuration, as the kernel is tested
 * with devices made up for the purpose: vendor, device, class and revision (and the subsystem IDs
 * every model can strap), its BARs, and optionally a PCI Express capability with Function Level
 * Reset. Behind each BAR are scratch registers ({@link ScratchRegion}) that read back what was
 * written; a reset (FLR or the backend's) returns them to zero. It has INTA# and no MSI, no
 * threads and no DMA.
 *
 * <p>Options ({@value SimModels#PCI_GENERIC} model of {@value SimDeviceComponent#PID}):
 * {@value #OPT_VENDOR} and {@value #OPT_DEVICE} (16-bit hex, required), {@value #OPT_CLASS}
 * (24-bit hex: base class, subclass, prog-if), {@value #OPT_REVISION} (8-bit hex),
 * {@value #OPT_BARS} (comma-separated {@code INDEX:KIND:SIZE}, KIND one of mem32, mem64,
 * mem64-pref, io; SIZE a power of two in bytes, with an optional K, M or G suffix) and
 * {@value #OPT_FLR} (true for a PCIe function advertising FLR). Its subsystem IDs default to
 * QEMU's (1af4:1100), as QEMU gives every device that sets none.
 */
final class PciGenericDevice implements DeviceModel {
    /** Description ({@link org.nova.hw.PciFunction#model()}). */
    static final String DESCRIPTION = "generic PCI device";
    /** Option: vendor ID, 16-bit hex. */
    static final String OPT_VENDOR = "vendor";
    /** Option: device ID, 16-bit hex. */
    static final String OPT_DEVICE = "device";
    /** Option: class code, 24-bit hex (the kernel's sysfs {@code class}). */
    static final String OPT_CLASS = "class";
    /** Option: revision ID, 8-bit hex. */
    static final String OPT_REVISION = "revision";
    /** Option: the BARs, comma-separated {@code INDEX:KIND:SIZE}. */
    static final String OPT_BARS = "bars";
    /** Option: a PCI Express capability with Function Level Reset ("true" or "false"). */
    static final String OPT_FLR = "flr";
    /** Every option, for the configuration component. */
    static final List<String> OPTIONS = List.of(OPT_VENDOR, OPT_DEVICE, OPT_CLASS, OPT_REVISION, OPT_BARS, OPT_FLR);
    /** Default class: base class ff, "device does not fit in any defined class" (PCI Code and ID Assignment Spec 1.x, 1). */
    static final String DEFAULT_CLASS = "ff0000";
    /** Default BARs: one 4 KiB 32-bit memory BAR. */
    static final String DEFAULT_BARS = "0:mem32:4K";

    /** Widest vendor or device ID: 16 bits. */
    private static final int ID_BITS = Short.SIZE;
    /** Widest class code: 24 bits (PCI_CLASS_REVISION bits 31:8). */
    private static final int CLASS_BITS = 24;
    /** Widest revision ID: 8 bits. */
    private static final int REVISION_BITS = Byte.SIZE;
    /** Vendor ID 0xffff reads as "no function here" (PCI Local Bus Spec 3.0, 6.2.1), so no device may have it. */
    private static final int VENDOR_ABSENT = 0xffff;
    /** Hex numbers are written with or without this prefix. */
    private static final String HEX_PREFIX = "0x";
    /** Hex radix. */
    private static final int HEX = 16;
    /** Size suffixes: K, M, G shift by 10, 20, 30 bits. */
    private static final String SIZE_SUFFIXES = "KMG";
    /** Bits each size suffix shifts by. */
    private static final int SUFFIX_BITS = 10;
    /** Fields of one BAR item: INDEX:KIND:SIZE. */
    private static final int BAR_FIELDS = 3;

    /**
     * The parsed options.
     *
     * @param vendor    vendor ID
     * @param device    device ID
     * @param classCode 24-bit class code
     * @param revision  revision ID
     * @param bars      the BARs
     * @param flr       whether the function is PCIe with FLR
     */
    record Options(int vendor, int device, int classCode, int revision, List<BarSpec> bars, boolean flr) {
        /** Copies the BARs. */
        Options {
            bars = List.copyOf(bars);
        }
    }

    private final Options options;
    private final ScratchRegion[] regions = new ScratchRegion[RegionInfo.BAR_COUNT];

    /** @param options the parsed options ({@link #parse}) */
    PciGenericDevice(Options options) {
        this.options = options;
        for (BarSpec bar : options.bars()) {
            regions[bar.index()] = new ScratchRegion(bar.size());
        }
    }

    /**
     * @param options the configuration's options
     * @return the parsed options
     * @throws HwException EINVAL naming the option and the value it refuses
     */
    static Options parse(Map<String, String> options) {
        int vendor = hex(options, OPT_VENDOR, null, ID_BITS);
        if (vendor == VENDOR_ABSENT) {
            throw new HwException(HwException.EINVAL, OPT_VENDOR + ": ffff is what config space reads when no "
                    + "function is present, not a vendor ID");
        }
        int device = hex(options, OPT_DEVICE, null, ID_BITS);
        int classCode = hex(options, OPT_CLASS, DEFAULT_CLASS, CLASS_BITS);
        int revision = hex(options, OPT_REVISION, "0", REVISION_BITS);
        List<BarSpec> bars = bars(options.getOrDefault(OPT_BARS, DEFAULT_BARS));
        String flr = options.getOrDefault(OPT_FLR, "false").trim().toLowerCase(Locale.ROOT);
        if (!flr.equals("true") && !flr.equals("false")) {
            throw new HwException(HwException.EINVAL, OPT_FLR + ": '" + flr + "' is neither true nor false");
        }
        return new Options(vendor, device, classCode, revision, bars, Boolean.parseBoolean(flr));
    }

    private static int hex(Map<String, String> options, String key, String def, int bits) {
        String v = options.get(key);
        if (v == null || v.isBlank()) {
            if (def == null) {
                throw new HwException(HwException.EINVAL, key + ": " + SimModels.PCI_GENERIC + " needs a " + key
                        + " ID (hex)");
            }
            v = def;
        }
        String t = v.trim();
        String digits = t.regionMatches(true, 0, HEX_PREFIX, 0, HEX_PREFIX.length()) ? t.substring(HEX_PREFIX.length()) : t;
        try {
            long n = Long.parseLong(digits, HEX);
            if (n < 0 || n >= 1L << bits || digits.startsWith("+")) {
                throw new NumberFormatException();
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new HwException(HwException.EINVAL, key + ": '" + v + "' is not a " + bits + "-bit hex number");
        }
    }

    /** @return the BARs of an {@value #OPT_BARS} value; empty for a blank one */
    static List<BarSpec> bars(String value) {
        List<BarSpec> bars = new ArrayList<>();
        if (value.isBlank()) {
            return bars;
        }
        for (String item : value.split(",")) {
            String[] f = item.trim().split(":");
            if (f.length != BAR_FIELDS) {
                throw badBar(item, "not INDEX:KIND:SIZE");
            }
            int index;
            long size;
            try {
                index = Integer.parseInt(f[0].trim());
                size = size(f[2].trim());
            } catch (NumberFormatException e) {
                throw badBar(item, "INDEX is a number 0..5, SIZE a number of bytes with an optional K, M or G");
            }
            try {
                bars.add(switch (f[1].trim().toLowerCase(Locale.ROOT)) {
                    case "mem32" -> BarSpec.mem32(index, size);
                    case "mem64" -> BarSpec.mem64(index, size, false);
                    case "mem64-pref" -> BarSpec.mem64(index, size, true);
                    case "io" -> BarSpec.io(index, size);
                    default -> throw badBar(item, "KIND is one of mem32, mem64, mem64-pref, io");
                });
            } catch (IllegalArgumentException e) {
                throw badBar(item, e.getMessage());
            }
        }
        // the layout checks (overlapping BARs, a 64-bit BAR's upper half) are the builder's
        try {
            ConfigSpaceBuilder b = ConfigSpace.builder(PciRegs.PCI_CFG_SPACE_SIZE);
            bars.forEach(b::bar);
        } catch (IllegalArgumentException e) {
            throw new HwException(HwException.EINVAL, OPT_BARS + ": '" + value + "': " + e.getMessage());
        }
        return bars;
    }

    private static long size(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        int shift = 0;
        if (!t.isEmpty() && SIZE_SUFFIXES.indexOf(t.charAt(t.length() - 1)) >= 0) {
            shift = (SIZE_SUFFIXES.indexOf(t.charAt(t.length() - 1)) + 1) * SUFFIX_BITS;
            t = t.substring(0, t.length() - 1);
        }
        long n = Long.decode(t);
        if (n <= 0 || Long.numberOfLeadingZeros(n) <= shift) {
            throw new NumberFormatException(text);
        }
        return n << shift;
    }

    private static HwException badBar(String item, String why) {
        return new HwException(HwException.EINVAL, OPT_BARS + ": '" + item.trim() + "': " + why);
    }

    /** @return the parsed options */
    Options options() {
        return options;
    }

    @Override
    public String description() {
        return DESCRIPTION;
    }

    @Override
    public ConfigSpace createConfigSpace() {
        ConfigSpaceBuilder b = ConfigSpace.builder(options.flr() ? PciRegs.PCI_CFG_SPACE_EXP_SIZE
                        : PciRegs.PCI_CFG_SPACE_SIZE)
                .vendor(options.vendor())
                .device(options.device())
                .revision(options.revision())
                .classCode(options.classCode())
                .subsystem(QemuIds.PCI_SUBVENDOR_ID_REDHAT_QUMRANET, QemuIds.PCI_SUBDEVICE_ID_QEMU)
                .interruptPin(PciRegs.PCI_INTERRUPT_PIN_INTA);
        options.bars().forEach(b::bar);
        if (options.flr()) {
            b.express(true);
        }
        return b.build();
    }

    @Override
    public Region region(int index) {
        return index < regions.length ? regions[index] : null;
    }

    @Override
    public void start(DeviceContext context) {
        // no threads, interrupts or DMA of its own
    }

    /** Every scratch register back to zero. */
    @Override
    public void reset() {
        for (ScratchRegion r : regions) {
            if (r != null) {
                r.clear();
            }
        }
    }

    @Override
    public void stop() {
        // nothing runs
    }
}
