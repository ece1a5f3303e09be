package org.nova.bus.pci.internal.shell;

import java.util.List;
import java.util.stream.Collectors;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDeviceId;
import org.nova.driver.DriverException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo shell commands of the PCI bus (scope "pci"): {@code lspci}, {@code new_id},
 * {@code remove_id} and {@code sriov_numvfs}. A Gogo command is a plain service with the
 * {@code osgi.command.scope} and {@code osgi.command.function} properties; no Gogo API is needed.
 * Each command returns its whole output as one string and throws
 * {@link DriverException} (errno and reason) on bad input, which Gogo reports.
 */
@Component(service = PciCommands.class, property = {
        "osgi.command.scope=pci",
        "osgi.command.function=lspci",
        "osgi.command.function=new_id",
        "osgi.command.function=remove_id",
        "osgi.command.function=sriov_numvfs"})
public final class PciCommands {
    private final PciBus bus;

    @Activate
    public PciCommands(@Reference(name = "bus") PciBus bus) {
        this.bus = bus;
    }

    /** {@code lspci}: Gogo does not call a varargs method without arguments, hence this overload. */
    public String lspci() {
        return lspci(new String[0]);
    }

    /** {@code lspci [-n|-nn] [-v] [-k] [-D] [-s SLOT] [-d VENDOR:DEVICE]}. */
    public String lspci(String... args) {
        Lspci.Options o = Lspci.parse(args);
        return Lspci.format(bus.devices(), o, PciNames.system());
    }

    /** {@code pci:new_id DRIVER "vendor device [subvendor subdevice class class_mask driver_data]"}. */
    public String new_id(String driver, String fields) {
        bus.newId(driver, fields);
        return dynamicIds(driver, bus.dynamicIds(driver));
    }

    /** {@code pci:remove_id DRIVER "vendor device [subvendor subdevice class class_mask]"}. */
    public String remove_id(String driver, String fields) {
        bus.removeId(driver, fields);
        return dynamicIds(driver, bus.dynamicIds(driver));
    }

    /** {@code pci:sriov_numvfs DEVICE N}. */
    public String sriov_numvfs(String device, String n) {
        bus.sriovNumvfs(device, n);
        return device + ": sriov_numvfs " + n.strip();
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
