package org.nova.it.autoload.drivers.alpha;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.osgi.service.component.annotations.Component;

/**
 * A PCI driver found by alias (AutoloadIT): an exact vendor:device entry (PCI_DEVICE). Its one entry is declared with
 * {@link PciDriverAlias}, so bnd writes it into the manifest; the probe keeps the device's name.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = AlphaAuto.NAME, vendor = AlphaAuto.VENDOR, device = AlphaAuto.DEVICE)
public final class AlphaAuto implements PciDriver<String> {
    /** The driver name. */
    public static final String NAME = "autoload_alpha";
    /** The vendor ID of the devices it drives (made up for the test). */
    static final int VENDOR = 0xabc1;
    /** The device ID. */
    static final int DEVICE = 0x0001;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(VENDOR, DEVICE));
    }

    @Override
    public String probe(PciDevice dev, PciDeviceId id) {
        return dev.toString();
    }
}
