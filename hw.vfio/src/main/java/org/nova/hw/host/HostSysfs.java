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
import org.nova.hw.HwException;
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
 * closed before returning: nothing stays open.
 */
final class HostSysfs {
    /** Resource flag: I/O port space (include/linux/ioport.h IORESOURCE_IO). */
    static final long IORESOURCE_IO = 0x100;
    /** Resource flag: memory space (include/linux/ioport.h IORESOURCE_MEM). */
    static final long IORESOURCE_MEM = 0x200;
    /** Resource flag: prefetchable memory (include/linux/ioport.h IORESOURCE_PREFETCH). */
    static final long IORESOURCE_PREFETCH = 0x2000;
    /** Resource flag: a 64-bit memory BAR (include/linux/ioport.h IORESOURCE_MEM_64). */
    static final long IORESOURCE_MEM_64 = 0x100000;
    /** The radix of every number in the resource file ("0x%016llx", drivers/pci/pci-sysfs.c resource_show). */
    private static final int RESOURCE_RADIX = 16;
    /** Address order (see {@link SysfsAddresses#ORDER}). */
    static final Comparator<PciAddress> ORDER = SysfsAddresses.ORDER;

    private final Path sysfs;

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
        String[] f = line.trim().split("\\s+");
        if (f.length < 3) {
            return Optional.empty();
        }
        long start = Long.parseUnsignedLong(strip(f[0]), RESOURCE_RADIX);
        long end = Long.parseUnsignedLong(strip(f[1]), RESOURCE_RADIX);
        long flags = Long.parseUnsignedLong(strip(f[2]), RESOURCE_RADIX);
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

    private static String strip(String hex) {
        return hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
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
