package org.nova.hw.vfio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import org.nova.hw.HwException;
import org.nova.hw.linux.SysfsAddresses;
import org.nova.hw.pci.PciAddress;

/**
 * Discovery of PCI functions bound to vfio-pci through sysfs, and of the VFIO group node each one
 * is reached through. The roots are parameters so tests can use a fake tree in a temporary
 * directory.
 *
 * <p>Facts used: /sys/bus/pci/drivers/vfio-pci/ holds a symlink per bound function, named by its
 * address; /sys/bus/pci/devices/ADDR/driver links to the bound driver, iommu_group to
 * /sys/kernel/iommu_groups/N; the group node is /dev/vfio/N, or /dev/vfio/noiommu-N when
 * vfio's no-IOMMU mode created the group (drivers/vfio/group.c vfio_group_alloc).
 */
final class SysfsPci {
    /** The driver name of vfio-pci (drivers/vfio/pci/vfio_pci.c). */
    static final String VFIO_PCI = "vfio-pci";
    /** The directory of VFIO's device nodes under /dev (drivers/vfio/group.c vfio_devnode "vfio/%s"). */
    static final String VFIO_DEV_DIR = "vfio";
    /** The container node's name in that directory (drivers/vfio/container.c, miscdevice nodename "vfio/vfio"). */
    static final String VFIO_CONTAINER = "vfio";
    /** The name prefix of a group node vfio's no-IOMMU mode created (drivers/vfio/group.c vfio_group_alloc). */
    static final String NOIOMMU_PREFIX = "noiommu-";
    /** Address order (see {@link SysfsAddresses#ORDER}). */
    static final Comparator<PciAddress> ORDER = SysfsAddresses.ORDER;

    private final Path sysfs;
    private final Path dev;

    /**
     * @param sysfs the sysfs mount, normally /sys
     * @param dev   the devtmpfs mount, normally /dev
     */
    SysfsPci(Path sysfs, Path dev) {
        this.sysfs = sysfs;
        this.dev = dev;
    }

    /** The real system's roots. */
    static SysfsPci system() {
        return new SysfsPci(Path.of("/sys"), Path.of("/dev"));
    }

    /** What sysfs says about one function. */
    record Candidate(PciAddress address, int vendor, int device, int classCode, String driver,
                     int group, Path groupNode, boolean noiommu) {
    }

    /** @return the directory of VFIO's nodes, /dev/vfio */
    Path vfioDir() {
        return dev.resolve(VFIO_DEV_DIR);
    }

    /** @return the VFIO container node, /dev/vfio/vfio */
    Path containerNode() {
        return vfioDir().resolve(VFIO_CONTAINER);
    }

    /** @return the sysfs directory of a function */
    Path deviceDir(PciAddress a) {
        return sysfs.resolve("bus/pci/devices").resolve(a.toString());
    }

    /** @return the addresses bound to vfio-pci now, sorted; empty if vfio-pci is not loaded */
    List<PciAddress> boundToVfio() {
        return SysfsAddresses.list(sysfs.resolve("bus/pci/drivers").resolve(VFIO_PCI));
    }

    /** @return every PCI function sysfs lists, sorted */
    List<PciAddress> allFunctions() {
        return SysfsAddresses.list(sysfs.resolve("bus/pci/devices"));
    }

    /**
     * Describes a function that is to be opened through VFIO.
     *
     * @throws HwException ENODEV if sysfs does not list it, EBUSY if it is bound to another
     *                     driver (or none), ENOENT if it has no IOMMU group or the group node
     *                     is missing; each message names the function and the reason
     */
    Candidate describe(PciAddress a) {
        Path d = deviceDir(a);
        if (!Files.isDirectory(d)) {
            throw new HwException(HwException.ENODEV, a + ": no such PCI function in " + d.getParent());
        }
        String driver = linkName(d.resolve("driver"));
        if (!VFIO_PCI.equals(driver)) {
            throw new HwException(HwException.EBUSY, a + " is " + (driver == null ? "bound to no driver"
                    : "bound to " + driver) + ", not " + VFIO_PCI + " (bind it: echo " + VFIO_PCI
                    + " > " + d.resolve("driver_override") + "; echo " + a + " > "
                    + sysfs.resolve("bus/pci/drivers_probe") + ")");
        }
        String groupName = linkName(d.resolve("iommu_group"));
        if (groupName == null) {
            throw new HwException(HwException.ENOENT, a + " has no IOMMU group: the kernel has no IOMMU"
                    + " for it and vfio's no-IOMMU mode is off (vfio.enable_unsafe_noiommu_mode)");
        }
        int group;
        try {
            group = Integer.parseInt(groupName);
        } catch (NumberFormatException e) {
            throw new HwException(HwException.EINVAL, a + ": IOMMU group '" + groupName + "' is not a number");
        }
        Path node = vfioDir().resolve(Integer.toString(group));
        Path noiommuNode = vfioDir().resolve(NOIOMMU_PREFIX + group);
        boolean noiommu = false;
        if (!Files.exists(node)) {
            if (Files.exists(noiommuNode)) {
                node = noiommuNode;
                noiommu = true;
            } else {
                throw new HwException(HwException.ENOENT, a + ": IOMMU group " + group + " has no node "
                        + node + " (nor " + noiommuNode + ")");
            }
        }
        return new Candidate(a, readHex(d.resolve("vendor")), readHex(d.resolve("device")),
                readHex(d.resolve("class")), driver, group, node, noiommu);
    }

    /** @return the file name a symlink points to, or null if it does not exist */
    static String linkName(Path link) {
        return SysfsAddresses.linkName(link);
    }

    /** @return a sysfs attribute "0x1234\n" as an int, or -1 if unreadable */
    static int readHex(Path p) {
        try {
            String s = Files.readString(p).trim();
            if (s.startsWith("0x") || s.startsWith("0X")) {
                s = s.substring(2);
            }
            return (int) Long.parseLong(s, 16);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Asks the kernel to unbind a function from its driver (sysfs unbind). For a vfio-pci
     * function in use the write blocks until the user releases the device: the kernel signals
     * VFIO_PCI_REQ_IRQ_INDEX meanwhile.
     */
    void unbindFromDriver(PciAddress a) throws IOException {
        Path d = deviceDir(a);
        String driver = linkName(d.resolve("driver"));
        if (driver == null) {
            return;
        }
        Files.writeString(d.resolve("driver/unbind"), a.toString());
    }

    /** Binds a function to vfio-pci through driver_override and drivers_probe. */
    void bindToVfio(PciAddress a) throws IOException {
        Path d = deviceDir(a);
        Files.writeString(d.resolve("driver_override"), VFIO_PCI);
        if (!VFIO_PCI.equals(linkName(d.resolve("driver")))) {
            Files.writeString(sysfs.resolve("bus/pci/drivers_probe"), a.toString());
        }
    }
}
