package org.nova.driver;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A registered driver, held by its bus. {@link #close()} is {@code driver_unregister}: every
 * device bound to the driver is unbound (latest bound first) and its devres released before
 * close returns — so a bus calling it while the driver's service is being unregistered runs
 * every remove while the driver bundle's code is still there. Then, unlike the kernel, those
 * devices are probed again against the drivers that remain.
 */
@ProviderType
public interface DriverRegistration extends AutoCloseable {
    /** @return the driver as registered. */
    DriverDescriptor descriptor();

    /**
     * The driver's code is going away (its bundle is stopping): from now on the driver is offered
     * no device, while the devices bound to it stay bound until {@link #close()}. Without this,
     * a device released by one driver of a stopping bundle could be probed by another driver of
     * the same bundle a moment before that one goes too.
     */
    void leaving();

    /**
     * The driver service's service.ranking changed: later choices use the new ranking. Bound
     * devices stay bound (the kernel never moves a bound device to a better driver).
     */
    void rankingChanged(int ranking);

    /**
     * The driver's ids changed (the PCI bus's new_id / remove_id): the core re-reads its
     * {@link BusType#driverKeys}. It does not probe by itself.
     */
    void idsChanged();

    @Override
    void close();
}
