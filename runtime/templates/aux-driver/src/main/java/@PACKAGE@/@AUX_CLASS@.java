package @PACKAGE@;

import java.util.List;

import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryDriverAlias;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The @NAME@ auxiliary driver, the child half of the split driver: binds the
 * "{@value #ID}.N" devices {@link @CLASS@} adds, one per function it drives, as nova-drm binds
 * the device nova-core adds per GPU.
 *
 * <p>Registered as a Declarative Services component under {@link AuxiliaryDriver}: when its bundle
 * starts, the auxiliary bus offers it every device its id table names; when the parent unbinds,
 * the device is unbound ({@link #remove}, then the devres this probe acquired through
 * {@code dev.device()}) and deleted before the parent's BAR0 is unmapped. What the child knows of
 * its parent comes with the device, as its registration data ({@link @CLASS@.Ctl}), the way
 * nova-drm gets nova-core's; the parent's own device is {@code dev.parent()}.
 *
 * <p>{@link AuxiliaryDriverAlias} writes the id into the manifest as an alias, as for the PCI
 * driver.
 */
@Component(service = AuxiliaryDriver.class)
@AuxiliaryDriverAlias(driver = @AUX_CLASS@.NAME, id = @AUX_CLASS@.ID)
public final class @AUX_CLASS@ implements AuxiliaryDriver<@CLASS@.Ctl> {
    private static final Logger LOG = LoggerFactory.getLogger(@AUX_CLASS@.class);

    /**
     * The driver's name on the auxiliary bus: "modname.drvname", as {@code __auxiliary_driver_register}
     * builds it (this driver is in the parent's module, and named after the device it drives).
     */
    public static final String NAME = @CLASS@.NAME + "." + @CLASS@.CTL;
    /** Its one id, "modname.devname": the devices {@link @CLASS@} adds. */
    public static final String ID = @CLASS@.NAME + "." + @CLASS@.CTL;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> idTable() {
        return List.of(ID);
    }

    /**
     * Reaches the parent's registers through the registration data and logs.
     *
     * @throws DriverException EINVAL if the device came without the parent's data (nothing is kept)
     */
    @Override
    public @CLASS@.Ctl probe(AuxiliaryDevice dev, String matchedId) {
        @CLASS@.Ctl ctl = dev.registrationData(@CLASS@.Ctl.class).orElseThrow(
                () -> new DriverException(Errno.EINVAL, dev.name() + " has no " + @CLASS@.NAME + " registration data"));
        long size;
        try (var bar = ctl.bar0().access()) {
            size = bar.get().size();
        }
        LOG.info("{}: probed, parent {} ({} bytes of registers)", dev.name(), ctl.slot(), size);
        return ctl;
    }

    /** The parent is still bound and its BAR0 still mapped: stop using them here. */
    @Override
    public void remove(AuxiliaryDevice dev, @CLASS@.Ctl ctl) {
        LOG.info("{}: removed", dev.name());
    }
}
