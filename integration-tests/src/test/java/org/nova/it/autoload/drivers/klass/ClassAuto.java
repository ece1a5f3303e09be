package org.nova.it.autoload.drivers.klass;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.hw.pci.PciRegs;
import org.osgi.service.component.annotations.Component;

/**
 * A PCI driver found by alias (AutoloadIT): a class entry with mask 0xffff00 (PCI_DEVICE_CLASS: any vendor, any prog-if). Its one entry is declared with
 * {@link PciDriverAlias}, so bnd writes it into the manifest; the probe keeps the device's name.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = ClassAuto.NAME, baseClass = ClassAuto.BASE_CLASS, subClass = ClassAuto.SUB_CLASS)
public final class ClassAuto implements PciDriver<String> {
    /** The driver name. */
    public static final String NAME = "autoload_class";
    /** The base class it drives: signal processing controller (pci_ids.h PCI_BASE_CLASS_SIGNAL_PROCESSING). */
    static final int BASE_CLASS = 0x11;
    /** The subclass: other. */
    static final int SUB_CLASS = 0x80;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.ofClass(BASE_CLASS << PciRegs.PCI_CLASS_BASE_SHIFT | SUB_CLASS << PciRegs.PCI_CLASS_SUB_SHIFT,
                PciRegs.PCI_CLASS_MASK_BASE_SUB));
    }

    @Override
    public String probe(PciDevice dev, PciDeviceId id) {
        return dev.toString();
    }
}
