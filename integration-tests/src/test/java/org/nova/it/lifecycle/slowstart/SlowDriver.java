package org.nova.it.lifecycle.slowstart;

import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.nova.driver.Device;
import org.nova.it.testbus.TestDriver;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * A test-bus driver whose probe takes the configured delay, holds one devres, and registers a
 * {@link Probed} service for the device until it is removed.
 */
@Component(service = TestDriver.class)
public final class SlowDriver implements TestDriver<ServiceRegistration<Probed>> {
    private final BundleContext context;

    @Activate
    public SlowDriver(BundleContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return Slow.DRIVER;
    }

    @Override
    public List<String> ids() {
        return List.of(Slow.ID);
    }

    @Override
    public ServiceRegistration<Probed> probe(Device device) {
        Slow.sleep(context);
        device.devres().add("slow.buffer", () -> { });
        String name = device.name();
        Probed probed = () -> name;
        return context.registerService(Probed.class, probed, new Hashtable<>(Map.of(Slow.PROP_DEVICE, name)));
    }

    @Override
    public void remove(Device device, ServiceRegistration<Probed> registration) {
        registration.unregister();
    }
}
