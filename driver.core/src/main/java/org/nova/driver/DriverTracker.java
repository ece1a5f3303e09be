package org.nova.driver;

import java.util.Objects;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver whiteboard of a bus: tracks the services of the bus's driver interface and
 * registers each with the bus. When a driver service goes away — its bundle stopped, updated or
 * uninstalled — the tracker's removal runs while the service is still being unregistered, so the
 * driver's devices are unbound and their devres released before the bundle's code stops.
 *
 * <p>The bus bundle owns the tracker: {@link #open()} in its activation, {@link #close()} in its
 * deactivation (which unregisters every driver the tracker registered).
 *
 * @param <S> the bus's driver service type
 */
public final class DriverTracker<S> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DriverTracker.class);

    private final ServiceTracker<S, DriverRegistration> tracker;

    /**
     * @param context the bus bundle's context
     * @param type the driver service interface
     * @param bus the bus the drivers register with
     * @param name the driver's name, read from the service object
     * @param probeType the driver's probe type, read from the service object
     */
    public DriverTracker(BundleContext context, Class<S> type, BusRegistration bus, Function<S, String> name,
            Function<S, ProbeType> probeType) {
        Objects.requireNonNull(bus);
        this.tracker = new ServiceTracker<>(context, type, null) {
            @Override
            public DriverRegistration addingService(ServiceReference<S> ref) {
                S driver = context.getService(ref);
                if (driver == null) {
                    return null;
                }
                String bsn = ref.getBundle() == null ? "" : ref.getBundle().getSymbolicName();
                int ranking = ranking(ref);
                long id = (Long) ref.getProperty(Constants.SERVICE_ID);
                try {
                    return bus.registerDriver(new DriverDescriptor(name.apply(driver), driver, bsn, ranking, id,
                            probeType.apply(driver)));
                } catch (RuntimeException e) {
                    LOG.error("{} driver service {} from bundle {} not registered: {}", bus.name(), id, bsn,
                            e.getMessage());
                    context.ungetService(ref);
                    return null;
                }
            }

            @Override
            public void modifiedService(ServiceReference<S> ref, DriverRegistration registration) {
                registration.rankingChanged(ranking(ref));
            }

            @Override
            public void removedService(ServiceReference<S> ref, DriverRegistration registration) {
                // a stopping bundle takes all its drivers: none of them may pick up a device
                // that another one of them lets go of
                Bundle owner = ref.getBundle();
                if (owner != null && owner.getState() == Bundle.STOPPING) {
                    getTracked().forEach((r, reg) -> {
                        if (owner.equals(r.getBundle())) {
                            reg.leaving();
                        }
                    });
                }
                try {
                    registration.close();
                } finally {
                    context.ungetService(ref);
                }
            }
        };
    }

    private static int ranking(ServiceReference<?> ref) {
        return ref.getProperty(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
    }

    /** Starts tracking: every present driver service registers now. */
    public DriverTracker<S> open() {
        tracker.open();
        return this;
    }

    /** Stops tracking: every driver registered through this tracker is unregistered. */
    @Override
    public void close() {
        tracker.close();
    }
}
