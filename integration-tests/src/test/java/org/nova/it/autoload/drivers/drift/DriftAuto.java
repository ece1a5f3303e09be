package org.nova.it.autoload.drivers.drift;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.osgi.service.component.annotations.Component;

/**
 * A PCI driver whose declared alias and real id table disagree (AutoloadIT): the manifest says
 * device {@value #DECLARED_DEVICE}, the table {@value #DEVICE}. Its registration must log a WARN
 * naming it.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = DriftAuto.NAME, vendor = DriftAuto.VENDOR, device = DriftAuto.DECLARED_DEVICE)
public final class DriftAuto implements PciDriver<String> {
    /** The driver name. */
    public static final String NAME = "autoload_drift";
    /** The vendor ID (made up for the test). */
    static final int VENDOR = 0xabc6;
    /** The device ID its table matches. */
    static final int DEVICE = 0x0001;
    /** The device ID its annotation declares: out of date. */
    static final int DECLARED_DEVICE = 0x0002;

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
