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

    /**
     * The sysfs {@code reset} attribute written with 1 (drivers/pci/pci-sysfs.c reset_store →
     * drivers/pci/pci.c pci_reset_function): under the device's lock the bound driver's
     * {@link PciDriver#resetPrepare} runs, config state is saved, the first of the device's reset
     * methods ({@link #resetMethod}) that works resets it, the state is restored and the driver's
     * {@link PciDriver#resetDone} runs. The driver stays bound. Nothing is touched when the device
     * has no reset method.
     *
     * @return the method that reset the device ("flr", "pm", ...)
     * @throws DriverException ENODEV for an unknown device; ENOTTY when it has no reset method;
     *     the backend's errno when the reset fails (EPERM from the read-only host backend), the
     *     state restored and the driver told
     */
    String reset(String device);

    /**
     * The sysfs {@code reset_method} attribute (drivers/pci/pci.c reset_method_show): the reset
     * methods the device tries, in order, space-separated, from device_specific, acpi, flr,
     * af_flr, pm, bus, cxl_bus; empty when it has none.
     *
     * @throws DriverException ENODEV for an unknown device
     */
    String resetMethod(String device);

    /**
     * Writes {@code reset_method} (reset_method_store): "default" restores every supported method
     * in the kernel's order, an empty value disables reset, otherwise the space-separated names
     * become the order.
     *
     * @throws DriverException ENODEV for an unknown device; EINVAL for a name that is not a reset
     *     method or one the device does not support (the methods are then unchanged)
     */
    void setResetMethod(String device, String value);

    /** @return the PCI device with that slot name ("0000:00:03.0"; "00:03.0" means domain 0) */
    Optional<PciDevice> device(String slot);

    /** @return the PCI device at that address, if the bus has it */
    Optional<PciDevice> device(PciAddress address);

    /** @return a snapshot of every present function, in address order */
    List<PciDeviceInfo> devices();
}
