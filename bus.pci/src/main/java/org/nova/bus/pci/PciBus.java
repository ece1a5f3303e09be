package org.nova.bus.pci;

import java.util.List;
import java.util.Optional;

import org.nova.driver.Bus;
import org.nova.driver.DriverException;
import org.nova.hw.pci.PciAddress;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The PCI bus's own sysfs operations, as an OSGi service for the shell and tests: the driver
 * attributes {@code new_id} / {@code remove_id}, the device attributes {@code sriov_numvfs} and
 * {@code sriov_drivers_autoprobe}, and a listing. Generic operations (bind, unbind,
 * driver_override) are on the core's {@link Bus} named {@value #NAME}.
 *
 * <p>Every operation either succeeds or throws {@link DriverException} with the
 * kernel's errno and changes nothing.
 */
@ProviderType
public interface PciBus {
    /** The bus name in the driver core. */
    String NAME = "pci";

    /**
     * {@code /sys/bus/pci/drivers/DRIVER/new_id}: adds a dynamic id, "vendor device [subvendor
     * subdevice class class_mask driver_data]" in hex (sscanf {@code "%x %x %x %x %x %x %lx"}),
     * then binds every unbound device it lets the driver match ({@code driver_attach}).
     * Missing subvendor/subdevice are {@link PciDeviceId#PCI_ANY_ID}, missing class, mask and data 0.
     *
     * @throws DriverException ENOENT for an unknown driver; EINVAL for fewer than
     *     two fields or a driver_data no static entry carries; EEXIST when fewer than seven fields
     *     are given and the driver already matches such a device
     */
    void newId(String driver, String fields);

    /**
     * {@code remove_id}: removes the first dynamic id equal to "vendor device [subvendor subdevice
     * class class_mask]" (subvendor/subdevice default to any, and the class compares under the
     * given mask). Does not unbind anything.
     *
     * @throws DriverException ENOENT for an unknown driver; EINVAL for fewer than
     *     two fields; ENODEV when no dynamic id is equal
     */
    void removeId(String driver, String fields);

    /**
     * @return the driver's dynamic ids, oldest first
     * @throws DriverException ENOENT for an unknown driver
     */
    List<PciDeviceId> dynamicIds(String driver);

    /**
     * {@code sriov_numvfs} write (drivers/pci/iov.c): a u16 in C notation (decimal, 0x hex, 0
     * octal, one trailing newline allowed). 0 disables; a value equal to the current count does
     * nothing; otherwise the PF driver's {@link PciDriver#sriovConfigure} enables that many.
     *
     * @throws DriverException ENODEV for an unknown device; ENOENT for a device
     *     without SR-IOV (no such attribute); EINVAL if the value is not a number; ERANGE if it
     *     does not fit a u16 (kstrtou16) or is above TotalVFs; ENOENT if no driver is bound or it does not support SR-IOV; EBUSY when enabling
     *     while VFs are enabled; the driver's error if sriov_configure fails
     */
    void sriovNumvfs(String device, String value);

    /**
     * {@code sriov_drivers_autoprobe}: whether VFs of this PF are probed automatically (default
     * on). Affects VFs added later.
     *
     * @throws DriverException ENODEV for an unknown device; ENOENT for a device
     *     without SR-IOV
     */
    void setSriovDriversAutoprobe(String device, boolean on);

    /** @return the current sriov_drivers_autoprobe of a PF (see {@link #setSriovDriversAutoprobe}) */
    boolean sriovDriversAutoprobe(String device);

    /** @return the PCI device with that slot name ("0000:00:03.0"; "00:03.0" means domain 0) */
    Optional<PciDevice> device(String slot);

    /** @return the PCI device at that address, if the bus has it */
    Optional<PciDevice> device(PciAddress address);

    /** @return a snapshot of every present function, in address order */
    List<PciDeviceInfo> devices();
}
