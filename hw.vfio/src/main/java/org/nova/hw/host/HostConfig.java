package org.nova.hw.host;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the read-only host backend (configuration PID {@value HostBackend#PID}).
 * Without a configuration the framework property {@code nova.host.enabled} gives the value.
 */
@ObjectClassDefinition(name = "Nova host PCI backend (read-only)",
        description = "This machine's own PCI functions from sysfs, listed read-only: drivers cannot bind.")
public @interface HostConfig {

    /** @return whether the backend publishes the host's functions */
    @AttributeDefinition(name = "Enabled", description = "Publish one read-only host bridge per PCI domain."
            + " Off by default.")
    boolean enabled() default false;
}
