package org.nova.bus.auxiliary;

import org.nova.devres.Devres;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The auxiliary bus as an OSGi service: how parent drivers create auxiliary devices.
 */
@ProviderType
public interface AuxiliaryBus {
    /** The bus name in the driver core. */
    String NAME = "auxiliary";

    /**
     * {@code auxiliary_device_init} + {@code auxiliary_device_add} (Rust's {@code Registration::new}):
     * creates the device "modname.devname.id" with {@code parent} as its parent, adds it to the bus
     * (it probes at once if a driver matches), and registers its deletion in the parent's devres,
     * so that it is removed before the parent finishes unbinding.
     *
     * <p>Ownership: the returned Devres belongs to the caller; closing it deletes the device now
     * ({@code auxiliary_device_delete} + {@code uninit}). The registration data is the caller's
     * object; the auxiliary bus only hands it to the device's driver, so it must stay usable until
     * the device is gone.
     *
     * @param parent the parent device; it must be bound (or probing: its driver calls this from probe)
     * @param modname the registering module's name (KBUILD_MODNAME)
     * @param devname the device's name within the module
     * @param id distinguishes devices of the same name (printed with %d, as the kernel does)
     * @param data the registration data, or null
     * @return the registration inside a Devres of the parent's binding
     * @throws DriverException EINVAL for a null parent, a parent that is not
     *     bound, or a null or empty modname or devname (nothing is created); EEXIST if a device of
     *     that name exists (nothing is left behind)
     */
    Devres<AuxiliaryRegistration> register(Device parent, String modname, String devname, int id, Object data);
}
