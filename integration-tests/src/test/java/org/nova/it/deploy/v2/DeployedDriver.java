package org.nova.it.deploy.v2;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver as a user writes one outside the tree, version 2, dropped into the deploy folder by
 * DeployFolderIT: it binds the test's pci-generic device, enables it and maps BAR0 as devres,
 * and (new in version 2) registers a devres action and says
 * which version probed.
 */
@Component(service = PciDriver.class)
public final class DeployedDriver implements PciDriver<Object> {
    private static final Logger LOG = LoggerFactory.getLogger(DeployedDriver.class);
    /** The version this code is. */
    public static final int VERSION = 2;
    /** The driver's name. */
    public static final String NAME = "deployed_driver";
    /** The ids of the test's pci-generic device (vendor 0x1d0f is unassigned in pci.ids). */
    public static final int VENDOR = 0x1d0f;
    public static final int DEVICE = 0xde01;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(VENDOR, DEVICE));
    }

    @Override
    public Object probe(PciDevice dev, PciDeviceId id) {
        dev.enableDeviceMem();
        Devres<?> bar = dev.iomapRegion(0, NAME);
        dev.device().devres().addAction("deployed_driver v2 action", () -> LOG.info("{}: v2 action released", dev.slot()));
        LOG.info("{}: deployed_driver v{} probed", dev.slot(), VERSION);
        return bar;
    }
}
