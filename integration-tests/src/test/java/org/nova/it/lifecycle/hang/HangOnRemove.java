package org.nova.it.lifecycle.hang;

import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.osgi.service.component.annotations.Component;

/**
 * A PCI driver for QEMU's pci-testdev whose unbind never returns, even when interrupted: the hung
 * driver remove a shutdown must not wait for forever. Bound by hand ({@code drv:bind}).
 */
@Component(service = PciDriver.class)
public final class HangOnRemove implements PciDriver<String> {
    /** The driver name. */
    public static final String NAME = "hang_on_remove";
    /** pci-testdev (PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_TEST). */
    static final PciDeviceId TESTDEV = PciDeviceId.of(0x1b36, 0x0005);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(TESTDEV);
    }

    @Override
    public String probe(PciDevice dev, PciDeviceId id) {
        return dev.toString();
    }

    @Override
    public void unbind(PciDevice dev, String data) {
        CountDownLatch never = new CountDownLatch(1);
        while (true) {
            try {
                never.await();
            } catch (InterruptedException e) {
                // a hung driver does not notice
            }
        }
    }
}
