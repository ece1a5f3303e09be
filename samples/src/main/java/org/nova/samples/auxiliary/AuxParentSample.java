package org.nova.samples.auxiliary;

import java.util.ArrayList;
import java.util.List;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryRegistration;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PCI half of the kernel's samples/rust/rust_driver_auxiliary.rs: a PCI driver that, bound,
 * registers two auxiliary devices "{@value #MODNAME}.{@value #AUXILIARY_NAME}.0" and ".1", each
 * with its index as registration data. The registrations live in the parent's devres, so they
 * are gone before the parent finishes unbinding, and their driver unbinds first.
 *
 * <p>It claims a pci-testdev whose board straps subsystem IDs 1b36:0005 (the default simulated
 * platform has one at 00:04.0): a more specific id than the pci-testdev sample's, so that device
 * comes here whatever order the two drivers start in.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = AuxParentSample.MODNAME, vendor = AuxParentSample.PCI_VENDOR_ID_REDHAT,
        device = AuxParentSample.PCI_DEVICE_ID_REDHAT_TEST, subvendor = AuxParentSample.PCI_VENDOR_ID_REDHAT,
        subdevice = AuxParentSample.PCI_DEVICE_ID_REDHAT_TEST)
public final class AuxParentSample implements PciDriver<List<Devres<AuxiliaryRegistration>>> {
    private static final Logger LOG = LoggerFactory.getLogger(AuxParentSample.class);

    /** The module name, which names the auxiliary devices. */
    public static final String MODNAME = "rust_driver_auxiliary";
    /** The auxiliary device name within the module. */
    public static final String AUXILIARY_NAME = "auxiliary";
    /** PCI_VENDOR_ID_REDHAT (include/linux/pci_ids.h). */
    static final int PCI_VENDOR_ID_REDHAT = 0x1b36;
    /** QEMU's pci-testdev (PCI_DEVICE_ID_REDHAT_TEST). */
    static final int PCI_DEVICE_ID_REDHAT_TEST = 0x0005;
    /** How many auxiliary devices the parent registers. */
    static final int CHILDREN = 2;

    /** The registration data of each auxiliary device: its index, like the Rust sample's Data. */
    public record Data(int index) {
    }

    private final AuxiliaryBus auxiliary;

    @Activate
    public AuxParentSample(@Reference AuxiliaryBus auxiliary) {
        this.auxiliary = auxiliary;
    }

    @Override
    public String name() {
        return MODNAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.withSubsystem(PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_TEST,
                PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_TEST));
    }

    @Override
    public List<Devres<AuxiliaryRegistration>> probe(PciDevice dev, PciDeviceId id) {
        List<Devres<AuxiliaryRegistration>> regs = new ArrayList<>(CHILDREN);
        for (int i = 0; i < CHILDREN; i++) {
            regs.add(auxiliary.register(dev.device(), MODNAME, AUXILIARY_NAME, i, new Data(i)));
        }
        LOG.info("{}: registered {} auxiliary devices", dev.slot(), CHILDREN);
        return List.copyOf(regs);
    }
}
