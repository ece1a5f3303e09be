package org.nova.it.lifecycle.slowstart;

import java.util.Map;

import org.nova.it.testbus.TestBusControl;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * One test-bus device per configuration of {@link Slow#DEVICE_PID}, added after an activation
 * that takes the configured delay and sends no service event meanwhile.
 */
@Component(service = {}, immediate = true, configurationPid = Slow.DEVICE_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
public final class SlowDevice {
    private final TestBusControl bus;
    private final String name;

    @Activate
    public SlowDevice(BundleContext context, @Reference TestBusControl bus, Map<String, Object> config) {
        this.bus = bus;
        this.name = String.valueOf(config.get(Slow.PROP_DEVICE));
        Slow.sleep(context);
        bus.add(name, Slow.ID);
        Slow.activated = true;
    }

    @Deactivate
    void deactivate() {
        bus.remove(name);
    }
}
