package org.nova.it.lifecycle.slowstart;

import java.io.IOException;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Configures the slow device as the simulator's default platform configures its devices: through
 * Configuration Admin at its own activation, so the device's component is activated later, on
 * Configuration Admin's thread.
 */
@Component(service = {}, immediate = true)
public final class SlowPlatform {
    @Activate
    public SlowPlatform(@Reference ConfigurationAdmin cm) throws IOException {
        Configuration c = cm.getFactoryConfiguration(Slow.DEVICE_PID, Slow.DEVICE, "?");
        if (c.getProperties() == null) {
            c.update(new Hashtable<>(Map.of(Slow.PROP_DEVICE, Slow.DEVICE)));
        }
    }
}
