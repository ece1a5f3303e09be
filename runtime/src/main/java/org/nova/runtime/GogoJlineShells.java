package org.nova.runtime;

import java.util.List;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Enables the telnet shells ({@link TelnetShells}), built on Gogo JLine, while its
 * Shell service is registered, and disables them when it goes. They are disabled by default: the
 * runtime bundle also runs where Gogo JLine is not installed (the Pax Exam tests, an embedding
 * application), and there a component waiting for a service that can never come would be reported
 * as not satisfied ({@code drv:settle}, {@code ./nova -c}'s report), which it is not: it is not
 * wanted. The service is tracked by name, so nothing of Gogo JLine is loaded without it.
 */
@Component(immediate = true)
public final class GogoJlineShells {
    /** Gogo JLine's Shell service (org.apache.felix.gogo.jline.Shell). */
    static final String SHELL_SERVICE = "org.apache.felix.gogo.jline.Shell";
    /** The components enabled while it is registered. */
    static final List<String> SHELLS = List.of(TelnetShells.class.getName());

    private final ServiceTracker<Object, ServiceReference<Object>> tracker;

    @Activate
    public GogoJlineShells(ComponentContext component) {
        tracker = new ServiceTracker<>(component.getBundleContext(), SHELL_SERVICE, null) {
            @Override
            public ServiceReference<Object> addingService(ServiceReference<Object> reference) {
                SHELLS.forEach(component::enableComponent);
                return reference;
            }

            @Override
            public void removedService(ServiceReference<Object> reference, ServiceReference<Object> service) {
                if (isEmpty()) {
                    SHELLS.forEach(component::disableComponent);
                }
            }
        };
        tracker.open();
    }

    @Deactivate
    void deactivate() {
        tracker.close();
    }
}
