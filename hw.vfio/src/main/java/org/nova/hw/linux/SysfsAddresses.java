package org.nova.hw.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;

/**
 * PCI addresses as Linux's sysfs names them (/sys/bus/pci/devices/DDDD:BB:DD.F, the entries of a
 * driver's directory, a VF's physfn link) and the names its links point to (driver,
 * iommu_group), shared by the VFIO backend and the read-only host backend. Private to this bundle.
 */
public final class SysfsAddresses {
    /** A sysfs PCI device name: DDDD:BB:DD.F in hex (drivers/pci/probe.c, pci_setup_device's dev_set_name). */
    private static final Pattern BDF = Pattern.compile("\\p{XDigit}{4}:\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7]");

    /** Address order: domain, then routing ID (bus, device, function), as lspci lists them. */
    public static final Comparator<PciAddress> ORDER =
            Comparator.comparingInt(PciAddress::domain).thenComparingInt(PciAddress::routingId);

    private SysfsAddresses() {
    }

    /**
     * @param dir a directory whose entries include PCI device names (the devices list, a driver)
     * @return the addresses it lists, in {@link #ORDER}; empty if the directory does not exist
     * @throws HwException EIO if it cannot be listed
     */
    public static List<PciAddress> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<PciAddress> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> BDF.matcher(n).matches())
                    .map(PciAddress::parse).forEach(out::add);
        } catch (IOException e) {
            throw new HwException(HwException.EIO, "cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(ORDER);
        return Collections.unmodifiableList(out);
    }

    /** @return the file name a symbolic link (driver, iommu_group) points to, or null if there is no such link */
    public static String linkName(Path link) {
        try {
            if (!Files.isSymbolicLink(link)) {
                return null;
            }
            Path name = Files.readSymbolicLink(link).getFileName();
            return name == null ? null : name.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** @return the address a symbolic link such as physfn points to, or null if it is none */
    public static PciAddress linkTarget(Path link) {
        String t = linkName(link);
        return t == null || !BDF.matcher(t).matches() ? null : PciAddress.parse(t);
    }
}
