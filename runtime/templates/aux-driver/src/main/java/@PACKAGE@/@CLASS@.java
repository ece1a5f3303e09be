package @PACKAGE@;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryRegistration;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.devres.Devres;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The @NAME@ PCI driver, the parent half of a split driver: binds every function with vendor
 * @VENDOR@ and device @DEVICE@, maps its registers, and hands the device's control part to the
 * auxiliary bus as the device "{@value #NAME}.{@value #CTL}.N", which {@link @AUX_CLASS@} binds.
 * This is how nova-core gives each GPU's display part to nova-drm (drivers/base/auxiliary.c): the
 * parent owns the hardware, each part's driver is a driver of its own that can come and go.
 *
 * <p>Registered as a Declarative Services component under {@link PciDriver}; SCR starts it once
 * the {@link AuxiliaryBus} service is there. Everything the probe acquires is devres of the
 * binding, released newest first after {@link #unbind} (or at once if the probe throws): the
 * auxiliary device first (its driver unbinds, then it is deleted), then BAR0, then the enable. So
 * the child is never bound to a device whose registers are gone, and unbinding this driver, or
 * stopping its bundle, removes the child with it, as {@code devm_auxiliary_device_create} does.
 *
 * <p>{@link PciDriverAlias} writes the id table into the manifest as an alias, so the runtime's
 * autoload finds this bundle in its {@code drivers/} folder for a device no running driver takes.
 */
@Component(service = PciDriver.class)
@PciDriverAlias(driver = @CLASS@.NAME, vendor = @CLASS@.VENDOR_ID, device = @CLASS@.DEVICE_ID)
public final class @CLASS@ implements PciDriver<@CLASS@.Bound> {
    private static final Logger LOG = LoggerFactory.getLogger(@CLASS@.class);

    /**
     * The driver's name on the PCI bus ({@code drv:drivers}), as {@code struct pci_driver.name};
     * also the module name its auxiliary devices are named after (KBUILD_MODNAME).
     */
    public static final String NAME = "@NAME@";
    /** The vendor ID this driver binds (the first half of {@code lspci -n}'s vendor:device). */
    public static final int VENDOR_ID = 0x@VENDOR@;
    /** The device ID this driver binds. */
    public static final int DEVICE_ID = 0x@DEVICE@;
    /** The BAR the driver maps: the device's registers. */
    static final int BAR0 = 0;
    /** The auxiliary device's name within this module: the device is "{@value #NAME}.{@value #CTL}.N". */
    public static final String CTL = "ctl";

    /**
     * What the child gets from its parent: the registration data of the {@value #CTL} device. The
     * BAR0 mapping stays the parent's; the child may use it while it is bound, which is never
     * longer than the parent is.
     *
     * @param slot the PCI function, for the child's messages
     * @param bar0 the parent's BAR0 mapping
     */
    public record Ctl(String slot, Devres<Bar> bar0) {
    }

    /**
     * The driver's data per device, both parts devres of the binding (given back to {@link #unbind}).
     *
     * @param bar0 the BAR0 mapping
     * @param ctl the auxiliary device's registration; closing it early would delete the device
     */
    public record Bound(Devres<Bar> bar0, Devres<AuxiliaryRegistration> ctl) {
    }

    private final AuxiliaryBus auxiliary;
    /**
     * The next auxiliary device's id: "modname.devname.id" must be unique, and each bound function
     * gets one device, so a counter, as nova-core's driver.rs keeps for nova-drm's devices.
     */
    private final AtomicInteger nextId = new AtomicInteger();

    /** @param auxiliary the auxiliary bus, where the {@value #CTL} devices are registered */
    @Activate
    public @CLASS@(@Reference AuxiliaryBus auxiliary) {
        this.auxiliary = auxiliary;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return List.of(PciDeviceId.of(VENDOR_ID, DEVICE_ID));
    }

    /**
     * Enables the device, maps BAR0, then registers the auxiliary device (its driver, if running,
     * probes it at once). A failure (no BAR0, the BAR claimed already, a device of that name
     * there) throws, and the core releases what was acquired and refuses the device.
     */
    @Override
    public Bound probe(PciDevice dev, PciDeviceId id) {
        dev.enableDevice();
        Devres<Bar> bar0 = dev.iomapRegion(BAR0, NAME);
        long size;
        try (var bar = bar0.access()) {
            size = bar.get().size();
        }
        LOG.info("{}: {} probed, BAR0 mapped ({} bytes)", dev.slot(), NAME, size);
        Devres<AuxiliaryRegistration> ctl = auxiliary.register(dev.device(), NAME, CTL, nextId.getAndIncrement(),
                new Ctl(dev.slot(), bar0));
        try (var reg = ctl.access()) {
            LOG.info("{}: {} added the auxiliary device {}", dev.slot(), NAME, reg.get().device().name());
        }
        return new Bound(bar0, ctl);
    }

    /** The device is still there, BAR0 still mapped and the child still bound: stop the hardware here. */
    @Override
    public void unbind(PciDevice dev, Bound bound) {
        LOG.info("{}: {} unbound", dev.slot(), NAME);
    }
}
