package org.nova.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
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
     * A tracker that does not compare id tables with manifests.
     *
     * @param context the bus bundle's context
     * @param type the driver service interface
     * @param bus the bus the drivers register with
     * @param name the driver's name, read from the service object
     * @param probeType the driver's probe type, read from the service object
     */
    public DriverTracker(BundleContext context, Class<S> type, BusRegistration bus, Function<S, String> name,
            Function<S, ProbeType> probeType) {
        this(context, type, bus, name, probeType, null);
    }

    /**
     * A tracker that, as each driver registers, compares the alias patterns of its id table with
     * the {@value Modalias#NAMESPACE} capabilities its bundle declares for it, and logs one WARN
     * naming the driver when they differ ({@link Modalias#drift}). A bundle that declares no alias
     * for the driver (a table built from configuration) is not compared: it is simply never
     * loaded by alias.
     *
     * @param context the bus bundle's context
     * @param type the driver service interface
     * @param bus the bus the drivers register with
     * @param name the driver's name, read from the service object
     * @param probeType the driver's probe type, read from the service object
     * @param aliases the alias patterns of the driver's id table, read from the service object;
     *     null compares nothing
     */
    public DriverTracker(BundleContext context, Class<S> type, BusRegistration bus, Function<S, String> name,
            Function<S, ProbeType> probeType, Function<S, List<String>> aliases) {
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
                    String driverName = name.apply(driver);
                    if (aliases != null) {
                        checkAliases(ref.getBundle(), bus.name(), driverName, () -> aliases.apply(driver));
                    }
                    return bus.registerDriver(new DriverDescriptor(driverName, driver, bsn, ranking, id,
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

    /** Logs a WARN when the bundle declares aliases for the driver that differ from its table's. */
    private static void checkAliases(Bundle bundle, String bus, String driver, Supplier<List<String>> table) {
        BundleRevision rev = bundle == null ? null : bundle.adapt(BundleRevision.class);
        if (rev == null) {
            return;
        }
        try {
            drift(rev.getDeclaredCapabilities(Modalias.NAMESPACE), bus, driver, table.get())
                    .ifPresent(m -> LOG.warn("{} (bundle {})", m, bundle.getSymbolicName()));
        } catch (RuntimeException e) {
            // the comparison is a diagnostic: it never keeps a driver from registering
            LOG.warn("{} driver {}: its aliases could not be compared with its id table: {}", bus, driver,
                    e.toString());
        }
    }

    /**
     * @param declared the bundle's {@value Modalias#NAMESPACE} capabilities
     * @return {@link Modalias#drift} of the patterns declared for this bus and driver against the
     *     table's; empty when the bundle declares none for the driver
     */
    static Optional<String> drift(List<BundleCapability> declared, String bus, String driver, List<String> fromTable) {
        List<String> patterns = new ArrayList<>();
        for (BundleCapability c : declared) {
            Map<String, Object> a = c.getAttributes();
            if (bus.equals(a.get(Modalias.BUS_ATTR)) && driver.equals(a.get(Modalias.DRIVER_ATTR))
                    && a.get(Modalias.ALIAS_ATTR) instanceof String pattern) {
                patterns.add(pattern);
            }
        }
        return patterns.isEmpty() ? Optional.empty() : Modalias.drift(bus, driver, fromTable, patterns);
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
