package org.nova.bus.pci.internal.shell;

import java.util.List;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.internal.SysfsInput;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo shell commands of the PCI bus (scope "pci"): {@code lspci}, {@code new_id},
 * {@code remove_id}, {@code sriov_numvfs}, {@code sriov_drivers_autoprobe}, {@code reset} and {@code reset_method}. A Gogo command is a plain service with the
 * {@code osgi.command.scope} and {@code osgi.command.function} properties; no Gogo API is needed.
 * Each command returns its whole output as one string and throws
 * {@link DriverException} (errno and reason) on bad input, which Gogo reports; arguments no
 * overload takes get EINVAL with the usage line.
 */
@Component(service = PciCommands.class, property = {
        "osgi.command.scope=pci",
        "osgi.command.function=lspci",
        "osgi.command.function=new_id",
        "osgi.command.function=remove_id",
        "osgi.command.function=sriov_numvfs",
        "osgi.command.function=sriov_drivers_autoprobe",
        "osgi.command.function=reset",
        "osgi.command.function=reset_method"})
public final class PciCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "pci";
    /** Parameter descriptor of a driver name. */
    private static final String DRIVER = "DRIVER: the PCI driver's name, as drv:drivers pci lists it";
    /** Parameter descriptor of new_id's and remove_id's fields. */
    private static final String FIELDS = "FIELDS: \"vendor device [subvendor subdevice class class_mask driver_data]\" in hex, quoted";

    /** Parameter descriptor of a physical function. */
    private static final String PF = "PCI: the physical function, as lspci -D prints it (0000:00:06.0)";
    /** Parameter descriptor of a device. */
    private static final String DEVICE = "PCI: the device, as lspci -D prints it (0000:00:06.0)";

    private final PciBus bus;

    @Activate
    public PciCommands(@Reference(name = "bus") PciBus bus) {
        this.bus = bus;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /** {@code lspci}: Gogo does not call a varargs method without arguments, hence this overload. */
    @Descriptor("list the PCI functions as pciutils' lspci does")
    public String lspci() {
        return lspci(new String[0]);
    }

    /** {@code lspci [-n|-nn] [-v|-vv] [-k] [-D] [-s SLOT] [-d VENDOR:DEVICE]}. */
    @Descriptor("list the PCI functions as pciutils' lspci does")
    public String lspci(@Descriptor("OPTION: -n, -nn, -v, -vv, -k, -D, -s [[[[<domain>]:]<bus>]:][<slot>][.[<func>]],"
            + " -d [<vendor>]:[<device>][:<class>]") String... args) {
        Lspci.Options o = Lspci.parse(args);
        return Lspci.format(bus.devices(), o, PciNames.system());
    }

    /** {@code pci:new_id DRIVER "vendor device [subvendor subdevice class class_mask driver_data]"}. */
    @Descriptor("add a dynamic id to a PCI driver (sysfs new_id); matching unbound devices are probed")
    public String new_id(@Descriptor(DRIVER) String driver, @Descriptor(FIELDS) String fields) {
        bus.newId(driver, fields);
        return dynamicIds(driver, bus.dynamicIds(driver));
    }

    /** {@code pci:remove_id DRIVER "vendor device [subvendor subdevice class class_mask]"}. */
    @Descriptor("remove a dynamic id from a PCI driver (sysfs remove_id)")
    public String remove_id(@Descriptor(DRIVER) String driver, @Descriptor(FIELDS) String fields) {
        bus.removeId(driver, fields);
        return dynamicIds(driver, bus.dynamicIds(driver));
    }

    /** {@code pci:sriov_numvfs DEVICE N}. */
    @Descriptor("enable N virtual functions of a PCI device, or disable them with 0 (sysfs sriov_numvfs)")
    public String sriov_numvfs(@Descriptor(PF) String device,
            @Descriptor("N: how many VFs, 0 to sriov_totalvfs") String n) {
        bus.sriovNumvfs(device, n);
        return device + ": sriov_numvfs " + n.strip();
    }

    /** {@code pci:sriov_drivers_autoprobe DEVICE}: show it. */
    @Descriptor("show or set whether a PF's VFs are probed when they appear (sysfs sriov_drivers_autoprobe)")
    public String sriov_drivers_autoprobe(@Descriptor(PF) String device) {
        return device + ": sriov_drivers_autoprobe " + (bus.sriovDriversAutoprobe(device) ? 1 : 0);
    }

    /**
     * {@code pci:sriov_drivers_autoprobe DEVICE VALUE}: the value as sriov_drivers_autoprobe_store
     * (drivers/pci/iov.c) reads it, with kstrtobool.
     *
     * @throws DriverException EINVAL for a value kstrtobool refuses; the device's errors as
     *     {@link PciBus#setSriovDriversAutoprobe}
     */
    @Descriptor("show or set whether a PF's VFs are probed when they appear (sysfs sriov_drivers_autoprobe)")
    public String sriov_drivers_autoprobe(@Descriptor(PF) String device,
            @Descriptor("VALUE: as kstrtobool reads it: 1, y, t, on / 0, n, f, off") String value) {
        Boolean on = SysfsInput.kstrtobool(value);
        if (on == null) {
            throw new DriverException(Errno.EINVAL, "sriov_drivers_autoprobe of " + device + ": '" + value
                    + "' is not a boolean as kstrtobool reads one (1/y/t/on or 0/n/f/off)");
        }
        bus.setSriovDriversAutoprobe(device, on);
        return sriov_drivers_autoprobe(device);
    }

    /** {@code pci:reset DEVICE}: the sysfs reset attribute written with 1. */
    @Descriptor("reset a PCI function as sysfs reset does (pci_reset_function): the first of its reset_method that works;"
            + " a bound driver stays bound, its reset_prepare / reset_done run around the reset")
    public String reset(@Descriptor(DEVICE) String device) {
        return device + ": reset (" + bus.reset(device) + ")";
    }

    /** {@code pci:reset_method DEVICE}: the sysfs reset_method attribute read. */
    @Descriptor("show the reset methods of a PCI function, in the order reset tries them (sysfs reset_method)")
    public String reset_method(@Descriptor(DEVICE) String device) {
        return device + ": reset_method " + bus.resetMethod(device);
    }

    /** {@code pci:reset_method DEVICE METHOD...}: the sysfs reset_method attribute written. */
    @Descriptor("set the reset methods of a PCI function (sysfs reset_method): names in order, 'default' for every"
            + " supported one, '' for none")
    public String reset_method(@Descriptor(DEVICE) String device,
            @Descriptor("METHOD: device_specific, acpi, flr, af_flr, pm, bus, cxl_bus; default; ''") String... methods) {
        bus.setResetMethod(device, String.join(" ", methods));
        return reset_method(device);
    }

    /** The dynamic ids of a driver, one per line, in new_id's field order. */
    static String dynamicIds(String driver, List<PciDeviceId> ids) {
        if (ids.isEmpty()) {
            return driver + ": no dynamic ids";
        }
        return driver + ": dynamic ids\n" + ids.stream()
                .map(id -> String.format("\t%04x %04x %x %x %06x %06x %x", id.vendor(), id.device(), id.subvendor(),
                        id.subdevice(), id.classCode(), id.classMask(), id.driverData()))
                .collect(Collectors.joining("\n"));
    }
}
