package org.nova.it.autoload.drivers.twinb;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.osgi.service.component.annotations.Component;

/**
 * A PCI driver found by alias (AutoloadIT): the second of two bundles claiming the same alias. Its one entry is declared with
 * {@link PciDriverAlias}, so bnd writes it into the manifest; the probe keeps the device's name.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = TwinB.NAME, vendor = TwinB.VENDOR, device = TwinB.DEVICE)
public final class TwinB implements PciDriver<String> {
    /** The driver name. */
    public static final String NAME = "autoload_twin_b";
    /** The vendor ID both twins claim (made up for the test). */
    static final int VENDOR = 0xabc4;
    /** The device ID both twins claim. */
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
