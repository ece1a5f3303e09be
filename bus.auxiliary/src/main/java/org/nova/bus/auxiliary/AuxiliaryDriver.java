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
 */
@ConsumerType
public interface AuxiliaryDriver {
    /** @return the driver's name, "modname.drvname" as {@code __auxiliary_driver_register} builds it */
    String name();

    /** @return the ids the driver handles, each "modname.devname"; read at every match */
    List<String> idTable();

    /**
     * Binds an auxiliary device. Its parent is bound for at least as long as this binding.
     *
     * @param dev the device, valid until {@link #remove} returns
     * @param matchedId the id table entry that matched
     * @return the driver data, given back to {@link #remove}; if it is {@link AutoCloseable} it is
     *     closed after the binding's devres are released
     * @throws Exception to refuse the device ({@link ProbeDeferException} to be
     *     probed again later); what the probe acquired is released
     */
    Object probe(AuxiliaryDevice dev, String matchedId) throws Exception;

    /**
     * The driver lets go of the device, before the binding's devres are released. Must not fail;
     * an exception is logged and ignored.
     */
    default void remove(AuxiliaryDevice dev, Object data) {
    }

    /** @return how the initial probes of this driver run */
    default ProbeType probeType() {
        return ProbeType.DEFAULT_STRATEGY;
    }
}
