package org.nova.bus.auxiliary;

import java.util.List;

import org.nova.driver.ProbeDeferException;
import org.nova.driver.ProbeType;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An auxiliary driver: {@code struct auxiliary_driver} and Rust's {@code auxiliary::Driver}.
 * Registered as an OSGi service ({@code @Component(service = AuxiliaryDriver.class)}); the
 * auxiliary bus tracks the services. When the service goes away, every device bound to it is
 * unbound (its {@link #remove} runs, its devres are released) before the unregistration returns.
 *
 * <p>A driver without a name or with an empty id table is refused at registration (the kernel's
 * {@code __auxiliary_driver_register} refuses a driver without probe or id_table with -EINVAL).
 *
 * <p><b>Driver data.</b> {@code D} is what Rust's {@code auxiliary::Driver} calls {@code Self}: the
 * per-device state {@link #probe} creates and {@link #remove} gets back, typed; the bus keeps it for
 * the binding, and {@code dev.device().driverData(type)} reaches it while the driver is bound.
 *
 * <p><b>No id info.</b> The id table holds names only: C's {@code auxiliary_device_id.driver_data}
 * and Rust's {@code type IdInfo} have no counterpart here, since no auxiliary driver in the tree has
 * one (nova-drm's table carries {@code ()}). What a parent passes to its child travels as the
 * device's registration data ({@link AuxiliaryDevice#registrationData}).
 *
 * @param <D> the driver's per-device data: what {@link #probe} returns and {@link #remove} receives
 */
@ConsumerType
public interface AuxiliaryDriver<D> {
    /** @return the driver's name, "modname.drvname" as {@code __auxiliary_driver_register} builds it */
    String name();

    /** @return the ids the driver handles, each "modname.devname"; read at every match */
    List<String> idTable();

    /**
     * Binds an auxiliary device. Its parent is bound for at least as long as this binding.
     *
     * @param dev the device, valid until {@link #remove} returns
     * @param matchedId the id table entry that matched
     * @return the driver data, given back to {@link #remove} (may be null); owned by the binding,
     *     and if it is {@link AutoCloseable} it is closed after the binding's devres are released
     * @throws Exception to refuse the device ({@link ProbeDeferException} to be
     *     probed again later); what the probe acquired is released
     */
    D probe(AuxiliaryDevice dev, String matchedId) throws Exception;

    /**
     * The driver lets go of the device, before the binding's devres are released. Must not fail;
     * an exception is logged and ignored.
     *
     * @param dev the device
     * @param data what {@link #probe} returned for this device
     */
    default void remove(AuxiliaryDevice dev, D data) {
    }

    /** @return how the initial probes of this driver run */
    default ProbeType probeType() {
        return ProbeType.DEFAULT_STRATEGY;
    }
}
