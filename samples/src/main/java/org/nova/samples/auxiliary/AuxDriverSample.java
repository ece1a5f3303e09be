package org.nova.samples.auxiliary;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryDriverAlias;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auxiliary half of the kernel's rust_driver_auxiliary sample: binds
 * "{@value AuxParentSample#MODNAME}.{@value AuxParentSample#AUXILIARY_NAME}" devices, and in probe
 * reads its parent's PCI ids and its registration data.
 */
@Component(service = {AuxiliaryDriver.class, AuxDriverSample.class})
@AuxiliaryDriverAlias(driver = AuxDriverSample.NAME, id = AuxDriverSample.ID)
public final class AuxDriverSample implements AuxiliaryDriver<AuxDriverSample.Seen> {
    private static final Logger LOG = LoggerFactory.getLogger(AuxDriverSample.class);
    /** The driver's name. */
    static final String NAME = AuxParentSample.MODNAME + ".aux_driver";
    /** Its one id: the devices its parent sample registers. */
    static final String ID = AuxParentSample.MODNAME + "." + AuxParentSample.AUXILIARY_NAME;

    /** What one probe saw. */
    public record Seen(String device, String parent, int vendor, int deviceId, int index) {
    }

    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> idTable() {
        return List.of(ID);
    }

    @Override
    public Seen probe(AuxiliaryDevice dev, String matchedId) {
        PciDevice parent = dev.parent().busData(PciDevice.class);
        AuxParentSample.Data data = dev.registrationData(AuxParentSample.Data.class).orElseThrow(
                () -> new DriverException(Errno.EINVAL, dev.name() + " has no registration data"));
        Seen s = new Seen(dev.name(), parent.slot(), parent.vendorId(), parent.deviceId(), data.index());
        LOG.info("{}: probed, parent {} ({}:{}), data index {}", dev.name(), parent.slot(),
                Integer.toHexString(parent.vendorId()), Integer.toHexString(parent.deviceId()), data.index());
        seen.put(dev.name(), s);
        return s;
    }

    @Override
    public void remove(AuxiliaryDevice dev, Seen s) {
        seen.remove(dev.name());
    }

    /** @return what each bound auxiliary device's probe saw */
    public Map<String, Seen> seen() {
        return Map.copyOf(seen);
    }
}
