package org.nova.hw.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nova.hw.HwException;
import org.nova.hw.SysfsPciDevice;
import org.nova.hw.SysfsPciDevice.Resource;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.nova.hw.linux.SysfsAddresses;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;

/**
 * Read-only access to the PCI functions the running kernel lists in sysfs: the directory
 * {@code bus/pci/devices/dddd:bb:dd.f} of each, its {@code config} file (the kernel lets an
 * unprivileged reader see the first 64 bytes, 128 for a CardBus bridge, and root all of it;
 * drivers/pci/pci-sysfs.c pci_read_config), its {@code resource} file (one line per resource:
 * start, end, flags; lines 0..5 are the BARs, 6 the expansion ROM) and its {@code physfn} link.
 * The root is a parameter so tests can use a fake tree. Every file is opened per access and
 * closed before returning: nothing stays open. Config space is read as pciutils' lib/sysfs.c
 * reads it: one open and one read of the whole block ({@link #readConfig}); the other facts
 * lspci shows come from the attributes lib/sysfs.c reads ({@link #attributes}).
 */
final class HostSysfs {
    /** Resource flag: I/O port space. */
    static final long IORESOURCE_IO = Resource.IORESOURCE_IO;
    /** Resource flag: memory space. */
    static final long IORESOURCE_MEM = Resource.IORESOURCE_MEM;
    /** Resource flag: prefetchable memory. */
    static final long IORESOURCE_PREFETCH = Resource.IORESOURCE_PREFETCH;
    /** Resource flag: a 64-bit memory BAR. */
    static final long IORESOURCE_MEM_64 = Resource.IORESOURCE_MEM_64;
    /** strtol's base for a number with a leading 0 (C11 7.22.1.4). */
    private static final int OCTAL_RADIX = 8;
    /** The address file of a /sys/bus/pci/slots entry: "dddd:bb:dd" (drivers/pci/slot.c address_read_file). */
    private static final Pattern SLOT_ADDRESS = Pattern.compile("(\\p{XDigit}+):(\\p{XDigit}+):(\\p{XDigit}+)");
    /** The radix of every number in the resource file ("0x%016llx", drivers/pci/pci-sysfs.c resource_show). */
    private static final int RESOURCE_RADIX = 16;
    /** Address order (see {@link SysfsAddresses#ORDER}). */
    static final Comparator<PciAddress> ORDER = SysfsAddresses.ORDER;

    /** How long one scan of /sys/bus/pci/slots serves (see {@link #slots}). */
    private static final long SLOT_SCAN_REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** One scan of the slots: when it was made, and the slot name by domain, bus and device. */
    private record SlotScan(long at, Map<Long, String> byAddress) {
    }

    private final Path sysfs;
    private volatile SlotScan slotScan;

    /** @param sysfs the sysfs mount, normally /sys */
    HostSysfs(Path sysfs) {
        this.sysfs = sysfs;
    }

    /** The real system's sysfs. */
    static HostSysfs system() {
        return new HostSysfs(Path.of("/sys"));
    }

    Path root() {
        return sysfs;
    }

    /** @return the sysfs directory of a function */
    Path deviceDir(PciAddress a) {
        return sysfs.resolve("bus/pci/devices").resolve(a.toString());
    }

    /** @return every function sysfs lists now, in address order; empty without a PCI bus */
    List<PciAddress> functions() {
        return SysfsAddresses.list(sysfs.resolve("bus/pci/devices"));
    }

    /**
     * @return the config space size the kernel exposes (the config file's size: 256 or 4096)
     * @throws HwException ENODEV if the function is gone
     */
    int configSize(PciAddress a) {
        Path f = deviceDir(a).resolve("config");
        try {
            long size = Files.size(f);
            return size >= PciRegs.PCI_CFG_SPACE_EXP_SIZE ? PciRegs.PCI_CFG_SPACE_EXP_SIZE : PciRegs.PCI_CFG_SPACE_SIZE;
        } catch (NoSuchFileException e) {
            throw new HwException(HwException.ENODEV, a + ": no longer listed in " + f.getParent().getParent());
        } catch (IOException e) {
            throw new HwException(HwException.EIO, a + ": cannot stat " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads config space from the config file: as many bytes as the kernel lets this process
     * read (a short read for an unprivileged reader), the rest of {@code length} stays zero.
     *
     * @return {@code length} bytes from offset
     */
    byte[] readConfig(PciAddress a, int offset, int length) {
        Path f = deviceDir(a).resolve("config");
        byte[] out = new byte[length];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer bb = ByteBuffer.wrap(out);
            long pos = offset;
            while (bb.hasRemaining()) {
                int n = ch.read(bb, pos);
                if (n <= 0) {
                    break;
                }
                pos += n;
            }
        } catch (NoSuchFileException e) {
            throw new HwException(HwException.ENODEV, a + ": no longer listed (" + f + " is gone)");
        } catch (IOException e) {
            throw new HwException(HwException.EIO, a + ": cannot read " + f + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * @param index 0..5 for a BAR, {@link RegionInfo#ROM_INDEX} for the expansion ROM
     * @return the region from the resource file, or empty if the function does not implement it
     */
    Optional<RegionInfo> region(PciAddress a, int index) {
        Path f = deviceDir(a).resolve("resource");
        List<String> lines;
        try {
            lines = Files.readAllLines(f);
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(deviceDir(a))) {
                throw new HwException(HwException.ENODEV, a + ": no longer listed in " + deviceDir(a).getParent());
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new HwException(HwException.EIO, a + ": cannot read " + f + ": " + e.getMessage(), e);
        }
        if (index >= lines.size()) {
            return Optional.empty();
        }
        return parseResource(index, lines.get(index));
    }

    /** Parses one resource line "0x%016llx 0x%016llx 0x%016llx" (start, end, flags). */
    static Optional<RegionInfo> parseResource(int index, String line) {
        Resource r = parseLine(line);
        long start = r.start();
        long end = r.end();
        long flags = r.flags();
        if ((start == 0 && end == 0) || (flags & (IORESOURCE_IO | IORESOURCE_MEM)) == 0) {
            return Optional.empty();
        }
        Set<RegionFlag> fl = EnumSet.of(RegionFlag.READ);
        if ((flags & IORESOURCE_IO) != 0) {
            fl.add(RegionFlag.IO);
        } else {
            fl.add(RegionFlag.MEMORY);
            if ((flags & IORESOURCE_PREFETCH) != 0) {
                fl.add(RegionFlag.PREFETCHABLE);
            }
            if ((flags & IORESOURCE_MEM_64) != 0) {
                fl.add(RegionFlag.MEM64);
            }
        }
        return Optional.of(new RegionInfo(index, end - start + 1, fl));
    }

    /** Parses one resource line "0x%016llx 0x%016llx 0x%016llx"; a line that is not three numbers is no resource. */
    static Resource parseLine(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 3) {
            return Resource.NONE;
        }
        return new Resource(Long.parseUnsignedLong(strip(f[0]), RESOURCE_RADIX),
                Long.parseUnsignedLong(strip(f[1]), RESOURCE_RADIX), Long.parseUnsignedLong(strip(f[2]), RESOURCE_RADIX));
    }

    private static String strip(String hex) {
        return hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    }

    /**
     * The facts pciutils' lib/sysfs.c reads for lspci: {@code irq}, {@code numa_node},
     * {@code resource}, the {@code driver} and {@code iommu_group} links, {@code modalias}, and the
     * /sys/bus/pci/slots entry whose address names the function's slot (sysfs_fill_slots: the
     * first entry in directory order).
     *
     * @throws HwException ENODEV if the function is gone, EIO if an attribute cannot be read
     */
    SysfsPciDevice attributes(PciAddress a) {
        Path dir = deviceDir(a);
        if (!Files.isDirectory(dir)) {
            throw new HwException(HwException.ENODEV, a + ": no longer listed in " + dir.getParent());
        }
        List<Resource> resources = new ArrayList<>();
        for (String line : lines(a, dir.resolve("resource"))) {
            resources.add(parseLine(line));
        }
        String irq = value(a, dir.resolve("irq"));
        String numa = value(a, dir.resolve("numa_node"));
        return new SysfsPciDevice(irq == null ? 0 : parseInt(irq), numa == null ? SysfsPciDevice.NO_NUMA_NODE : parseInt(numa),
                resources, Optional.ofNullable(driver(a)),
                Optional.ofNullable(SysfsAddresses.linkName(dir.resolve("iommu_group"))), physicalSlot(a),
                Optional.ofNullable(value(a, dir.resolve("modalias"))));
    }

    /** sysfs_get_value's strtol(buf, NULL, 0): decimal, 0x-hex or 0-octal, with a sign. */
    static int parseInt(String v) {
        String t = v.strip();
        boolean neg = t.startsWith("-");
        String u = neg || t.startsWith("+") ? t.substring(1) : t;
        int n;
        if (u.startsWith("0x") || u.startsWith("0X")) {
            n = Integer.parseUnsignedInt(u.substring(2), RESOURCE_RADIX);
        } else if (u.length() > 1 && u.startsWith("0")) {
            n = Integer.parseUnsignedInt(u.substring(1), OCTAL_RADIX);
        } else {
            n = Integer.parseInt(u);
        }
        return neg ? -n : n;
    }

    /** @return the first line of an attribute without its newline, or null if it does not exist */
    private static String value(PciAddress a, Path f) {
        List<String> l = lines(a, f);
        return l.isEmpty() ? null : l.get(0).strip();
    }

    private static List<String> lines(PciAddress a, Path f) {
        try {
            return Files.readAllLines(f);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new HwException(HwException.EIO, a + ": cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** @return the name of the first /sys/bus/pci/slots entry whose address is the function's domain:bus:device */
    private Optional<String> physicalSlot(PciAddress a) {
        return Optional.ofNullable(slots(a).get(slotKey(a.domain(), a.bus(), a.device())));
    }

    private static long slotKey(long domain, int bus, int device) {
        return domain << Integer.SIZE | (long) bus << Byte.SIZE | device;
    }

    /**
     * The slots by address, as lib/sysfs.c's sysfs_fill_slots reads them once for a whole
     * listing: a scan is reused for {@link #SLOT_SCAN_REUSE_NANOS}, long enough for the
     * snapshots of one listing, so the next listing scans again and sees a slot that came or went.
     */
    private Map<Long, String> slots(PciAddress a) {
        SlotScan scan = slotScan;
        long now = System.nanoTime();
        if (scan != null && now - scan.at() < SLOT_SCAN_REUSE_NANOS) {
            return scan.byAddress();
        }
        Map<Long, String> byAddress = new HashMap<>();
        Path slots = sysfs.resolve("bus/pci/slots");
        if (Files.isDirectory(slots)) {
            try (Stream<Path> s = Files.list(slots)) {
                for (Path slot : (Iterable<Path>) s::iterator) {
                    String name = slot.getFileName().toString();
                    String address = name.startsWith(".") ? null : value(a, slot.resolve("address"));
                    Matcher m = address == null ? null : SLOT_ADDRESS.matcher(address);
                    if (m != null && m.matches()) {
                        byAddress.putIfAbsent(slotKey(Long.parseLong(m.group(1), RESOURCE_RADIX),
                                Integer.parseInt(m.group(2), RESOURCE_RADIX), Integer.parseInt(m.group(3), RESOURCE_RADIX)), name);
                    }
                }
            } catch (IOException e) {
                throw new HwException(HwException.EIO, a + ": cannot list " + slots + ": " + e.getMessage(), e);
            }
        }
        slotScan = new SlotScan(now, Map.copyOf(byAddress));
        return slotScan.byAddress();
    }

    /** @return the name of the physical function of a virtual function, or null */
    PciAddress physfn(PciAddress a) {
        return SysfsAddresses.linkTarget(deviceDir(a).resolve("physfn"));
    }

    /** @return the bound kernel driver's name, or null */
    String driver(PciAddress a) {
        return SysfsAddresses.linkName(deviceDir(a).resolve("driver"));
    }

    boolean exists(PciAddress a) {
        return Files.isDirectory(deviceDir(a));
    }
}
