package org.nova.it.autoload.drivers.wild;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.osgi.service.component.annotations.Component;

/**
 * A PCI driver found by alias (AutoloadIT): every device of one vendor (device PCI_ANY_ID). Its one entry is declared with
 * {@link PciDriverAlias}, so bnd writes it into the manifest; the probe keeps the device's name.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = WildAuto.NAME, vendor = WildAuto.VENDOR)
public final class WildAuto implements PciDriver<String> {
    /** The driver name. */
    public static final String NAME = "autoload_wild";
    /** The vendor ID of the devices it drives (made up for the test). */
    static final int VENDOR = 0xabc3;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(new PciDeviceId(VENDOR, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, 0, 0, 0, false));
    }

    @Override
    public String probe(PciDevice dev, PciDeviceId id) {
        return dev.toString();
    }
}
