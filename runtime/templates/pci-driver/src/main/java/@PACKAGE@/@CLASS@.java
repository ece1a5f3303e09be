package @PACKAGE@;

import java.util.List;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.devres.Devres;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The @NAME@ PCI driver: binds every function with vendor @VENDOR@ and device @DEVICE@.
 *
 * <p>Registered as a Declarative Services component under {@link PciDriver}: when its bundle
 * starts, the PCI bus offers it every matching device; when the bundle stops, each bound device
 * is unbound first. Everything the probe acquires through the {@link PciDevice} (the enable, the
 * BAR mapping) is devres: the binding owns it and releases it, newest first, after
 * {@link #unbind}, or at once if the probe throws. The driver keeps no state of its own: its data
 * per device is the BAR0 mapping, given back to {@link #unbind}.
 *
 * <p>{@link PciDriverAlias} writes the id table into the manifest as an alias, so the runtime's
 * autoload finds this bundle in its {@code drivers/} folder for a device no running driver takes.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = @CLASS@.NAME, vendor = @CLASS@.VENDOR_ID, device = @CLASS@.DEVICE_ID)
public final class @CLASS@ implements PciDriver<Devres<Bar>> {
    private static final Logger LOG = LoggerFactory.getLogger(@CLASS@.class);

    /** The driver's name on the PCI bus ({@code drv:drivers}), as {@code struct pci_driver.name}. */
    public static final String NAME = "@NAME@";
    /** The vendor ID this driver binds (the first half of {@code lspci -n}'s vendor:device). */
    public static final int VENDOR_ID = 0x@VENDOR@;
    /** The device ID this driver binds. */
    public static final int DEVICE_ID = 0x@DEVICE@;
    /** The BAR the driver maps: the device's registers. */
    static final int BAR0 = 0;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(VENDOR_ID, DEVICE_ID));
    }

    /**
     * Enables the device and maps BAR0. A failure (no BAR0, the BAR claimed already) throws, and
     * the core releases the enable and refuses the device.
     */
    @Override
    public Devres<Bar> probe(PciDevice dev, PciDeviceId id) {
        dev.enableDevice();
        Devres<Bar> bar0 = dev.iomapRegion(BAR0, NAME);
        long size;
        try (var bar = bar0.access()) {
            size = bar.get().size();
        }
        LOG.info("{}: {} probed, BAR0 mapped ({} bytes)", dev.slot(), NAME, size);
        return bar0;
    }

    /** The device is still there and BAR0 still mapped: stop the hardware here. */
    @Override
    public void unbind(PciDevice dev, Devres<Bar> bar0) {
        LOG.info("{}: {} unbound", dev.slot(), NAME);
    }
}
